"""The mixer's compiled paths against references: solver, pairing, oscillators, reverb, clock."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import fftconvolve, hilbert

from engine.audio import Mixer, Trajectory, emission_times, kernels, render_world_audio
from engine.audio.medium import attenuation_gain, loudness_to_amplitude
from engine.audio.reverb import BlockConvolver
from engine.audio.synthesis import continuous
from engine.rules import loads_world
from engine.rules.acoustics import AbsorptionBand, Acoustics, Reverb
from engine.sim import Simulation

pytestmark = pytest.mark.unit

RATE = 48_000


def wandering_path(seed: int, knots: int, speed: float) -> Trajectory:
    """A piecewise-straight path through random points, about ``speed`` m/s on average."""
    rng = np.random.default_rng(seed)
    path = Trajectory()
    position = rng.uniform(-30, 30, size=3)
    for index in range(knots):
        path.add(0.25 * index - 1.0, position.copy())
        position += rng.normal(size=3) * speed * 0.25 / math.sqrt(3)
    return path


@pytest.mark.parametrize(("seed", "speed"), [(1, 5.0), (2, 40.0), (3, 120.0), (4, 900.0)])
def test_compiled_solver_finds_the_same_emission_times_as_the_reference(seed, speed):
    path = wandering_path(seed, knots=12, speed=speed)
    reception = np.linspace(0.0, 1.5, 97)
    listeners = np.stack([np.zeros(97), np.full(97, 1.6), -2.0 * reception], axis=1)
    grid, times = emission_times(reception, listeners, path, -2.0, 343.0)
    counts = np.zeros(97, dtype=np.int64)
    roots = np.zeros((97, kernels.MAX_ROOTS, kernels.ROOT_FIELDS))
    report = np.zeros(kernels.REPORT_SIZE)
    kernels.solve_grid(
        path.times, path.positions, path.velocities, -2.0, reception, listeners, 343.0, False,
        1.0, math.nan, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, counts, roots, report,
    )  # fmt: skip
    np.testing.assert_array_equal(counts, np.bincount(grid, minlength=97))
    found = np.concatenate([roots[g, : counts[g], kernels.TIME] for g in range(97)])
    np.testing.assert_allclose(found, times, atol=1e-9)
    assert report[4] == len(times)
    if speed > 343.0:
        assert counts.max() >= 2  # the supersonic path really gives several branches


def test_branches_pair_in_order_and_pairs_are_born_and_die_together():
    partner = np.empty(4, dtype=np.int64)
    # A pair born next to a branch that goes on.
    kernels.match_branches(np.array([1.0]), np.array([0.5, 0.52, 1.01]), partner)
    assert partner.tolist() == [2, -1, -1, 0]
    # A pair dying: the two branches that meet have no partners.
    kernels.match_branches(np.array([0.3, 0.7, 0.71]), np.array([0.31]), partner)
    assert partner.tolist() == [0, -1, -1, 0]
    partner = np.empty(6, dtype=np.int64)
    kernels.match_branches(np.array([0.1, 0.2, 0.3]), np.array([0.15, 0.25, 0.35]), partner)
    assert partner.tolist() == [0, 1, 2, 0, 1, 2]


def test_mach_cone_is_heard_from_its_first_sample_not_one_grid_step_late():
    speed, velocity, offset = 343.0, 2.0 * 343.0, 30.0
    mixer = Mixer(Acoustics(speed_of_sound=speed, reverb=Reverb(decay_seconds=0.0)),
                  sample_rate=RATE, reverb=False, limiter=False)  # fmt: skip
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    path = Trajectory.linear((-velocity * 0.5, 0.0, -offset), (velocity, 0.0, 0.0))
    tone = np.sin(2 * np.pi * 300.0 * np.arange(3 * RATE) / RATE)
    mixer.add_source(tone, RATE, position=path, start_world_time=-0.5)
    out = mixer.render(RATE)[:, 0]
    emitted = 0.5 - speed * offset / (velocity * math.sqrt(velocity**2 - speed**2))
    cone = emitted + math.hypot((emitted - 0.5) * velocity, offset) / speed
    first_heard = int(np.argmax(np.abs(out) > 0.0))
    assert abs(first_heard - cone * RATE) <= 2, (first_heard, cone * RATE)


def test_table_oscillators_match_their_formulas():
    positions = np.arange(0, 3 * RATE, 7, dtype=np.float64) + 0.37
    tone = continuous("tone", 659.25, RATE).read(positions)
    np.testing.assert_allclose(tone, np.sin(2 * np.pi * 659.25 / RATE * positions), atol=1e-6)
    phases = np.random.default_rng(5).uniform(0, 2 * np.pi, size=6)
    drone = continuous("drone", 110.0, RATE, seed=5).read(positions)
    step = 2 * np.pi * 110.0 / RATE
    expected = sum(np.sin(step * h * positions + phases[h - 1]) / h for h in range(1, 7))
    expected = 0.4 * expected * (1.0 + 0.2 * np.sin(2 * np.pi * 0.3 / RATE * positions))
    np.testing.assert_allclose(drone, expected, atol=2e-5)


@pytest.mark.parametrize("block", [64, 256])
def test_block_convolver_equals_whole_convolution(block):
    rng = np.random.default_rng(block)
    response = rng.normal(size=(1000, 2)) * np.exp(-np.arange(1000) / 200.0)[:, None]
    signal = rng.normal(size=(20 * block, 2))
    convolver = BlockConvolver(response, block)
    blocks = [convolver.process(signal[i : i + block]) for i in range(0, len(signal), block)]
    expected = np.stack([fftconvolve(signal[:, c], response[:, c]) for c in range(2)], axis=1)
    np.testing.assert_allclose(np.concatenate(blocks), expected[: len(signal)], atol=1e-9)


STEADY_TONE = """
[meta]
name = "Steady Tone"
seed = 3

