"""``heterocosm explore``: a pyglet window to walk through a world in.

Owns: the window, input (WASD + mouse look, scroll to change size, time keys, F1 help, subtitle
and HUD toggles), the frame order below, and hot reload (the last good world keeps running and
the error is shown over the scene). Must not touch: offscreen contexts (``engine.app.headless``),
the simulation's internals (only its public controls).

Frame order (one ``tick``): 1. hot-reload poll; 2. explorer movement from held keys;
3. the world advances by the frame's real seconds; 4. snapshot; 5. render + overlay.
pyglet and GL are imported only when a window is made.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from engine.app.reload import POLL_SECONDS, WorldWatcher
from engine.app.source import WorldSource
from engine.render.hud import OverlayCache, state_for
from engine.render.renderer import Renderer, RenderError, camera_from_snapshot
from engine.rules import WorldSpec

MOUSE_RADIANS_PER_PIXEL = 0.0025
SIZE_STEP = 1.15
"""Each scroll click (or + / -) grows or shrinks the explorer by this factor."""
SPEED_STEPS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
SCRUB_SECONDS = 1.0


def display_available() -> bool:
    """Whether a window can be opened: always on macOS and Windows; on Linux, X11 or Wayland."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class ExploreApp:
    """A window onto one world file. ``tick(dt)`` runs one frame; ``run()`` runs until closed."""

    def __init__(
        self,
        path: str | Path,
        world: WorldSpec,
        seed: int | None = None,
        size: tuple[int, int] = (1280, 720),
        visible: bool = True,
    ) -> None:
        import pyglet

        pyglet.options["debug_gl"] = False  # moderngl reads the default framebuffer (DESIGN.md)
        import moderngl
        import pyglet.window

        self.pyglet = pyglet
        self.path = Path(path)
        self.seed = seed
        self.world = world
        window = None
        failures = []
        # 4.3 first: compute shaders step particle fields on the GPU (some drivers, NVIDIA's
        # among them, give exactly the version asked for); 3.3 is enough for everything else.
        for major, minor in ((4, 3), (3, 3)):
            config = pyglet.gl.Config(  # type: ignore[abstract]  # the platform's subclass at run time
                major_version=major,
                minor_version=minor,
                forward_compatible=True,
                double_buffer=True,
                depth_size=0,
            )
            try:
                window = pyglet.window.Window(
                    width=size[0],
                    height=size[1],
                    caption=f"heterocosm: {world.meta.name}",
                    resizable=True,
                    visible=visible,
                    config=config,
                    vsync=True,
                )
                break
            except (pyglet.window.NoSuchConfigException, pyglet.gl.ContextException) as error:
                failures.append(f"{major}.{minor}: {error}")
        if window is None:
            raise RenderError(f"could not open an OpenGL 3.3 window ({'; '.join(failures)})")
        self.window = window
        self.ctx = moderngl.create_context()
        self.renderer = Renderer(self.ctx, world)
        self.source = WorldSource(world, seed=seed, ctx=self.ctx)
        self.watcher = WorldWatcher(self.path)
        self.overlays = OverlayCache()
        self.keys = pyglet.window.key.KeyStateHandler()
        self.window.push_handlers(self.keys)
        self.window.push_handlers(self)
        self.error: str | None = None
        self.show_help = False
        self.show_hud = True
        self.show_subtitles = True
        self.speed_index = SPEED_STEPS.index(1.0)
        self.paused = False
        self.reversed = False
        self._last_poll = time.monotonic()
        self._mouse_captured = False
        self.yaw = 0.0
        self.pitch = -0.05

    # ----------------------------------------------------------------- frame
    def tick(self, dt: float) -> None:
        """One frame: reload, move, advance, draw (the window's buffers are not swapped here)."""
        now = time.monotonic()  # wall time: a saved edit must show within a second however slow
        if now - self._last_poll >= POLL_SECONDS:
            self._last_poll = now
            self.reload()
        self._move(dt)
        self.source.advance(dt)
        self.draw()

    def reload(self) -> None:
        result = self.watcher.poll()
        if result is None:
            return
        if result.world is None:
            self.error = result.error
            return
        simulation = self.source.simulation
        position = simulation.explorer_position.copy()
        size = simulation.explorer_size
        try:
            source = WorldSource(result.world, seed=self.seed, ctx=self.ctx)
        except Exception as error:  # the simulation refused a valid file (e.g. unstable laws)
            self.error = f"{self.path}: {error}"
            return
        self.world = result.world
        self.source.release()
        self.source = source
        self.source.simulation.set_explorer_size(size)
        self.source.simulation.set_explorer_position(position)
        self.renderer.set_world(result.world)
        self._apply_time_controls()
        self.window.set_caption(f"heterocosm: {result.world.meta.name}")
        self.error = None

    def draw(self) -> None:
        simulation = self.source.simulation
        simulation.set_explorer_orientation(self.yaw, self.pitch)
        snapshot = self.source.snapshot()
        width, height = self.window.get_framebuffer_size()
        screen = self.ctx.detect_framebuffer()
        screen.viewport = (0, 0, width, height)
        camera = camera_from_snapshot(snapshot)
        state = state_for(
            self.world.meta.name,
            snapshot,
            height,
            camera.vertical_fov,
            paused=self.paused,
            show_hud=self.show_hud,
            show_subtitles=self.show_subtitles,
            show_help=self.show_help,
            error=self.error,
        )
        overlay = self.overlays.get(state, width, height)
        self.renderer.render(snapshot, screen, camera, overlay)
        self.ctx.error  # noqa: B018 - reading clears the error pyglet's framebuffer leaves

    def screenshot(self) -> np.ndarray:
        """The window's back buffer as (H, W, 3) uint8, top row first."""
        width, height = self.window.get_framebuffer_size()
        data = self.ctx.detect_framebuffer().read(
            viewport=(0, 0, width, height), components=3, alignment=1
        )
        return np.frombuffer(data, np.uint8).reshape(height, width, 3)[::-1]

    # ----------------------------------------------------------------- input
    def _move(self, dt: float) -> None:
        key = self.pyglet.window.key
        simulation = self.source.simulation
        size = simulation.explorer_size
        speed = self.world.scale.explorer_speed * size / 1.7
        if self.keys[key.LSHIFT]:
            speed *= 4.0
        forward = np.array([-math.sin(self.yaw), 0.0, -math.cos(self.yaw)])
        right = np.array([math.cos(self.yaw), 0.0, -math.sin(self.yaw)])
        direction = np.zeros(3)
        direction += forward * (self.keys[key.W] - self.keys[key.S])
        direction += right * (self.keys[key.D] - self.keys[key.A])
        direction[1] += self.keys[key.SPACE] - self.keys[key.C]
        velocity = direction * speed
        simulation.set_explorer_velocity(velocity)
        if velocity.any():
            position = simulation.explorer_position + velocity * dt
            position[1] = max(position[1], size * 0.05)  # never below the ground
            simulation.set_explorer_position(position)

    def _apply_time_controls(self) -> None:
        simulation = self.source.simulation
        simulation.pause(self.paused)
        simulation.set_speed(SPEED_STEPS[self.speed_index])
        simulation.set_reversed(self.reversed)

    def _resize(self, factor: float) -> None:
        simulation = self.source.simulation
        old = simulation.explorer_size
        new = simulation.set_explorer_size(old * factor)
        # Grow and shrink about the feet, so the ground stays underfoot.
        position = simulation.explorer_position.copy()
        position[1] = max(position[1] * new / old, new * 0.05)
        simulation.set_explorer_position(position)

    def on_key_press(self, symbol: int, modifiers: int) -> bool | None:
        key = self.pyglet.window.key
        if symbol in (key.Q,) or (symbol == key.ESCAPE and not self._mouse_captured):
            self.window.close()
            return True
        if symbol == key.ESCAPE:
            self._capture_mouse(False)
        elif symbol == key.F1:
            self.show_help = not self.show_help
        elif symbol == key.T:
            self.show_subtitles = not self.show_subtitles
        elif symbol == key.H:
            self.show_hud = not self.show_hud
        elif symbol == key.P:
            self.paused = not self.paused
        elif symbol == key.R:
            self.reversed = not self.reversed
        elif symbol == key.BRACKETLEFT:
            self.speed_index = max(0, self.speed_index - 1)
        elif symbol == key.BRACKETRIGHT:
            self.speed_index = min(len(SPEED_STEPS) - 1, self.speed_index + 1)
        elif symbol == key.COMMA:
            self.source.scrub(-SCRUB_SECONDS)
        elif symbol == key.PERIOD:
            self.source.scrub(SCRUB_SECONDS)
        elif symbol in (key.PLUS, key.EQUAL, key.NUM_ADD):
            self._resize(SIZE_STEP)
        elif symbol in (key.MINUS, key.NUM_SUBTRACT):
            self._resize(1.0 / SIZE_STEP)
        else:
            return None
        self._apply_time_controls()
        return True

    def on_mouse_scroll(self, x: int, y: int, scroll_x: float, scroll_y: float) -> None:
        self._resize(SIZE_STEP**scroll_y)

    def on_mouse_press(self, x: int, y: int, button: int, modifiers: int) -> None:
        self._capture_mouse(True)

    def _capture_mouse(self, captured: bool) -> None:
        self._mouse_captured = captured
        self.window.set_exclusive_mouse(captured)

    def on_mouse_motion(self, x: int, y: int, dx: int, dy: int) -> None:
        if not self._mouse_captured:
            return
        self.yaw -= dx * MOUSE_RADIANS_PER_PIXEL
        self.pitch = max(-1.5, min(1.5, self.pitch + dy * MOUSE_RADIANS_PER_PIXEL))

    def on_draw(self) -> None:
        pass  # drawing happens in tick, so one frame means one simulation step

    def run(self) -> None:
        """Open the window and run until it is closed."""

        def frame(dt: float) -> None:
            self.tick(min(dt, 0.1))  # a long stall is not a long jump in the world

        self.pyglet.clock.schedule_interval(frame, 1 / 60)
        self.pyglet.app.run()

    def close(self) -> None:
        self.source.release()
        self.renderer.release()
        self.window.close()
