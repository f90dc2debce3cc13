"""Reverberation sized from the world: generated impulse responses and FFT convolution.

Owns: the image-source impulse response of a shoebox room (``shoebox_impulse_response``, also the
peer of pyroomacoustics in ``bench/audio.py``), the world's stereo reverb impulse response
(``world_impulse_response``: early reflections of a room ``room_size`` across plus a decaying
diffuse tail, all at the world's speed of sound) and two convolvers: one for a whole signal at
once (offline) and one block by block (live), with the live one's compiled multiply-accumulate.
numpy/scipy, numba and the image-source loop from ``kernels``; no sources, no devices.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy.signal import fftconvolve

from engine.audio.kernels import shoebox_images
from engine.rules.acoustics import Reverb

LIVE_IMPULSE_SECONDS = 3.0
"""Longest impulse response the live convolver uses; offline renders keep the whole tail."""

OFFLINE_IMPULSE_SECONDS = 30.0
"""Longest impulse response ever generated."""


def shoebox_impulse_response(
    room: tuple[float, float, float],
    source: tuple[float, float, float],
    listener: tuple[float, float, float],
    max_order: int,
    absorption: float,
    speed_of_sound: float = 343.0,
    sample_rate: int = 48_000,
    taps: int = 81,
) -> np.ndarray:
    """Mono impulse response of a point source in a shoebox room (image-source method).

    ``room`` is (x, y, z) in metres with a corner at the origin; ``absorption`` is the energy
    absorption coefficient of every wall (0..1). Each image is 1/(4 pi r) loud, scaled by
    sqrt(1 - absorption) per reflection, and placed with a Hann-windowed sinc fractional delay
    of ``taps`` samples (centred, so the response is delayed by taps // 2 samples).
    """
    return shoebox_images(
        np.asarray(room, dtype=np.float64),
        np.asarray(source, dtype=np.float64),
        np.asarray(listener, dtype=np.float64),
        int(max_order),
        math.sqrt(1.0 - absorption),
        float(speed_of_sound),
        float(sample_rate),
        int(taps),
    )


def sabine_absorption(room_size: float, decay_seconds: float, speed_of_sound: float) -> float:
    """Energy absorption coefficient that gives a cube of side ``room_size`` this RT60."""
    if decay_seconds <= 0:
        return 1.0
    # Sabine with the speed of sound kept: RT60 = 24 ln(10) V / (c S a); for a cube V/S = L/6.
    coefficient = 24.0 * math.log(10.0) * (room_size / 6.0) / (speed_of_sound * decay_seconds)
    return float(min(max(coefficient, 0.01), 1.0))


def world_impulse_response(
    reverb: Reverb,
    speed_of_sound: float,
    sample_rate: int,
    seed: int = 0,
    max_seconds: float = OFFLINE_IMPULSE_SECONDS,
) -> np.ndarray | None:
    """Stereo impulse response (samples, 2) of the world's reverb, unit energy per channel.

    The direct sound is not included (the mixer renders it). Early reflections come from image
    sources of a cube ``room_size`` across; a decaying noise tail takes over after them and falls
    60 dB in ``decay_seconds``. At a slow speed of sound the first reflection arrives late.
    None when the world has no reverb.
    """
    if reverb.decay_seconds <= 0 or reverb.wet <= 0:
        return None
    side = reverb.room_size
    first_reflection = side / speed_of_sound  # seconds to the nearest walls and back
    seconds = min(max_seconds, first_reflection * 2.0 + reverb.decay_seconds * 1.2)
    length = max(int(seconds * sample_rate), 64)
    time = np.arange(length) / sample_rate
    absorption = sabine_absorption(side, reverb.decay_seconds, speed_of_sound)
    rng = np.random.default_rng(seed)
    channels = []
    for ear, offset in enumerate((-0.09, 0.09)):
        listener = (0.5 * side + offset, 0.5 * side, 0.5 * side)
        source = (0.31 * side, 0.43 * side, 0.57 * side)
        early = shoebox_impulse_response(
            (side, side, side), source, listener, 2, absorption, speed_of_sound, sample_rate, taps=9
        )
        direct_samples = int(
            np.linalg.norm(np.subtract(source, listener)) / speed_of_sound * sample_rate
        )
        # The mixer renders the direct sound itself (taps=9: the kernel reaches 9 samples on).
        early[: direct_samples + 10] = 0.0
        early = early[:length] if len(early) > length else np.pad(early, (0, length - len(early)))
        decay = np.exp(-math.log(1000.0) * time / reverb.decay_seconds)
        build_up = np.clip((time - first_reflection) / max(first_reflection, 1e-3), 0.0, 1.0)
        tail = rng.normal(size=length) * decay * build_up
        # Dull the tail a little as it decays: high frequencies die first.
        tail = fftconvolve(tail, np.array([0.25, 0.5, 0.25]), mode="same")
        early_energy = float(np.sum(early**2))
        tail_energy = float(np.sum(tail**2))
        if early_energy > 0:
            early *= math.sqrt(0.3 / early_energy)
        if tail_energy > 0:
            tail *= math.sqrt(0.7 / tail_energy)
        channels.append(early + tail)
        del ear
    response = np.stack(channels, axis=1)
    return response / np.sqrt(np.sum(response**2, axis=0, keepdims=True) + 1e-30)


def convolve_whole(signal: np.ndarray, response: np.ndarray) -> np.ndarray:
    """Stereo ``signal`` (n, 2) through a stereo ``response`` (m, 2), cut to n samples."""
    length = signal.shape[0]
    out = np.empty_like(signal, dtype=np.float64)
    for channel in range(signal.shape[1]):
        out[:, channel] = fftconvolve(signal[:, channel], response[:, channel])[:length]
    return out


LEVEL_COST_IN_PARTITIONS = 48
"""What one more partition size costs per sample (its forward and inverse FFTs), counted in
complex64 partitions of multiply-accumulate. Measured in the mixer (``bench/audio.py``'s 32
sources, 1.9 s response), where the mixer's own data pushes the reverb's out of cache between
blocks: at 2400-sample blocks one size alone took x0.69-0.80 of the reverb's time with two (39
partitions against 12), at 4096 a second size took x1.35-1.5 of one alone. At 1024 one size alone
took x0.92-0.97 of two (90 partitions against 19), a crossover near 70 that 48 does not reach:
a larger size's transforms cost more per sample (they spill from cache), which one constant
cannot say."""


HUGE_PAGE_BYTES = 2 << 20
"""Size of a transparent huge page: numpy asks the kernel for them on allocations of 4 MiB or
more."""

ALIGNED_BYTES_FROM = 1 << 20
"""A size's spectra and input history together at least this large are placed on huge pages."""


