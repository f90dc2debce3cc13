"""``run_xr``: explore a world in a headset; what ``heterocosm explore FILE --xr`` calls.

Owns: wiring one world to one OpenXR session: load and simulate the world under the runtime's
frame timing, move and scale the explorer from the controllers (``engine.xr.stereo``), render
each eye with ``engine.render.Renderer``, drive the audio listener from the head pose, and turn
every expected failure into ``error: ...`` on stderr and exit code 1. Must not open OpenXR
itself (``engine.xr.session`` does) nor change the simulation's internals (it uses the
simulation's explorer and clock controls).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.xr.errors import XrError
from engine.xr.session import EyeTarget, XrFrame, XrSession, XrSettings
from engine.xr.stereo import (
    ExplorerFrame,
    ListenerPose,
    anchor_for_scale_change,
    listener_pose,
    locomotion_velocity,
    quaternion_matrix,
    scaled_size,
    world_point,
    yaw_matrix,
)

EXIT_OK, EXIT_INVALID = 0, 1
MAX_FRAME_SECONDS = 0.25
"""Longest real time one frame may advance the world (after a stall, do not leap ahead)."""


@dataclass
class XrExplorer:
    """The explorer as the headset moves it: where the tracking origin sits, turned and scaled."""

    anchor: np.ndarray  # (3,) float64 world metres of the tracking-space origin
    size: float
    yaw: float = 0.0
    min_size: float = 1e-12
    max_size: float = 1e12
    walking_speed: float = 4.0
    paused: bool = False
    reversed: bool = False
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(3))

    @property
    def frame(self) -> ExplorerFrame:
        return ExplorerFrame(anchor=tuple(self.anchor), yaw=self.yaw, size=self.size)

    def apply(self, xr_frame: XrFrame) -> ExplorerFrame:
        """Move and scale from this frame's controller input; return the frame to render from."""
        dt = min(max(xr_frame.delta_time, 0.0), MAX_FRAME_SECONDS)
        controls = xr_frame.controls
        if controls.time_pressed:
            self.paused = not self.paused
        if controls.reverse_pressed:
            self.reversed = not self.reversed
        new_size = scaled_size(self.size, controls.scale, dt, self.min_size, self.max_size)
        if new_size != self.size:
            self.anchor = anchor_for_scale_change(self.frame, xr_frame.head, new_size)
            self.size = new_size
        self.velocity = locomotion_velocity(
            self.frame, xr_frame.head.orientation, controls.move, self.walking_speed
        )
        self.anchor = self.anchor + self.velocity * dt
        return self.frame


@dataclass(frozen=True)
class DrawnEye:
    """One eye just drawn into its swapchain image (still ours until released)."""

    target: EyeTarget
    snapshot: Any  # engine.sim.snapshot.Snapshot
    eye: Any  # engine.render.renderer.Eye
    renderer: Any  # engine.render.renderer.Renderer


def head_yaw_pitch(explorer: ExplorerFrame, head_orientation: tuple) -> tuple[float, float]:
    """Yaw and pitch (radians, the simulation's convention) of where the head looks in the world."""
    forward = (
        yaw_matrix(explorer.yaw) @ quaternion_matrix(head_orientation) @ np.array([0, 0, -1.0])
    )
    yaw = math.atan2(-forward[0], -forward[2])
    pitch = math.asin(max(-1.0, min(1.0, float(forward[1]))))
    return yaw, pitch


