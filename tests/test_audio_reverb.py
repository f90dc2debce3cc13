"""The live reverb's partitioned convolution against direct convolution, in both precisions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from engine.audio.reverb import (
    HUGE_PAGE_BYTES,
    LIVE_IMPULSE_SECONDS,
    BlockConvolver,
    _multiply_accumulate,
    _zeros_on_huge_pages,
    partition_sizes,
    world_impulse_response,
)
from engine.rules.acoustics import Reverb

pytestmark = pytest.mark.unit

RATE = 48_000


def relative_error_db(result: np.ndarray, reference: np.ndarray) -> float:
    """Energy of the difference against the reference's, in dB."""
    difference = result.astype(np.float64) - reference
    return float(10 * np.log10(np.sum(difference**2) / np.sum(reference**2)))


def convolve_in_blocks(convolver: BlockConvolver, signal: np.ndarray) -> np.ndarray:
    block = convolver.block_size
    return np.concatenate(
        [convolver.process(signal[i : i + block]) for i in range(0, len(signal), block)]
    )


def decaying_noise(rng: np.random.Generator, length: int) -> np.ndarray:
    return rng.normal(size=(length, 2)) * np.exp(-np.arange(length) / (length / 5))[:, None]


@pytest.mark.parametrize(
    ("length", "block", "dtype"),
    [
        (12_000, 16, np.float64),
        (12_000, 16, np.float32),
        (92_000, 2400, np.float32),
        (5, 64, np.float64),
    ],
)
def test_partition_sizes_grow_by_powers_of_two_from_the_block(length, block, dtype):
    sizes = partition_sizes(length, block, dtype)
    assert sizes[0] == block
    ratios = [larger // smaller for smaller, larger in zip(sizes, sizes[1:], strict=False)]
    assert all(larger % smaller == 0 for smaller, larger in zip(sizes, sizes[1:], strict=False))
    assert all(ratio >= 2 and ratio & (ratio - 1) == 0 for ratio in ratios)
    assert len(sizes) == 1 or sizes[-1] < length  # each size begins inside the response


def test_growing_partitions_equal_whole_convolution_in_both_precisions():
    rng = np.random.default_rng(7)
    response = decaying_noise(rng, 12_000)
    signal = rng.normal(size=(16_000, 2))
    expected = np.stack([fftconvolve(signal[:, c], response[:, c]) for c in range(2)], axis=1)
    expected = expected[: len(signal)]
    # Three sizes (16, 128, 1024): every size's chunks, spans and hand-overs are exercised.
    assert len(partition_sizes(len(response), 16, np.float64)) == 3
    exact = convolve_in_blocks(BlockConvolver(response, 16), signal)
    np.testing.assert_allclose(exact, expected, atol=1e-9)
    single = convolve_in_blocks(BlockConvolver(response, 16, np.float32), signal)
    assert single.dtype == np.float32
    assert relative_error_db(single, expected) < -120.0  # measured about -135 dB


@pytest.mark.parametrize("block", [1024, 2400])
def test_the_world_reverb_in_single_precision_matches_double(block):
    # The bench's room: 20 m across, 1.5 s decay, 1.9 s of response.
    reverb = Reverb(room_size=20.0, decay_seconds=1.5, wet=0.3)
    response = world_impulse_response(reverb, 343.0, RATE, 0, max_seconds=LIVE_IMPULSE_SECONDS)
    assert response is not None
    signal = np.random.default_rng(block).uniform(
        -0.5, 0.5, size=(block * (len(response) // block + 4), 2)
    )
    double = convolve_in_blocks(BlockConvolver(response, block), signal)
    single = convolve_in_blocks(BlockConvolver(response, block, np.float32), signal)
    assert relative_error_db(single, double) < -120.0
    # The end of the signal hears the whole response, tail included.
    tail = slice(len(response), None)
    assert relative_error_db(single[tail], double[tail]) < -120.0


@pytest.mark.parametrize("partitions", [1, 3, 4, 5, 9])
def test_multiply_accumulate_meets_each_partition_with_its_input(partitions):
    # Four partitions a pass and the rest one by one, the ring read from every starting slot.
    rng = np.random.default_rng(partitions)
    shape = (partitions, 2, 33)
    history = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    spectra = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    out = np.full((2, 33), np.nan, dtype=complex)
    for newest in range(partitions):
        _multiply_accumulate(history, spectra, newest, out)
        expected = sum(history[(newest + p) % partitions] * spectra[p] for p in range(partitions))
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_large_spectra_start_on_a_huge_page_each_in_its_own_zeroed_storage():
    shape = (23, 2, 4097)  # the bench's response in 4096-sample partitions
    spectra, history = _zeros_on_huge_pages(2, shape, np.dtype(np.complex64))
    for array in (spectra, history):
        assert array.shape == shape
        assert array.dtype == np.complex64
        assert array.flags.c_contiguous
        assert not array.any()
    assert spectra.ctypes.data % HUGE_PAGE_BYTES == 0
    spectra[:] = 1.0
    assert not history.any()
    small = _zeros_on_huge_pages(2, (2, 2, 9), np.dtype(np.complex64))
    assert [array.shape for array in small] == [(2, 2, 9), (2, 2, 9)]
    assert not any(array.any() for array in small)