def _zeros_on_huge_pages(count: int, shape: tuple[int, ...], dtype: np.dtype) -> list[np.ndarray]:
    """``count`` zeroed arrays of ``shape``, carved from one allocation aligned to a huge page.

    The multiply-accumulate streams megabytes of spectra once a block; on 4 KiB pages that is a
    TLB miss every 4 KiB, on huge pages a few in all (6-8 % of the reverb in the mixer, measured
    at 4096-sample blocks). Small arrays stay ordinary: the saving is small and the allocation
    is at least 4 MiB.
    """
    dtype = np.dtype(dtype)
    items = math.prod(shape)
    if count * items * dtype.itemsize < ALIGNED_BYTES_FROM:
        return [np.zeros(shape, dtype) for _ in range(count)]
    spare = HUGE_PAGE_BYTES // dtype.itemsize
    store = np.zeros(max(count * items + spare, 2 * spare), dtype)
    start = (-store.ctypes.data % HUGE_PAGE_BYTES) // dtype.itemsize
    return [
        store[start + index * items : start + (index + 1) * items].reshape(shape)
        for index in range(count)
    ]


@njit(cache=True, fastmath=True)
def _multiply_accumulate(history, spectra, newest, out):
    """out (C, F) = sum over partitions p of history[(newest + p) % P] * spectra[p] (P, C, F).

    Four partitions a pass: the sum, larger than the first-level cache, is read and written a
    quarter as often as with one a pass, and eight input streams still suit the hardware
    prefetchers (eight partitions a pass measured no faster than one).
    """
    partitions = spectra.shape[0]
    size = spectra.shape[1] * spectra.shape[2]
    total = out.reshape(size)
    total[:] = 0.0
    first = 0
    while first + 4 <= partitions:
        past_0 = history[(newest + first) % partitions].reshape(size)
        past_1 = history[(newest + first + 1) % partitions].reshape(size)
        past_2 = history[(newest + first + 2) % partitions].reshape(size)
        past_3 = history[(newest + first + 3) % partitions].reshape(size)
        response_0 = spectra[first].reshape(size)
        response_1 = spectra[first + 1].reshape(size)
        response_2 = spectra[first + 2].reshape(size)
        response_3 = spectra[first + 3].reshape(size)
        for i in range(size):
            total[i] += (
                past_0[i] * response_0[i]
                + past_1[i] * response_1[i]
                + past_2[i] * response_2[i]
                + past_3[i] * response_3[i]
            )
        first += 4
    for p in range(first, partitions):
        past = history[(newest + p) % partitions].reshape(size)
        response = spectra[p].reshape(size)
        for i in range(size):
            total[i] += past[i] * response[i]


