"""Renderer frame times: each example world at 1280x720, against a bare moderngl loop.

The baseline draws the same body instances (same meshes, same counts, one instanced draw per
shape, a minimal shader, depth test) into the same framebuffer size in the same process, so the
ratio is our overhead: sky, ground, agents, particles, time-field volumes, tone mapping and the
HUD on top of the bodies themselves. Frame times are wall-clock with ``ctx.finish()``; p50 and p99.

    .venv/bin/python bench/render.py                  # every example world, llvmpipe (EGL)
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


def percentiles(samples: list[float]) -> tuple[float, float]:
    values = np.asarray(samples) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def time_frames(draw, ctx, frames: int, warmup: int = 3) -> list[float]:  # noqa: ANN001
    for _ in range(warmup):
        draw()
        ctx.finish()
    samples = []
    for _ in range(frames):
        start = time.perf_counter()
        draw()
        ctx.finish()
        samples.append(time.perf_counter() - start)
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


def bench_worlds(ctx, width: int, height: int, frames: int) -> None:  # noqa: ANN001
    colour = ctx.renderbuffer((width, height), 4)
    depth = ctx.depth_renderbuffer((width, height))
    framebuffer = ctx.framebuffer([colour], depth)
    bare = BareLoop(ctx, framebuffer)
    print(f"renderer frame time at {width}x{height}, {frames} frames, {ctx.info['GL_RENDERER']}")
    print(
        f"{'world':<16}{'bodies':>7}{'ours p50':>10}{'p99':>8}{'bare p50':>10}{'p99':>8}"
        f"{'ratio p50':>11}"
    )
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

        ours_p50, ours_p99 = percentiles(time_frames(ours, ctx, frames))
        bare.prepare(snapshot, eye)
        bare_p50, bare_p99 = percentiles(time_frames(bare.draw, ctx, frames))
        renderer.release()
        source.release()
        print(
            f"{path.stem:<16}{len(snapshot.bodies.radii):>7}{ours_p50:>9.1f}m{ours_p99:>7.1f}m"
            f"{bare_p50:>9.1f}m{bare_p99:>7.1f}m{ours_p50 / bare_p50:>10.2f}x"
        )


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
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    ctx = create_offscreen_context()
    if args.particles:
        bench_particles(ctx, width, height, args.frames, args.particles)
    else:
        bench_worlds(ctx, width, height, args.frames)


if __name__ == "__main__":
    main()
