"""The local decode loop's shortcuts give the answers the plain computation gives.

With a tiny random-initialised model (built here, the embedded model's tokenizer): a prompt whose
start came from the prefix cache continues exactly as a freshly computed one; jump-forward feeds
forced JSON in chunks and the answer still parses under the grammar; logits computed for the
allowed tokens only equal the full product's; scored endings equal log-probabilities from one
plain forward pass; and the likelihood field chooser picks what the scores favour.
"""

from __future__ import annotations

import json
import random

import pytest
import torch
from tiny_lm import tiny_random_backend

from generators.backends.local import LocalBackend
from generators.choices import FIELD_SENTENCES, FieldChooser, pick
from generators.decode import DecodeStats
from generators.intent import WorldIntent, stage_schema

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def backend() -> LocalBackend:
    return tiny_random_backend(seed=1)


def _plain_last_logits(backend: LocalBackend, ids: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        return backend.model(input_ids=torch.tensor([ids])).logits[0, -1]


def test_a_cached_prefix_continues_exactly_like_a_fresh_prompt(backend: LocalBackend) -> None:
    decoder = backend.decoder
    first = backend.tokenizer.encode("The shared system prompt and examples. First question?")
    second = first[:-3] + backend.tokenizer.encode(" Another question entirely?")
    decoder.prefill(first)
    before = DecodeStats(**vars(decoder.stats))
    state, cache = decoder.prefill(second)
    assert decoder.stats.cached_prompt_tokens - before.cached_prompt_tokens == len(first) - 3
    assert cache.get_seq_length() == len(second)
    with torch.inference_mode():
        logits = decoder._logits(state, None)
    torch.testing.assert_close(logits, _plain_last_logits(backend, second), rtol=1e-4, atol=1e-4)


def test_logits_of_allowed_tokens_only_match_the_full_product(backend: LocalBackend) -> None:
    decoder = backend.decoder
    assert decoder.split_head
    ids = backend.tokenizer.encode("A world of bells")
    state, _ = decoder.prefill(ids)
    allowed = torch.tensor([5, 17, 300, 4096])
    with torch.inference_mode():
        full = decoder._logits(state, None)
        sparse = decoder._logits(state, allowed)
    torch.testing.assert_close(sparse[allowed], full[allowed])
    assert torch.isinf(sparse).sum() == full.numel() - allowed.numel()


def test_jump_forward_feeds_forced_text_and_the_answer_parses(backend: LocalBackend) -> None:
    decoder = backend.decoder
    schema = stage_schema(WorldIntent)
    grammar = backend.grammars.json_schema(schema)
    prompt = backend.tokenizer.encode("Design a world: glass rain")
    before = DecodeStats(**vars(decoder.stats))
    decoded = decoder.generate(prompt, grammar, max_tokens=600, temperature=1.0, seed=3)
    spent = decoder.stats.minus(before)
    assert decoded.finished
    text = backend.tokenizer.decode(decoded.token_ids)
    assert sorted(json.loads(text)) == sorted(schema["properties"])
    # Keys and punctuation were fed without sampling: fewer passes than tokens.
    assert spent.jumped_tokens > 0
    assert spent.forward_passes < len(decoded.token_ids)
    again = decoder.generate(prompt, grammar, max_tokens=600, temperature=1.0, seed=3)
    assert again.token_ids == decoded.token_ids


def test_scored_endings_are_plain_log_probabilities(backend: LocalBackend) -> None:
    tokenizer = backend.tokenizer
    pairs = [("In this world, sound moves", " slowly."), ("In this world, time", " flows back.")]
    scores = backend.decoder.score(pairs)
    for (start, ending), score in zip(pairs, scores, strict=True):
        ids = tokenizer.encode(start + ending)
        begin = len(tokenizer.encode(start))
        with torch.inference_mode():
            log_probs = torch.log_softmax(backend.model(input_ids=torch.tensor([ids])).logits, -1)
        expected = sum(float(log_probs[0, i - 1, ids[i]]) for i in range(begin, len(ids)))
        # The batch may run in bfloat16 on CPUs that have it: a few hundredths of a nat.
        assert score == pytest.approx(expected, abs=0.15)


def test_a_bfloat16_model_scores_and_decodes_as_on_a_gpu(backend: LocalBackend) -> None:
    # The local backend loads bfloat16 weights on a GPU; scoring once fed float32 states to a
    # bfloat16 head and failed there. Same weights in bfloat16, here on the CPU.
    half = tiny_random_backend(seed=1)
    half.model.to(torch.bfloat16)
    half = LocalBackend.from_parts(half.model, half.tokenizer, "tiny-random-llama-bf16")
    pairs = [("In this world, sound moves", " slowly."), ("In this world, time", " flows back.")]
    for got, expected in zip(half.decoder.score(pairs), backend.decoder.score(pairs), strict=True):
        assert got == pytest.approx(expected, abs=0.3)
    grammar = half.grammars.json_schema(stage_schema(WorldIntent))
    prompt = half.tokenizer.encode("Design a world: glass rain")
    decoded = half.decoder.generate(prompt, grammar, max_tokens=600, temperature=1.0, seed=3)
    assert decoded.finished
    assert sorted(json.loads(half.tokenizer.decode(decoded.token_ids))) == sorted(
        stage_schema(WorldIntent)["properties"]
    )


class _FixedScorer:
    """Scores every ending by a table, so the chooser's own arithmetic can be checked."""

    def __init__(self, favour: dict[str, str]) -> None:
        self.favour = favour

    def score_endings(self, messages: list[dict[str, str]], pairs: list[tuple[str, str]]):
        asked = "time" in messages[-1]["content"]
        return [
            5.0 if asked and ending == self.favour.get(start, "") else -1.0
            for start, ending in pairs
        ]


def test_the_chooser_picks_what_the_request_raises_over_the_neutral_one() -> None:
    start, endings = FIELD_SENTENCES["time_direction"]
    scorer = _FixedScorer({start: f" {endings['backward']}."})
    chooser = FieldChooser(scorer)
    assert chooser.choose("Design a world: time", seed=1, temperature=0.0)["time_direction"] == (
        "backward"
    )
    draws = {
        chooser.choose("Design a world: time", seed, 0.4)["time_direction"] for seed in range(8)
    }
    assert draws == {"backward"}  # a 6-nat lead is decisive at this temperature
    # Where the request decides nothing, seeds spread over the options.
    assert (
        len({pick({"a": 0.0, "b": 0.0, "c": 0.0}, random.Random(s), 0.4) for s in range(30)}) == 3
    )


def test_the_tiny_model_chooses_fields_through_the_backend(backend: LocalBackend) -> None:
    chosen = FieldChooser(backend).choose("Design a world: bells", seed=0, temperature=0.0)
    assert set(chosen) == set(FIELD_SENTENCES)
    WorldIntent.model_validate(
        {
            **chosen,
            "name": "Bell Field",
            "description": "A field of bells that ring at dusk.",
            "things": [
                {
                    "name": "bell",
                    "shape": "cone",
                    "count": 3,
                    "sound": "chime",
                    "pitch_hz": 440,
                    "moving": False,
                }
            ],
        }
    )
