"""Simulation physics against analytic answers: orbits, energy, reversal, Aristotle, light."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.rules import loads_world
from engine.sim import Simulation, SimulationError
from engine.sim import gravity as gravity_kernels
from engine.sim.relativity import apparent_state

pytestmark = pytest.mark.unit


def world(body_text: str, physics: str = "", extra: str = "") -> Simulation:
    text = f"""
[meta]
name = "test"
seed = 4
[physics]
{physics}
[physics.collisions]
ground = false
{extra}
{body_text}
"""
    return Simulation.from_world(loads_world(text, "test.toml"))


TWO_BODY = """
[[physics.laws]]
kind = "gravity"
strength = 1.0
[[bodies]]
name = "sun"
mass = 1.0
position = [0.0, 0.0, 0.0]
[[bodies]]
name = "planet"
mass = 1e-3
position = [1.0, 0.0, 0.0]
velocity = [0.0, 0.0, {speed}]
"""


def test_two_body_inverse_square_orbit_period_within_a_tenth_of_a_percent() -> None:
    # Circular orbit of relative separation 1 under G (M + m) = 1.001: period 2 pi / sqrt(1.001).
    total_mass = 1.001
    sim = world(TWO_BODY.format(speed=math.sqrt(total_mass)), "time_step = 0.002")
    sim.bodies.proper_velocities[0] = (0, 0, 0)
    # Put the centre of mass at rest so the relative orbit is the circle.
    momentum = (sim.bodies.masses[:, None] * sim.bodies.proper_velocities).sum(axis=0)
    sim.bodies.proper_velocities -= momentum / sim.bodies.masses.sum()
    expected = 2 * math.pi / math.sqrt(total_mass)
    angles, times = [], []
    for _ in range(int(1.3 * expected / sim.time_step)):
        sim.step(sim.time_step)
        relative = sim.bodies.positions[1] - sim.bodies.positions[0]
        angles.append(math.atan2(relative[2], relative[0]))
        times.append(sim.world_time)
    unwrapped = np.unwrap(angles)
    # The time the relative position has turned a full circle, interpolated between steps.
    period = float(np.interp(2 * math.pi, unwrapped, times))
    assert abs(period - expected) / expected < 1e-3, (period, expected)


def test_energy_drift_bounded_over_ten_thousand_steps() -> None:
    sim = world(TWO_BODY.format(speed=0.8), "time_step = 0.005")  # an eccentric orbit
    start = sim.energy().total
    assert start is not None
    worst = 0.0
    for _ in range(100):
        sim.run_for(100 * sim.time_step)
        total = sim.energy().total
        assert total is not None
        worst = max(worst, abs(total - start) / abs(start))
    assert sim.step_index == 10_000
    assert worst < 1e-3, worst


CLUSTER = """
[[physics.laws]]
kind = "gravity"
strength = 0.01
softening = 0.1
[[physics.laws]]
kind = "spring"
between = ["a", "b"]
stiffness = 4.0
rest_length = 1.0
[[physics.laws]]
kind = "uniform_field"
acceleration = [0.0, -1.0, 0.0]
[[bodies]]
name = "a"
position = [0.0, 5.0, 0.0]
velocity = [0.3, 0.0, 0.0]
[[bodies]]
name = "b"
position = [1.5, 5.0, 0.0]
[[bodies]]
name = "cloud"
count = 40
spread = 3.0
velocity_spread = 0.5
position = [0.0, 5.0, 0.0]
"""


def test_forward_then_backward_returns_to_start_by_integration() -> None:
    sim = world(CLUSTER, "time_step = 0.01")
    sim.replay_history = False  # exercise the time-reversible integrator itself
    start_positions = sim.bodies.positions.copy()
    start_velocities = sim.bodies.proper_velocities.copy()
    sim.step(500 * sim.time_step + 1e-9)
    assert not np.allclose(sim.bodies.positions, start_positions)
    sim.step(-500 * sim.time_step - 1e-9)
    assert sim.step_index == 0
    scale = np.abs(start_positions).max()
    assert np.abs(sim.bodies.positions - start_positions).max() / scale < 1e-9
    velocity_scale = np.abs(start_velocities).max()
    assert np.abs(sim.bodies.proper_velocities - start_velocities).max() / velocity_scale < 1e-9


def test_dissipative_laws_rewind_exactly_from_history() -> None:
    dissipative = (
        CLUSTER
        + """
