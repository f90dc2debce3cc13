"""The world's medium for sound: travel time along a path, loudness loss, spectral change, hearing.

Owns: path-integrated travel time through media regions, the attenuation law, the per-distance
frequency response (absorption bands and spectral tilt), level conventions (dB SPL to full scale)
and the explorer's hearing range at a given size. Pure numpy; reads ``engine.rules`` values and
never touches the simulation, a sound device or files.
"""

from __future__ import annotations

import math

import numpy as np

from engine.rules.acoustics import Acoustics
from engine.rules.common import Region
from engine.rules.scale import Scale

FULL_SCALE_DB_SPL = 90.0
"""Sound level (dB SPL) that maps to amplitude 1.0 (0 dBFS) in the output."""

MAX_BOOST_DB = 24.0
"""Largest gain a brightening spectral tilt may add at any frequency."""

SILENT_DB = -120.0
"""Loss beyond which a band is treated as silent."""


def loudness_to_amplitude(loudness_db: float) -> float:
    """Peak amplitude (full scale = 1) of a source of this level at the reference distance."""
    return 10.0 ** ((loudness_db - FULL_SCALE_DB_SPL) / 20.0)


def attenuation_gain(acoustics: Acoustics, distance: np.ndarray) -> np.ndarray:
    """Amplitude factor (reference_distance / distance) ** exponent, distance in metres.

    Distances below a tenth of the reference distance count as that tenth, so a source passing
    through the listener's head does not become infinitely loud.
    """
    floor = 0.1 * acoustics.reference_distance
    clipped = np.maximum(np.asarray(distance, dtype=np.float64), floor)
    return (acoustics.reference_distance / clipped) ** acoustics.attenuation_exponent


