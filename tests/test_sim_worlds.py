"""Every example world in worlds/ simulates 10 world seconds without a non-finite state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLE_WORLDS

from engine.rules import load_world
from engine.sim import ManualClock, Simulation

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("path", EXAMPLE_WORLDS, ids=lambda path: path.stem)
def test_world_simulates_ten_seconds_without_nan(path: Path) -> None:
    world = load_world(path)
    sim = Simulation.from_world(world, clock=ManualClock())
    first = sim.state_hash()
    sim.run_for(10.0)
    snap = sim.snapshot()
    assert snap.world_time == pytest.approx(10.0)
    for array in (
        snap.bodies.positions,
        snap.bodies.velocities,
        snap.bodies.apparent_positions,
        snap.bodies.apparent_velocities,
        snap.bodies.proper_time,
        snap.bodies.lorentz_factor,
        snap.bodies.local_rate,
    ):
        assert np.isfinite(array).all()
    assert (np.linalg.norm(snap.bodies.velocities, axis=1) < snap.speed_of_light).all()
    if world.bodies and any(not body.fixed for body in world.bodies):
        assert sim.state_hash() != first  # something moved