[scale]
explorer_position = [0.0, 0.0, 0.0]

[physics]
time_step = 0.004

[acoustics]
reverb = { decay_seconds = 0.0 }

[[bodies]]
name = "bell"
position = [0.0, 0.0, -5.0]
fixed = true
sound = { kind = "tone", frequency_hz = 500.0, loudness_db = 80.0 }
"""


@pytest.mark.parametrize("time_step", [0.004, 0.01])
def test_a_fixed_step_simulation_does_not_wobble_the_pitch(time_step):
    # 4 ms steps under 120 snapshots a second: the world clock lags, then catches up each 0.1 s.
    # 10 ms steps: some snapshots find the world clock standing still.
    world = loads_world(STEADY_TONE.replace("0.004", str(time_step)), "steady.toml")
    stereo, rate = render_world_audio(world, 1.5)
    signal = stereo[int(0.3 * rate) : int(1.4 * rate), 0].astype(np.float64)
    phase = np.unwrap(np.angle(hilbert(signal)))
    window = 240  # 5 ms: shorter than the 8 ms between snapshots
    frequency = (phase[window:] - phase[:-window]) / window * rate / (2 * np.pi)
    inner = frequency[2000:-2000]  # away from the analytic signal's edge effects
    assert np.abs(inner / 500.0 - 1.0).max() < 0.002
    ears = np.asarray(Simulation.from_world(world).snapshot().explorer.position)
    distance = np.linalg.norm(np.array([0.0, 0.0, -5.0]) - ears)
    heard = loudness_to_amplitude(80.0) * attenuation_gain(world.acoustics, distance)
    assert np.abs(signal).max() == pytest.approx(heard, rel=0.01)


@pytest.mark.parametrize("speed", [1.0, 0.73, -1.0, 2.5])
def test_emission_from_a_looped_table_matches_reading_it(speed):
    signal = continuous("tone", 523.25, RATE)
    table = signal.table
    assert table is not None
    count = 3 * RATE
    sums = np.zeros(count + 1)
    kernels.emit_from_table(
        sums, 1, count, table.table, table.scale, table.looped, table.table, 0.0, 0.0,
        1234.5, speed, 0.5,
    )  # fmt: skip
    expected = 0.5 * signal.read(1234.5 + speed * np.arange(count, dtype=np.float64))
    np.testing.assert_allclose(np.diff(sums), expected, atol=1e-9)


@pytest.mark.parametrize("block", [1024, 4 * RATE])
def test_a_long_sound_through_the_emission_ring_comes_out_whole(block):
    # 7 s of noise: the running-sum ring wraps at 1024-sample blocks and grows at 4 s blocks.
    signal = np.random.default_rng(5).uniform(-1, 1, size=7 * RATE)
    mixer = Mixer(Acoustics(reverb=Reverb(decay_seconds=0.0)), sample_rate=RATE,
                  block_size=block, reverb=False, limiter=False)  # fmt: skip
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    delay = 960  # samples: 6.86 m at 343 m/s, straight ahead (both ears alike)
    mixer.add_source(signal, RATE, position=(0.0, 0.0, -delay / RATE * 343.0))
    out = mixer.render(7 * RATE + 2 * delay)[:, 0].astype(np.float64)
    heard = out[delay : delay + len(signal)]
    gain = float(np.dot(heard, signal) / np.dot(signal, signal))
    assert gain == pytest.approx(1.0 / (delay / RATE * 343.0), rel=1e-6)
    np.testing.assert_allclose(heard, gain * signal, atol=1e-6)
    assert np.abs(out[:delay]).max() < 1e-6 and np.abs(out[delay + len(signal) + 1 :]).max() < 1e-6


def test_block_limiter_equals_the_whole_signal_limiter_delayed():
    from engine.audio.mixer import CEILING, LIMITER_HALF_WINDOW, _BlockLimiter, limiter_gains

    rng = np.random.default_rng(8)
    signal = rng.normal(size=(20 * 512, 2)) * np.repeat(rng.uniform(0.1, 4.0, 20), 512)[:, None]
    limiter = _BlockLimiter()
    blocks = [limiter.process(signal[i : i + 512]) for i in range(0, len(signal), 512)]
    out = np.concatenate(blocks)
    half = LIMITER_HALF_WINDOW
    padded = np.concatenate([np.zeros((4 * half, 2)), signal])
    gains = limiter_gains(np.abs(padded).max(axis=1), half)
    expected = padded[2 * half :] * gains[2 * half :, None]
    inner = len(signal) - 4 * half  # the whole-signal limiter holds its last gains at the end
    np.testing.assert_allclose(out[:inner], expected[:inner], rtol=1e-12, atol=1e-15)
    assert np.abs(out).max() <= CEILING


def test_block_limiter_passes_quiet_blocks_through_and_limits_from_the_first_loud_sample():
    from engine.audio.mixer import CEILING, LIMITER_HALF_WINDOW, _BlockLimiter, limiter_gains

    rng = np.random.default_rng(9)
    signal = np.clip(0.05 * rng.normal(size=(16 * 256, 2)), -0.2, 0.2)
    signal[5 * 256 + 7, 0] = -CEILING  # at the ceiling: still nothing to do
    loud = 9 * 256 + 100
    signal[loud, 1] = 1.0001 * CEILING  # just above it
    signal[13 * 256 : 14 * 256] *= 40.0  # a loud block
    limiter = _BlockLimiter()
    out = np.concatenate([limiter.process(signal[i : i + 256]) for i in range(0, len(signal), 256)])
    half = LIMITER_HALF_WINDOW
    padded = np.concatenate([np.zeros((4 * half, 2)), signal])
    # Until the gains' window reaches the first sample above the ceiling: the input, delayed.
    np.testing.assert_array_equal(out[:loud], padded[2 * half : 2 * half + loud])
    assert not np.array_equal(out[loud], padded[2 * half + loud])  # limited from here
    gains = limiter_gains(np.abs(padded).max(axis=1), half)
    expected = padded[2 * half :] * gains[2 * half :, None]
    inner = len(signal) - 4 * half
    np.testing.assert_allclose(out[:inner], expected[:inner], rtol=1e-12, atol=1e-15)
    assert np.abs(out).max() <= CEILING


def test_block_clock_matches_world_time_at_across_knots():
    mixer = Mixer(Acoustics(), sample_rate=RATE, reverb=False)
    # Knots at 1/120 s with a stall, a jump and a backward stretch; the block runs past the last.
    mixer._clock = [(0.0, 0.0, 1.0), (1 / 120, 0.008, 1.0), (2 / 120, 0.008, 0.0),
                    (3 / 120, 0.3, 1.0), (4 / 120, 0.29, -1.0), (5 / 120, 0.3, 2.0)]  # fmt: skip
    real, world = mixer._clock_knots()
    frames = 4096
    grid = np.arange(0, frames + 1, 64)
    reception, boundaries, inverse = np.empty(len(grid)), np.empty(frames + 1), np.empty(frames)
    first = -100  # starts before the first knot
    kernels.block_clock(real, world, 1.0, 2.0, first, float(RATE), grid, reception, boundaries,
                        inverse)  # fmt: skip
    expected = mixer.world_time_at((first + np.arange(frames + 1)) / RATE)
    np.testing.assert_allclose(boundaries, expected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(reception, boundaries[grid])
    steps = np.diff(expected) * RATE
    steps[np.abs(steps) < 1e-12] = 1e-12
    np.testing.assert_allclose(inverse, 1.0 / steps, rtol=1e-9)


def test_the_flat_distance_bus_as_a_delay_equals_its_filter():
    acoustics = Acoustics(absorption=(AbsorptionBand(frequency_hz=4000, db_per_metre=0.2),))
    results = {}
    for delay in (True, False):
        mixer = Mixer(acoustics, sample_rate=RATE, block_size=1024, reverb=False)
        assert mixer._first_bus_is_delay
        mixer._first_bus_is_delay = delay
        rng = np.random.default_rng(5)
        blocks = []
        for _ in range(3):  # the filters' tails cross block edges
            buses = np.zeros((len(mixer._bus_spectra), 2, 1024))
            buses[:3] = rng.normal(size=(3, 2, 1024))
            mixer._bus_used[:3] = True
            blocks.append(mixer._filter_buses(buses))
        results[delay] = np.concatenate(blocks, axis=1)
    # The filter path runs in single precision.
    np.testing.assert_allclose(results[True], results[False], atol=2e-5)


def test_table_sources_mixed_in_one_call_equal_each_read_on_its_own():
    """``kernels.mix_sources`` (every table source in one call, emission state moved on there)
    against the per-source path that custom signals take (``solve_grid``, ``Mixer._generate``,
    ``render_grid``): the same signals without their tables must sound the same."""
    from dataclasses import replace

    from engine.audio.synthesis import struck

    signals = [
        continuous("tone", 330.0, RATE),
        continuous("drone", 110.0, RATE, seed=2),
        continuous("noise", 900.0, RATE, seed=3),
        struck("chime", 520.0, RATE, seed=4),  # finite: ends, and its source retires
    ]
    places = [
        Trajectory.linear((20.0, 1.0, -5.0), (-12.0, 0.0, 3.0)),
        Trajectory.linear((-400.0, 2.0, 8.0), (500.0, 0.0, 0.0)),  # supersonic: a Mach cone
        (3.0, 0.0, 4.0),
        (-6.0, 1.0, -2.0),
    ]
    rates = [1.0, 1.0, lambda time: 1.0 + 0.3 * math.sin(time), -1.0]  # the chime backward
    acoustics = Acoustics(absorption=(AbsorptionBand(frequency_hz=4000, db_per_metre=0.05),))
    outputs, remaining = [], []
    for with_tables in (True, False):
        mixer = Mixer(acoustics, sample_rate=RATE, block_size=1024, reverb=False, limiter=False)
        mixer.set_listener(0.0, (0.0, 1.6, 0.0), (1.0, 0.0, 0.0))
        for signal, place, rate in zip(signals, places, rates, strict=True):
            if not with_tables:
                signal = replace(signal, table=None)
            mixer.add_source(signal, position=place, gain=0.3, local_rate=rate)
        outputs.append(mixer.render(6 * RATE).astype(np.float64))
        remaining.append(len(mixer.sources))
    assert np.abs(outputs[0]).max() > 0.01
    np.testing.assert_allclose(outputs[0], outputs[1], atol=1e-6)
    assert remaining == [3, 3]


@pytest.mark.parametrize("size", [4096, 1000])
@pytest.mark.parametrize("step", [0.37, 1.0, -1.3, 37.5, 5000.7, -9001.25])
def test_looped_emission_follows_the_table_round_every_turn(size, step):
    """The looped emission keeps the table's turns from sample to sample (``_sum_looped``): over
    many turns, backward, and more than a turn a sample, it must read what a per-sample floor
    reads (``read_table``), far from the table's start too."""
    table = np.random.default_rng(size).normal(size=size)
    count = 3000
    for start in (0.0, 5.5, 3.0e7 + 0.25, -812.75):
        sums = np.zeros(count + 1)
        sums[0] = 2.0
        kernels.emit_from_table(
            sums, 1, count, table, 1.0, True, table, 0.0, 0.0, start, step, 0.5
        )  # fmt: skip
        positions = start + step * np.arange(count, dtype=np.float64)
        expected = 0.5 * kernels.read_table(table, positions, 1.0, True)
        np.testing.assert_allclose(np.diff(sums), expected, rtol=0, atol=1e-9)


