"""A bell inside its own reversal radius must not trap itself in a loop forever."""

from __future__ import annotations

import pytest
from conftest import REPO

from engine.rules import load_world
from engine.sim import Simulation

pytestmark = pytest.mark.unit


def test_replayed_strike_does_not_set_off_the_reversal_again():
    world = load_world(REPO / "worlds" / "backward_bells.toml")
    sim = Simulation.from_world(world)
    step = world.physics.time_step
    for _ in range(round(30.0 / step)):
        sim.step(step)
    great_bell = 0  # the first [[bodies]] table, a single fixed body
    # Each strike (every 7 s of its own time) reverses its clock for 3 s and replays 3 s: 6 s of
    # world time lost per strike. Were replays to re-trigger, its clock would never pass 7 s.
    assert sim.bodies.proper_time[great_bell] > 10.0
    assert sim.world_time == pytest.approx(30.0)
