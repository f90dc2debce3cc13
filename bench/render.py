"""Renderer frame times: each example world at 1280x720, against a bare moderngl loop.

The judged baseline ("same draws") is a bare moderngl loop issuing the same draws as our frame,
into a framebuffer of the same size, in the same process: the same screen grid for the ground
(its vertices put on the ground plane, as ours are) and for the sky (at the far plane, drawn
after the opaque things under the depth test, as ours is), the same body and agent meshes with
the same instances (uploaded each frame, as a live loop must), the same particle points (same
buffers, same point sizes, blended) and the same HUD quads (sampling the same overlay texture,
blended). Its shaders are minimal: a colour worked out per vertex (or a constant), a plain depth
test on a default depth buffer, back faces culled on the closed body meshes (coarser ones
for bodies a few pixels across, by our rule), near things first, no post pass. So
"ours / same draws" is our overhead: shading (noise, fog, light, Doppler colour, tone map),
time-field volumes, the reversed-time look and the Python around the draws. Target: <= 1.2x.

A second, informative baseline ("bodies") draws only the body instances with the same minimal
shader: what the scene would cost with no ground, sky, agents, particles or HUD.

Frame times are wall clock, ``ctx.finish()`` before the clock stops; p50 and p99. Ours and the
baselines take turns frame by frame, so a load that comes and goes hits them alike.

The CPU side of a frame is shown apart: "cpu" is the calling thread's CPU time (thread_time)
while a frame's calls are issued, before the finish, p50: Python, numpy, uniform writes, buffer
uploads and the driver's work on that thread. On a GPU that is the whole difference between ours
and the bare loop; on llvmpipe it also holds vertex shading, which llvmpipe does on the calling
thread. A tiny framebuffer (``--size 64x36``) leaves little besides the CPU side on llvmpipe.

    .venv/bin/python bench/render.py                  # every example world, llvmpipe (EGL)
    .venv/bin/python bench/render.py --passes         # and each pass's time (glFinish-bracketed)
    .venv/bin/python bench/render.py --frames 60 --size 1920x1080
    .venv/bin/python bench/render.py --particles 1000000 --size 1920x1080   # GPU target: 120 fps

Not a timing: ``--zoom`` measures how smoothly the ground changes in a slow continuous zoom:
a plain world, or an example world's look without its bodies, particles and agents; the
explorer's size from ``--smallest`` to ``--largest`` m, ``--frames`` frames per doubling; the
eye at the simulation's 0.93 x size above the feet, looking down 0.5 rad; a small ``--size``.
It prints each frame's mean absolute change from the last (0..255 levels, all channels): the
median, 99th percentile and maximum, and the frames that cross a doubling of size (where the
ground's octaves change roles) against the rest. A pop shows as a spike there. Frames that cross
a scale band's edge (whose tint changes at once, by design) are listed apart.

    .venv/bin/python bench/render.py --zoom --size 320x180 --frames 256
    .venv/bin/python bench/render.py --zoom --size 320x180 --frames 64 --world nested_scales \
        --smallest 1e-8 --largest 1e4
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.app.headless import create_offscreen_context  # noqa: E402
from engine.app.source import COMPUTE_GL_VERSION, WorldSource  # noqa: E402
from engine.render.depth import ClipDistance  # noqa: E402
from engine.render.hud import OverlayCache, state_for  # noqa: E402
from engine.render.meshes import AGENT_SHAPES, MESH_DETAILS, agent_meshes, body_meshes  # noqa: E402
from engine.render.renderer import (  # noqa: E402
    GROUND_EXTENT_PER_SIZE,
    Eye,
    Renderer,
    body_details,
    camera_from_snapshot,
    overlay_rectangles,
    screen_grid_points,
)
from engine.rules import load_world, loads_world  # noqa: E402
from engine.rules.common import colour_to_rgb  # noqa: E402

# The baselines' minimal shaders: a colour per vertex or a constant, nothing per pixel.
BODY_PROGRAM = (
    """
