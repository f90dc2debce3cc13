"""Soak: an hour of world time with agents, live-path audio and offscreen rendering, faster than
real time. Reports peak RSS and its growth, audio underruns in the live path, and NaN states.

Owns: the soak loop below; it drives the engine only through public entry points (``WorldSource``,
which runs the simulation and the agents, and ``OffscreenView`` from the headless app;
``AgentVoices`` and ``Mixer`` for the sound) with a manual clock, as the window does. Touches no
files and no devices.

Per frame of ``1 / --fps`` real seconds: advance the world (at ``--speed`` world seconds per real
second, so an hour of world time takes ``3600 / speed`` "real" seconds; ``WorldSource`` steps the
agents), feed the mixer the snapshot and the voices of the lines just said (as the XR bridge's
live path does), mix the frame's audio in the chunks the live sink pulls
(``engine.audio.output.LIVE_BUFFER_SECONDS`` each), draw the frame. After the hour, a live
segment (``--live-seconds``) runs at speed 1, as someone exploring would.

- **Underruns**: the live sink queues at most one chunk ahead of the device, so a chunk that takes
  longer to mix than it lasts is heard as a gap. Counted per chunk against the mixer's budget
  (the baseline: the chunk's own duration), separately for warm-up, the hour and the live segment.
- **Memory**: RSS after warm-up (the first 5 % of world time) and at the end; growth is their
  difference; the slope over the second half (MiB per world hour) says whether it is flat.
- **NaN**: any non-finite body or agent position/velocity, world time or audio sample, counted.

    .venv/bin/python bench/soak.py                              # one hour, worlds/speakers.toml
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
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def rss_mib() -> float:
    """Resident memory now, in MiB (Linux /proc)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def non_finite(*arrays: np.ndarray) -> bool:
    return any(not np.isfinite(array).all() for array in arrays if array.size)


