"""Agents' voices through the world's acoustics, and improvised lines from a tiny random model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from engine.agents.improvise import LineImprovisation
from engine.agents.native import read_native_line
from engine.agents.offline import narrate_world
from engine.cli.narrate import BackendImproviser
from engine.language.grammar import language_grammar
from engine.rules import WorldSpec
from generators.backends.local import LocalBackend
from generators.language import generate_language

pytestmark = pytest.mark.unit

LANGUAGE = generate_language(4242)
SAMPLE_RATE = 16_000


def test_a_line_spoken_30_m_away_in_a_3_m_per_s_world_is_heard_10_s_later() -> None:
    ears = (0.0, 1.6, 0.0)
    world = WorldSpec.model_validate(
        {
            "meta": {"name": "slow sound", "seed": 1},
            "scale": {"explorer_position": [0.0, 0.0, 0.0]},
            "acoustics": {"speed_of_sound": 3.0, "reverb": {"decay_seconds": 0.0, "wet": 0.0}},
            "languages": [LANGUAGE.model_dump(exclude_defaults=True)],
            "agents": [
                {
                    "name": "caller",
                    "language": LANGUAGE.name,
                    "position": [0.0, 1.6, -30.0],
                    "movement": {"behaviour": "stay"},
                    "narration": [{"trigger": "start", "lines": ["the bird sings"]}],
                }
            ],
        }
    )
    narration = narrate_world(world, 11.0, explorer_at=ears, audio=True, sample_rate=SAMPLE_RATE)
    (utterance,) = narration.transcript
    assert utterance.world_time == pytest.approx(0.0)
    assert utterance.heard_at == pytest.approx(10.0)
    audio = narration.audio
    assert audio is not None and audio.shape == (11 * SAMPLE_RATE, 2)
    magnitude = np.abs(audio).max(axis=1)
    assert magnitude.max() > 1e-3
    onset = np.flatnonzero(magnitude > 0.05 * magnitude.max())[0] / SAMPLE_RATE
    # espeak-ng begins each line with a few tens of milliseconds of near silence.
    assert 10.0 <= onset <= 10.25, onset
    assert magnitude[: int(9.9 * SAMPLE_RATE)].max() < 1e-3 * magnitude.max()
    # The same line synthesised alone is as long as what is heard after the onset (no stretch).
    from engine.agents.speech import voice_samples

    alone = voice_samples(utterance, world.agents[0], LANGUAGE, SAMPLE_RATE)
    heard = np.flatnonzero(magnitude > 0.05 * magnitude.max())
    assert (heard[-1] - heard[0]) / SAMPLE_RATE == pytest.approx(
        np.ptp(np.flatnonzero(np.abs(alone) > 0.05 * np.abs(alone).max())) / SAMPLE_RATE, abs=0.05
    )


def _byte_tokenizer() -> PreTrainedTokenizerFast:
    """A tokenizer with one token per byte plus an end token (GPT-2's byte-to-character map)."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    characters = {byte: chr(byte) for byte in printable}
    extra = 0
    for byte in range(256):
        if byte not in characters:
            characters[byte] = chr(256 + extra)
            extra += 1
    vocabulary = {characters[byte]: byte for byte in range(256)}
    vocabulary["</s>"] = 256
    tokenizer = Tokenizer(models.BPE(vocab=vocabulary, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="</s>")


@pytest.fixture(scope="module")
def tiny_backend() -> LocalBackend:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=257,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=256,
        eos_token_id=256,
    )
    return LocalBackend.from_parts(LlamaForCausalLM(config), _byte_tokenizer(), "tiny-random")


def test_improvised_lines_from_a_tiny_random_model_use_only_legal_words(tiny_backend) -> None:
    improvisation = LineImprovisation(BackendImproviser(tiny_backend, max_new_tokens=40))
    lexicon_words = set(language_grammar(LANGUAGE, "lexicon", "roman").split('"')[1::2])
    phonotactics = LANGUAGE.phonotactics()
    lines = [improvisation.line(LANGUAGE, "Moth", "explorer_near", seed) for seed in range(6)]
    spoken = [line for line in lines if line is not None]
    assert len(spoken) >= 4, improvisation.refused
    for speech in spoken:
        assert speech.origin == "improvised"
        for word in speech.ipa.split():
            assert phonotactics.is_legal(word), word
        for word in speech.text.split():
            assert word in lexicon_words, word
        assert "?" not in speech.gloss.split()
        read_native_line(LANGUAGE, speech.text)  # the language reads it back


def _improvising_world() -> WorldSpec:
    """One improvising agent that stays put, with a scripted line to fall back on."""
    return WorldSpec.model_validate(
        {
            "meta": {"name": "x"},
            "languages": [LANGUAGE.model_dump(exclude_defaults=True)],
            "agents": [
                {
                    "name": "a",
                    "language": LANGUAGE.name,
                    "improvise": True,
                    "movement": {"behaviour": "stay"},
                    "narration": [{"trigger": "start", "lines": ["the bird sings"]}],
                }
            ],
        }
    )


def test_improvising_agents_fall_back_to_their_script_without_a_model() -> None:
    world = _improvising_world()
    (utterance,) = narrate_world(world, 0.5).transcript
    assert utterance.speech.origin == "translated"


def test_improvising_agents_speak_model_lines_in_a_world(tiny_backend) -> None:
    world = _improvising_world()
    improviser = BackendImproviser(tiny_backend, max_new_tokens=40)
    (utterance,) = narrate_world(world, 0.5, improviser=improviser).transcript
    assert utterance.speech.origin in ("improvised", "translated")
