"""Benchmark of the simulation core: gravity against rebound, grid scaling, particle throughput.

Run: ``.venv/bin/python bench/sim.py [--quick]``. Prints ratios against baselines measured in the
same run (these machines are noisy; absolute times drift):
- direct-sum gravity, whole ``Simulation.step`` at N = 256, 1024, 4096, against rebound (leapfrog,
  basic direct gravity, same N, G, Plummer softening and time step), one CPU core each;
- how the cost of each gravity method grows with N (fitted exponent of time ~ N^k);
- particle fields: particles/s of the compute shader on this machine's GL (llvmpipe here; a GPU
  where there is one), against the float32 numpy reference.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from engine.rules import loads_world  # noqa: E402
from engine.sim import ManualClock, Simulation  # noqa: E402
from engine.sim import gravity as gravity_kernels  # noqa: E402

STRENGTH = 1.0
SOFTENING = 0.05
TIME_STEP = 1e-3


def cluster(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(count, 3))
    velocities = rng.normal(size=(count, 3)) * 0.1
    masses = np.full(count, 1.0 / count)
    return positions, velocities, masses


def our_simulation(count: int) -> Simulation:
    text = f"""
[meta]
name = "bench"
[physics]
time_step = {TIME_STEP}
[physics.collisions]
ground = false
[[physics.laws]]
kind = "gravity"
strength = {STRENGTH}
softening = {SOFTENING}
[[bodies]]
name = "cluster"
count = {count}
spread = 1.0
mass = {1.0 / count!r}
"""
    sim = Simulation.from_world(loads_world(text), seed=0, clock=ManualClock())
    positions, velocities, _ = cluster(count)
    sim.bodies.positions[:] = positions
    sim.bodies.proper_velocities[:] = velocities
    return sim


def ours_stepper(count: int):
    sim = our_simulation(count)
    sim.step(TIME_STEP)  # compile / warm caches

    def run(steps: int) -> None:
        sim.run_for(steps * TIME_STEP)

    return run


def rebound_stepper(count: int):
    import rebound

    sim = rebound.Simulation()
    sim.G = STRENGTH
    sim.integrator = "leapfrog"
    sim.gravity = "basic"
    sim.softening = SOFTENING
    sim.dt = TIME_STEP
    positions, velocities, masses = cluster(count)
    for position, velocity, mass in zip(positions, velocities, masses, strict=True):
        sim.add(
            m=mass,
            x=position[0],
            y=position[1],
            z=position[2],
            vx=velocity[0],
            vy=velocity[1],
            vz=velocity[2],
        )
    sim.steps(1)
    return sim.steps


def interleaved(runners: list, steps: int, rounds: int) -> list[float]:
    """Best seconds per step of each runner, taking turns so load on the machine hits all alike."""
    best = [float("inf")] * len(runners)
    for _ in range(rounds):
        for index, run in enumerate(runners):
            start = time.perf_counter()
            run(steps)
            best[index] = min(best[index], (time.perf_counter() - start) / steps)
    return best


def time_kernel(count: int, grid: bool, repeats: int) -> float:
    positions, _, masses = cluster(count)
    out = np.zeros_like(positions)
    mesh = gravity_kernels.GridGravity()

    def once() -> None:
        if grid:
            mesh.add(positions, masses, STRENGTH, -2.0, SOFTENING, out)
        else:
            gravity_kernels.add_direct(positions, masses, STRENGTH, -2.0, SOFTENING, out)

    once()
    start = time.perf_counter()
    for _ in range(repeats):
        once()
    return (time.perf_counter() - start) / repeats


def growth(counts: list[int], seconds: list[float]) -> float:
    """Fitted exponent k of seconds ~ counts^k."""
    return float(np.polyfit(np.log(counts), np.log(seconds), 1)[0])


def bench_gravity(quick: bool) -> None:
    print("== direct-sum gravity: whole Simulation.step vs rebound (leapfrog, basic gravity) ==")
    print(f"{'N':>6} {'ours steps/s':>13} {'rebound steps/s':>16} {'ours/rebound':>13}")
    for count in (256, 1024, 4096):
        steps = max(2, int((2e6 if quick else 8e6) / count**2))
        ours, theirs = interleaved(
            [ours_stepper(count), rebound_stepper(count)], steps, rounds=3 if quick else 5
        )
        print(f"{count:>6} {1 / ours:>13.1f} {1 / theirs:>16.1f} {theirs / ours:>13.2f}")

    print("\n== cost growth per gravity evaluation (seconds ~ N^k) ==")
    direct_counts = [256, 1024, 4096] + ([] if quick else [8192])
    direct = [time_kernel(n, grid=False, repeats=max(1, int(2e7 / n**2))) for n in direct_counts]
    grid_counts = [4096, 16384, 65536]
    grid = [time_kernel(n, grid=True, repeats=3 if quick else 10) for n in grid_counts]
    for name, counts, seconds in (("direct", direct_counts, direct), ("grid", grid_counts, grid)):
        cells = ", ".join(f"N={n}: {s * 1e3:.2f} ms" for n, s in zip(counts, seconds, strict=True))
        print(f"{name:>6}: {cells}; k = {growth(counts, seconds):.2f}")
    crossover = direct[-1] / grid[0] if direct_counts[-1] >= 4096 else float("nan")
    print(
        f"  at N=4096 the grid method is {direct[2] / grid[0]:.1f}x faster than direct "
        f"({crossover:.1f}x at the largest direct N)"
    )


def bench_particles(quick: bool) -> None:
    import moderngl

    from engine.sim.particles import ParticleFieldCPU, pack_laws
    from engine.sim.particles_gpu import ParticleFieldGPU

    print("\n== particle fields: compute shader vs float32 numpy reference ==")
    ctx = moderngl.create_standalone_context(backend="egl", require=430)
    renderer = ctx.info.get("GL_RENDERER", "?")
    print(f"GL renderer: {renderer}")
    text = """