#version 330 core
uniform mat4 m_proj;
uniform mat4 m_view;
in vec3 in_position;
in vec3 in_normal;
in vec3 in_offset;
in float in_scale;
in vec3 in_colour;
in float in_yaw;
out vec3 v_colour;
void main() {
    float c = cos(in_yaw);
    float s = sin(in_yaw);
    mat3 turn = mat3(c, 0.0, -s, 0.0, 1.0, 0.0, s, 0.0, c);
    v_colour = in_colour * (0.5 + 0.5 * in_normal.y);
    gl_Position = m_proj * m_view * vec4(in_offset + turn * (in_position * in_scale), 1.0);
}
""",
    """
#version 330 core
in vec3 v_colour;
out vec4 f_colour;
void main() { f_colour = vec4(v_colour, 1.0); }
""",
)

# The ground and the sky over the same screen grid as ours; u_sky picks which.
GRID_PROGRAM = (
    """
#version 330 core
uniform mat4 m_proj;
uniform mat4 m_view;
uniform mat4 m_inverse_view_proj;
uniform float u_eye_height;
uniform float u_extent;
uniform bool u_sky;
uniform float u_sky_floor;
in vec2 in_ndc;
out vec3 v_colour;
void main() {
    vec4 far_point = m_inverse_view_proj * vec4(in_ndc, 0.0, 1.0);
    vec3 direction = normalize(far_point.xyz / far_point.w);
    if (u_sky) {
        v_colour = mix(vec3(0.6, 0.7, 0.8), vec3(0.2, 0.3, 0.6), clamp(direction.y, 0.0, 1.0));
        gl_Position = vec4(in_ndc, 1.0, 1.0);
        gl_ClipDistance[0] = direction.y + u_sky_floor;  // not what the ground covers, as ours
    } else {
        gl_ClipDistance[0] = 1.0;
        float across = max(length(direction.xz), 1e-6);
        float along = direction.y < 0.0 ? u_eye_height / -direction.y : 1e30;
        along = min(along, u_extent / across);
        vec3 relative = vec3(direction.x * along, -u_eye_height, direction.z * along);
        v_colour = vec3(0.3, 0.35, 0.2) * (0.5 + 0.5 * exp(-length(relative) / u_extent));
        gl_Position = m_proj * m_view * vec4(relative, 1.0);
    }
}
""",
    """
#version 330 core
in vec3 v_colour;
out vec4 f_colour;
void main() { f_colour = vec4(v_colour, 1.0); }
""",
)

POINT_PROGRAM = (
    """
#version 330 core
uniform mat4 m_proj;
uniform mat4 m_view;
uniform vec3 u_eye;
uniform float u_size;
uniform float u_pixels_per_radian;
in vec4 in_particle;
void main() {
    vec4 view_position = m_view * vec4(in_particle.xyz - u_eye, 1.0);
    float diameter = u_size / max(-view_position.z, 1e-30) * u_pixels_per_radian;
    gl_PointSize = clamp(diameter, 1.5, 48.0);
    gl_Position = m_proj * view_position;
}
""",
    """
#version 330 core
out vec4 f_colour;
void main() { f_colour = vec4(0.2, 0.2, 0.15, 1.0); }
""",
)

HUD_PROGRAM = (
    """
#version 330 core
uniform vec2 u_overlay_size;
in vec2 in_pixel;
out vec2 v_uv;
void main() {
    v_uv = in_pixel / u_overlay_size;
    vec2 ndc = vec2(in_pixel.x / u_overlay_size.x, 1.0 - in_pixel.y / u_overlay_size.y) * 2.0 - 1.0;
    gl_Position = vec4(ndc, 0.0, 1.0);
}
""",
    """
#version 330 core
uniform sampler2D u_overlay;
in vec2 v_uv;
out vec4 f_colour;
void main() { f_colour = texture(u_overlay, v_uv); }
""",
)


def percentiles(samples: list[float]) -> tuple[float, float]:
    values = np.asarray(samples) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def time_frames(draw, ctx, frames: int, warmup: int = 3) -> list[float]:  # noqa: ANN001
    return time_interleaved([draw], ctx, frames, warmup)[0]


def time_interleaved(
    draws,  # noqa: ANN001
    ctx,  # noqa: ANN001
    frames: int,
    warmup: int = 3,
    cpu: list[list[float]] | None = None,
) -> list[list[float]]:
    """Frame times (s) of each draw function, taking turns frame by frame. With ``cpu`` (one
    list per draw), also the calling thread's CPU seconds spent issuing each frame."""
    for _ in range(warmup):
        for draw in draws:
            draw()
            ctx.finish()
    samples: list[list[float]] = [[] for _ in draws]
    cpu_samples = cpu if cpu is not None else [[] for _ in draws]
    for _ in range(frames):
        for draw, times, cpu_times in zip(draws, samples, cpu_samples, strict=True):
            ctx.finish()
            start = time.perf_counter()
            cpu_start = time.thread_time()
            draw()
            cpu_times.append(time.thread_time() - cpu_start)
            ctx.finish()
            times.append(time.perf_counter() - start)
    return samples


