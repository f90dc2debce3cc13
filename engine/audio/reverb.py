"""Reverberation sized from the world: generated impulse responses and FFT convolution.

Owns: the image-source impulse response of a shoebox room (``shoebox_impulse_response``, also the
peer of pyroomacoustics in ``bench/audio.py``), the world's stereo reverb impulse response
(``world_impulse_response``: early reflections of a room ``room_size`` across plus a decaying
diffuse tail, all at the world's speed of sound) and two convolvers: one for a whole signal at
once (offline) and one block by block (live). Pure numpy/scipy; no sources, no devices.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
from scipy.signal import fftconvolve

from engine.audio.kernels import multiply_accumulate, shoebox_images
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


class _UniformConvolver:
    """Uniformly partitioned FFT convolution (overlap-save): blocks in, blocks out, no latency."""

    def __init__(self, response: np.ndarray, block_size: int) -> None:
        self.block_size = block_size
        partitions = max(1, -(-response.shape[0] // block_size))
        padded = np.zeros((partitions * block_size, response.shape[1]))
        padded[: response.shape[0]] = response
        pieces = padded.reshape(partitions, block_size, response.shape[1])
        # (P, B + 1, C): spectra of each partition, zero-padded to 2B.
        self._spectra = scipy.fft.rfft(pieces, n=2 * block_size, axis=1)
        # Spectra of past input blocks in a ring: slot ``_newest`` holds the latest.
        self._history = np.zeros_like(self._spectra)
        self._newest = 0
        self._previous = np.zeros((block_size, response.shape[1]))
        self._accumulated = np.zeros(self._spectra.shape[1:], dtype=np.complex128)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Convolve one block (block_size, C); returns the same shape."""
        frame = np.concatenate([self._previous, block], axis=0)  # (2B, C)
        self._previous = block.copy()
        partitions = len(self._spectra)
        self._newest = (self._newest - 1) % partitions
        self._history[self._newest] = scipy.fft.rfft(frame, axis=0)
        # Block j ago sits in slot (newest + j) % P and meets partition j of the response.
        multiply_accumulate(self._history, self._spectra, self._newest, self._accumulated)
        return scipy.fft.irfft(self._accumulated, n=2 * self.block_size, axis=0)[self.block_size :]


class BlockConvolver:
    """Partitioned FFT convolution: stereo blocks in, stereo blocks out, no latency.

    Two partition sizes: the response's head (``chunk`` = m blocks long) in block-sized
    partitions, its tail in chunk-sized ones, computed once per chunk one chunk ahead (the tail
    starts a chunk late, so its input is complete by then). With m near sqrt(length / block)
    this costs about 2 sqrt(length * block) products per sample instead of length.
    """

    def __init__(self, response: np.ndarray, block_size: int) -> None:
        self.block_size = block_size
        length = response.shape[0]
        blocks_per_chunk = 1 << max(0, int(round(math.log2(max(length / block_size, 1.0)) / 2)))
        self._chunk = blocks_per_chunk * block_size
        self._head = _UniformConvolver(response[: self._chunk], block_size)
        self._tail: _UniformConvolver | None = None
        if blocks_per_chunk > 1 and length > self._chunk:
            self._tail = _UniformConvolver(response[self._chunk :], self._chunk)
            self._input = np.zeros((self._chunk, response.shape[1]))
            self._tail_output = np.zeros((self._chunk, response.shape[1]))
        self._position = 0  # samples into the current chunk

    def process(self, block: np.ndarray) -> np.ndarray:
        """Convolve one block (block_size, C); returns the same shape."""
        out = self._head.process(block)
        if self._tail is None:
            return out
        start = self._position
        out = out + self._tail_output[start : start + self.block_size]
        self._input[start : start + self.block_size] = block
        self._position += self.block_size
        if self._position == self._chunk:
            # The chunk is complete: the tail's part of the next chunk can be computed now.
            self._tail_output = self._tail.process(self._input)
            self._position = 0
        return out
