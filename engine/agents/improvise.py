"""Improvised lines: a language model, constrained by the language's grammar, says something new.

Owns: the ``Improviser`` protocol (what the agents need from a model: text under an EBNF grammar),
the prompt describing an event, and checking what comes back. The model is injected by the caller
(the CLI builds one from ``generators``; tests use a tiny random model), so ``engine`` never
imports ``generators``. Every improvised line is read back word by word; anything the language
cannot say is refused and the agent falls back to its scripted lines.
Must not touch: model loading, tokenizers, agent state.
"""

from __future__ import annotations

from typing import Literal, Protocol

from engine.agents.speech import Speech, from_improvised
from engine.rules.language import LanguageSpec

GRAMMAR_MODE: Literal["lexicon"] = "lexicon"
"""Improvised lines use lexicon words and their inflections, so every word can be glossed."""
GRAMMAR_SCRIPT: Literal["roman"] = "roman"

EVENT_DESCRIPTIONS = {
    "start": "you wake and look around",
    "periodic": "you muse about the world around you",
    "explorer_near": "a stranger comes close to you",
    "collision": "two things crash together near you",
    "loud_sound": "a loud sound rings out near you",
    "time_reversed": "time around you starts to run backward",
    "scale_changed": "the stranger suddenly changes size",
    "entered_time_field": "you step into a place where time flows differently",
}


class Improviser(Protocol):
    """A language model that writes text matching an EBNF grammar (xgrammar dialect)."""

    def improvise(self, prompt: str, grammar: str, seed: int) -> str | None:
        """Text matching ``grammar`` (start rule ``root``), or None if it could not answer."""
        ...


def improvise_prompt(language: LanguageSpec, agent_name: str, trigger: str) -> str:
    """The instruction given to the model for an event."""
    words = ", ".join(f"{entry.gloss}" for entry in language.lexicon[:40])
    return (
        f"You are {agent_name}, a creature who speaks only {language.name}. "
        f"Event: {EVENT_DESCRIPTIONS.get(trigger, trigger)}. "
        f"Say one short sentence about it in {language.name} (words for: {words})."
    )


class LineImprovisation:
    """Asks an ``Improviser`` for a line per event; grammars are built once per language."""

    def __init__(self, improviser: Improviser, max_words: int = 8) -> None:
        self.improviser = improviser
        self.max_words = max_words
        self._grammars: dict[str, str] = {}
        self.refused = 0
        """Answers that were empty or not in the language (the agent fell back to a script)."""

    def grammar(self, language: LanguageSpec) -> str:
        if language.name not in self._grammars:
            from engine.language.grammar import language_grammar

            self._grammars[language.name] = language_grammar(language, GRAMMAR_MODE, GRAMMAR_SCRIPT)
        return self._grammars[language.name]

    def line(
        self, language: LanguageSpec, agent_name: str, trigger: str, seed: int
    ) -> Speech | None:
        """A new line in the language about ``trigger``, or None (fall back to scripted lines)."""
        prompt = improvise_prompt(language, agent_name, trigger)
        text = self.improviser.improvise(prompt, self.grammar(language), seed)
        if not text or not text.strip():
            self.refused += 1
            return None
        words = text.split()[: self.max_words]
        try:
            return from_improvised(language, " ".join(words))
        except ValueError:
            self.refused += 1
            return None