def _region_chord(region: Region, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Parameters (M, 2) in [0, 1] where segments start->end enter and leave the region.

    Rows that miss the region hold (nan, nan). Soft edges (``region.edge``) are treated as hard.
    """
    direction = ends - starts  # (M, 3)
    centre = np.asarray(region.centre, dtype=np.float64)
    count = starts.shape[0]
    enter = np.full(count, np.nan)
    leave = np.full(count, np.nan)
    if region.shape == "sphere":
        offset = starts - centre
        a = np.einsum("ij,ij->i", direction, direction)
        b = 2.0 * np.einsum("ij,ij->i", offset, direction)
        c = np.einsum("ij,ij->i", offset, offset) - region.radius**2
        disc = b * b - 4.0 * a * c
        hit = (disc > 0) & (a > 0)
        root = np.sqrt(np.where(hit, disc, 0.0))
        safe_a = np.where(a > 0, a, 1.0)
        enter = np.where(hit, (-b - root) / (2.0 * safe_a), np.nan)
        leave = np.where(hit, (-b + root) / (2.0 * safe_a), np.nan)
    else:
        half = 0.5 * np.asarray(region.size, dtype=np.float64)
        low = centre - half
        high = centre + half
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (low - starts) / direction
            t2 = (high - starts) / direction
        near = np.where(direction == 0, -np.inf, np.minimum(t1, t2))
        far = np.where(direction == 0, np.inf, np.maximum(t1, t2))
        # An axis the segment does not move along: inside the slab for all t, or never.
        outside = (direction == 0) & ((starts < low) | (starts > high))
        near = np.where(outside, np.inf, near)
        far = np.where(outside, -np.inf, far)
        enter = near.max(axis=1)
        leave = far.min(axis=1)
        miss = enter >= leave
        enter = np.where(miss, np.nan, enter)
        leave = np.where(miss, np.nan, leave)
    enter = np.clip(enter, 0.0, 1.0)
    leave = np.clip(leave, 0.0, 1.0)
    return np.stack([enter, leave], axis=1)


def _inside(region: Region, points: np.ndarray) -> np.ndarray:
    centre = np.asarray(region.centre, dtype=np.float64)
    if region.shape == "sphere":
        return np.einsum("...j,...j->...", points - centre, points - centre) <= region.radius**2
    half = 0.5 * np.asarray(region.size, dtype=np.float64)
    return np.all(np.abs(points - centre) <= half, axis=-1)


def travel_time(
    acoustics: Acoustics, speed_of_sound: float, sources: np.ndarray, listeners: np.ndarray
) -> np.ndarray:
    """Seconds sound takes along straight paths sources (M, 3) -> listeners (M, 3).

    Outside media regions sound moves at ``speed_of_sound``; inside one at the region's speed.
    Where regions overlap, the one listed first in the world file wins.
    """
    sources = np.asarray(sources, dtype=np.float64)
    listeners = np.asarray(listeners, dtype=np.float64)
    length = np.linalg.norm(listeners - sources, axis=-1)
    if not acoustics.media:
        return length / speed_of_sound
    chords = [_region_chord(medium.region, sources, listeners) for medium in acoustics.media]
    cuts = np.concatenate(
        [np.zeros((len(sources), 1)), np.ones((len(sources), 1)), *chords], axis=1
    )
    cuts = np.sort(np.where(np.isnan(cuts), 1.0, cuts), axis=1)  # (M, P)
    middles = 0.5 * (cuts[:, 1:] + cuts[:, :-1])  # (M, P-1)
    spans = cuts[:, 1:] - cuts[:, :-1]
    points = sources[:, None, :] + middles[..., None] * (listeners - sources)[:, None, :]
    slowness = np.full(middles.shape, 1.0 / speed_of_sound)
    claimed = np.zeros(middles.shape, dtype=bool)
    for medium in acoustics.media:
        inside = _inside(medium.region, points) & ~claimed
        slowness = np.where(inside, 1.0 / medium.speed_of_sound, slowness)
        claimed |= inside
    return length * np.sum(spans * slowness, axis=1)


def slowest_speed(acoustics: Acoustics, speed_of_sound: float) -> float:
    """The slowest speed sound has anywhere in the world."""
    return min([speed_of_sound, *(medium.speed_of_sound for medium in acoustics.media)])


def absorption_db_per_metre(acoustics: Acoustics, frequencies: np.ndarray) -> np.ndarray:
    """Loss per metre at each frequency, interpolated between bands on a log-frequency axis."""
    frequencies = np.asarray(frequencies, dtype=np.float64)
    if not acoustics.absorption:
        return np.zeros_like(frequencies)
    band_hz = np.log([band.frequency_hz for band in acoustics.absorption])
    band_db = np.array([band.db_per_metre for band in acoustics.absorption])
    return np.interp(np.log(np.maximum(frequencies, 1e-3)), band_hz, band_db)


def path_response_db(acoustics: Acoustics, frequencies: np.ndarray, distance: float) -> np.ndarray:
    """Gain in dB at each frequency after ``distance`` metres: absorption plus spectral tilt.

    Tilt acts above 1 kHz, ``spectral_tilt_db_per_octave_per_metre`` per octave per metre.
    """
    frequencies = np.asarray(frequencies, dtype=np.float64)
    octaves_above = np.maximum(0.0, np.log2(np.maximum(frequencies, 1e-3) / 1000.0))
    tilt = acoustics.spectral_tilt_db_per_octave_per_metre * distance * octaves_above
    loss = absorption_db_per_metre(acoustics, frequencies) * distance
    return np.clip(tilt - loss, SILENT_DB, MAX_BOOST_DB)


def shapes_spectrum(acoustics: Acoustics) -> bool:
    """Whether the path changes the spectrum at all (absorption or tilt declared)."""
    return bool(
        any(band.db_per_metre > 0 for band in acoustics.absorption)
        or acoustics.spectral_tilt_db_per_octave_per_metre != 0.0
    )


def pitch_factor(acoustics: Acoustics, distance: float | np.ndarray) -> float | np.ndarray:
    """Frequency ratio after travelling ``distance`` metres (pitch drift per metre)."""
    if isinstance(distance, float | int):  # the mixer asks once per source and block
        return 2.0 ** (acoustics.pitch_drift_semitones_per_metre * distance / 12.0)
    return 2.0 ** (acoustics.pitch_drift_semitones_per_metre * np.asarray(distance) / 12.0)


def hearing_range(acoustics: Acoustics, scale: Scale, explorer_size: float) -> tuple[float, float]:
    """(lowest, highest) frequency in Hz an explorer of this size hears.

    A scale band that declares a hearing range wins. Otherwise the world's range at the starting
    size shifts inversely with size: half the size hears an octave higher.
    """
    band = scale.band_at(explorer_size)
    shift = scale.explorer_size / explorer_size
    low = acoustics.hearing_min_hz * shift
    high = acoustics.hearing_max_hz * shift
    if band is not None:
        low = band.hearing_min_hz if band.hearing_min_hz is not None else low
        high = band.hearing_max_hz if band.hearing_max_hz is not None else high
    return float(low), float(max(high, low * 1.0001))


def audible_radius(acoustics: Acoustics, loudest_db: float = 140.0) -> float:
    """Distance (m) beyond which even the loudest source falls 100 dB below full scale."""
    if acoustics.attenuation_exponent <= 0:
        return 20_000.0
    margin_db = loudest_db - FULL_SCALE_DB_SPL + 100.0
    radius = acoustics.reference_distance * 10.0 ** (
        margin_db / 20.0 / acoustics.attenuation_exponent
    )
    return float(min(radius, 20_000.0))


def head_radius(explorer_size: float) -> float:
    """Radius (m) of the explorer's head: 8.75 cm at a height of 1.7 m, scaling with size."""
    return 0.0875 * explorer_size / 1.7


def interaural_delay(
    lateral: np.ndarray, explorer_size: float, speed_of_sound: float
) -> np.ndarray:
    """Woodworth's interaural time difference (s); positive means the right ear hears first.

    ``lateral`` is the sine of the azimuth (+1 = straight right).
    """
    angle = np.arcsin(np.clip(lateral, -1.0, 1.0))
    return head_radius(explorer_size) / speed_of_sound * (angle + np.sin(angle))


INTERAURAL_LEVEL_DB = 6.0
"""Broadband level difference (dB) between the ears for a source straight to one side."""


def ear_gains(lateral: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) amplitude factors: the ear turned away is shadowed by the head."""
    shadow = 10.0 ** (-INTERAURAL_LEVEL_DB * np.abs(lateral) / 20.0)
    left = np.where(lateral > 0, shadow, 1.0)
    right = np.where(lateral < 0, shadow, 1.0)
    return left, right


def octave_centres(low: float = 31.25, high: float = 16_000.0) -> np.ndarray:
    """Octave-band centre frequencies between low and high."""
    count = int(math.floor(math.log2(high / low))) + 1
    return low * 2.0 ** np.arange(count)
