"""Clocks, time fields, triggers, scale bands, snapshots, saving and the simulate command."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.cli import main
from engine.rules import loads_world
from engine.sim import ManualClock, Simulation
from engine.sim.snapshot import Snapshot

pytestmark = pytest.mark.unit

SLOW_FIELD = """
[meta]
name = "slow"
[physics]
time_step = 0.01
[physics.collisions]
ground = false
[[physics.laws]]
kind = "uniform_field"
acceleration = [0.0, -2.0, 0.0]
[time]
rate = {rate}
direction = "{direction}"
period = 4.0
[[time.fields]]
name = "half"
rate = 0.5
region = {{ centre = [0.0, 0.0, 0.0], radius = 100.0 }}
[[time.triggers]]
name = "hush"
event = "loud_sound"
threshold_db = 90.0
effect = "reverse"
radius = 5.0
duration = 1.0
[[time.triggers]]
name = "door"
event = "explorer_enters"
region = {{ shape = "box", centre = [500.0, 0.0, 0.0], size = [10.0, 10.0, 10.0] }}
effect = "freeze"
radius = 1000.0
duration = 0.5
[[bodies]]
name = "inside"
position = [0.0, 50.0, 0.0]
[[bodies]]
name = "outside"
position = [300.0, 50.0, 0.0]
"""


def slow_world(rate: float = 1.0, direction: str = "forward", clock: ManualClock | None = None):
    return Simulation.from_world(
        loads_world(SLOW_FIELD.format(rate=rate, direction=direction)), clock=clock
    )


def test_a_clock_in_a_half_rate_field_reads_half_the_world_clock() -> None:
    sim = slow_world()
    sim.run_for(3.0)
    snap = sim.snapshot()
    assert snap.world_time == pytest.approx(3.0, abs=1e-12)
    assert snap.time_fields[0].name == "half"
    assert snap.time_fields[0].local_time == pytest.approx(1.5, rel=1e-12)
    assert snap.time_fields[0].rate == 0.5
    # Bodies inside age at the local rate and fall as if 1.5 s had passed: y = 50 - (1.5)^2.
    assert snap.bodies.proper_time[0] == pytest.approx(1.5, rel=1e-12)
    assert snap.bodies.proper_time[1] == pytest.approx(3.0, rel=1e-12)
    np.testing.assert_allclose(snap.bodies.local_rate, (0.5, 1.0))
    assert snap.bodies.positions[0, 1] == pytest.approx(50.0 - 1.5**2, rel=1e-9)
    assert snap.bodies.positions[1, 1] == pytest.approx(50.0 - 3.0**2, rel=1e-9)


def test_world_clock_follows_the_injected_real_clock_pause_rate_and_reverse() -> None:
    clock = ManualClock()
    sim = slow_world(rate=2.0, clock=clock)
    clock.advance(0.5)
    sim.advance()
    assert sim.world_time == pytest.approx(1.0)
    sim.pause()
    clock.advance(10.0)
    sim.advance()
    assert sim.world_time == pytest.approx(1.0)
    assert sim.snapshot().time_rate == 0.0
    sim.pause(False)
    sim.set_speed(0.5)
    clock.advance(0.5)
    sim.advance()
    assert sim.world_time == pytest.approx(1.5)
    sim.set_reversed(True)
    assert sim.snapshot().time_rate == pytest.approx(-1.0)
    clock.advance(1.0)
    sim.advance()
    assert sim.world_time == pytest.approx(0.5)
    assert sim.snapshot().real_time == pytest.approx(12.0)


def test_oscillating_world_clock_swings_forward_and_back() -> None:
    sim = slow_world(direction="oscillating")
    for _ in range(100):  # a quarter of the 4 s period in 10 ms frames
        sim.advance(0.01)
    assert sim.world_time == pytest.approx(4.0 / (2 * math.pi), abs=0.011)
    for _ in range(300):  # the rest of the period: back to the start
        sim.advance(0.01)
    assert sim.world_time == pytest.approx(0.0, abs=0.011)


def test_backward_world_runs_the_laws_backward_from_the_start() -> None:
    sim = slow_world(direction="backward")
    sim.advance(1.0)
    assert sim.world_time == pytest.approx(-1.0)
    # Falling backward in time from rest: y(t) = 50 - t^2 for the outside body (t = -1).
    assert sim.bodies.positions[1, 1] == pytest.approx(49.0, rel=1e-9)


def test_scrubbing_back_and_forth_lands_on_the_same_state() -> None:
    sim = slow_world()
    sim.scrub(2.0)
    at_two = sim.state_hash()
    sim.scrub(0.5)
    assert sim.world_time == pytest.approx(0.5)
    sim.scrub(2.0)
    assert sim.state_hash() == at_two


def test_a_loud_sound_reverses_local_time_for_a_while() -> None:
    sim = slow_world()
    sim.run_for(1.0)
    before = sim.bodies.proper_time[1]
    sim.emit_sound((300.0, 50.0, 0.0), loudness_db=95.0)
    sim.run_for(0.5)
    snap = sim.snapshot()
    assert snap.bodies.local_rate[1] == -1.0  # near the sound: backward
    assert snap.bodies.local_rate[0] == 0.5  # far away: untouched
    assert snap.bodies.proper_time[1] == pytest.approx(before - 0.5, abs=1e-9)
    assert [event.loudness_db for event in snap.sounds] == [95.0]
    sim.run_for(1.0)  # the effect lasted 1 s
    assert sim.snapshot().bodies.local_rate[1] == 1.0
    # A quiet sound sets nothing off.
    sim.emit_sound((300.0, 50.0, 0.0), loudness_db=60.0)
    sim.run_for(0.1)
    assert sim.snapshot().bodies.local_rate[1] == 1.0


def test_the_explorer_entering_a_region_freezes_time_around() -> None:
    sim = slow_world()
    sim.set_explorer_position((500.0, 1.0, 0.0))
    sim.run_for(0.2)
    snap = sim.snapshot()
    np.testing.assert_array_equal(snap.bodies.local_rate, (0.0, 0.0))
    assert snap.explorer.local_rate == 0.0
    sim.run_for(0.5)
    np.testing.assert_allclose(sim.snapshot().bodies.local_rate, (0.5, 1.0))


BANDS = """
[meta]
name = "bands"
[scale]
min_explorer_size = 1e-9
max_explorer_size = 1e5
explorer_size = 1.7
[[scale.bands]]
name = "tiny"
min_size = 1e-9
max_size = 1e-6
time_rate = 0.1
speed_of_light = 5.0
disabled_laws = ["uniform_field"]
extra_laws = [{ kind = "drag", linear = 10.0 }]
[physics]
time_step = 0.01
[physics.collisions]
ground = false
[[physics.laws]]
kind = "uniform_field"
acceleration = [0.0, -1.0, 0.0]
[[bodies]]
name = "mote"
position = [0.0, 0.0, 0.0]
velocity = [1.0, 0.0, 0.0]
"""


def test_scale_bands_switch_laws_time_rate_and_constants() -> None:
    sim = Simulation.from_world(loads_world(BANDS))
    assert sim.snapshot().explorer.band is None
    assert sim.set_explorer_size(1e-12) == 1e-9  # clamped to the world's range
    snap = sim.snapshot()
    assert snap.explorer.band == "tiny"
    assert snap.speed_of_light == 5.0
    assert [law.kind for law in sim.laws.laws] == ["drag"]
    sim.advance(1.0)  # the band's time rate: 0.1 world seconds per real second
    assert sim.world_time == pytest.approx(0.1)
    # Drag acts on proper velocity u = gamma v (u = 1 m/s at the start, under the world's own
    # light); in this band light is 5 m/s, so gamma matters when turning u back into v.
    expected = math.exp(-10.0 * 0.1)
    np.testing.assert_allclose(sim.bodies.proper_velocities[0], (expected, 0.0, 0.0), rtol=1e-9)
    assert sim.velocities[0, 0] == pytest.approx(expected / math.hypot(1.0, expected / 5.0))
    sim.set_explorer_size(1.0)
    assert sim.snapshot().explorer.band is None
    assert [law.kind for law in sim.laws.laws] == ["uniform_field"]


def test_snapshot_shapes_types_and_sounds_are_drained() -> None:
    sim = slow_world()
    sim.set_explorer_orientation(0.3, 2.0)
    sim.set_explorer_velocity((1.0, 0.0, 0.0))
    sim.emit_sound((0.0, 0.0, 0.0), 50.0)
    snap = sim.snapshot()
    assert isinstance(snap, Snapshot)
    bodies = snap.bodies
    assert bodies.positions.shape == (2, 3) and bodies.positions.dtype == np.float64
    assert bodies.apparent_positions.shape == (2, 3)
    assert bodies.colours.dtype == np.float32 and bodies.shapes.dtype == np.int8
    assert bodies.group.tolist() == [0, 1]
    assert snap.explorer.pitch == pytest.approx(math.pi / 2)
    assert snap.explorer.velocity.tolist() == [1.0, 0.0, 0.0]
    assert len(snap.sounds) == 1 and sim.snapshot().sounds == ()
    with pytest.raises(ValueError, match="explorer position"):
        sim.set_explorer_position((float("nan"), 0.0, 0.0))


def test_save_npz_writes_the_state(tmp_path) -> None:
    sim = slow_world()
    sim.run_for(0.5)
    path = sim.save_npz(tmp_path / "state.npz")
    with np.load(path) as saved:
        np.testing.assert_array_equal(saved["positions"], sim.bodies.positions)
        assert float(saved["world_time"]) == pytest.approx(0.5)
        assert str(saved["state_hash"]) == sim.state_hash()
        assert saved["group_names"].tolist() == ["inside", "outside"]
    assert [p.name for p in tmp_path.iterdir()] == ["state.npz"]


def test_simulate_command_prints_a_summary_and_writes_the_state(tmp_path, capsys) -> None:
    world_file = tmp_path / "slow.toml"
    world_file.write_text(SLOW_FIELD.format(rate=1.0, direction="forward"))
    out = tmp_path / "out" / "state.npz"
    code = main(["simulate", str(world_file), "--seconds", "2", "--seed", "3", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "bodies: 2" in printed
    assert "clock half: 1 s" in printed
    assert "energy: total" in printed
    assert out.exists()


def test_simulate_command_reports_bad_input_without_a_traceback(tmp_path, capsys) -> None:
    assert main(["simulate", str(tmp_path / "missing.toml"), "--seconds", "1"]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    stiff = tmp_path / "stiff.toml"
    stiff.write_text(
        '[meta]\nname = "stiff"\n[physics]\ntime_step = 0.1\n'
        '[[physics.laws]]\nkind = "spring"\nbetween = ["a", "b"]\nstiffness = 1e12\n'
        '[[bodies]]\nname = "a"\n[[bodies]]\nname = "b"\nposition = [1.0, 2.0, 0.0]\n'
    )
    assert main(["simulate", str(stiff), "--seconds", "1"]) == 1
    error = capsys.readouterr().err
    assert "spring between 'a' and 'b'" in error and "Traceback" not in error
    assert main(["simulate", str(stiff), "--seconds", "1e12"]) == 1
    assert "at most" in capsys.readouterr().err
