"""Bounded memory of sound sources' paths: the mixer drops the knots no solve can read again.

Owns the tests of ``Trajectory.forget_before`` (a dropped prefix, reclaimed in amortised O(1))
and ``Mixer._forget_old_knots``: over a long run the knots held stay bounded; pruning never
changes a solve (the same emission times, and the same output samples bit for bit, as a mixer
that keeps every knot); a clock running backward past the dropped knots restarts the path from
the replayed snapshots. The long runs feed the mixer snapshot-shaped records (bodies on circles
at the real snapshot rate, a tone, a drone and a noise) at a low sample rate, against a mixer
whose pruning is switched off (the behaviour before it).
"""

from __future__ import annotations

import types

import numpy as np
import pytest

from engine.audio import Mixer, Trajectory, emission_times
from engine.audio.mixer import KNOT_SLACK_SECONDS, NEW_SOURCE_SECONDS

pytestmark = pytest.mark.unit

SNAPSHOT_RATE = 120.0
RATE = 8_000
BLOCK = 2048
BODIES = 3


def wandering_path(knots: int, seed: int = 3) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Knots of a random walk at 120 per second (time, position, velocity)."""
    rng = np.random.default_rng(seed)
    velocities = rng.normal(0.0, 4.0, size=(knots, 3))
    positions = np.cumsum(velocities / SNAPSHOT_RATE, axis=0) + np.array([30.0, 2.0, 0.0])
    return [(k / SNAPSHOT_RATE, positions[k], velocities[k]) for k in range(knots)]


def test_forgetting_old_knots_keeps_the_path_and_the_emission_times_after_the_horizon() -> None:
    kept, pruned = Trajectory(), Trajectory()
    horizon = -np.inf
    for k, (time, position, velocity) in enumerate(wandering_path(6_000)):
        kept.add(time, position, velocity)
        pruned.add(time, position, velocity)
        if k % 50 == 0:
            horizon = time - 3.0
            pruned.forget_before(horizon)
    # About 3 s of knots live, in buffers at most about twice that (the prefix is reclaimed).
    assert len(pruned) <= 3.0 * SNAPSHOT_RATE + 52
    assert pruned.capacity <= 2 * (3.0 * SNAPSHOT_RATE + 52) + 16
    assert pruned.times[0] <= horizon < pruned.times[1]
    assert len(kept) == 6_000
    times = np.linspace(horizon, kept.times[-1] + 1.0, 997)
    np.testing.assert_array_equal(pruned.position_at(times), kept.position_at(times))
    for piece_kept, piece_pruned in zip(
        kept.segments(horizon + 0.01, 49.0), pruned.segments(horizon + 0.01, 49.0), strict=True
    ):
        np.testing.assert_array_equal(piece_pruned, piece_kept)
    # Receptions heard from emission after the horizon: the same roots, bit for bit.
    reception = np.linspace(48.0, 50.0, 33)
    listeners = np.tile([0.0, 1.6, 0.0], (33, 1))
    for speed in (343.0, 20.0):  # a slow medium: supersonic stretches, several roots
        expected = emission_times(reception, listeners, kept, horizon, speed)
        found = emission_times(reception, listeners, pruned, horizon, speed)
        assert len(expected[1]) >= 30
        np.testing.assert_array_equal(found[0], expected[0])
        np.testing.assert_array_equal(found[1], expected[1])


def test_a_clock_running_backward_past_dropped_knots_restarts_the_path() -> None:
    path = Trajectory()
    for time, position, velocity in wandering_path(1_200):
        path.add(time, position, velocity)
    path.forget_before(8.0)
    assert path.times[0] <= 8.0
    # Back to 5 s, before every kept knot: the path is the replayed knot, extrapolated.
    path.add(5.0, (1.0, 2.0, 3.0), (1.0, 0.0, 0.0))
    assert len(path) == 1
    np.testing.assert_array_equal(path.position_at(np.array([4.0, 6.0])), [[0, 2, 3], [2, 2, 3]])
    # The replay goes on backward: each snapshot replaces the path after it.
    path.add(4.5, (0.5, 2.0, 3.0), (1.0, 0.0, 0.0))
    assert len(path) == 1 and path.times[0] == 4.5
    # And forward again: knots append as usual.
    path.add(4.6, (0.6, 2.0, 3.0), (1.0, 0.0, 0.0))
    assert list(path.times) == [4.5, 4.6]


def circling_snapshot(time: float, rate: float = 1.0) -> types.SimpleNamespace:
    """A snapshot-shaped record: ``BODIES`` bodies on circles, the listener at the centre."""
    radius = 20.0 + 15.0 * np.arange(BODIES)
    omega = 0.4 + 0.1 * np.arange(BODIES)
    angle = omega * time
    positions = np.stack([radius * np.cos(angle), np.full(BODIES, 1.5), radius * np.sin(angle)], 1)
    velocities = np.stack(
        [-radius * omega * np.sin(angle), np.zeros(BODIES), radius * omega * np.cos(angle)], 1
    )
    bodies = types.SimpleNamespace(
        positions=positions,
        velocities=velocities,
        local_rate=np.ones(BODIES),
        group=np.arange(BODIES),
    )
    explorer = types.SimpleNamespace(
        position=np.array([0.0, 1.6, 3.0 * np.sin(0.3 * time)]),
        velocity=np.array([0.0, 0.0, 0.9 * np.cos(0.3 * time)]),
        yaw=0.0,
        size=1.7,
    )
    return types.SimpleNamespace(
        world_time=time,
        real_time=time,
        time_rate=rate,
        speed_of_sound=343.0,
        explorer=explorer,
        bodies=bodies,
        sounds=(),
    )


def circling_mixer(prune: bool) -> Mixer:
    emitters = tuple(
        types.SimpleNamespace(
            sound=types.SimpleNamespace(kind=kind, frequency_hz=180.0 + 70.0 * row, loudness_db=70)
        )
        for row, kind in enumerate(("tone", "drone", "noise"))
    )
    mixer = Mixer(sample_rate=RATE, block_size=BLOCK, reverb=False, bodies=emitters, seed=5)
    if not prune:
        mixer._forget_old_knots = lambda earliest_reception: None  # the old behaviour
    return mixer


def run_mixer(mixer: Mixer, world_times: np.ndarray, rate: float) -> np.ndarray:
    """Feed snapshots at ``world_times`` (real time runs on at 1/120 s each) and mix as the
    offline renderer does (the simulation a little ahead of the block heard)."""
    step = 1.0 / SNAPSHOT_RATE
    blocks = []
    real = mixer._clock[-1][0]
    fed = 0
    heard = mixer._output_sample / RATE
    while fed < len(world_times):
        heard += BLOCK / RATE
        while fed < len(world_times) and real < heard + 0.05:
            real += step
            snapshot = circling_snapshot(float(world_times[fed]), rate)
            snapshot.real_time = real
            mixer.consume(snapshot)
            fed += 1
        blocks.append(mixer.render(BLOCK))
    return np.concatenate(blocks)


def held_knots(mixer: Mixer) -> list[int]:
    return [len(path) for path in (*mixer._body_trajectories.values(), mixer.listener)]


def test_pruning_keeps_memory_bounded_and_the_output_bit_identical() -> None:
    pruned, kept = circling_mixer(prune=True), circling_mixer(prune=False)
    for mixer in (pruned, kept):
        mixer.consume(circling_snapshot(0.0))
    forward = np.arange(1, int(40 * SNAPSHOT_RATE)) / SNAPSHOT_RATE
    heard = run_mixer(pruned, forward, 1.0)
    np.testing.assert_array_equal(heard, run_mixer(kept, forward, 1.0))
    assert np.abs(heard).max() > 1e-3
    # 40 s of snapshots: every kept path is about NEW_SOURCE + SLACK seconds of knots.
    bound = (NEW_SOURCE_SECONDS + KNOT_SLACK_SECONDS + 1.0) * SNAPSHOT_RATE
    assert max(held_knots(pruned)) <= bound
    assert min(held_knots(kept)) >= 39 * SNAPSHOT_RATE
    assert all(path.capacity <= 2 * bound + 16 for path in pruned._body_trajectories.values())
    assert pruned.path_knots()[0] == sum(held_knots(pruned))

    # The clock runs backward for 15 s, past every dropped knot, then forward again: the paths
    # restart from the replayed snapshots and the sound is still the same, bit for bit.
    backward = forward[-1] - np.arange(1, int(15 * SNAPSHOT_RATE)) / SNAPSHOT_RATE
    again = backward[-1] + np.arange(1, int(10 * SNAPSHOT_RATE)) / SNAPSHOT_RATE
    for times, rate in ((backward, -1.0), (again, 1.0)):
        heard = run_mixer(pruned, times, rate)
        assert np.isfinite(heard).all()
        np.testing.assert_array_equal(heard, run_mixer(kept, times, rate))
        assert max(held_knots(pruned)) <= bound
    path = pruned._body_trajectories[0]
    latest = circling_snapshot(float(again[-1]))
    np.testing.assert_array_equal(path.positions[-1], latest.bodies.positions[0])


@pytest.mark.parametrize(
    ("horizon", "first_kept"),
    [
        (-1.0, 0.0),  # before every knot
        (0.5, 0.0),  # before the second knot: nothing to drop
        (1.0, 1.0),  # exactly at the second knot: the knots before it go
        (2.5, 2.0),  # between knots
        (9.0, 4.0),  # after the last: the last stays
        (float("nan"), 0.0),  # no horizon at all: nothing is forgotten
    ],
)
def test_forgetting_keeps_the_last_knot_at_or_before_the_horizon(
    horizon: float, first_kept: float
) -> None:
    path = Trajectory()
    for k in range(5):
        path.add(float(k), (float(k), 0.0, 0.0), (1.0, 0.0, 0.0))
    path.forget_before(horizon)
    assert path.times[0] == first_kept
    assert path.times[-1] == 4.0
    alone = Trajectory()
    alone.add(0.0, (0.0, 0.0, 0.0), (1.0, 0.0, 0.0))
    alone.forget_before(horizon)
    assert len(alone) == 1