[[physics.laws]]
kind = "drag"
linear = 0.5
quadratic = 0.2
[[physics.laws]]
kind = "brownian"
diffusion = 0.01
"""
    )
    sim = world(dissipative, "time_step = 0.01")
    start_hash = sim.state_hash()
    start_positions = sim.bodies.positions.copy()
    for _ in range(300):
        sim.step(sim.time_step)
    middle_hash = sim.state_hash()
    for _ in range(300):
        sim.step(-sim.time_step)
    assert sim.state_hash() == start_hash
    assert np.array_equal(sim.bodies.positions, start_positions)
    # Going forward again replays the same future (Brownian noise is a function of the step).
    for _ in range(300):
        sim.step(sim.time_step)
    assert sim.state_hash() == middle_hash


def test_same_file_and_seed_give_the_same_state_hash() -> None:
    hashes = []
    for _ in range(2):
        sim = world(CLUSTER + '[[physics.laws]]\nkind = "brownian"\ndiffusion = 0.001\n')
        sim.run_for(1.0)
        hashes.append(sim.state_hash())
    assert hashes[0] == hashes[1]
    other = Simulation.from_world(sim.world, seed=99)
    other.run_for(1.0)
    assert other.state_hash() != hashes[0]


ARISTOTLE = """
[[physics.laws]]
kind = "uniform_field"
acceleration = [2.0, 0.0, 0.0]
region = {{ shape = "box", centre = [0.0, 0.0, 0.0], size = [10.0, 10.0, 10.0] }}
[[bodies]]
name = "cart"
mass = 3.0
position = [-4.0, 0.0, 0.0]
velocity = [{speed}, 0.0, 0.0]
"""


def test_aristotelian_bodies_move_with_the_force_and_stop_when_it_stops() -> None:
    sim = world(ARISTOTLE.format(speed=7.0), 'motion = "aristotelian"\nresistance = 0.5')
    sim.run_for(0.5)
    # velocity = force / (mass * resistance) = acceleration / resistance = 4 m/s, not 7.
    np.testing.assert_allclose(sim.velocities[0], (4.0, 0.0, 0.0), rtol=1e-12)
    np.testing.assert_allclose(sim.bodies.positions[0, 0], -4.0 + 4.0 * 0.5, rtol=1e-9)
    sim.run_for(3.0)  # it reaches the edge of the pushing box at x = 5 ...
    resting = sim.bodies.positions[0].copy()
    assert abs(resting[0] - 5.0) <= 4.0 * sim.time_step
    sim.run_for(2.0)  # ... and stops there: no inertia carries it on.
    np.testing.assert_array_equal(sim.bodies.positions[0], resting)
    np.testing.assert_array_equal(sim.velocities[0], 0.0)


def test_newtonian_body_keeps_moving_where_aristotelian_one_stops() -> None:
    sim = world(ARISTOTLE.format(speed=0.0))
    sim.run_for(4.0)
    assert sim.velocities[0, 0] > 5.0  # it left the box still moving
    before = sim.bodies.positions[0, 0]
    sim.run_for(1.0)
    assert sim.bodies.positions[0, 0] > before + 5.0


def test_linear_drag_decays_exactly_exponentially() -> None:
    sim = world(
        '[[physics.laws]]\nkind = "drag"\nlinear = 0.7\n'
        '[[bodies]]\nname = "puck"\nvelocity = [3.0, 0.0, 0.0]\n'
    )
    sim.run_for(2.0)
    np.testing.assert_allclose(sim.velocities[0, 0], 3.0 * math.exp(-0.7 * 2.0), rtol=1e-12)


def test_nothing_exceeds_the_speed_of_light_and_gamma_is_reported() -> None:
    sim = world(
        '[[physics.laws]]\nkind = "uniform_field"\nacceleration = [50.0, 0.0, 0.0]\n'
        '[[bodies]]\nname = "rocket"\n',
        extra="[light]\nspeed_of_light = 10.0\n",
    )
    sim.run_for(10.0)
    speed = float(np.linalg.norm(sim.velocities[0]))
    assert speed < 10.0
    # Constant proper acceleration: u = a t = 500 m/s, gamma = sqrt(1 + (u / c)^2).
    gamma = math.sqrt(1 + (500.0 / 10.0) ** 2)
    snap = sim.snapshot()
    np.testing.assert_allclose(snap.bodies.lorentz_factor[0], gamma, rtol=1e-9)
    np.testing.assert_allclose(speed, 500.0 / gamma, rtol=1e-9)
    # Velocity time dilation: the moving clock aged less than the world clock.
    assert snap.bodies.proper_time[0] < 0.5 * sim.world_time


def test_apparent_position_of_a_receding_body_under_slow_light() -> None:
    # A body moves at 3 m/s along +x from the origin; light crawls at 10 m/s; the observer is at
    # the origin. Seen at time t it was at x = v t_r with v t_r = c (t - t_r): t_r = c t / (c + v).
    sim = world(
        '[[bodies]]\nname = "runner"\nposition = [0.0, 0.0, 0.0]\nvelocity = [3.0, 0.0, 0.0]\n',
        "time_step = 0.01",
        extra="[light]\nspeed_of_light = 10.0\n",
    )
    sim.set_explorer_position((0.0, 0.0, 0.0))
    sim.run_for(4.0)
    snap = sim.snapshot()
    retarded = 10.0 * 4.0 / 13.0
    np.testing.assert_allclose(snap.bodies.apparent_positions[0], (3.0 * retarded, 0, 0), atol=1e-9)
    np.testing.assert_allclose(snap.bodies.positions[0], (12.0, 0, 0), atol=1e-9)
    np.testing.assert_allclose(snap.bodies.apparent_velocities[0], (3.0, 0, 0), atol=1e-9)


def test_apparent_position_before_the_history_extrapolates_along_the_path() -> None:
    times = np.array([9.0, 10.0])
    positions = np.array([[[9.0, 0, 0]], [[10.0, 0, 0]]])  # moving at 1 m/s along x
    velocities = np.ones((2, 1, 3)) * np.array([1.0, 0, 0])
    seen, _ = apparent_state(np.array([-20.0, 0, 0]), 10.0, times, positions, velocities, 5.0)
    # x(t_r) = t_r, seen when x + 20 = 5 (10 - t_r): t_r = 5, long before the history's start.
    np.testing.assert_allclose(seen[0], (5.0, 0, 0), atol=1e-9)


def test_a_stiff_spring_is_reported_with_its_values() -> None:
    with pytest.raises(SimulationError, match=r"spring between 'a' and 'b'.*stiffness 1e\+09"):
        world(
            '[[physics.laws]]\nkind = "spring"\nbetween = ["a", "b"]\nstiffness = 1e9\n'
            '[[bodies]]\nname = "a"\nmass = 0.001\n'
            '[[bodies]]\nname = "b"\nposition = [1.0, 1.0, 0.0]\nmass = 0.001\n',
            "time_step = 0.01",
        )


def test_a_moderately_stiff_spring_is_sub_stepped_and_oscillates_at_its_frequency() -> None:
    # One body on a spring to a fixed anchor: omega = sqrt(k / m) = 40 rad/s, so omega h = 0.4 at
    # h = 0.01 would be coarse; sub-steps keep the period right.
    sim = world(
        '[[physics.laws]]\nkind = "spring"\nbetween = ["anchor", "bob"]\nstiffness = 1600.0\n'
        "rest_length = 1.0\n"
        '[[bodies]]\nname = "anchor"\nfixed = true\nposition = [0.0, 0.0, 0.0]\n'
        '[[bodies]]\nname = "bob"\nposition = [1.1, 0.0, 0.0]\n',
        "time_step = 0.05",
    )
    period = 2 * math.pi / 40.0
    sim.run_for(period * 10)
    assert abs(sim.bodies.positions[1, 0] - 1.1) < 2e-3


def test_a_state_that_turns_non_finite_is_refused_naming_the_laws() -> None:
    sim = world(
        '[[physics.laws]]\nkind = "gravity"\nstrength = -1e300\nexponent = 4.0\n'
        '[[bodies]]\nname = "a"\nposition = [0.0, 0.0, 0.0]\n'
        '[[bodies]]\nname = "b"\nposition = [1e10, 0.0, 0.0]\n',
        extra="[light]\nspeed_of_light = 1e300\n",
    )
    before = sim.bodies.positions.copy()
    with pytest.raises(SimulationError, match=r"non-finite.*gravity\(strength=-1e\+300"):
        sim.run_for(1.0)
    assert np.isfinite(sim.bodies.positions).all()
    snap = sim.snapshot()
    assert np.isfinite(snap.bodies.positions).all()
    assert sim.step_index >= 0 and before.shape == snap.bodies.positions.shape


def test_direct_gravity_matches_a_numpy_pair_sum_for_any_exponent() -> None:
    rng = np.random.default_rng(0)
    positions = rng.normal(size=(50, 3))
    masses = rng.uniform(1, 2, 50)
    for exponent in (-2.0, -3.0, 1.0):
        got = np.zeros((50, 3))
        gravity_kernels.add_direct(positions, masses, -0.5, exponent, 0.2, got)
        offsets = positions[None, :, :] - positions[:, None, :]  # (N, N, 3) x_j - x_i
        r2 = (offsets**2).sum(-1) + 0.04
        factor = -0.5 * masses[None, :] * r2 ** ((exponent - 1) / 2)
        np.fill_diagonal(factor, 0.0)
        expected = (offsets * factor[:, :, None]).sum(axis=1)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_grid_gravity_approximates_the_direct_sum_for_many_bodies() -> None:
    rng = np.random.default_rng(1)
    positions = rng.normal(size=(3000, 3))
    masses = np.ones(3000)
    direct = np.zeros((3000, 3))
    gravity_kernels.add_direct(positions, masses, 1.0, -2.0, 0.3, direct)
    grid = np.zeros((3000, 3))
    gravity_kernels.GridGravity().add(positions, masses, 1.0, -2.0, 0.3, grid)
    error = np.linalg.norm(grid - direct, axis=1).mean() / np.linalg.norm(direct, axis=1).mean()
    assert error < 0.15
    # The net force is about zero (Newton's third law holds on the grid too).
    assert np.linalg.norm(grid.sum(axis=0)) < 1e-6 * np.abs(grid).sum()


def test_vortex_swirls_counter_clockwise_seen_from_the_axis_tip() -> None:
    sim = world(
        '[[physics.laws]]\nkind = "vortex"\nstrength = 2.0\ncore_radius = 1.0\n'
        '[[bodies]]\nname = "leaf"\nposition = [3.0, 0.0, 0.0]\n',
        "time_step = 0.001",
    )
    sim.step(sim.time_step)
    # Axis +y; at +x, counter-clockwise seen from above is toward -z; |a| = 2 * 1 / 3.
    np.testing.assert_allclose(
        sim.velocities[0] / sim.time_step, (0.0, 0.0, -2.0 / 3.0), rtol=1e-6, atol=1e-6
    )


def test_ground_bounce_keeps_restitution_of_the_normal_speed() -> None:
    text = """
[meta]
name = "bounce"
[physics]
time_step = 0.001
[physics.collisions]
ground = true
restitution = 0.5
[[bodies]]
name = "ball"
radius = 0.5
position = [0.0, 2.0, 0.0]
velocity = [1.0, -4.0, 0.0]
"""
    sim = Simulation.from_world(loads_world(text))
    sim.run_for(0.4)
    np.testing.assert_allclose(sim.velocities[0], (1.0, 2.0, 0.0), atol=1e-12)
    sounds = sim.snapshot().sounds
    assert [event.kind for event in sounds] == ["collision"]
    assert sounds[0].body == 0