class _UniformConvolver:
    """One partition size: uniformly partitioned FFT convolution (overlap-save).

    The caller writes the newest ``size`` input samples into ``incoming`` (C, size) and calls
    ``convolve``; ``result`` (C, size) then holds the output for those samples. Spectra of past
    inputs wait in a ring (a frequency-domain delay line): input chunk j ago meets partition j.
    """

    def __init__(self, response: np.ndarray, size: int, dtype: type[np.floating]) -> None:
        self.size = size
        channels = response.shape[1]
        partitions = max(1, -(-response.shape[0] // size))
        pieces = np.zeros((partitions, channels, 2 * size))  # each zero-padded to twice its size
        for index in range(partitions):
            piece = response[index * size : (index + 1) * size]
            pieces[index, :, : len(piece)] = piece.T
        complex_type = np.result_type(dtype, np.complex64)
        # (P, C, size + 1): computed in float64, then kept in the working precision.
        spectra = np.fft.rfft(pieces, axis=2)
        self._spectra, self._history = _zeros_on_huge_pages(2, spectra.shape, complex_type)
        self._spectra[:] = spectra  # ``_history``'s slot ``_newest`` holds the latest input
        self._newest = 0
        self._accumulated = np.zeros(self._spectra.shape[1:], dtype=complex_type)
        self._frame = np.zeros((channels, 2 * size), dtype=dtype)  # previous chunk, newest chunk
        self._output = np.zeros((channels, 2 * size), dtype=dtype)
        self.incoming = self._frame[:, size:]
        self.result = self._output[:, size:]

    def convolve(self) -> None:
        """Convolve the chunk in ``incoming``; its output lands in ``result``."""
        partitions = len(self._spectra)
        self._newest = (self._newest - 1) % partitions
        # Into preallocated arrays: a large fresh array is mapped anew and faulted in every call.
        np.fft.rfft(self._frame, axis=1, out=self._history[self._newest])
        _multiply_accumulate(self._history, self._spectra, self._newest, self._accumulated)
        np.fft.irfft(self._accumulated, n=2 * self.size, axis=1, out=self._output)
        self._frame[:, : self.size] = self.incoming  # the newest chunk becomes the previous one


def _spans(sizes: list[int], length: int) -> list[tuple[int, int]]:
    """The part of the response (start, end) each partition size covers."""
    return list(zip([0, *sizes[1:]], [*sizes[1:], length], strict=True))


def partition_sizes(length: int, block_size: int, dtype: type[np.floating]) -> list[int]:
    """Partition sizes for a response ``length`` samples long, smallest (``block_size``) first.

    Each size is a power of two times the one before it and takes over the response at its own
    size (so its input is complete one of its chunks before its output is due); the last covers
    the rest. Of all such plans, the one with the fewest partitions plus
    ``LEVEL_COST_IN_PARTITIONS`` per size.
    """
    # In float64 a partition streams twice the bytes, so a size is worth half as many.
    level_cost = LEVEL_COST_IN_PARTITIONS * 4 // np.dtype(dtype).itemsize

    def partitions(sizes: list[int]) -> int:
        spans = _spans(sizes, length)
        return sum(
            -(-(end - start) // size) for size, (start, end) in zip(sizes, spans, strict=True)
        )

    best = [block_size]
    best_cost = partitions(best) + level_cost
    plans = [[block_size]]
    while plans:
        plan = plans.pop()
        size = plan[-1] * 2
        while size < length:
            longer = [*plan, size]
            cost = partitions(longer) + level_cost * len(longer)
            if cost < best_cost:
                best, best_cost = longer, cost
            plans.append(longer)
            size *= 2
    return best


class BlockConvolver:
    """Partitioned FFT convolution: stereo blocks in, stereo blocks out, no latency.

    Partitions grow along the response (``partition_sizes``): block-sized ones at its head, and
    larger ones later, each size convolved once per chunk of its own size, one chunk ahead (a
    size's partitions start that many samples into the response, so its input is complete by
    then). ``dtype`` is the working precision: float64 matches direct convolution to rounding;
    float32 halves the memory the multiply-accumulate streams, and its error relative to the
    float64 result is about -135 dB (the mixer's float32 output rounds at about -150 dB).
    """

    def __init__(
        self,
        response: np.ndarray,
        block_size: int,
        dtype: type[np.floating] = np.float64,
    ) -> None:
        self.block_size = block_size
        self.dtype = np.dtype(dtype)
        length = response.shape[0]
        self._levels: list[_UniformConvolver] = []
        sizes = partition_sizes(length, block_size, self.dtype.type)
        for size, (start, end) in zip(sizes, _spans(sizes, length), strict=True):
            self._levels.append(_UniformConvolver(response[start:end], size, self.dtype.type))
        self._position = 0  # samples since the start

    def process(self, block: np.ndarray) -> np.ndarray:
        """Convolve one block (block_size, C); returns the same shape, in ``dtype``."""
        head = self._levels[0]
        head.incoming[:] = block.T
        head.convolve()
        out = head.result.copy()  # (C, B)
        for level in self._levels[1:]:
            # This chunk's output was computed when the previous chunk was complete.
            start = self._position % level.size
            end = start + self.block_size
            out += level.result[:, start:end]
            level.incoming[:, start:end] = block.T
            if end == level.size:
                level.convolve()
        self._position += self.block_size
        return out.T