class Soak:
    """The running world and every counter the report needs."""

    def __init__(self, args: argparse.Namespace) -> None:
        from engine.agents.voices import AgentVoices
        from engine.app.headless import OffscreenView, create_offscreen_context
        from engine.app.source import WorldSource
        from engine.audio import Mixer
        from engine.audio.output import LIVE_BUFFER_SECONDS
        from engine.rules import load_world

        self.world = load_world(args.world)
        self.sample_rate = args.sample_rate
        self.frame_seconds = 1.0 / args.fps
        width, height = (int(part) for part in args.size.split("x"))
        self.ctx = create_offscreen_context()
        self.view = OffscreenView(self.ctx, self.world, width, height)
        self.source = WorldSource(self.world, seed=args.seed, ctx=self.ctx)
        self.simulation = self.source.simulation
        self.agents = self.source.agents
        if self.agents is None:
            raise SystemExit(f"{args.world} has no agents; the soak needs a world with agents")
        self.lines_heard = len(self.agents.transcript)
        self.chunk_seconds = LIVE_BUFFER_SECONDS
        self.chunk = int(round(LIVE_BUFFER_SECONDS * args.sample_rate))
        self.mixer = Mixer.for_world(
            self.world, sample_rate=args.sample_rate, block_size=self.chunk, seed=args.seed
        )
        self.voices = AgentVoices(self.agents, self.mixer, args.sample_rate)
        self.audio_owed = 0.0
        self.underruns: Counter[str] = Counter()
        self.chunks: Counter[str] = Counter()
        self.worst_chunk: Counter[str] = Counter()  # worst mix time / chunk duration, per phase
        self.seconds: Counter[str] = Counter()  # wall seconds: sim, mix, draw
        self.frames = self.nan_states = self.utterances = self.sounds = 0

    def frame(self, phase: str) -> None:
        began = time.perf_counter()
        self.source.advance(self.frame_seconds)
        snapshot = self.source.snapshot()
        said = tuple(self.agents.transcript[self.lines_heard :])  # lines said during advance()
        self.lines_heard = len(self.agents.transcript)
        self.utterances += len(said)
        self.sounds += len(snapshot.sounds)
        self.mixer.consume(snapshot)
        self.voices.hear(said)
        self.voices.follow(float(snapshot.world_time))
        self.seconds["sim"] += time.perf_counter() - began

        self.audio_owed += self.frame_seconds * self.sample_rate
        while self.audio_owed >= self.chunk:
            began = time.perf_counter()
            block = self.mixer.render(self.chunk)
            ratio = (time.perf_counter() - began) / self.chunk_seconds
            self.seconds["mix"] += ratio * self.chunk_seconds
            self.audio_owed -= self.chunk
            self.chunks[phase] += 1
            self.underruns[phase] += ratio > 1.0
            self.worst_chunk[phase] = max(self.worst_chunk[phase], ratio)
            self.nan_states += non_finite(block)

        began = time.perf_counter()
        self.view.draw(snapshot)
        self.seconds["draw"] += time.perf_counter() - began
        agent_view = self.agents.view()
        self.nan_states += non_finite(
            snapshot.bodies.positions,
            snapshot.bodies.velocities,
            snapshot.bodies.apparent_positions,
            agent_view.positions,
            agent_view.velocities,
            np.asarray(snapshot.world_time),
        )
        self.frames += 1

    def release(self) -> None:
        self.view.release()
        self.source.release()
        self.ctx.release()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", default=str(REPO / "worlds" / "speakers.toml"))
    parser.add_argument("--world-seconds", type=float, default=3600.0)
    parser.add_argument("--speed", type=float, default=60.0, help="world seconds per real second")
    parser.add_argument("--fps", type=float, default=60.0, help="frames per real second")
    parser.add_argument("--live-seconds", type=float, default=30.0, help="speed-1 tail (real s)")
    parser.add_argument("--size", default="64x48", help="offscreen frame size")
    parser.add_argument("--sample-rate", type=int, default=48_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from engine.sim.simulation import MAX_STEPS_PER_CALL

    soak = Soak(args)
    if args.speed / args.fps > MAX_STEPS_PER_CALL * soak.world.physics.time_step:
        parser.error("--speed / --fps asks more world time per frame than one advance() runs")
    target = args.world_seconds
    print(
        f"soak: {soak.world.meta.name}, {target:g} world s at {args.speed:g}x and {args.fps:g} "
        f"fps ({args.size} frames), then {args.live_seconds:g} s live; audio {args.sample_rate} Hz "
        f"in {soak.chunk}-frame chunks",
        flush=True,
    )
    soak.simulation.set_speed(args.speed)
    started = time.perf_counter()
    samples: list[tuple[float, float]] = []  # (world time, RSS MiB) after warm-up
    report_every = target / 20
    while soak.simulation.world_time < 0.05 * target:
        soak.frame("warm-up")
    gc.collect()
    samples.append((soak.simulation.world_time, rss_mib()))
    next_report = soak.simulation.world_time + report_every
    while soak.simulation.world_time < target:
        soak.frame("hour")
        if soak.simulation.world_time >= next_report:
            next_report += report_every
            samples.append((soak.simulation.world_time, rss_mib()))
            print(
                f"  world {samples[-1][0]:6.0f} s  rss {samples[-1][1]:6.1f} MiB  underruns "
                f"{soak.underruns['hour']}  nan {soak.nan_states}  "
                f"path knots {soak.mixer.path_knots()[0]}  "
                f"wall {time.perf_counter() - started:4.0f} s",
                flush=True,
            )
    hour_wall = time.perf_counter() - started
    gc.collect()
    samples.append((soak.simulation.world_time, rss_mib()))
    soak.simulation.set_speed(1.0)
    for _ in range(int(math.ceil(args.live_seconds * args.fps))):
        soak.frame("live")
    world_seconds = soak.simulation.world_time
    soak.release()

    warm, end = samples[0][1], samples[-1][1]
    half = [s for s in samples if s[0] >= samples[-1][0] / 2]
    slope = np.polyfit([s[0] for s in half], [s[1] for s in half], 1)[0] * 3600
    print(
        f"world time simulated     {world_seconds:.0f} s; the hour took {hour_wall:.0f} s wall "
        f"({(samples[-1][0]) / hour_wall:.1f}x real time)"
    )
    print(f"frames                   {soak.frames}")
    for part in ("sim", "mix", "draw"):
        print(f"  {part + ' per frame':22} {soak.seconds[part] / soak.frames * 1000:.1f} ms")
    for phase in ("warm-up", "hour", "live"):
        chunks = soak.chunks[phase]
        print(
            f"audio underruns, {phase:7} {soak.underruns[phase]} of {chunks} chunks "
            f"(worst chunk took {soak.worst_chunk[phase]:.2f}x its duration)"
        )
    print(f"NaN / non-finite states  {soak.nan_states}")
    print(f"utterances, sounds       {soak.utterances}, {soak.sounds}")
    print(f"peak RSS                 {peak_rss_mib():.1f} MiB")
    print(
        f"RSS after warm-up        {warm:.1f} MiB; after the hour {end:.1f} MiB "
        f"(growth {end - warm:+.1f} MiB, ratio {end / warm:.3f})"
    )
    print(f"RSS slope, second half   {slope:+.2f} MiB per world hour")
    knots, room = soak.mixer.path_knots()
    print(f"mixer's path knots       {knots} held, {room * 56 / 2**20:.2f} MiB of buffers")
    return 0 if soak.nan_states == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
