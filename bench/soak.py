"""Soak: an hour of world time with agents, live-path audio and offscreen rendering, faster than
real time. Reports peak RSS and its growth, audio underruns in the live path, and NaN states.

Owns: the soak loop below; it drives the engine only through public entry points (``WorldSource``
and ``OffscreenView`` from the headless app, ``AgentSystem``, ``AgentVoices``, ``Mixer``), exactly
as the window does, with a manual clock. Touches no files and no devices.

The loop, per frame of ``1 / --fps`` real seconds: advance the world (at ``--speed`` world seconds
per real second, so an hour of world time takes ``3600 / speed`` seconds of "real" time), step and
publish the agents, feed the mixer the snapshot and the voices, render the frame's audio in the
chunks the live sink pulls (``engine.audio.output.LIVE_BUFFER_SECONDS`` each), draw the frame.

- **Underruns**: the live sink queues at most one chunk ahead of the device, so a chunk that takes
  longer to mix than it lasts is heard as a gap. Counted per chunk (the mixer's own budget).
- **Memory**: RSS after a warm-up (the first 5 % of world time) and at the end; growth is their
  difference, and the slope over the second half (MB per world hour) says whether it is flat.
- **NaN**: any non-finite body or agent position/velocity, audio sample or pixel, counted.

    .venv/bin/python bench/soak.py                            # one hour, worlds/speakers.toml
    .venv/bin/python bench/soak.py --world-seconds 600 --speed 30
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """Resident memory now, in MiB (from /proc: Linux)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def non_finite(*arrays: np.ndarray) -> bool:
    return any(not np.isfinite(array).all() for array in arrays if array.size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", default=str(REPO / "worlds" / "speakers.toml"))
    parser.add_argument("--world-seconds", type=float, default=3600.0)
    parser.add_argument("--speed", type=float, default=60.0, help="world seconds per real second")
    parser.add_argument("--fps", type=float, default=60.0, help="frames per real second")
    parser.add_argument("--size", default="64x48", help="offscreen frame size")
    parser.add_argument("--sample-rate", type=int, default=48_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from engine.agents.system import AgentSystem
    from engine.agents.voices import AgentVoices
    from engine.app.headless import OffscreenView, create_offscreen_context
    from engine.app.source import WorldSource
    from engine.audio import Mixer
    from engine.audio.output import LIVE_BUFFER_SECONDS
    from engine.rules import load_world
    from engine.sim.simulation import MAX_STEPS_PER_CALL

    world = load_world(args.world)
    width, height = (int(part) for part in args.size.split("x"))
    ctx = create_offscreen_context()
    view = OffscreenView(ctx, world, width, height)
    source = WorldSource(world, seed=args.seed, ctx=ctx)
    simulation = source.simulation
    simulation.set_speed(args.speed)
    agents = AgentSystem(world, args.seed, local_rates=simulation.local_time.rates)
    chunk = int(round(LIVE_BUFFER_SECONDS * args.sample_rate))
    mixer = Mixer.for_world(world, sample_rate=args.sample_rate, block_size=chunk, seed=args.seed)
    voices = AgentVoices(agents, mixer, args.sample_rate)

    frame_seconds = 1.0 / args.fps
    real_seconds = args.world_seconds / args.speed
    frames = int(math.ceil(real_seconds * args.fps))
    if args.speed / args.fps > MAX_STEPS_PER_CALL * world.physics.time_step:
        parser.error("--speed / --fps asks more world time per frame than one advance() runs")
    audio_owed = 0.0
    chunks = underruns = warm_up_underruns = nan_states = utterances = sounds = 0
    worst_chunk_ratio = 0.0
    mix_seconds = sim_seconds = draw_seconds = 0.0
    warm_rss: float | None = None
    samples: list[tuple[float, float]] = []  # (world time, RSS MiB)
    print(
        f"soak: {world.meta.name}, {args.world_seconds:g} world s at {args.speed:g}x "
        f"({frames} frames of {width}x{height}, {real_seconds:g} s of live audio at "
        f"{args.sample_rate} Hz in {chunk}-frame chunks)",
        flush=True,
    )
    started = time.perf_counter()
    for frame in range(frames):
        began = time.perf_counter()
        source.advance(frame_seconds)
        snapshot = source.snapshot()
        said = agents.step(snapshot)
        # Not agents.publish(snapshot): the renderer does not read AgentSystem's view yet (it
        # expects engine.render.views.AgentView rows; reported). WorldSource's stand-ins are drawn.
        utterances += len(said)
        sounds += len(snapshot.sounds)
        mixer.consume(snapshot)
        voices.hear(said)
        voices.follow(float(snapshot.world_time))
        sim_seconds += time.perf_counter() - began

        audio_owed += frame_seconds * args.sample_rate
        while audio_owed >= chunk:
            began = time.perf_counter()
            block = mixer.render(chunk)
            took = time.perf_counter() - began
            mix_seconds += took
            chunks += 1
            audio_owed -= chunk
            ratio = took / LIVE_BUFFER_SECONDS
            worst_chunk_ratio = max(worst_chunk_ratio, ratio)
            if warm_rss is None:
                warm_up_underruns += ratio > 1.0  # first voices, caches, FFT plans
            else:
                underruns += ratio > 1.0
            nan_states += non_finite(block)

        began = time.perf_counter()
        pixels = view.draw(snapshot)
        draw_seconds += time.perf_counter() - began
        bodies = snapshot.bodies
        agent_view = agents.view()
        nan_states += non_finite(
            bodies.positions,
            bodies.velocities,
            bodies.apparent_positions,
            agent_view.positions,
            agent_view.velocities,
            np.asarray(snapshot.world_time),
        )
        nan_states += pixels.size == 0

        world_time = float(snapshot.world_time)
        if warm_rss is None and world_time >= 0.05 * args.world_seconds:
            gc.collect()
            warm_rss = rss_mb()
            samples.append((world_time, warm_rss))
        elif frame % max(1, frames // 20) == 0 and warm_rss is not None:
            samples.append((world_time, rss_mb()))
            elapsed = time.perf_counter() - started
            print(
                f"  world {world_time:7.0f} s  rss {samples[-1][1]:7.1f} MiB  "
                f"underruns {underruns}  nan {nan_states}  wall {elapsed:5.0f} s",
                flush=True,
            )
    wall = time.perf_counter() - started
    gc.collect()
    end_rss = rss_mb()
    samples.append((float(simulation.world_time), end_rss))
    half = [s for s in samples if s[0] >= samples[-1][0] / 2]
    slope = (
        np.polyfit([s[0] for s in half], [s[1] for s in half], 1)[0] * 3600
        if len(half) > 2
        else 0.0
    )
    view.release()
    source.release()
    ctx.release()

    world_seconds = float(simulation.world_time)
    print(
        f"world time simulated   {world_seconds:.0f} s in {wall:.0f} s wall "
        f"({world_seconds / wall:.1f}x real time)"
    )
    print(f"frames drawn           {frames} ({draw_seconds / frames * 1000:.1f} ms each)")
    print(f"sim + agents per frame {sim_seconds / frames * 1000:.1f} ms")
    mixed_speed = chunks * LIVE_BUFFER_SECONDS / mix_seconds if mix_seconds else 0.0
    print(
        f"live audio             {chunks} chunks, mixed at {mixed_speed:.1f}x real time; "
        f"worst chunk took {worst_chunk_ratio:.2f} of its duration"
    )
    print(f"audio underruns        {underruns} after warm-up ({warm_up_underruns} during it)")
    print(f"NaN / non-finite states {nan_states}")
    print(f"utterances, sounds     {utterances}, {sounds}")
    print(f"peak RSS               {peak_rss_mb():.1f} MiB")
    print(
        f"RSS after warm-up      {warm_rss:.1f} MiB, at end {end_rss:.1f} MiB "
        f"(growth {end_rss - (warm_rss or end_rss):+.1f} MiB, "
        f"ratio {end_rss / (warm_rss or end_rss):.3f})"
    )
    print(f"RSS slope, second half {slope:+.2f} MiB per world hour")
    return 0 if nan_states == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