def _program(ctx, sources: tuple[str, str]):  # noqa: ANN001, ANN202
    return ctx.program(vertex_shader=sources[0], fragment_shader=sources[1])


def _matrix(matrix: np.ndarray) -> bytes:
    return np.ascontiguousarray(np.asarray(matrix, np.float32).T).tobytes()


class InstancedMeshes:
    """Instanced meshes (one draw per shape) with the minimal body shader; instance rows are
    uploaded every frame, as a loop drawing a moving world must."""

    def __init__(self, ctx, program, meshes: list[np.ndarray]) -> None:  # noqa: ANN001
        self.ctx = ctx
        self.program = program
        self.meshes = [
            ctx.buffer(np.ascontiguousarray(mesh, np.float32).tobytes()) for mesh in meshes
        ]
        self.counts = [len(mesh) for mesh in meshes]
        self.draws: list[tuple[object, object, bytes, int, int]] = []

    def prepare(self, rows: np.ndarray, codes: np.ndarray) -> None:
        """rows: (N, 8) float32 offset, scale, colour, yaw; codes: (N,) mesh index."""
        self.release_draws()
        for code, mesh in enumerate(self.meshes):
            selected = np.ascontiguousarray(rows[codes == code], np.float32)
            if len(selected) == 0:
                continue
            data = selected.tobytes()
            instances = self.ctx.buffer(reserve=len(data), dynamic=True)
            vao = self.ctx.vertex_array(
                self.program,
                [
                    (mesh, "3f 3f", "in_position", "in_normal"),
                    (instances, "3f 1f 3f 1f/i", "in_offset", "in_scale", "in_colour", "in_yaw"),
                ],
            )
            self.draws.append((vao, instances, data, self.counts[code], len(selected)))

    def draw(self) -> None:
        for vao, instances, data, vertices, count in self.draws:
            instances.write(data)
            vao.render(vertices=vertices, instances=count)

    def release_draws(self) -> None:
        for vao, instances, *_ in self.draws:
            vao.release()
            instances.release()
        self.draws = []


class BodiesOnly:
    """The informative baseline: the body instances alone, minimal shader, depth test."""

    def __init__(self, ctx, framebuffer) -> None:  # noqa: ANN001
        self.ctx = ctx
        self.framebuffer = framebuffer
        self.body_program = _program(ctx, BODY_PROGRAM)
        # Bodies a few pixels across get coarser meshes, by our renderer's rule.
        self.bodies = [
            InstancedMeshes(ctx, self.body_program, body_meshes(detail)) for detail in MESH_DETAILS
        ]

    def prepare(self, snapshot, eye: Eye) -> None:  # noqa: ANN001
        bodies = snapshot.bodies
        rows = np.zeros((len(bodies.radii), 8), np.float32)
        relative = bodies.apparent_positions - eye.position
        rows[:, 0:3] = relative
        rows[:, 3] = bodies.radii
        rows[:, 4:7] = bodies.colours
        shapes = np.asarray(bodies.shapes)
        height = self.framebuffer.size[1]
        details = body_details(
            bodies.radii, np.linalg.norm(relative, axis=1), height * 0.5 * eye.projection[1, 1]
        )
        for index, meshes in enumerate(self.bodies):
            meshes.prepare(rows[details == index], shapes[details == index])
        self.body_program["m_proj"].write(_matrix(eye.projection))
        self.body_program["m_view"].write(_matrix(eye.rotation_view))

    def draw(self) -> None:
        ctx = self.ctx
        self.framebuffer.use()
        self.framebuffer.clear(0.1, 0.1, 0.1, 1.0, depth=1.0)
        ctx.enable(ctx.DEPTH_TEST | ctx.CULL_FACE)
        for meshes in self.bodies:
            meshes.draw()
        ctx.disable(ctx.DEPTH_TEST | ctx.CULL_FACE)


