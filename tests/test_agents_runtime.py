"""Agents running in real simulations: triggers, cooldowns, local clocks, determinism."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from engine.agents.offline import narrate_world
from engine.agents.perception import HeardVoice
from engine.agents.system import AgentSystem
from engine.agents.view import AgentView
from engine.app.source import WorldSource
from engine.rules import WorldSpec, load_world, loads_world
from engine.sim import ManualClock, Simulation
from generators.language import generate_language

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent

LANGUAGE = generate_language(4242).model_dump(exclude_defaults=True)
FRAME = 1.0 / 30.0


def _world(agents: list[dict], **sections: object) -> WorldSpec:
    data = {"meta": {"name": "t", "seed": 5}, "languages": [LANGUAGE], "agents": agents}
    data.update(sections)
    return WorldSpec.model_validate(data)


def _agent(name: str = "a", **fields: object) -> dict:
    agent: dict = {"name": name, "language": LANGUAGE["name"], "movement": {"behaviour": "stay"}}
    agent.update(fields)
    return agent


def _run(
    world: WorldSpec,
    seconds: float,
    actions: dict[float, Callable[[Simulation], None]] | None = None,
    explorer: tuple[float, float, float] = (0.0, 1.6, 40.0),
) -> tuple[AgentSystem, Simulation]:
    """Step the world and its agents in frames; ``actions`` run once at their time."""
    clock = ManualClock()
    simulation = Simulation.from_world(world, clock=clock)
    simulation.set_explorer_position(explorer)
    system = AgentSystem(world, local_rates=simulation.local_time.rates)
    pending = sorted((actions or {}).items())
    for frame in range(int(round(seconds / FRAME)) + 1):
        if frame:
            clock.advance(FRAME)
            simulation.advance()
        while pending and pending[0][0] <= frame * FRAME:
            pending.pop(0)[1](simulation)
        snapshot = simulation.snapshot()
        system.step(snapshot)
        system.publish(snapshot)
    return system, simulation


def _rule(trigger: str, **fields: object) -> dict:
    return {"trigger": trigger, "lines": ["the bird sings"], "cooldown": 0.0, **fields}


TRIGGER_CASES: dict[str, tuple[dict, dict, dict]] = {
    # trigger: (rule fields, world sections, actions {time: action})
    "start": ({}, {}, {}),
    "periodic": ({"every": 1.0}, {}, {}),
    "explorer_near": (
        {"radius": 3.0},
        {},
        {1.0: lambda sim: sim.set_explorer_position((1.0, 1.6, 1.0))},
    ),
    "collision": (
        {"radius": 8.0},
        {
            "bodies": [{"name": "ball", "position": [2.0, 3.0, 0.0], "radius": 0.2}],
            "physics": {
                "laws": [{"kind": "uniform_field", "acceleration": [0.0, -9.81, 0.0]}],
                "collisions": {"ground": True},
            },
        },
        {},
    ),
    "loud_sound": (
        {"radius": 8.0, "threshold_db": 85.0},
        {
            "bodies": [
                {
                    "name": "bell",
                    "position": [3.0, 1.0, 0.0],
                    "fixed": True,
                    "sound": {"kind": "chime", "loudness_db": 90.0, "interval": 1.5},
                }
            ]
        },
        {},
    ),
    "time_reversed": ({}, {}, {1.0: lambda sim: sim.set_reversed(True)}),
    "scale_changed": ({"scale_factor": 2.0}, {}, {1.0: lambda sim: sim.set_explorer_size(5.0)}),
    "entered_time_field": (
        {"time_field": "pool"},
        {
            "time": {
                "fields": [{"name": "pool", "region": {"centre": [4.0, 0.0, 0.0], "radius": 1.0}}]
            }
        },
        {},
    ),
}


@pytest.mark.parametrize("trigger", list(TRIGGER_CASES))
def test_each_trigger_fires_in_a_minimal_world(trigger: str) -> None:
    rule, sections, actions = TRIGGER_CASES[trigger]
    movement = {"behaviour": "stay"}
    if trigger == "entered_time_field":
        movement = {"behaviour": "patrol", "path": [[0.0, 0.0, 0.0], [8.0, 0.0, 0.0]], "speed": 2.0}
    world = _world([_agent(narration=[_rule(trigger, **rule)], movement=movement)], **sections)
    quiet = _world([_agent(narration=[_rule(trigger, **rule)], movement=movement)], **sections)
    system, _ = _run(world, 3.0, actions)
    said = [u for u in system.transcript if u.trigger == trigger]
    assert said, f"{trigger} never fired"
    assert said[0].speech.translation == "the bird sings"
    assert said[0].speech.gloss.replace("DEF-", "").replace("-DEF", "") == "bird sing"
    if trigger not in ("start", "periodic", "collision", "loud_sound", "entered_time_field"):
        # Without the stimulus the rule stays silent: the trigger is what made it speak.
        silent, _ = _run(quiet, 3.0, {})
        assert not silent.transcript


def test_no_line_repeats_within_its_cooldown() -> None:
    lines = ["the bird sings", "the fish swims", "the tree grows"]
    world = _world(
        [_agent(narration=[{"trigger": "periodic", "every": 1.0, "cooldown": 2.5, "lines": lines}])]
    )
    system, _ = _run(world, 30.0)
    said = system.transcript
    assert len(said) >= 8
    gaps = np.diff([u.age for u in said])
    assert (gaps >= 2.5 - 1e-9).all(), gaps
    last_said: dict[str, float] = {}
    for utterance in said:
        text = utterance.speech.translation
        if text in last_said:
            assert utterance.age - last_said[text] >= 2.5
        last_said[text] = utterance.age
    # Memory: every line is used before any repeats.
    assert {u.speech.translation for u in said[:3]} == set(lines)


def test_priority_and_conditions_choose_the_line() -> None:
    rules = [
        {"trigger": "start", "lines": ["the fish swims"], "priority": 1},
        {
            "trigger": "start",
            "lines": ["the bird sings"],
            "priority": 5,
            "condition": "distance > 100",
        },
        {
            "trigger": "start",
            "lines": ["the tree grows"],
            "priority": 3,
            "condition": "distance < 100",
        },
    ]
    system, _ = _run(_world([_agent(narration=rules)]), 0.5)
    assert [u.speech.translation for u in system.transcript] == ["the tree grows"]


def test_an_agent_in_a_half_rate_time_field_speaks_at_half_rate() -> None:
    periodic = [{"trigger": "periodic", "every": 2.0, "cooldown": 0.0, "lines": ["the bird sings"]}]
    world = _world(
        [
            _agent("outside", position=[20.0, 0.0, 0.0], narration=periodic),
            _agent("inside", position=[0.0, 0.0, 0.0], narration=periodic),
        ],
        time={"fields": [{"name": "slow", "region": {"radius": 5.0}, "rate": 0.5}]},
    )
    system, _ = _run(world, 20.0)
    outside = [u.world_time for u in system.transcript if u.agent == "outside"]
    inside = [u.world_time for u in system.transcript if u.agent == "inside"]
    assert len(outside) == 10 and len(inside) == 5
    assert np.allclose(np.diff(outside), 2.0, atol=FRAME)
    assert np.allclose(np.diff(inside), 4.0, atol=FRAME)
    view = system.view()
    assert view.age[1] == pytest.approx(view.age[0] / 2, abs=FRAME)


def test_movement_behaviours_and_the_published_view() -> None:
    agents = [
        _agent("orbit", position=[3.0, 0.0, 0.0], movement={"behaviour": "orbit", "radius": 3.0}),
        _agent(
            "patrol",
            movement={
                "behaviour": "patrol",
                "path": [[0.0, 0.0, 0.0], [4.0, 0.0, 0.0]],
                "speed": 1.0,
            },
        ),
        _agent(
            "follow", position=[0.0, 0.0, -10.0], movement={"behaviour": "follow", "speed": 2.0}
        ),
        _agent(
            "flee", position=[0.0, 0.0, 38.0], movement={"behaviour": "flee", "keep_distance": 6.0}
        ),
        _agent("wander", movement={"behaviour": "wander", "radius": 4.0, "speed": 3.0}),
        _agent("stay", position=[7.0, 0.0, 7.0]),
    ]
    system, simulation = _run(_world(agents), 6.0)
    snapshot = simulation.snapshot()
    system.publish(snapshot)
    view = snapshot.extras["agents"]
    assert isinstance(view, AgentView)
    positions = dict(zip(view.names, view.positions, strict=True))
    assert np.linalg.norm(positions["orbit"][[0, 2]]) == pytest.approx(3.0)
    # patrol loop 8 m long at 1 m/s: after 6 s it is 2 m back from the far end.
    assert positions["patrol"] == pytest.approx([2.0, 0.0, 0.0], abs=0.05)
    assert positions["follow"][2] > -10.0 + 2.0 * 6.0 - 0.1
    explorer = np.array([0.0, 0.0, 40.0])
    assert np.linalg.norm(positions["flee"] - explorer) >= 6.0 - 1e-6
    assert np.linalg.norm(positions["wander"][[0, 2]]) <= 4.0 + 1e-9
    assert positions["stay"] == pytest.approx([7.0, 0.0, 7.0])
    assert "subtitles" in snapshot.extras


def test_orbits_retrace_their_path_when_time_runs_backward() -> None:
    world = _world(
        [_agent(position=[3.0, 0.0, 0.0], movement={"behaviour": "orbit", "radius": 3.0})]
    )
    system, _ = _run(world, 4.0, {2.0: lambda sim: sim.set_reversed(True)})
    assert system.positions[0] == pytest.approx([3.0, 0.0, 0.0], abs=0.05)


def test_the_same_seed_gives_the_same_transcript(repo_root) -> None:
    world = load_world(repo_root / "worlds" / "speakers.toml")
    first = narrate_world(world, 30.0, seed=3)
    second = narrate_world(world, 30.0, seed=3)
    lines = [u.transcript_line() for u in first.transcript]
    assert len(lines) >= 6
    assert lines == [u.transcript_line() for u in second.transcript]
    assert np.array_equal(first.system.positions, second.system.positions)
    agents = {u.agent for u in first.transcript}
    assert agents == {"Keeper", "Wanderer", "Ferrywoman", "Moth"}


def _shouting_world(loudness_db: float) -> WorldSpec:
    """speakers.toml, its Keeper speaking at ``loudness_db``, and a reversal set off by loud sounds
    made where the Keeper stands (only there, so the world's bells do not set it off)."""
    text = (REPO / "worlds" / "speakers.toml").read_text()
    text = text.replace(
        "[physics]\n",
        '[[time.triggers]]\nname = "shout back"\nevent = "loud_sound"\nthreshold_db = 85.0\n'
        'region = { shape = "sphere", centre = [4.0, 1.0, -3.0], radius = 2.0 }\n'
        "radius = 5.0\nduration = 3.0\n\n[physics]\n",
        1,
    )
    keeper_voice = "voice = { pitch_hz = 110.0, size = 1.2 }"
    assert keeper_voice in text
    text = text.replace(
        keeper_voice, f"voice = {{ pitch_hz = 110.0, size = 1.2, loudness_db = {loudness_db} }}"
    )
    return loads_world(text, "speakers+shout")


@pytest.mark.parametrize("loudness_db, reversed_expected", [(100.0, True), (65.0, False)])
def test_a_shouted_line_sets_off_a_loud_sound_trigger(loudness_db, reversed_expected) -> None:
    world = _shouting_world(loudness_db)
    keeper = next(agent for agent in world.agents if agent.name == "Keeper")
    source = WorldSource(world, seed=3)
    source.advance(0.5)  # the Keeper's "start" line is said on the first steps
    said = [line for line in source.agents.transcript if line.agent == "Keeper"]
    assert said, "the Keeper said nothing"
    at_keeper = np.array([keeper.position], dtype=np.float64)
    rate = source.simulation.local_time.rates(at_keeper, source.world_time)[0]
    assert (rate < 0) == reversed_expected, rate
    # Offline narration runs the same rule: the Keeper's own clock is running backward.
    narration = narrate_world(world, 2.0, seed=3)
    keeper_row = [agent.name for agent in world.agents].index("Keeper")
    keeper_rate = narration.system.local_rate[keeper_row]
    assert (keeper_rate < 0) == reversed_expected, keeper_rate


@pytest.mark.parametrize("loudness_db", [95.0, 70.0])
def test_agents_hear_each_others_voices_but_not_their_own(loudness_db: float) -> None:
    # A crier says one line at the start; a listener 3 m away answers loud sounds over 85 dB.
    # The crier answers loud sounds too: its own voice must not set it off.
    answer = _rule("loud_sound", radius=8.0, threshold_db=85.0, lines=["the fish swims"])
    crier = _agent(
        "crier",
        voice={"loudness_db": loudness_db},
        narration=[_rule("start"), answer],
        position=[0.0, 0.0, 0.0],
    )
    listener = _agent("listener", narration=[answer], position=[3.0, 0.0, 0.0])
    system, _ = _run(_world([crier, listener]), 1.0)
    answers = [(u.agent, u.world_time) for u in system.transcript if u.trigger == "loud_sound"]
    if loudness_db > 85.0:
        assert answers == [("listener", pytest.approx(FRAME))]  # the step after the cry
    else:
        assert answers == []
    assert [u.agent for u in system.transcript if u.trigger == "start"] == ["crier"]


def test_a_voice_reaches_every_agent_but_its_speaker() -> None:
    answer = _rule("loud_sound", radius=8.0, threshold_db=85.0)
    agents = [
        _agent("crier", narration=[answer], position=[0.0, 0.0, 0.0]),
        _agent("near", narration=[answer], position=[3.0, 0.0, 0.0]),
        _agent("far", narration=[answer], position=[30.0, 0.0, 0.0]),
    ]
    world = _world(agents)
    system = AgentSystem(world)
    snapshot = Simulation.from_world(world, clock=ManualClock()).snapshot()
    cry = HeardVoice(position=(0.0, 0.0, 0.0), loudness_db=95.0, speaker=0)
    positions = system.positions
    fired = system.perception.fired(
        snapshot, positions, system.local_rate, system.age, 0.0, voices=(cry,)
    )
    assert fired.tolist() == [False, True, False]  # not the speaker, not out of reach
    assert system.perception.loudest_db.tolist() == [0.0, 95.0, 0.0]