[meta]
name = "dust"
[[physics.laws]]
kind = "gravity"
strength = 1.0
softening = 0.5
[[physics.laws]]
kind = "uniform_field"
[[physics.laws]]
kind = "drag"
linear = 0.1
[[physics.laws]]
kind = "vortex"
[[bodies]]
name = "sun"
mass = 10.0
fixed = true
[[particles]]
name = "dust"
count = {count}
"""
    counts = [100_000] if quick else [100_000, 1_000_000]
    for count in counts:
        world = loads_world(text.format(count=count))
        sim = Simulation.from_world(world, seed=0)
        field = world.particles[0]
        gpu = ParticleFieldGPU(ctx, field, seed=0)
        laws = pack_laws(sim, gpu.origin, True)
        gpu.step(laws, 0.01)
        ctx.finish()
        repeats = 10 if count <= 100_000 else 4
        start = time.perf_counter()
        for _ in range(repeats):
            gpu.step(laws, 0.01)
        ctx.finish()
        gpu_seconds = (time.perf_counter() - start) / repeats
        cpu = ParticleFieldCPU(field, seed=0)
        start = time.perf_counter()
        cpu.step(laws, 0.01)
        cpu_seconds = time.perf_counter() - start
        print(
            f"N={count:>8}: compute {gpu_seconds * 1e3:8.2f} ms/step "
            f"({count / gpu_seconds / 1e6:6.2f} M particles/s); numpy reference "
            f"{cpu_seconds * 1e3:8.2f} ms/step; "
            f"compute/numpy speed {cpu_seconds / gpu_seconds:5.2f}x"
        )
        gpu.release()
    if "llvmpipe" in renderer:
        print("(software GL: GPU figures come only from a run on a GPU)")
    ctx.release()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and sizes")
    parser.add_argument("--no-particles", action="store_true", help="skip the GL part")
    args = parser.parse_args()
    bench_gravity(args.quick)
    if not args.no_particles:
        bench_particles(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