def test_common_spans_read_in_one_call_equal_the_spans_read_one_by_one(monkeypatch):
    """``render_grid`` reads the spans with the same roots at both ends in one call
    (``_read_spans``) and the rest after; a supersonic source's blocks, whose Mach cone gives
    spans of both kinds, must come out as when each span is read on its own, in order: its
    branches by ``_read_span``, or a span where roots are born or die from a grid of two."""
    from dataclasses import replace

    checked = []
    render_grid = kernels.render_grid
    # Arguments of render_grid indexed by grid point (a span is read from a grid of two).
    per_point = (4, 5, 6, 19, 20)

    def compare(*args):
        offsets, counts, roots, out, bus_used = args[4], args[19], args[20], args[25], args[27]
        expected, expected_used = out.copy(), bus_used.copy()
        for g in range(len(args[5]) - 1):
            first, samples = int(offsets[g]), int(offsets[g + 1] - offsets[g])
            if counts[g] == counts[g + 1]:
                for r in range(counts[g] if samples > 0 else 0):
                    kernels._read_span(
                        tuple(roots[g, r].tolist()), tuple(roots[g + 1, r].tolist()), first,
                        samples, *args[8:9], *args[21:25], expected, args[26], expected_used,
                    )  # fmt: skip
                continue
            span = list(args)
            for index in per_point:
                span[index] = args[index][g : g + 2]
            span[25], span[27] = expected, expected_used
            render_grid(*span)
        render_grid(*args)
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(bus_used, expected_used)
        checked.append(bool(np.any(counts[:-1] != counts[1:])))

    monkeypatch.setattr(kernels, "render_grid", compare)
    acoustics = Acoustics(absorption=(AbsorptionBand(frequency_hz=4000, db_per_metre=0.05),))
    mixer = Mixer(acoustics, sample_rate=RATE, block_size=1024, reverb=False, limiter=False)
    mixer.set_listener(0.0, (0.0, 1.6, 0.0))
    signal = replace(continuous("tone", 330.0, RATE), table=None)  # the per-source path
    path = Trajectory.linear((-400.0, 2.0, 8.0), (500.0, 0.0, 0.0))
    mixer.add_source(signal, position=path, gain=0.3)
    mixer.render(2 * RATE)
    assert len(checked) > 40 and any(checked)


