"""Renderer frame times: each example world at 1280x720, against a bare moderngl loop.

The baseline draws the same body instances (same meshes, same counts, one instanced draw per
shape, a minimal shader, depth test) into the same framebuffer size in the same process, so the
ratio is our overhead: sky, ground, agents, particles, time-field volumes, tone mapping and the
HUD on top of the bodies themselves. Frame times are wall-clock with ``ctx.finish()``; p50 and p99.
Ours and the baseline alternate frame by frame, so a load that comes and goes hits both alike.

A second, informative baseline ("fill") is the bare loop plus what any frame of a whole world
must cost: a flat ground plane and a sky triangle with constant-colour shaders over every pixel.
On a CPU rasteriser that fill alone is several times the bare loop of a sparse world.

    .venv/bin/python bench/render.py                  # every example world, llvmpipe (EGL)
    .venv/bin/python bench/render.py --passes         # and each pass's time (glFinish-bracketed)
    .venv/bin/python bench/render.py --frames 60 --size 1920x1080
    .venv/bin/python bench/render.py --particles 1000000 --size 1920x1080   # GPU target: 120 fps
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.app.headless import create_offscreen_context  # noqa: E402
from engine.app.source import WorldSource  # noqa: E402
from engine.render.hud import OverlayCache, state_for  # noqa: E402
from engine.render.meshes import body_meshes  # noqa: E402
from engine.render.renderer import Eye, Renderer, camera_from_snapshot  # noqa: E402
from engine.render.views import ParticleFieldView  # noqa: E402
from engine.rules import load_world, loads_world  # noqa: E402

BARE_PROGRAM = (
    """
#version 330 core
uniform mat4 m_proj;
uniform mat4 m_view;
in vec3 in_position;
in vec3 in_normal;
in vec3 in_offset;
in float in_scale;
in vec3 in_colour;
out vec3 v_colour;
void main() {
    v_colour = in_colour * (0.5 + 0.5 * in_normal.y);
    gl_Position = m_proj * m_view * vec4(in_offset + in_position * in_scale, 1.0);
}
""",
    """
#version 330 core
in vec3 v_colour;
out vec4 f_colour;
void main() { f_colour = vec4(v_colour, 1.0); }
""",
)


FILL_PROGRAM = (
    """
#version 330 core
uniform mat4 m_proj;
uniform mat4 m_view;
uniform int u_sky;
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1)) * 2.0 - 1.0;
    if (u_sky == 1) {
        gl_Position = vec4(corner * 3.0 - vec2(0.0), 1.0, 1.0);
    } else {
        gl_Position = m_proj * m_view * vec4(corner.x * 3.4e4, -1.6, corner.y * 3.4e4, 1.0);
    }
}
""",
    """
