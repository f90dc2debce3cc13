"""A tiny random-initialised model under the grammars always yields a valid world.

The model is built here (a 2-layer Llama with the embedded model's tokenizer, no download): its
choices are noise, so only the grammar and the validation make the result a world. Also checks
seed reproducibility and the token mask's agreement with the grammar.
"""

from __future__ import annotations

import json

import pytest
from tiny_lm import tiny_random_backend

from engine.rules import dump_world, loads_world
from generators.backends.base import GenerationRequest
from generators.backends.local import LocalBackend
from generators.intent import WorldIntent, stage_schema
from generators.world import WorldGenerator, prompt_request

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def tiny_backend() -> LocalBackend:
    return tiny_random_backend(seed=0)


def test_noise_under_the_grammar_is_always_a_world(tiny_backend: LocalBackend) -> None:
    generator = WorldGenerator(tiny_backend, max_repairs=3, temperature=1.0)
    prompts = ["sound slower than walking", "time runs backward", "light crawls", "a sticky sea"]
    outcomes = generator.generate(
        [prompt_request(prompt, seed) for seed, prompt in enumerate(prompts)]
    )
    for outcome in outcomes:
        assert outcome.error is None, outcome.error
        assert outcome.world is not None
        text = dump_world(outcome.world)
        assert loads_world(text, "generated") == outcome.world
        assert outcome.world.meta.lineage.model == "tiny-random-llama"
        assert len(outcome.world.languages) == 1
        assert 1 <= len(outcome.world.agents) <= 2


def test_same_seed_same_world(tiny_backend: LocalBackend) -> None:
    generator = WorldGenerator(tiny_backend, stages=("rules",), temperature=1.0)
    first = generator.generate([prompt_request("a world of bells", 7)])[0]
    again = generator.generate([prompt_request("a world of bells", 7)])[0]
    other = generator.generate([prompt_request("a world of bells", 8)])[0]
    assert first.world is not None and again.world is not None and other.world is not None
    assert dump_world(first.world) == dump_world(again.world)
    assert dump_world(first.world) != dump_world(other.world)


def test_every_sampled_answer_parses_as_compact_json(tiny_backend: LocalBackend) -> None:
    schema = stage_schema(WorldIntent)
    requests = [
        GenerationRequest(
            messages=[{"role": "user", "content": "a world"}],
            schema=schema,
            max_tokens=600,
            temperature=1.0,
            seed=seed,
        )
        for seed in range(3)
    ]
    for result in tiny_backend.generate(requests):
        assert result.error is None, result.error
        data = json.loads(result.text)
        # Compact: the grammar leaves no whitespace between tokens of the JSON.
        assert result.text == json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        assert sorted(data) == sorted(schema["properties"])
