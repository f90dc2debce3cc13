"""What sources sound like before the medium touches them: emitter kinds and collisions.

Owns: signals for the emitter kinds of ``engine.rules.bodies.Emitter`` (tone, chime, drone, noise,
pulse) and for collisions. A ``Signal`` is a function of the source's own (local) time measured
in samples, so a source in a slow or backward time field is read slower or backward; struck
sounds are finite, continuous ones go on forever. Deterministic for a given seed. Knows nothing of
positions, the medium or the mixer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

NOISE_TABLE_SAMPLES = 1 << 17
"""Length of the looped noise table continuous noise is read from (2.7 s at 48 kHz)."""


@dataclass(frozen=True)
class Table:
    """How a signal is read from a table, so the mixer can emit it in one compiled loop.

    value(p) = lerp(table, p * scale) * (1 + wobble_depth * sin(2 pi p * wobble_cycles)), the table
    looped or zero outside it; ``read`` computes exactly this.
    """

    table: np.ndarray
    scale: float
    looped: bool
    wobble_depth: float = 0.0
    wobble_cycles: float = 0.0


@dataclass(frozen=True)
class Signal:
    """A mono signal read at arbitrary (fractional, possibly decreasing) sample positions."""

    length: float
    """Samples in the signal; ``inf`` for continuous signals."""
    read: Callable[[np.ndarray], np.ndarray]
    """Callable (positions (M,) float64) -> values (M,) float64; zero outside [0, length)."""
    table: Table | None = None
    """The same signal as a table read, when it is one (every built-in kind is)."""


SINE_TABLE_SAMPLES = 4096
"""One period of a sine; read with linear interpolation its error is below -130 dB."""

HARMONIC_TABLE_SAMPLES = 16_384
"""One period of a drone's six harmonics (error below -120 dB at the sixth)."""


def sine_table() -> np.ndarray:
    """One period of sin, ``SINE_TABLE_SAMPLES`` long (built once)."""
    global _SINE
    if _SINE is None:
        _SINE = np.sin(2.0 * np.pi * np.arange(SINE_TABLE_SAMPLES) / SINE_TABLE_SAMPLES)
    return _SINE


_SINE: np.ndarray | None = None


def from_table(length: float, table: Table) -> Signal:
    """A signal read from a table (see ``Table``)."""
    from engine.audio.kernels import read_table

    def read(positions: np.ndarray) -> np.ndarray:
        positions = np.ascontiguousarray(positions, dtype=np.float64)
        values = read_table(table.table, positions, table.scale, table.looped)
        if table.wobble_depth:
            wobble = read_table(
                sine_table(), positions, SINE_TABLE_SAMPLES * table.wobble_cycles, True
            )
            values *= 1.0 + table.wobble_depth * wobble
        return values

    return Signal(length=length, read=read, table=table)


def recorded(samples: np.ndarray) -> Signal:
    """A finite signal from an array, linearly interpolated; exact at whole sample positions."""
    samples = np.ascontiguousarray(samples, dtype=np.float64).reshape(-1)
    return from_table(float(len(samples)), Table(samples, 1.0, looped=False))


def _looped(table: np.ndarray) -> Signal:
    return from_table(np.inf, Table(np.ascontiguousarray(table, dtype=np.float64), 1.0, True))


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
    cycles = frequency_hz / sample_rate  # periods per sample
    if kind == "tone":
        return from_table(np.inf, Table(sine_table(), SINE_TABLE_SAMPLES * cycles, True))
    if kind == "drone":
        phases = np.random.default_rng(seed).uniform(0, 2 * np.pi, size=6)
        angle = 2.0 * np.pi * np.arange(HARMONIC_TABLE_SAMPLES) / HARMONIC_TABLE_SAMPLES
        harmonics = np.zeros(HARMONIC_TABLE_SAMPLES)
        for harmonic in range(1, 7):
            harmonics += np.sin(harmonic * angle + phases[harmonic - 1]) / harmonic
        # Six harmonics, swelling by 20 % at 0.3 Hz.
        table = Table(
            0.4 * harmonics, HARMONIC_TABLE_SAMPLES * cycles, True, 0.2, 0.3 / sample_rate
        )
        return from_table(np.inf, table)
    if kind in ("pulse", "chime", "collision"):
        # A struck sound that repeats four times a second.
        strike = struck(kind, frequency_hz, sample_rate, seed)
        period = sample_rate // 4
        one_period = strike.read(np.arange(period, dtype=np.float64))
        return _looped(one_period)
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