#version 330 core
uniform int u_sky;
out vec4 f_colour;
void main() { f_colour = u_sky == 1 ? vec4(0.5, 0.6, 0.8, 1.0) : vec4(0.3, 0.35, 0.2, 1.0); }
""",
)


def percentiles(samples: list[float]) -> tuple[float, float]:
    values = np.asarray(samples) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def time_frames(draw, ctx, frames: int, warmup: int = 3) -> list[float]:  # noqa: ANN001
    return time_interleaved([draw], ctx, frames, warmup)[0]


def time_interleaved(draws, ctx, frames: int, warmup: int = 3) -> list[list[float]]:  # noqa: ANN001
    """Frame times (s) of each draw function, taking turns frame by frame."""
    for _ in range(warmup):
        for draw in draws:
            draw()
            ctx.finish()
    samples: list[list[float]] = [[] for _ in draws]
    for _ in range(frames):
        for draw, times in zip(draws, samples, strict=True):
            start = time.perf_counter()
            draw()
            ctx.finish()
            times.append(time.perf_counter() - start)
    return samples


class BareLoop:
    """The baseline: the same instances drawn with nothing else."""

    def __init__(self, ctx, framebuffer) -> None:  # noqa: ANN001
        self.ctx = ctx
        self.framebuffer = framebuffer
        self.program = ctx.program(vertex_shader=BARE_PROGRAM[0], fragment_shader=BARE_PROGRAM[1])
        self.meshes = [ctx.buffer(mesh.tobytes()) for mesh in body_meshes()]
        self.counts = [len(mesh) for mesh in body_meshes()]
        self.vaos: list[tuple[object, int, int]] = []

    def prepare(self, snapshot, eye: Eye) -> None:  # noqa: ANN001
        bodies = snapshot.bodies
        relative = (bodies.apparent_positions - eye.position).astype(np.float32)
        rows = np.concatenate(
            [relative, bodies.radii[:, None].astype(np.float32), bodies.colours], axis=1
        ).astype(np.float32)
        self.vaos = []
        for code, mesh in enumerate(self.meshes):
            selected = rows[bodies.shapes == code]
            if len(selected) == 0:
                continue
            instances = self.ctx.buffer(np.ascontiguousarray(selected).tobytes())
            vao = self.ctx.vertex_array(
                self.program,
                [
                    (mesh, "3f 3f", "in_position", "in_normal"),
                    (instances, "3f 1f 3f/i", "in_offset", "in_scale", "in_colour"),
                ],
            )
            self.vaos.append((vao, self.counts[code], len(selected)))
        self.program["m_proj"].write(np.ascontiguousarray(eye.projection.T).tobytes())
        self.program["m_view"].write(np.ascontiguousarray(eye.rotation_view.T).tobytes())

    def draw(self) -> None:
        self.framebuffer.use()
        self.framebuffer.clear(0.1, 0.1, 0.1, 1.0, depth=1.0)
        self.ctx.enable(self.ctx.DEPTH_TEST)
        for vao, vertices, instances in self.vaos:
            vao.render(vertices=vertices, instances=instances)
        self.ctx.disable(self.ctx.DEPTH_TEST)


class FillLoop(BareLoop):
    """The bare loop plus a constant-colour ground plane and sky: every pixel shaded once."""

    def __init__(self, ctx, framebuffer) -> None:  # noqa: ANN001
        super().__init__(ctx, framebuffer)
        self.fill = ctx.program(vertex_shader=FILL_PROGRAM[0], fragment_shader=FILL_PROGRAM[1])
        self.fill_vao = ctx.vertex_array(self.fill, [])

    def prepare(self, snapshot, eye: Eye) -> None:  # noqa: ANN001
        super().prepare(snapshot, eye)
        self.fill["m_proj"].write(np.ascontiguousarray(eye.projection.T).tobytes())
        self.fill["m_view"].write(np.ascontiguousarray(eye.rotation_view.T).tobytes())

    def draw(self) -> None:
        self.framebuffer.use()
        self.framebuffer.clear(0.1, 0.1, 0.1, 1.0, depth=1.0)
        self.ctx.enable(self.ctx.DEPTH_TEST)
        self.fill["u_sky"] = 0
        self.fill_vao.render(mode=self.ctx.TRIANGLE_STRIP, vertices=4)
        for vao, vertices, instances in self.vaos:
            vao.render(vertices=vertices, instances=instances)
        self.ctx.depth_func = "<="
        self.fill["u_sky"] = 1
        self.fill_vao.render(mode=self.ctx.TRIANGLE_STRIP, vertices=4)
        self.ctx.depth_func = "<"
        self.ctx.disable(self.ctx.DEPTH_TEST)


PASSES = ("ground", "bodies", "agents", "sky", "particles", "effects", "overlay")


def bench_worlds(ctx, width: int, height: int, frames: int, passes: bool) -> None:  # noqa: ANN001
    colour = ctx.renderbuffer((width, height), 4)
    depth = ctx.depth_renderbuffer((width, height))
    framebuffer = ctx.framebuffer([colour], depth)
    bare = BareLoop(ctx, framebuffer)
    fill = FillLoop(ctx, framebuffer)
    print(f"renderer frame time at {width}x{height}, {frames} frames, {ctx.info['GL_RENDERER']}")
    print(
        f"{'world':<16}{'bodies':>7}{'ours p50':>10}{'p99':>8}{'bare p50':>10}{'p99':>8}"
        f"{'fill p50':>10}{'ratio p50':>11}{'vs fill':>9}"
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

        bare.prepare(snapshot, eye)
        fill.prepare(snapshot, eye)
        ours_times, bare_times, fill_times = time_interleaved(
            [ours, bare.draw, fill.draw], ctx, frames
        )
        ours_p50, ours_p99 = percentiles(ours_times)
        bare_p50, bare_p99 = percentiles(bare_times)
        fill_p50, _ = percentiles(fill_times)
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
            f"{bare_p50:>9.1f}m{bare_p99:>7.1f}m{fill_p50:>9.1f}m{ours_p50 / bare_p50:>10.2f}x"
            f"{ours_p50 / fill_p50:>8.2f}x"
        )
    if passes:
        print("\nper pass, ms p50 (each pass between two glFinish calls, so they add up to more)")
        print(f"{'world':<16}" + "".join(f"{name:>10}" for name in PASSES))
        for name, row in pass_rows:
            print(f"{name:<16}" + "".join(f"{row.get(p, 0.0):>10.1f}" for p in PASSES))


def bench_particles(ctx, width: int, height: int, frames: int, count: int) -> None:  # noqa: ANN001
    world = loads_world('[meta]\nname = "particles"\n', "particles.toml")
    source = WorldSource(world)
    random = np.random.default_rng(1)
    positions = np.empty((count, 4), np.float32)
    positions[:, :3] = random.normal(size=(count, 3)) * 6.0 + [0.0, 5.0, 0.0]
    positions[:, 3] = 0.0
    buffer = ctx.buffer(positions.tobytes())
    snapshot = source.snapshot()
    snapshot.extras["particles"] = [
        ParticleFieldView(name="cloud", count=count, size=0.03, buffer=buffer)
    ]
    colour = ctx.renderbuffer((width, height), 4)
    framebuffer = ctx.framebuffer([colour])
    renderer = Renderer(ctx, world)
    samples = time_frames(lambda: renderer.render(snapshot, framebuffer), ctx, frames)
    p50, p99 = percentiles(samples)
    print(
        f"{count} particles at {width}x{height} on {ctx.info['GL_RENDERER']}: "
        f"p50 {p50:.2f} ms ({1000 / p50:.0f} fps), p99 {p99:.2f} ms ({1000 / p99:.0f} fps)"
    )


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
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    ctx = create_offscreen_context()
    if args.particles:
        bench_particles(ctx, width, height, args.frames, args.particles)
    else:
        bench_worlds(ctx, width, height, args.frames, args.passes)


if __name__ == "__main__":
    main()
