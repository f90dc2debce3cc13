"""Unit tests of the generators' own logic: degeneracy checks, repair pinning, expansion.

The repair-loop tests use a scripted backend (answers written here) to pin exactly which parts
a repair regenerates; ``test_generate_tiny.py`` and ``test_generate_lm.py`` run the same loop with
real models.
"""

from __future__ import annotations

import json

import pytest

from engine.resources import worlds_dir
from engine.rules import dump_world, load_world, loads_world
from generators.backends.base import GenerationRequest, GenerationResult
from generators.expand import expand_world
from generators.intent import (
    LineIntent,
    WorldIntent,
    echoes,
    repair_schema,
    stage_schema,
    stutters,
    summarise_world,
    world_intent_problems,
)
from generators.world import GenerationFailed, WorldGenerator, check_request, prompt_request

pytestmark = pytest.mark.unit

GOOD = {
    "name": "Amber Hollow",
    "description": "Sound crawls slower than a walk and every bell rings backward.",
    "gravity": "weak",
    "motion": "newtonian",
    "drag": "air",
    "sound_speed": "slower_than_walking",
    "light_speed": "slow",
    "sound_pitch": "sinks_as_it_travels",
    "echo": "long",
    "time_speed": "ordinary",
    "time_direction": "forward",
    "loud_sound_reverses_time": True,
    "slow_time_zone": False,
    "size_range": "insect",
    "sky": "ember",
    "fog": "haze",
    "things": [
        {
            "name": "bell",
            "shape": "cone",
            "count": 1,
            "sound": "chime",
            "pitch_hz": 440,
            "moving": False,
        },
        {
            "name": "moths",
            "shape": "sphere",
            "count": 12,
            "sound": "pulse",
            "pitch_hz": 900,
            "moving": True,
        },
    ],
}


class ScriptedBackend:
    """Answers requests from a list of texts, recording every request it was sent."""

    model_name = "scripted"

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.requests: list[GenerationRequest] = []

    def describe(self) -> dict:
        return {"backend": "scripted"}

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        self.requests += requests
        return [GenerationResult(text=self.answers.pop(0), tokens=10) for _ in requests]


def test_echo_and_stutter_are_detected() -> None:
    assert echoes("Sound Slower Than Walking", "a world where sound slower than walking")
    assert not echoes("Amber Hollow", "a world where sound is slow")
    assert stutters("the the the bell")
    assert stutters("abababababab")
    assert not stutters("The bell rings, the moth flies.")


def test_degenerate_rule_sets_name_their_fault() -> None:
    echo = WorldIntent.model_validate({**GOOD, "name": "Sound Slower Than Walking"})
    assert set(world_intent_problems(echo, "sound slower than walking")) == {"name"}
    twins = dict(GOOD, things=[GOOD["things"][0], GOOD["things"][0]])
    problems = world_intent_problems(WorldIntent.model_validate(twins), "bells")
    assert "repeat a name" in problems["things"]
    assert world_intent_problems(WorldIntent.model_validate(GOOD), "bells") == {}


def test_repair_schema_pins_the_good_parts_only() -> None:
    schema = stage_schema(WorldIntent)
    pinned = repair_schema(schema, {"gravity": "weak", "things": GOOD["things"]})
    assert pinned["properties"]["gravity"] == {"const": "weak"}
    assert pinned["properties"]["things"] == {"const": GOOD["things"]}
    assert pinned["properties"]["name"] == schema["properties"]["name"]
    assert schema["properties"]["gravity"]["enum"]  # the original is untouched


def test_schema_is_closed_compact_and_bounded() -> None:
    schema = stage_schema(WorldIntent)
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(schema["properties"])
    for name in ("sound_speed", "light_speed", "sound_pitch", "echo", "time_speed"):
        assert schema["properties"][name]["enum"]  # no free numbers: nothing to pad or overrun
    things = schema["$defs"]["ThingIntent"]["properties"]
    assert things["count"]["maximum"] == 40 and things["pitch_hz"]["minimum"] == 40
    assert "title" not in json.dumps(schema)


def test_repair_regenerates_only_the_failing_property() -> None:
    echoing = json.dumps({**GOOD, "name": "Sound Slower Than Walking"})
    backend = ScriptedBackend([echoing, json.dumps(GOOD)])
    generator = WorldGenerator(backend, stages=("rules",), examples=[])
    outcome = generator.generate([prompt_request("sound slower than walking", 3)])[0]
    assert outcome.error is None
    assert outcome.world is not None and outcome.world.meta.name == "Amber Hollow"
    assert outcome.attempts == 2
    repair = backend.requests[1]
    assert repair.schema is not None
    assert repair.schema["properties"]["name"]["pattern"]  # regenerated
    assert repair.schema["properties"]["gravity"] == {"const": "weak"}  # kept
    assert "only repeats the prompt" in repair.messages[-1]["content"]
    assert repair.seed != backend.requests[0].seed
    assert outcome.world.meta.lineage.prompt == "sound slower than walking"
    assert outcome.world.meta.lineage.settings["attempts"] == 2


def test_repairs_are_bounded_and_failure_is_reported() -> None:
    backend = ScriptedBackend(["not json"] * 3)
    generator = WorldGenerator(backend, stages=("rules",), examples=[], max_repairs=2)
    outcome = generator.generate([prompt_request("anything", 0)])[0]
    assert outcome.world is None
    assert outcome.attempts == 3
    assert "could not generate a valid rules stage in 3 attempts" in str(outcome.error)
    assert "not JSON" in str(outcome.error)


def test_bad_requests_are_refused_before_any_model_call() -> None:
    for prompt in ("   ", "a\x00world", "x" * 20_000):
        with pytest.raises(GenerationFailed):
            check_request(prompt_request(prompt, 0))


@pytest.mark.parametrize("path", sorted(worlds_dir().glob("*.toml")), ids=lambda p: p.stem)
def test_every_example_world_summarises_and_expands_to_a_valid_world(path) -> None:
    intent = summarise_world(load_world(path))
    for size in ("human", "insect", "microbe", "giant", "cosmic"):
        world = expand_world(intent.model_copy(update={"size_range": size}), seed=4)
        assert loads_world(dump_world(world), path.name) == world


def test_expansion_is_deterministic_and_keeps_speeds_below_light() -> None:
    slow_light = WorldIntent.model_validate({**GOOD, "light_speed": "slower_than_walking"})
    first, again = expand_world(slow_light, seed=9), expand_world(slow_light, seed=9)
    assert dump_world(first) == dump_world(again)
    assert dump_world(first) != dump_world(expand_world(slow_light, seed=10))
    for body in first.bodies:
        speed = sum(v * v for v in body.velocity) ** 0.5 + body.velocity_spread
        assert speed < first.light.speed_of_light


def test_phrases_expand_into_their_ranges() -> None:
    world = expand_world(WorldIntent.model_validate(GOOD), seed=1)
    assert world.acoustics.speed_of_sound < 1.4
    assert 5.0 <= world.light.speed_of_light <= 60.0
    assert -0.3 <= world.acoustics.pitch_drift_semitones_per_metre <= -0.05
    assert summarise_world(world).sound_speed == "slower_than_walking"
    assert summarise_world(world).light_speed == "slow"


def test_line_parts_join_into_a_tidy_sentence() -> None:
    line = LineIntent(subject="The  gong", verb="sings", rest="late, low ")
    assert line.text == "The gong sings late low."
    with pytest.raises(ValueError, match="verb must be one of"):
        LineIntent(subject="I", verb="am", rest="")
