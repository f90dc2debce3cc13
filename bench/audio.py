"""Acoustics benchmark: real-time factor of the mixer, and a shoebox room against pyroomacoustics.

Run: ``.venv/bin/python bench/audio.py [--seconds S]``. Prints:
1. the real-time factor (audio seconds per wall-clock second, one core) for 32 moving sources at
   48 kHz stereo with delay, Doppler, absorption and reverb, for live blocks (1024) and offline
   blocks (4096), against a baseline measured in the same run: the same signals summed with
   gains only (no propagation), so the ratio says what propagation costs;
2. where the mixer's time goes, per stage (``stage_costs``);
3. the same shoebox room, source and listener through our image-source impulse response and
   through pyroomacoustics (same order, same absorption): build time side by side, how alike
   the two responses are (correlation, energy ratio), and a render of 2 s of noise heard at the
   listener (response built afresh, then convolved: ours with ``fftconvolve``, theirs with
   ``room.simulate()``), time side by side and how alike the two renders are;
4. struck sounds (``struck_scene``): short sources starting and ending all the time (20 strikes
   a second, each 0.3-1 s, plus 4 long moving tones), CPU time (user + system: a new source's
   ring is page-faulted in, which is system time) per second of audio, against the same scene on
   a mixer that gives every source a fresh ring (no ring pool), interleaved in the same run;
5. clicks in ``worlds/sonic_boom.toml`` (supersonic sources on orbits): the world rendered for
   ``--seconds``, high-passed at 6 kHz (the tones sit at 440 and 660 Hz), and the bursts above
   -70 and -60 dBFS counted (a burst: samples over the threshold less than 10 ms apart; a click:
   a burst shorter than 5 ms; the Mach cone's own sweep is one long burst), against
   the same render with an ideal output clock (world time = real time; this world's time rate
   is 1), which has no clock jitter at all.

Live blocks are 1024 samples and 2400 (50 ms, the live-play target); offline blocks 4096.
Real-time factors use this process's CPU time (one thread): the machine is shared, and wall
time there measures the neighbours as much as the mixer.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.signal import fftconvolve  # noqa: E402

from engine.audio import Mixer, Trajectory  # noqa: E402
from engine.audio.reverb import shoebox_impulse_response  # noqa: E402
from engine.audio.synthesis import continuous  # noqa: E402
from engine.rules.acoustics import AbsorptionBand, Acoustics, Reverb  # noqa: E402

RATE = 48_000
RENDER_SECONDS = 2
"""Seconds of noise rendered through the shoebox room by both (``shoebox_comparison``)."""


def moving_sources_mixer(block: int, sources: int = 32, seed: int = 0) -> Mixer:
    rng = np.random.default_rng(seed)
    acoustics = Acoustics(
        speed_of_sound=343.0,
        absorption=(
            AbsorptionBand(frequency_hz=500, db_per_metre=0.01),
            AbsorptionBand(frequency_hz=8000, db_per_metre=0.1),
        ),
        reverb=Reverb(room_size=20.0, decay_seconds=1.5, wet=0.3),
    )
    mixer = Mixer(acoustics, sample_rate=RATE, block_size=block, seed=seed)
    mixer.set_listener(0.0, (0.0, 1.6, 0.0))
    for index in range(sources):
        signal = continuous("tone", 200.0 + 40.0 * index, RATE, seed=index)  # endless
        start = rng.uniform(-40, 40, size=3) * (1, 0.1, 1)
        velocity = rng.uniform(-20, 20, size=3) * (1, 0.1, 1)
        mixer.add_source(signal, position=Trajectory.linear(tuple(start), tuple(velocity)))
    return mixer


def real_time_factor(block: int, seconds: float) -> float:
    mixer = moving_sources_mixer(block)
    mixer.render(block)  # warm up
    frames = int(seconds * RATE)
    began = time.process_time()
    mixer.render(frames)
    return seconds / (time.process_time() - began)


def stage_costs(block: int, seconds: float) -> dict[str, float]:
    """CPU milliseconds per second of audio in each stage of ``real_time_factor``'s render.

    Stages are timed by wrapping the functions the mixer calls: the one compiled call for the
    table sources (retarded time, emission and the fractional-delay read with Doppler, gains,
    ITD/ILD and the split into distance buses), the distance buses' filters (absorption and
    tilt), the reverb convolver and the limiter; the rest is Python (clocks, per-source
    bookkeeping) and the hearing filter.
    """
    from engine.audio import kernels, mixer, reverb

    costs: dict[str, float] = {}
    wrapped = [
        (kernels, "mix_sources", "sources (solve, emission, read)"),
        (mixer.Mixer, "_filter_buses", "distance buses (absorption, tilt)"),
        (reverb.BlockConvolver, "process", "reverb"),
        (mixer._BlockLimiter, "process", "limiter"),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in wrapped]

    def timed(function, label):
        def run(*args, **kwargs):
            began = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                costs[label] = costs.get(label, 0.0) + time.process_time() - began

        return run

    mixer_under_test = moving_sources_mixer(block)
    mixer_under_test.render(block)  # warm up
    for (owner, name, label), (_, _, function) in zip(wrapped, originals, strict=True):
        setattr(owner, name, timed(function, label))
    try:
        began = time.process_time()
        mixer_under_test.render(int(seconds * RATE))
        total = time.process_time() - began
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)
    result = {label: cost / seconds * 1000.0 for label, cost in costs.items()}
    result["rest (Python, clocks, hearing)"] = (total - sum(costs.values())) / seconds * 1000.0
    result["total"] = total / seconds * 1000.0
    return result


def baseline_factor(block: int, seconds: float, sources: int = 32) -> float:
    """Sum the same number of signals with gains only, block by block: no propagation."""
    signals = np.random.default_rng(0).uniform(-1, 1, size=(sources, RATE * 2))
    gains = np.linspace(0.1, 1.0, sources)
    frames = int(seconds * RATE)
    began = time.process_time()
    position = 0
    while position < frames:
        start = position % (RATE * 2 - block)
        chunk = signals[:, start : start + block]
        _ = np.stack([gains @ chunk, gains @ chunk], axis=1)
        position += block
    return seconds / (time.process_time() - began)


STRIKES_PER_SECOND = 20
STRIKE_SIGNALS = 16


def struck_scene(block: int, seconds: float, seed: int = 0) -> tuple[Mixer, list[tuple]]:
    """A mixer with 4 long moving tones, and the strikes to add as it plays: (world time, samples,
    position), 20 a second, each a decaying tone 0.3-1 s long at a fixed point 3-40 m away."""
    rng = np.random.default_rng(seed)
    acoustics = Acoustics(
        speed_of_sound=343.0,
        absorption=(AbsorptionBand(frequency_hz=4000, db_per_metre=0.05),),
        reverb=Reverb(room_size=20.0, decay_seconds=1.0, wet=0.2),
    )
    mixer = Mixer(acoustics, sample_rate=RATE, block_size=block, seed=seed)
    mixer.set_listener(0.0, (0.0, 1.6, 0.0))
    for index in range(4):
        signal = continuous("tone", 150.0 + 70.0 * index, RATE, seed=index)
        start = rng.uniform(-30, 30, size=3) * (1, 0.1, 1)
        velocity = rng.uniform(-10, 10, size=3) * (1, 0.1, 1)
        mixer.add_source(signal, position=Trajectory.linear(tuple(start), tuple(velocity)))
    shapes = []
    for _ in range(STRIKE_SIGNALS):
        length = rng.uniform(0.3, 1.0)
        time_axis = np.arange(int(length * RATE)) / RATE
        frequency = rng.uniform(200.0, 2000.0)
        decay = np.exp(-time_axis * 6.0 / length) * np.minimum(1.0, time_axis * RATE / 32.0)
        shapes.append(decay * np.sin(2 * np.pi * frequency * time_axis))
    strikes = []
    for index in range(int(seconds * STRIKES_PER_SECOND)):
        when = (index + rng.uniform(0.0, 1.0)) / STRIKES_PER_SECOND
        direction = rng.normal(size=3)
        where = direction / np.linalg.norm(direction) * rng.uniform(3.0, 40.0)
        where[1] = abs(where[1]) * 0.1
        strikes.append((when, shapes[int(rng.integers(STRIKE_SIGNALS))], tuple(where)))
    return mixer, strikes


class StruckRun:
    """Plays ``struck_scene`` block by block, adding each strike in the block before it sounds
    (as ``Mixer.consume`` adds a snapshot's struck sounds); counts its CPU time and page faults."""

    def __init__(self, block: int, seconds: float, pool_rings: bool) -> None:
        self.mixer, self.strikes = struck_scene(block, seconds)
        if not pool_rings:
            self.mixer._ring_pool_bytes = 0  # every source gets a fresh ring
        self.block = block
        self.next_strike = 0
        self.seconds = self.user = self.system = 0.0
        self.faults = 0
        self.output: list[np.ndarray] = []

    def play(self, frames: int) -> None:
        mixer = self.mixer
        before = resource.getrusage(resource.RUSAGE_SELF)
        for _ in range(frames // self.block):
            ends = (mixer._output_sample + self.block) / RATE
            while self.next_strike < len(self.strikes) and self.strikes[self.next_strike][0] < ends:
                when, samples, where = self.strikes[self.next_strike]
                mixer.add_source(samples, position=where, start_world_time=when, gain=0.2)
                self.next_strike += 1
            self.output.append(mixer.render(self.block))
        after = resource.getrusage(resource.RUSAGE_SELF)
        self.seconds += frames // self.block * self.block / RATE
        self.user += after.ru_utime - before.ru_utime
        self.system += after.ru_stime - before.ru_stime
        self.faults += after.ru_minflt - before.ru_minflt


def struck_comparison(block: int, seconds: float) -> tuple[StruckRun, StruckRun]:
    """The struck scene with pooled rings and with fresh rings, played in alternating 0.5 s
    chunks in this process (so both see the same machine), after a one-block warm-up each."""
    pooled, fresh = StruckRun(block, seconds, True), StruckRun(block, seconds, False)
    for run in (pooled, fresh):
        run.play(block)
        run.seconds = run.user = run.system = 0.0
        run.faults = 0
    chunk = max(block, int(0.5 * RATE) // block * block)
    played = block
    while played + chunk <= seconds * RATE:
        for run in (pooled, fresh) if (played // chunk) % 2 == 0 else (fresh, pooled):
            run.play(chunk)
        played += chunk
    return pooled, fresh


def shoebox_comparison(order: int) -> None:
    import pyroomacoustics as pra

    room_size, source, listener = (9.0, 7.5, 3.5), (2.0, 3.1, 1.2), (6.3, 4.2, 1.7)
    absorption = 0.25
    signal = np.random.default_rng(order).normal(size=RENDER_SECONDS * RATE)
    began = time.perf_counter()
    ours = shoebox_impulse_response(room_size, source, listener, order, absorption, 343.0, RATE)
    ours_seconds = time.perf_counter() - began
    began = time.perf_counter()
    room = pra.ShoeBox(
        room_size,
        fs=RATE,
        materials=pra.Material(absorption),
        max_order=order,
        air_absorption=False,
    )
    room.set_sound_speed(343.0)
    room.add_source(source, signal=signal)
    room.add_microphone(listener)
    room.compute_rir()
    theirs = np.asarray(room.rir[0][0])
    theirs_seconds = time.perf_counter() - began
    # Rendering: the signal heard at the listener, the response built from scratch each time.
    began = time.perf_counter()
    response = shoebox_impulse_response(room_size, source, listener, order, absorption, 343.0, RATE)
    ours_heard = fftconvolve(signal, response)
    ours_render_seconds = time.perf_counter() - began
    room.rir = None  # ``simulate`` builds the response again, as a fresh render would
    began = time.perf_counter()
    room.simulate()
    theirs_heard = np.asarray(room.mic_array.signals[0])
    theirs_render_seconds = time.perf_counter() - began
    # Align on the direct sound, then compare.
    shift = int(np.argmax(np.abs(theirs))) - int(np.argmax(np.abs(ours)))
    if shift > 0:
        aligned = theirs[shift:]
    else:
        aligned = np.concatenate([np.zeros(-shift), theirs])
    length = min(len(ours), len(aligned))
    a, b = ours[:length], aligned[:length]
    correlation = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    # pyroomacoustics leaves out the 1/(4 pi) of the free-field Green's function; put it back.
    energy = float(np.sum(a**2) / np.sum(b**2) * (4 * np.pi) ** 2)
    heard = _aligned_correlation(ours_heard, theirs_heard)
    print(
        f"  order {order:2d}: response ours {ours_seconds * 1000:6.1f} ms  pyroomacoustics "
        f"{theirs_seconds * 1000:6.1f} ms  x{theirs_seconds / ours_seconds:5.1f}  "
        f"correlation {correlation:.3f}  energy ratio {energy:.3f}   render {RENDER_SECONDS} s: "
        f"ours {ours_render_seconds * 1000:6.1f} ms  pyroomacoustics "
        f"{theirs_render_seconds * 1000:6.1f} ms  "
        f"x{theirs_render_seconds / ours_render_seconds:5.1f}  correlation {heard:.3f}"
    )


def _aligned_correlation(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Correlation of two renders of one signal, aligned on their cross-correlation peak."""
    length = min(len(ours), len(theirs))
    a, b = ours[:length], theirs[:length]
    lag = int(np.argmax(np.abs(fftconvolve(a, b[::-1])))) - (length - 1)
    a, b = (a[lag:], b[: length - lag]) if lag >= 0 else (a[: length + lag], b[-lag:])
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def click_bursts(world_path: str, seconds: float, ideal_clock: bool) -> dict[int, int]:
    """Bursts of high-passed output above -70 and -60 dBFS in a world's offline render."""
    from scipy.signal import butter, sosfilt

    from engine.audio import mixer, render_world_audio
    from engine.rules import load_world

    original = mixer.Mixer.world_time_at
    if ideal_clock:
        mixer.Mixer.world_time_at = lambda self, real: np.asarray(real, dtype=np.float64)
    try:
        stereo, rate = render_world_audio(load_world(world_path), seconds)
    finally:
        mixer.Mixer.world_time_at = original
    high = butter(8, 6000.0, "highpass", fs=rate, output="sos")
    level = np.abs(sosfilt(high, stereo[:, 0].astype(np.float64)))
    bursts = {}
    for threshold in (-70, -60):
        over = np.flatnonzero(level > 10.0 ** (threshold / 20.0))
        if len(over) == 0:
            bursts[threshold] = (0, 0)
            continue
        gaps = np.flatnonzero(np.diff(over) > rate // 100)
        starts = over[np.concatenate([[0], gaps + 1])]
        ends = over[np.concatenate([gaps, [len(over) - 1]])]
        clicks = int(np.count_nonzero(ends - starts < rate // 200))  # shorter than 5 ms
        bursts[threshold] = (len(starts), clicks)
    return bursts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print("32 moving sources, 48 kHz stereo, delay + Doppler + absorption + reverb (one core)")
    for block in (1024, 2400, 4096):
        factor = real_time_factor(block, args.seconds)
        baseline = baseline_factor(block, args.seconds)
        print(
            f"  block {block:5d}: {factor:7.1f}x real time   baseline (gains only) "
            f"{baseline:8.1f}x   propagation costs x{baseline / factor:.0f} the baseline"
        )
    print("  where the time goes (CPU ms per second of audio; the timers add a little):")
    for block in (2400, 4096):
        costs = stage_costs(block, args.seconds)
        print(f"  block {block:5d}: " + ", ".join(f"{k} {v:.1f}" for k, v in costs.items()))
    print(
        f"struck sounds: {STRIKES_PER_SECOND} strikes/s (0.3-1 s each) + 4 long tones, CPU ms per "
        "second of audio (user + system), pooled rings against fresh rings, interleaved"
    )
    for block in (1024, 4096):
        pooled, fresh = struck_comparison(block, args.seconds)
        same = np.array_equal(np.concatenate(pooled.output), np.concatenate(fresh.output))
        line = []
        for label, run in (("pooled", pooled), ("fresh", fresh)):
            total = (run.user + run.system) / run.seconds * 1000.0
            line.append(
                f"{label} {total:6.1f} (system {run.system / run.seconds * 1000.0:5.1f}, "
                f"{run.faults / run.seconds:6.0f} faults/s)"
            )
        ratio = (fresh.user + fresh.system) / (pooled.user + pooled.system)
        print(f"  block {block:5d}: " + "   ".join(line) + f"   x{ratio:.2f}   same output {same}")
    print("shoebox room 9 x 7.5 x 3.5 m, absorption 0.25, same source and listener")
    for order in (3, 8, 15):
        shoebox_comparison(order)
    print(f"clicks: worlds/sonic_boom.toml, {args.seconds:g} s, high-passed at 6 kHz, bursts")
    for label, ideal in (("mixer clock", False), ("ideal clock", True)):
        bursts = click_bursts("worlds/sonic_boom.toml", args.seconds, ideal)
        print(
            f"  {label}: bursts (of which clicks, < 5 ms) above -70 dBFS "
            f"{bursts[-70][0]:3d} ({bursts[-70][1]:3d})   above -60 dBFS "
            f"{bursts[-60][0]:3d} ({bursts[-60][1]:3d})"
        )


if __name__ == "__main__":
    main()