def _buses_filtered_one_by_one(mixer: Mixer, buses: np.ndarray) -> np.ndarray:
    """``Mixer._filter_buses`` as first written: the used buses gathered, padded by the
    transform, and filtered through their spectra picked out first."""
    import scipy.fft

    from engine.audio.mixer import BUS_FILTER_TAPS as taps

    frames = buses.shape[2]
    used = np.flatnonzero(mixer._bus_used)
    delayed = mixer._first_bus_is_delay and len(used) > 0 and used[0] == 0
    filtered = used[1:] if delayed else used
    out = np.zeros((2, frames + taps - 1))
    if len(filtered):
        signals = buses[filtered].astype(np.float32)
        spectra = scipy.fft.rfft(signals, mixer._bus_fft_size, axis=2)
        combined = np.empty(spectra.shape[1:], dtype=np.complex64)
        picked = mixer._bus_spectra[filtered]
        kernels.filter_sum(spectra, picked, np.arange(len(filtered)), combined)
        out = scipy.fft.irfft(combined, mixer._bus_fft_size, axis=1)[:, : frames + taps - 1]
    if delayed:
        out[:, taps // 2 : taps // 2 + frames] += buses[0]
    buses[used] = 0.0
    mixer._bus_used[:] = False
    out[:, : taps - 1] += mixer._bus_tail
    mixer._bus_tail = out[:, frames:].copy()
    return out[:, :frames]


def test_distance_buses_moved_into_the_padded_input_filter_as_gathered_ones():
    """The buses are taken into a zero-padded buffer kept between blocks (``kernels.take_buses``)
    and filtered by rows of the filters' spectra; the same samples as gathering them afresh,
    block after block, whichever buses a block used, and the buses are left empty."""
    acoustics = Acoustics(absorption=(AbsorptionBand(frequency_hz=4000, db_per_metre=0.2),))
    kept, fresh = (Mixer(acoustics, sample_rate=RATE, block_size=1024, reverb=False) for _ in "ab")
    rng = np.random.default_rng(8)
    count = len(kept._bus_spectra)
    for used in ([0, 1, 2], [5, 6], [], [0], [1, 2, 3, 4, count - 1], [0, 7]):
        buses = np.zeros((count, 2, 1024))
        buses[used] = rng.normal(size=(len(used), 2, 1024))
        given = buses.copy()
        for mixer in (kept, fresh):
            mixer._bus_used[used] = True
        expected = _buses_filtered_one_by_one(fresh, given)
        np.testing.assert_array_equal(kept._filter_buses(buses), expected)
        assert not buses.any() and not kept._bus_used.any()
