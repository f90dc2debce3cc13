"""Propagation measured on the output signal: delay, Doppler, loudness, drift, time, ears."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.audio import Mixer, Trajectory
from engine.audio.medium import interaural_delay
from engine.rules.acoustics import AbsorptionBand, Acoustics, Medium, Reverb
from engine.rules.common import Region
from engine.rules.scale import Scale
from engine.rules.time import Time

pytestmark = pytest.mark.unit

RATE = 48_000
DRY = Reverb(decay_seconds=0.0)


def dry_mixer(limiter: bool = False, time: Time | None = None, scale=None, **acoustics) -> Mixer:
    """A mixer with no reverb and (by default) no limiter: the direct sound only."""
    return Mixer(
        Acoustics(reverb=DRY, **acoustics),
        time,
        scale,
        sample_rate=RATE,
        block_size=1024,
        reverb=False,
        limiter=limiter,
    )


def click(length: int = 64) -> np.ndarray:
    signal = np.zeros(length)
    signal[0] = 1.0
    return signal


def tone(frequency: float, seconds: float) -> np.ndarray:
    return np.sin(2 * np.pi * frequency * np.arange(int(seconds * RATE)) / RATE)


def centroid(signal: np.ndarray) -> float:
    weights = np.abs(signal)
    return float(np.sum(np.arange(len(signal)) * weights) / np.sum(weights))


def peak_frequency(signal: np.ndarray) -> float:
    """Frequency of the strongest component (Hann window, 8x zero padding, parabolic peak)."""
    size = 8 * len(signal)
    magnitude = np.abs(np.fft.rfft(signal * np.hanning(len(signal)), size))
    peak = int(np.argmax(magnitude[1:-1])) + 1
    left, centre, right = np.log(magnitude[peak - 1 : peak + 2] + 1e-30)
    offset = 0.5 * (left - right) / (left - 2 * centre + right)
    return (peak + offset) * RATE / size


def rms(signal: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(signal))))


@pytest.mark.parametrize(
    ("distance", "speed"), [(3.43, 343.0), (10.0, 343.0), (2.5, 3.0), (7.77, 1234.5)]
)
def test_arrival_delay_is_distance_over_speed_within_one_sample(distance, speed):
    mixer = dry_mixer(speed_of_sound=speed)
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    mixer.add_source(click(), RATE, position=(0.0, 0.0, -distance))  # straight ahead
    expected = distance / speed * RATE
    out = mixer.render(int(expected) + 2048)
    arrived = centroid(out[:, 0])
    assert abs(arrived - expected) < 1.0, (arrived, expected)
    assert np.all(out[: int(expected) - 1] == 0.0)  # nothing before the sound could arrive


def test_slow_medium_region_delays_by_the_path_integral():
    region = Region(shape="box", centre=(0.0, 0.0, -6.0), size=(4.0, 4.0, 4.0))
    mixer = dry_mixer(
        speed_of_sound=343.0, media=(Medium(name="syrup", region=region, speed_of_sound=50.0),)
    )
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    mixer.add_source(click(), RATE, position=(0.0, 0.0, -10.0))
    # 4 m of the 10 m path lie inside the box (z from -8 to -4).
    expected = (6.0 / 343.0 + 4.0 / 50.0) * RATE
    out = mixer.render(int(expected) + 2048)
    assert abs(centroid(out[:, 0]) - expected) < 1.0


@pytest.mark.parametrize(
    ("source_velocity", "listener_velocity"),
    [((0.0, 0.0, -30.0), (0.0, 0.0, 0.0)), ((0.0, 0.0, 0.0), (0.0, 0.0, -40.0))],
)
def test_doppler_shift_matches_the_formula(source_velocity, listener_velocity):
    speed, frequency = 343.0, 1000.0
    mixer = dry_mixer(speed_of_sound=speed)
    mixer.set_listener(0.0, (0.0, 0.0, 0.0), listener_velocity)
    mixer.set_listener(10.0, tuple(10.0 * v for v in listener_velocity))
    source = Trajectory.linear((0.0, 0.0, -200.0), source_velocity)
    mixer.add_source(tone(frequency, 4.0), RATE, position=source)
    out = mixer.render(3 * RATE)
    # Source receding along -z; listener moving along -z (toward the source).
    receding = -source_velocity[2]
    approaching = -listener_velocity[2]
    expected = frequency * (speed + approaching) / (speed + receding)
    measured = peak_frequency(out[RATE : 2 * RATE, 0])
    assert abs(measured / expected - 1.0) < 0.005, (measured, expected)
    assert abs(measured / frequency - 1.0) > 0.05  # the shift is really there


@pytest.mark.parametrize("strength", [0.0, 0.5, 2.0])
def test_doppler_strength_scales_the_shift(strength):
    speed, frequency, velocity = 343.0, 1000.0, 30.0
    mixer = dry_mixer(speed_of_sound=speed, doppler_strength=strength)
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    mixer.add_source(
        tone(frequency, 4.0), RATE, position=Trajectory.linear((0, 0, -20.0), (0, 0, -velocity))
    )
    out = mixer.render(3 * RATE)
    physical_rate_change = velocity / (speed + velocity)
    expected = frequency * (1.0 - strength * physical_rate_change)
    measured = peak_frequency(out[RATE : 2 * RATE, 0])
    assert abs(measured / expected - 1.0) < 0.005, (measured, expected)


@pytest.mark.parametrize("exponent", [0.0, 1.0, 1.5, 2.5])
def test_attenuation_follows_the_declared_law(exponent):
    levels = []
    for distance in (2.0, 4.0, 8.0):
        mixer = dry_mixer(attenuation_exponent=exponent, reference_distance=1.0)
        mixer.set_listener(0.0, (0.0, 0.0, 0.0))
        mixer.add_source(tone(500.0, 1.0), RATE, position=(0.0, 0.0, -distance))
        out = mixer.render(RATE)
        levels.append(rms(out[RATE // 2 : RATE // 2 + 9600, 0]))
    for near, far, ratio in ((0, 1, 2.0), (1, 2, 2.0), (0, 2, 4.0)):
        assert levels[near] / levels[far] == pytest.approx(ratio**exponent, rel=1e-3)


def test_pitch_drift_per_metre_measured_at_two_distances():
    drift, frequency = 0.05, 800.0
    measured = {}
    for distance in (5.0, 25.0):
        mixer = dry_mixer(pitch_drift_semitones_per_metre=drift)
        mixer.set_listener(0.0, (0.0, 0.0, 0.0))
        mixer.add_source(tone(frequency, 3.0), RATE, position=(0.0, 0.0, -distance))
        out = mixer.render(2 * RATE)
        measured[distance] = peak_frequency(out[RATE // 2 : RATE // 2 + RATE, 0])
    for distance, heard in measured.items():
        assert heard == pytest.approx(frequency * 2 ** (drift * distance / 12), rel=0.002)
    assert measured[25.0] / measured[5.0] == pytest.approx(2 ** (drift * 20 / 12), rel=0.003)


def test_backward_time_plays_the_exact_reversal():
    rng = np.random.default_rng(3)
    signal = rng.uniform(-0.5, 0.5, size=4800)
    mixer = dry_mixer(speed_of_sound=343.0, attenuation_exponent=0.0)
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    mixer.add_source(signal, RATE, position=(0.0, 0.0, -3.43), local_rate=-1.0)  # 480 samples
    out = mixer.render(8192)
    np.testing.assert_allclose(out[480 : 480 + 4800, 0], signal[::-1], atol=1e-6)
    np.testing.assert_allclose(out[480 : 480 + 4800, 1], signal[::-1], atol=1e-6)
    assert np.all(np.abs(out[:480]) < 1e-6) and np.all(np.abs(out[480 + 4800 :]) < 1e-6)


@pytest.mark.parametrize(("follows", "expected"), [(True, 500.0), (False, 1000.0)])
def test_local_clock_rate_changes_pitch_only_when_the_file_says(follows, expected):
    mixer = dry_mixer(time=Time(pitch_follows_local_time=follows))
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    mixer.add_source(tone(1000.0, 4.0), RATE, position=(0.0, 0.0, -2.0), local_rate=0.5)
    out = mixer.render(RATE)
    assert peak_frequency(out[RATE // 4 : 3 * RATE // 4, 0]) == pytest.approx(expected, rel=0.002)


def test_supersonic_source_is_heard_in_reverse_order():
    speed = 343.0
    events = np.zeros(int(0.2 * RATE))
    events[0] = 1.0  # A, at t = 0
    events[int(0.1 * RATE)] = 0.5  # B, at t = 0.1 s, half as loud
    mixer = dry_mixer(speed_of_sound=speed, attenuation_exponent=0.0)
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    # From 100 m away, approaching at Mach 2: B (emitted nearer) overtakes A.
    path = Trajectory.linear((0.0, 0.0, -100.0), (0.0, 0.0, 2 * speed))
    mixer.add_source(events, RATE, position=path)
    out = mixer.render(int(0.4 * RATE))[:, 0]
    arrival_a = 100.0 / speed
    arrival_b = 0.1 + (100.0 - 0.1 * 2 * speed) / speed
    assert arrival_b < arrival_a
    heard = np.flatnonzero(np.abs(out) > 1e-3) / RATE
    first, last = heard.min(), heard.max()
    assert first == pytest.approx(arrival_b, abs=2 / RATE)
    assert last == pytest.approx(arrival_a, abs=2 / RATE)


def test_supersonic_listener_meets_wavefronts_in_reverse_order():
    speed = 343.0
    events = np.zeros(int(0.2 * RATE))
    events[0] = 1.0  # A, emitted at t = -0.2 s
    events[int(0.1 * RATE)] = 0.5  # B, emitted at t = -0.1 s
    mixer = dry_mixer(speed_of_sound=speed, attenuation_exponent=0.0)
    mixer.set_listener(-1.0, (0.0, 0.0, -1.0))
    mixer.set_listener(0.0, (0.0, 0.0, -1.0))
    mixer.set_listener(1.0, (0.0, 0.0, -1.0 - 2 * speed))  # running away at Mach 2 from t = 0
    mixer.add_source(events, RATE, position=(0.0, 0.0, 0.0), start_world_time=-0.2)
    out = mixer.render(int(0.3 * RATE))[:, 0]
    catch_b = (0.1 * speed - 1.0) / speed  # 1 + 2c t = c (t + 0.1)
    catch_a = (0.2 * speed - 1.0) / speed
    peak_b = np.argmax(np.abs(out[: int(0.15 * RATE)])) / RATE
    peak_a = (np.argmax(np.abs(out[int(0.15 * RATE) :])) + int(0.15 * RATE)) / RATE
    assert peak_b == pytest.approx(catch_b, abs=2 / RATE)
    assert peak_a == pytest.approx(catch_a, abs=2 / RATE)
    assert peak_b < peak_a


def test_sonic_boom_silence_then_cone_arrival():
    speed, mach, offset = 343.0, 2.0, 30.0
    velocity = mach * speed
    mixer = dry_mixer(speed_of_sound=speed)
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    # Passes the listener's nearest point (30 m to the side) at t = 0.5 s.
    path = Trajectory.linear((-velocity * 0.5, 0.0, -offset), (velocity, 0.0, 0.0))
    mixer.add_source(tone(300.0, 3.0), RATE, position=path, start_world_time=-0.5)
    out = mixer.render(RATE)[:, 0]
    # The Mach cone reaches the listener at the earliest arrival over all emission times.
    emitted = 0.5 - speed * offset / (velocity * math.sqrt(velocity**2 - speed**2))
    closest = (emitted - 0.5) * velocity
    cone = emitted + math.hypot(closest, offset) / speed
    cone_sample = int(cone * RATE)
    assert np.all(out[: cone_sample - 64] == 0.0)
    assert rms(out[cone_sample + 64 : cone_sample + 1024]) > 0.0
    # The boom: louder just after the cone than later on.
    assert rms(out[cone_sample : cone_sample + 2400]) > 2 * rms(
        out[cone_sample + 9600 : cone_sample + 12000]
    )


def test_a_source_to_the_right_reaches_the_right_ear_first_and_louder():
    mixer = dry_mixer(speed_of_sound=343.0)
    mixer.set_listener(0.0, (0.0, 0.0, 0.0), yaw=0.0, size=1.7)  # facing -z: +x is to the right
    mixer.add_source(click(), RATE, position=(5.0, 0.0, 0.0))
    out = mixer.render(4096)
    left, right = centroid(out[:, 0]), centroid(out[:, 1])
    expected = float(interaural_delay(np.array([1.0]), 1.7, 343.0)[0]) * RATE
    assert left - right == pytest.approx(expected, abs=0.5)
    assert expected > 20  # about 0.66 ms for a person-sized head
    assert np.abs(out[:, 1]).sum() > 1.5 * np.abs(out[:, 0]).sum()


def test_absorption_removes_the_declared_decibels_per_band():
    bands = (
        AbsorptionBand(frequency_hz=250, db_per_metre=0.0),
        AbsorptionBand(frequency_hz=4000, db_per_metre=0.5),
    )
    levels = {}
    for absorbing in (False, True):
        for frequency in (250.0, 4000.0):
            mixer = dry_mixer(absorption=bands if absorbing else ())
            mixer.set_listener(0.0, (0.0, 0.0, 0.0))
            mixer.add_source(tone(frequency, 1.0), RATE, position=(0.0, 0.0, -20.0))
            out = mixer.render(RATE)
            levels[absorbing, frequency] = rms(out[RATE // 2 : RATE // 2 + 9600, 0])
    loss_high = 20 * math.log10(levels[False, 4000.0] / levels[True, 4000.0])
    loss_low = 20 * math.log10(levels[False, 250.0] / levels[True, 250.0])
    assert loss_high == pytest.approx(10.0, abs=1.0)  # 0.5 dB/m over 20 m
    assert abs(loss_low) < 0.5


def test_a_small_explorer_no_longer_hears_low_sounds():
    scale = Scale(min_explorer_size=0.01, explorer_size=1.7)
    levels = {}
    for size in (1.7, 0.017):  # a hundredth of the size hears from 2 kHz up
        mixer = dry_mixer(scale=scale)
        mixer.set_listener(0.0, (0.0, 0.0, 0.0), size=size)
        mixer.add_source(tone(200.0, 1.0), RATE, position=(0.0, 0.0, -2.0))
        out = mixer.render(RATE)
        levels[size] = rms(out[RATE // 2 :, 0])
    assert levels[0.017] < 0.05 * levels[1.7]
