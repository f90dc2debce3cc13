"""What sources sound like before the medium touches them: emitter kinds and collisions.

Owns: signals for the emitter kinds of ``engine.rules.bodies.Emitter`` (tone, chime, drone, noise,
pulse) and for collisions. A ``Signal`` is a function of the source's own (local) time measured
in samples, so a source in a slow or backward time field is read slower or backward; struck
sounds are finite, continuous ones go on forever. Deterministic for a given seed. Knows nothing of
positions, the medium or the mixer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOISE_TABLE_SAMPLES = 1 << 17
"""Length of the looped noise table continuous noise is read from (2.7 s at 48 kHz)."""


@dataclass(frozen=True)
class Signal:
    """A mono signal read at arbitrary (fractional, possibly decreasing) sample positions."""

    length: float
    """Samples in the signal; ``inf`` for continuous signals."""
    read: object
    """Callable (positions (M,) float64) -> values (M,) float64; zero outside [0, length)."""


def recorded(samples: np.ndarray) -> Signal:
    """A finite signal from an array, linearly interpolated; exact at whole sample positions."""
    samples = np.asarray(samples, dtype=np.float64).reshape(-1)
    padded = np.concatenate([samples, [0.0]])
    count = len(samples)

    def read(positions: np.ndarray) -> np.ndarray:
        inside = (positions >= 0) & (positions <= count - 1)
        clipped = np.clip(positions, 0, max(count - 1, 0))
        whole = np.floor(clipped).astype(np.int64)
        fraction = clipped - whole
        values = padded[whole] * (1.0 - fraction) + padded[whole + 1] * fraction
        return np.where(inside, values, 0.0)

    return Signal(length=float(count), read=read)


def _looped(table: np.ndarray) -> Signal:
    count = len(table)
    padded = np.concatenate([table, table[:1]])

    def read(positions: np.ndarray) -> np.ndarray:
        wrapped = np.mod(positions, count)
        whole = np.floor(wrapped).astype(np.int64)
        fraction = wrapped - whole
        return padded[whole] * (1.0 - fraction) + padded[whole + 1] * fraction

    return Signal(length=np.inf, read=read)


def _band_noise(frequency_hz: float, sample_rate: int, seed: int) -> np.ndarray:
    """A looped noise table, an octave wide around ``frequency_hz``, peak-normalised to 0.5."""
    rng = np.random.default_rng(seed)
    spectrum = rng.normal(size=NOISE_TABLE_SAMPLES // 2 + 1) + 1j * rng.normal(
        size=NOISE_TABLE_SAMPLES // 2 + 1
    )
    bins = np.fft.rfftfreq(NOISE_TABLE_SAMPLES, 1.0 / sample_rate)
    octaves = np.log2(np.maximum(bins, 1e-3) / frequency_hz)
    spectrum *= np.exp(-0.5 * (octaves / 0.5) ** 2)
    spectrum[0] = 0.0
    table = np.fft.irfft(spectrum, NOISE_TABLE_SAMPLES)
    return 0.5 * table / max(np.abs(table).max(), 1e-12)


def continuous(kind: str, frequency_hz: float, sample_rate: int, seed: int = 0) -> Signal:
    """An endless signal for an emitter that sounds continuously (peak about 0.5 to 1)."""
    if kind == "noise":
        return _looped(_band_noise(frequency_hz, sample_rate, seed))
    step = 2.0 * np.pi * frequency_hz / sample_rate
    if kind == "tone":
        return Signal(length=np.inf, read=lambda positions: np.sin(step * positions))
    if kind == "drone":
        phases = np.random.default_rng(seed).uniform(0, 2 * np.pi, size=6)
        wobble = 2.0 * np.pi * 0.3 / sample_rate

        def drone(positions: np.ndarray) -> np.ndarray:
            total = np.zeros_like(positions, dtype=np.float64)
            for harmonic in range(1, 7):
                total += np.sin(step * harmonic * positions + phases[harmonic - 1]) / harmonic
            return 0.4 * total * (1.0 + 0.2 * np.sin(wobble * positions))

        return Signal(length=np.inf, read=drone)
    if kind in ("pulse", "chime", "collision"):
        # A struck sound that repeats four times a second.
        strike = struck(kind, frequency_hz, sample_rate, seed)
        period = sample_rate // 4
        table = strike.read(np.arange(period, dtype=np.float64))
        return _looped(table)
    raise ValueError(f"unknown emitter kind {kind!r}; known: tone, chime, drone, noise, pulse")


_BELL_PARTIALS = (
    (0.5, 0.6, 4.0),
    (1.0, 1.0, 2.5),
    (1.183, 0.5, 1.8),
    (1.506, 0.45, 1.4),
    (2.0, 0.35, 1.0),
    (2.514, 0.25, 0.7),
    (2.662, 0.2, 0.6),
    (3.011, 0.15, 0.5),
)
"""(ratio to the fundamental, amplitude, decay time in s) of a struck bell's partials."""


def struck(kind: str, frequency_hz: float, sample_rate: int, seed: int = 0) -> Signal:
    """A finite sound for one strike of an emitter, or a collision (peak about 1)."""
    rng = np.random.default_rng(seed)
    if kind == "chime":
        seconds = 4.0
        time = np.arange(int(seconds * sample_rate)) / sample_rate
        total = np.zeros_like(time)
        for ratio, amplitude, decay in _BELL_PARTIALS:
            frequency = frequency_hz * ratio
            if frequency < 0.45 * sample_rate:
                phase = rng.uniform(0, 2 * np.pi)
                total += (
                    amplitude * np.exp(-time / decay) * np.sin(2 * np.pi * frequency * time + phase)
                )
        total *= np.minimum(1.0, time * sample_rate / 32.0)  # a 32-sample attack, no click
    elif kind == "pulse":
        seconds = 0.03
        time = np.arange(int(seconds * sample_rate)) / sample_rate
        total = np.sin(2 * np.pi * frequency_hz * time) * np.exp(-time / 0.006)
    elif kind == "collision":
        seconds = 0.25
        time = np.arange(int(seconds * sample_rate)) / sample_rate
        knock = np.exp(-time / 0.02) * rng.normal(size=len(time))
        modes = sum(
            np.exp(-time / (0.08 / ratio)) * np.sin(2 * np.pi * frequency_hz * ratio * time)
            for ratio in (1.0, 2.32, 4.25)
            if frequency_hz * ratio < 0.45 * sample_rate
        )
        total = 0.5 * knock + 0.6 * modes
    elif kind in ("tone", "drone", "noise"):
        # A struck continuous kind: one second of it under a smooth envelope.
        seconds = 1.0
        count = int(seconds * sample_rate)
        body = continuous(kind, frequency_hz, sample_rate, seed).read(
            np.arange(count, dtype=np.float64)
        )
        total = body * np.sin(np.pi * np.arange(count) / count) ** 2
    else:
        raise ValueError(
            f"unknown sound kind {kind!r}; known: tone, chime, drone, noise, pulse, collision"
        )
    peak = np.abs(total).max()
    return recorded(total / peak if peak > 0 else total)