def run_xr(
    world_path: str | Path,
    *,
    frame_limit: int | None = None,
    seed: int | None = None,
    settings: XrSettings | None = None,
    listener: Callable[[ListenerPose], None] | None = None,
    after_eye: Callable[[DrawnEye], None] | None = None,
    on_session: Callable[[XrSession], None] | None = None,
    audio: bool = True,
) -> int:
    """Explore ``world_path`` in the headset until the runtime ends the session; exit code.

    ``frame_limit`` stops after that many submitted frames (tests, benchmarks); ``listener``
    receives the head's ``ListenerPose`` each frame (the acoustics' listener); ``after_eye``
    gets a ``DrawnEye`` after each eye is drawn, before its image goes to the runtime (tests
    read it back there); ``on_session`` gets the open ``XrSession`` before the first frame
    (benchmarks read its ``timings`` afterwards). With ``audio`` the world's acoustics play live
    (silently without a sound device), heard from the headset: each snapshot's explorer is the
    head, and the mixer listens from there.
    Errors (bad world, no runtime, no headset, no OpenGL support, session lost) print
    ``error: ...`` and return 1.
    """
    from engine.rules import WorldError, load_world

    try:
        world = load_world(world_path)
    except WorldError as error:
        return _fail(str(error))  # each problem names the file (and line)
    except OSError as error:
        return _fail(f"cannot read world file {world_path}: {error.strerror or error}")
    try:
        settings = settings or XrSettings.from_environment()
        with XrSession(settings) as session:
            print(
                f"heterocosm: OpenXR runtime '{session.runtime_name}', headset "
                f"'{session.system_name}', {session.recommended_sizes[0][0]}x"
                f"{session.recommended_sizes[0][1]} per eye ({session.graphics_api})",
                file=sys.stderr,
            )
            if on_session is not None:
                on_session(session)
            _explore(session, world, seed, frame_limit, listener, after_eye, audio)
            print(
                f"heterocosm: session ended after {session.frames_submitted} frames",
                file=sys.stderr,
            )
    except XrError as error:
        return _fail(str(error))
    except ValueError as error:  # bad settings from the environment
        return _fail(str(error))
    return EXIT_OK


def _explore(session, world, seed, frame_limit, listener, after_eye, audio) -> None:  # noqa: ANN001
    from engine.app.source import WorldSource
    from engine.render.renderer import Eye, Renderer

    source = WorldSource(world, seed=seed)
    simulation = source.simulation
    scale = world.scale
    explorer = XrExplorer(
        anchor=np.asarray(simulation.explorer_position, dtype=np.float64),
        size=float(simulation.explorer_size),
        min_size=scale.min_explorer_size,
        max_size=scale.max_explorer_size,
        walking_speed=scale.explorer_speed,
    )
    from engine.render.hud import HudState, OverlayCache
    from engine.render.views import subtitles_in
    from engine.xr.subtitles import IMAGE_SIZE, SubtitlePanel, place_panel

    mixer = sink = None
    if audio:
        from engine.audio import Mixer, open_sink

        mixer = Mixer.for_world(world)
        sink = open_sink(mixer)
    renderer = Renderer(session.ctx, world)
    panel = SubtitlePanel(session.ctx)
    overlays = OverlayCache()
    current: dict[str, Any] = {}

    def on_frame(xr_frame: XrFrame) -> ExplorerFrame:
        frame = explorer.apply(xr_frame)
        if xr_frame.should_render:
            head = world_point(frame, xr_frame.head.position)
            simulation.set_explorer_size(frame.size)
            simulation.set_explorer_position(head)
            simulation.set_explorer_velocity(explorer.velocity)
            simulation.set_explorer_orientation(*head_yaw_pitch(frame, xr_frame.head.orientation))
            if listener is not None:
                listener(listener_pose(frame, xr_frame.head))
        simulation.pause(explorer.paused)
        simulation.set_reversed(explorer.reversed)
        source.advance(min(max(xr_frame.delta_time, 0.0), MAX_FRAME_SECONDS))
        snapshot = source.snapshot()
        current["snapshot"] = snapshot
        if mixer is not None:
            mixer.consume(snapshot)  # its explorer is the head: the acoustics follow it
        subtitles = subtitles_in(snapshot.extras)
        current["panel"] = None
        if subtitles and xr_frame.should_render:
            state = HudState(subtitles=subtitles, show_hud=False)
            panel.set_image(overlays.get(state, *IMAGE_SIZE))
            current["panel"] = place_panel(frame, xr_frame.head, panel.pixel_size)
        return frame

    def draw_eye(target: EyeTarget) -> None:
        snapshot = current["snapshot"]
        view = target.view
        eye = Eye(
            position=view.eye,
            rotation_view=view.view_rotation,
            projection=view.projection,
            size=explorer.size,
            velocity=explorer.velocity,
        )
        renderer.draw(snapshot, target.framebuffer, eye)
        if current["panel"] is not None:
            panel.draw(target.framebuffer, view, current["panel"])
        if after_eye is not None:
            after_eye(DrawnEye(target, snapshot, eye, renderer))

    try:
        session.run(on_frame, draw_eye, frame_limit=frame_limit)
    finally:
        if sink is not None:
            sink.close()
        panel.release()
        renderer.release()


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_INVALID
