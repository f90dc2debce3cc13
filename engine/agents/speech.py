"""Speech: a line becomes language text, romanisation, gloss, translation and a voice in the world.

Owns: ``Speech`` and ``Utterance`` (what an agent said, when and where), turning English lines
(through ``engine.language.translate``), native lines (``engine.agents.native``) and improvised
text into ``Speech``, how long a line takes to say, synthesising the voice
(``engine.language.synthesise``) and placing it in an ``engine.audio.Mixer`` as a moving source at
the agent, on the agent's clock, so delay, Doppler, attenuation, mutation and time reversal apply.
Agents without a language speak English: subtitles only, no voice.
Must not touch: agent state, the simulation's internals, audio devices, ``generators``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.agents.native import (
    TRANSLATION_SEPARATOR,
    NativeWord,
    display,
    read_native_line,
    split_native,
)
from engine.language.features import split_segments
from engine.rules.agents import Agent
from engine.rules.language import LanguageSpec

SECONDS_PER_SEGMENT = 0.085
"""Speaking time per phoneme at rate 1 (about 175 words per minute for short words)."""
PAUSE_SECONDS = 0.25
"""Breath added to every line."""


@dataclass(frozen=True)
class Speech:
    """One line in every form a reader or listener needs."""

    text: str
    """As readers read it: romanised (or English for agents without a language)."""
    ipa: str
    """IPA, words separated by spaces ("" for English)."""
    gloss: str
    """Leipzig-style gloss, one item per word ("" for English)."""
    translation: str
    """English."""
    origin: str
    """"translated", "native", "improvised" or "english"."""


@dataclass(frozen=True)
class Utterance:
    """A line an agent said: who, when (world and own clock), where, why, and what."""

    agent: str
    agent_index: int
    world_time: float
    age: float
    """The agent's own clock when it spoke."""
    position: tuple[float, float, float]
    trigger: str
    rule: int
    """Index of the narration rule in the agent's table."""
    speech: Speech
    duration: float
    """Seconds of the agent's own time the line takes to say."""
    heard_at: float
    """World time the voice reaches where the explorer stood when it was said."""
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    def transcript_line(self) -> str:
        """One line for ``heterocosm narrate``: time, agent, text, gloss, translation."""
        speech = self.speech
        parts = [f"{self.world_time:8.2f}s", self.agent, display(speech.text)]
        if speech.gloss:
            parts.append(speech.gloss)
        parts.append(f"'{speech.translation}'")
        return "  |  ".join(parts)


def from_english(language: LanguageSpec | None, line: str) -> Speech:
    """An English line, translated when the agent has a language."""
    if language is None:
        return Speech(line, "", "", line, "english")
    from engine.language.translation import translate

    translation = translate(language, line)
    return Speech(
        display(translation.romanised),
        display(translation.text),
        translation.gloss,
        line,
        "translated",
    )


def _from_words(
    language: LanguageSpec, words: tuple[NativeWord, ...], english: str | None, origin: str
) -> Speech:
    from engine.language.romanise import romanise_word

    gloss = " ".join(word.gloss for word in words)
    if english is None:
        # Without the author's English, the best translation is the lemmas in order.
        english = " ".join(word.gloss.split("-")[0] for word in words if word.gloss != "?") or "?"
    return Speech(
        display(" ".join(romanise_word(language, word.ipa) for word in words)),
        display(" ".join(word.ipa for word in words)),
        gloss,
        english,
        origin,
    )


def from_native(language: LanguageSpec, line: str) -> Speech:
    """A line written in the language (IPA or romanised, optionally ``| English``)."""
    _, english = split_native(line)
    return _from_words(language, read_native_line(language, line), english, "native")


def from_improvised(language: LanguageSpec, text: str) -> Speech:
    """Text a language model wrote in the language; ValueError if a word is not the language's."""
    return _from_words(
        language,
        read_native_line(language, text.replace(TRANSLATION_SEPARATOR, " ")),
        None,
        "improvised",
    )


def speaking_seconds(speech: Speech, agent: Agent, language: LanguageSpec | None) -> float:
    """How long the line takes to say, on the speaker's own clock (an estimate, deterministic)."""
    rate = agent.voice.rate or (language.voice.rate if language else 1.0)
    if speech.ipa:
        segments = sum(len(split_segments(word)) for word in speech.ipa.split())
    else:
        segments = sum(1 for char in speech.text if char.isalpha())
    return PAUSE_SECONDS + SECONDS_PER_SEGMENT * segments / rate


def voice_samples(
    utterance: Utterance, agent: Agent, language: LanguageSpec, sample_rate: int = 48_000
) -> np.ndarray:
    """The agent's voice saying the line: float32 mono in -1..1 at ``sample_rate``."""
    from engine.language.voice import synthesise

    return synthesise(
        utterance.speech.ipa,
        language,
        sample_rate,
        pitch_hz=agent.voice.pitch_hz,
        rate=agent.voice.rate,
        speaker_size=agent.voice.size,
        script="ipa",
    )


def emit_voice(
    mixer,
    utterance: Utterance,
    samples: np.ndarray,
    sample_rate: int,
    position,
    loudness_db: float,
    local_rate: float | Callable[[float], float] = 1.0,
):
    """Place a voice in an ``engine.audio.Mixer`` at the speaker; returns the mixer's source.

    ``position`` is a fixed point, an ``engine.audio.Trajectory`` the caller keeps extending, or a
    function of world time; ``local_rate`` is the speaker's clock rate (or a function of world
    time), so a voice in slow time sounds slow and one in backward time plays reversed.
    """
    return mixer.add_source(
        samples,
        sample_rate,
        position=position,
        start_world_time=utterance.world_time,
        loudness_db=loudness_db,
        local_rate=local_rate,
    )