class SameDraws(BodiesOnly):
    """The judged baseline: every draw our frame issues, with minimal shaders (see the module
    docstring): ground grid, bodies, agents, sky grid, particle points, HUD quads."""

    def __init__(self, ctx, framebuffer, size: tuple[int, int]) -> None:  # noqa: ANN001
        super().__init__(ctx, framebuffer)
        self.agents = InstancedMeshes(ctx, self.body_program, agent_meshes())
        self.grid_program = _program(ctx, GRID_PROGRAM)
        points, triangles = screen_grid_points(*size)
        self.grid_points = ctx.buffer(points.tobytes())
        self.grid_indices = ctx.buffer(triangles.tobytes())
        self.grid = ctx.vertex_array(
            self.grid_program, [(self.grid_points, "2f", "in_ndc")], self.grid_indices, 4
        )
        self.point_program = _program(ctx, POINT_PROGRAM)
        self.points: list[tuple[object, object, bytes | None, int, tuple]] = []
        self.hud_program = _program(ctx, HUD_PROGRAM)
        self.hud_texture = self.hud_buffer = self.hud_vao = None
        self.hud_vertices = 0
        self.ground = True

    def prepare(
        self,
        snapshot,
        eye: Eye,
        world=None,
        overlay: np.ndarray | None = None,  # noqa: ANN001
    ) -> None:
        super().prepare(snapshot, eye)
        ctx = self.ctx
        agents = list(snapshot.extras.get("agents", ()) or ())
        rows = np.zeros((len(agents), 8), np.float32)
        codes = np.zeros(len(agents), np.int8)
        for index, agent in enumerate(agents):
            rows[index, 0:3] = np.asarray(agent.position, np.float64) - eye.position
            rows[index, 3] = agent.size
            rows[index, 4:7] = colour_to_rgb(agent.colour)
            rows[index, 7] = agent.heading
            codes[index] = AGENT_SHAPES.index(agent.shape) if agent.shape in AGENT_SHAPES else 0
        self.agents.prepare(rows, codes)
        view_projection = eye.projection.astype(np.float64) @ eye.rotation_view.astype(np.float64)
        self.grid_program["m_proj"].write(_matrix(eye.projection))
        self.grid_program["m_view"].write(_matrix(eye.rotation_view))
        self.grid_program["m_inverse_view_proj"].write(_matrix(np.linalg.inv(view_projection)))
        self.grid_program["u_eye_height"] = float(eye.position[1])
        self.grid_program["u_extent"] = float(eye.size * GROUND_EXTENT_PER_SIZE)
        self.grid_program["u_sky_floor"] = Renderer._sky_floor(eye)
        self.ground = eye.position[1] > 0.0  # ours skips the ground from below too
        self.point_program["m_proj"].write(_matrix(eye.projection))
        self.point_program["m_view"].write(_matrix(eye.rotation_view))
        height = self.framebuffer.size[1]
        pixels_per_radian = height * 0.5 * float(eye.projection[1, 1])
        band = world.scale.band_at(eye.size) if world is not None else None
        fields = list(snapshot.extras.get("particles", ()) or ())
        for _, vao, *_ in self.points:
            vao.release()
        self.points = []
        if band is None or band.show_particles:
            for field in fields:
                buffer, data = field.buffer, None
                if buffer is None:
                    positions = np.asarray(field.positions, np.float32)
                    if positions.shape[1] == 3:
                        positions = np.c_[positions, np.ones(len(positions), np.float32)]
                    data = np.ascontiguousarray(positions).tobytes()
                    buffer = ctx.buffer(reserve=max(len(data), 16), dynamic=True)
                vao = ctx.vertex_array(self.point_program, [(buffer, "4f", "in_particle")])
                eye_from_origin = tuple(
                    float(v) for v in eye.position - np.asarray(field.origin, np.float64)
                )
                uniforms = (eye_from_origin, float(field.size), pixels_per_radian)
                self.points.append((buffer, vao, data, int(field.count), uniforms))
        self.hud_vertices = 0
        if overlay is not None:
            overlay_height, overlay_width = overlay.shape[:2]
            if self.hud_texture is not None:
                self.hud_texture.release()
                self.hud_vao.release()
                self.hud_buffer.release()
            self.hud_texture = ctx.texture(
                (overlay_width, overlay_height), 4, np.ascontiguousarray(overlay).tobytes()
            )
            self.hud_texture.filter = (ctx.LINEAR, ctx.LINEAR)
            rectangles = overlay_rectangles(overlay)
            x0, y0, x1, y1 = (rectangles[:, i : i + 1] for i in range(4))
            corners = np.concatenate([x0, y0, x1, y0, x1, y1, x0, y0, x1, y1, x0, y1], axis=1)
            self.hud_buffer = ctx.buffer(
                np.ascontiguousarray(corners, np.float32).tobytes() or b"\0" * 8
            )
            self.hud_vao = ctx.vertex_array(self.hud_program, [(self.hud_buffer, "2f", "in_pixel")])
            self.hud_vertices = 6 * len(rectangles)
            self.hud_program["u_overlay_size"] = (float(overlay_width), float(overlay_height))

    def draw(self) -> None:
        ctx = self.ctx
        self.framebuffer.use()
        self.framebuffer.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
        ctx.enable(ctx.DEPTH_TEST | ctx.CULL_FACE)
        for meshes in self.bodies:  # near things first, as ours
            meshes.draw()
        ctx.disable(ctx.CULL_FACE)
        self.agents.draw()
        if self.ground:
            self.grid_program["u_sky"] = False
            self.grid.render(mode=ctx.TRIANGLES)
        ctx.depth_func = "<="
        ctx.depth_mask = False
        self.grid_program["u_sky"] = True
        with ClipDistance(ctx):
            self.grid.render(mode=ctx.TRIANGLES)
        if self.points:
            ctx.enable(ctx.BLEND | ctx.PROGRAM_POINT_SIZE)
            ctx.blend_func = ctx.ONE, ctx.ONE
            for buffer, vao, data, count, (eye, size, pixels_per_radian) in self.points:
                if data is not None:
                    buffer.write(data)
                self.point_program["u_eye"] = eye
                self.point_program["u_size"] = size
                self.point_program["u_pixels_per_radian"] = pixels_per_radian
                vao.render(mode=ctx.POINTS, vertices=count)
            ctx.disable(ctx.BLEND | ctx.PROGRAM_POINT_SIZE)
        ctx.depth_mask = True
        ctx.depth_func = "<"
        ctx.disable(ctx.DEPTH_TEST)
        if self.hud_vertices:
            ctx.enable(ctx.BLEND)
            ctx.blend_func = ctx.ONE, ctx.ONE_MINUS_SRC_ALPHA
            self.hud_texture.use(location=0)
            self.hud_vao.render(mode=ctx.TRIANGLES, vertices=self.hud_vertices)
            ctx.disable(ctx.BLEND)


PASSES = ("ground", "bodies", "agents", "sky", "particles", "effects", "overlay")


def bench_worlds(ctx, width: int, height: int, frames: int, passes: bool) -> None:  # noqa: ANN001
    colour = ctx.renderbuffer((width, height), 4)
    depth = ctx.depth_renderbuffer((width, height))
    framebuffer = ctx.framebuffer([colour], depth)
    same = SameDraws(ctx, framebuffer, (width, height))
    bodies_only = BodiesOnly(ctx, framebuffer)
    load = (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else "?"
    )
    print(
        f"renderer frame time at {width}x{height}, {frames} frames, {ctx.info['GL_RENDERER']}, "
        f"load average {load}"
    )
    print(
        f"{'world':<16}{'bodies':>7}{'ours p50':>10}{'p99':>8}{'same p50':>10}{'p99':>8}"
        f"{'bodies p50':>12}{'ours/same':>11}{'ours/bodies':>13}"
        f"{'cpu ours':>10}{'cpu same':>10}{'cpu o/s':>9}"
    )
    pass_rows = []
    for path in sorted((REPO / "worlds").glob("*.toml")):
        world = load_world(path)
        source = WorldSource(world, ctx=ctx)
        source.advance(1.0)
        snapshot = source.snapshot()
        camera = camera_from_snapshot(snapshot)
        eye = Eye.from_camera(camera, width / height, snapshot.explorer.velocity)
        renderer = Renderer(ctx, world)
        overlays = OverlayCache()
        overlay = overlays.get(
            state_for(world.meta.name, snapshot, height, camera.vertical_fov), width, height
        )

        def ours(renderer=renderer, snapshot=snapshot, eye=eye, overlay=overlay) -> None:  # noqa: ANN001
            renderer.draw(snapshot, framebuffer, eye, overlay)

        same.prepare(snapshot, eye, world, overlay)
        bodies_only.prepare(snapshot, eye)
        cpu: list[list[float]] = [[], [], []]
        ours_times, same_times, bodies_times = time_interleaved(
            [ours, same.draw, bodies_only.draw], ctx, frames, cpu=cpu
        )
        ours_cpu, same_cpu = (float(np.median(samples)) * 1e6 for samples in cpu[:2])
        ours_p50, ours_p99 = percentiles(ours_times)
        same_p50, same_p99 = percentiles(same_times)
        bodies_p50, _ = percentiles(bodies_times)
        if passes:
            renderer.pass_times = {}
            time_frames(ours, ctx, max(5, frames // 3), warmup=0)
            pass_rows.append(
                (path.stem, {name: percentiles(t)[0] for name, t in renderer.pass_times.items()})
            )
        renderer.release()
        source.release()
        print(
            f"{path.stem:<16}{len(snapshot.bodies.radii):>7}{ours_p50:>9.1f}m{ours_p99:>7.1f}m"
            f"{same_p50:>9.1f}m{same_p99:>7.1f}m{bodies_p50:>11.1f}m"
            f"{ours_p50 / same_p50:>10.2f}x{ours_p50 / bodies_p50:>12.2f}x"
            f"{ours_cpu:>8.0f}us{same_cpu:>8.0f}us{ours_cpu / same_cpu:>8.2f}x"
        )
    if passes:
        print("\nper pass, ms p50 (each pass between two glFinish calls, so they add up to more)")
        print(f"{'world':<16}" + "".join(f"{name:>10}" for name in PASSES))
        for name, row in pass_rows:
            print(f"{name:<16}" + "".join(f"{row.get(p, 0.0):>10.1f}" for p in PASSES))


def bench_particles(ctx, width: int, height: int, frames: int, count: int) -> None:  # noqa: ANN001
    """One world holding one field of ``count`` particles: step (compute shader) plus draw.

    A frame is what the window does at 120 fps: advance the world 1/120 s (the particle field is
    stepped on the GPU by ``shaders/particles_step.glsl`` under the world's laws), then render
    the whole scene (ground, sky, particles, HUD-free) into a ``width`` x ``height``
    framebuffer. The step alone and the draw alone are timed too, frame by frame in turn.
    """
    world = loads_world(
        '[meta]\nname = "particles"\n'
        "[[particles]]\n"
        'name = "cloud"\n'
        f"count = {count}\n"
        'region = { shape = "sphere", centre = [0.0, 5.0, 0.0], radius = 12.0 }\n'
        "size = 0.03\nvelocity_spread = 0.5\n",
        "particles.toml",
    )
    source = WorldSource(world, seed=1, ctx=ctx)
    if source.gpu_particles is None:
        raise SystemExit(
            f"{ctx.info['GL_RENDERER']} has OpenGL {ctx.version_code}: no compute shaders "
            f"(need {COMPUTE_GL_VERSION}), so no GPU particle step to measure"
        )
    colour = ctx.renderbuffer((width, height), 4)
    framebuffer = ctx.framebuffer([colour])
    renderer = Renderer(ctx, world)
    frame_seconds = 1.0 / 120.0

    def step() -> None:
        source.advance(frame_seconds)

    def draw() -> None:
        renderer.render(source.snapshot(), framebuffer)

    def frame() -> None:
        step()
        draw()

    frame_times, step_times, draw_times = time_interleaved([frame, step, draw], ctx, frames)
    renderer_name = ctx.info["GL_RENDERER"]
    print(f"{count} particles at {width}x{height} on {renderer_name}, stepped each frame:")
    for label, samples in (
        ("frame (step + draw)", frame_times),
        ("step only", step_times),
        ("draw only", draw_times),
    ):
        p50, p99 = percentiles(samples)
        print(
            f"  {label:<20} p50 {p50:.2f} ms ({1000 / p50:.0f} fps), "
            f"p99 {p99:.2f} ms ({1000 / p99:.0f} fps)"
        )
    renderer.release()
    source.release()


def bench_zoom(
    ctx,  # noqa: ANN001
    width: int,
    height: int,
    per_doubling: int,
    smallest: float,
    largest: float,
    world_name: str | None,
) -> None:
    """The ground's frame-to-frame change in a slow continuous zoom (see the module's help)."""
    if world_name is None:
        world = loads_world('[meta]\nname = "Plain"\n[light]\nground_colour = "#8a8f75"\n')
    else:  # the world's look (light, fog, bands, time fields), none of its things: they move
        # through the view as the eye grows, which is not what is measured
        world = load_world(REPO / "worlds" / f"{world_name}.toml").model_copy(
            update={"bodies": (), "particles": (), "agents": ()}
        )
    source = WorldSource(world, ctx=ctx)
    still = source.snapshot()
    steps = round(math.log2(largest / smallest) * per_doubling)
    # Off the exact doublings by a fraction of a frame, so that each doubling lies in one step.
    levels = math.log2(smallest) + (np.arange(steps + 1) + 0.37) / per_doubling
    framebuffer = ctx.framebuffer(
        [ctx.renderbuffer((width, height), 4)], ctx.depth_renderbuffer((width, height))
    )
    renderer = Renderer(ctx, world)
    changes, previous = [], None
    for level in levels:
        size = 2.0**level
        explorer = dataclasses.replace(
            still.explorer,
            position=np.array([0.3 * size, 0.93 * size, 0.2 * size]),
            velocity=np.zeros(3),
            yaw=0.4,
            pitch=-0.5,
            size=size,
        )
        renderer.render(dataclasses.replace(still, explorer=explorer), framebuffer)
        frame = np.frombuffer(framebuffer.read(components=3), np.uint8).astype(np.int16)
        if previous is not None:
            changes.append(float(np.abs(frame - previous).mean()))
        previous = frame
    renderer.release()
    framebuffer.release()
    source.release()
    change = np.array(changes)
    bands = [world.scale.band_at(2.0**level) for level in levels]
    band_edge = np.array([a is not b for a, b in itertools.pairwise(bands)], bool)
    doubling = (np.floor(levels[1:]) != np.floor(levels[:-1])) & ~band_edge
    beside = ~doubling & ~band_edge
    median = float(np.median(change[beside]))
    print(
        f"zoom {smallest:g} -> {largest:g} m, {per_doubling} frames per doubling, "
        f"{width}x{height}, {world.meta.name}: per-frame mean change (levels)"
    )
    print(
        f"  all frames:        median {np.median(change):.3f}  p99 "
        f"{np.percentile(change, 99):.3f}  max {change.max():.3f}"
    )
    print(
        f"  beside doublings:  median {median:.3f}  p99 "
        f"{np.percentile(change[beside], 99):.3f}  max {change[beside].max():.3f}"
    )
    if doubling.any():
        crossing = change[doubling]
        print(
            f"  across doublings ({doubling.sum()}): mean {crossing.mean():.3f}  max "
            f"{crossing.max():.3f}  ({crossing.mean() / median:.2f}x the median beside them)"
        )
    if band_edge.any():
        print(f"  across band edges: {', '.join(f'{c:.2f}' for c in change[band_edge])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument(
        "--particles",
        type=int,
        default=0,
        help="instead of the worlds: this many particles in an empty world",
    )
    parser.add_argument("--passes", action="store_true", help="also time each pass")
    parser.add_argument("--zoom", action="store_true", help="the ground's change in a slow zoom")
    parser.add_argument("--smallest", type=float, default=1e-3, help="--zoom from (m)")
    parser.add_argument("--largest", type=float, default=1e3, help="--zoom to (m)")
    parser.add_argument("--world", help="--zoom: an example world's name (default: a plain one)")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    ctx = create_offscreen_context()
    if args.zoom:
        bench_zoom(ctx, width, height, args.frames, args.smallest, args.largest, args.world)
    elif args.particles:
        bench_particles(ctx, width, height, args.frames, args.particles)
    else:
        bench_worlds(ctx, width, height, args.frames, args.passes)


if __name__ == "__main__":
    main()
