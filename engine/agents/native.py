"""Lines written directly in an agent's language: reading them back into IPA words with glosses.

Owns: ``read_native_line`` (each word of a line, given in IPA or in the language's romanisation,
becomes its IPA form and a gloss) and ``NativeWord``. A word is accepted only if the language can
form it (its phonotactics accept it); the error names the word and why. Pure functions over a
``LanguageSpec``: no audio, no model, no agent state. ``engine.rules.agents`` calls this at load.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from engine.language.features import TONE_MARKS, default_romanisation, nfd
from engine.rules.language import LanguageSpec

_PUNCTUATION = ".,;:!?\"'()«»“”‘’…"
_SPLIT = re.compile(r"\s+")
UNKNOWN_GLOSS = "?"
"""Gloss shown for a legal word that is not in the lexicon (a name, a coinage)."""


@dataclass(frozen=True)
class NativeWord:
    """One word of a native line."""

    written: str
    """As the author wrote it."""
    ipa: str
    """Its IPA form (NFD)."""
    gloss: str
    """The lexicon's English lemma for it, or ``UNKNOWN_GLOSS``."""


def _spellings(spec: LanguageSpec) -> dict[str, list[str]]:
    """Romanised spelling (NFD, lower case) -> the phonemes (toned variants included) it spells."""
    table: dict[str, list[str]] = {}
    for phoneme in spec.consonants + spec.vowels:
        spelling = spec.romanisation.get(phoneme) or default_romanisation(phoneme)
        variants = [(nfd(spelling).lower(), phoneme)]
        if phoneme in spec.vowels:
            for tone in spec.tones:
                mark = TONE_MARKS[tone]
                variants.append((nfd(spelling[:1] + mark + spelling[1:]).lower(), phoneme + mark))
        for text, ipa in variants:
            table.setdefault(text, []).append(nfd(ipa))
    return table


def _lexicon_views(spec: LanguageSpec) -> tuple[dict[str, list[str]], dict[str, str]]:
    glosses: dict[str, str] = {}
    for entry in spec.lexicon:
        glosses.setdefault(entry.form, entry.gloss)
    return _spellings(spec), glosses


def _readings(spec: LanguageSpec, word: str, spellings: dict[str, list[str]]) -> list[str]:
    """Legal IPA words whose romanisation is ``word`` (every segmentation, up to a bound)."""
    phonotactics = spec.phonotactics()
    text = nfd(word).lower()
    longest = max((len(key) for key in spellings), default=0)

    @cache
    def readings(start: int) -> tuple[str, ...]:
        if start == len(text):
            return ("",)
        found: list[str] = []
        for length in range(min(longest, len(text) - start), 0, -1):
            for ipa in spellings.get(text[start : start + length], ()):
                found += [ipa + rest for rest in readings(start + length)]
                if len(found) > 64:  # ambiguous spellings: enough candidates to find a legal one
                    return tuple(found)
        return tuple(found)

    return [ipa for ipa in readings(0) if phonotactics.is_legal(ipa)]


def _gloss_of(spec: LanguageSpec, ipa: str, glosses: dict[str, str]) -> str | None:
    """The gloss of a lexicon word, or of a lexicon stem with the language's affixes around it."""
    if ipa in glosses:
        return glosses[ipa]
    epenthetic = spec.epenthetic_vowel or ""
    for affix in spec.morphology:
        if affix.process == "reduplication":
            continue
        for form in {affix.form, affix.form + epenthetic, epenthetic + affix.form}:
            if affix.process == "suffix" and ipa.endswith(form) and len(ipa) > len(form):
                stem = _gloss_of(spec, ipa[: -len(form)], glosses)
                if stem is not None:
                    return f"{stem}-{affix.gloss}"
            if affix.process == "prefix" and ipa.startswith(form) and len(ipa) > len(form):
                stem = _gloss_of(spec, ipa[len(form) :], glosses)
                if stem is not None:
                    return f"{affix.gloss}-{stem}"
    return None


TRANSLATION_SEPARATOR = "|"
"""A native line may give its English after a bar: ``"fankew rata | the river remembers"``."""


def split_native(line: str) -> tuple[str, str | None]:
    """(the text in the language, the author's English translation or None)."""
    text, bar, english = line.partition(TRANSLATION_SEPARATOR)
    return text.strip(), (english.strip() or None) if bar else None


def read_native_line(spec: LanguageSpec, line: str) -> tuple[NativeWord, ...]:
    """The words of a line written in the language (IPA or romanised), without its translation.

    ValueError naming the first word the language cannot form, and why.
    """
    line = split_native(line)[0]
    spellings, glosses = _lexicon_views(spec)
    phonotactics = spec.phonotactics()
    words: list[NativeWord] = []
    for written in _SPLIT.split(line.strip()):
        bare = written.strip(_PUNCTUATION)
        if not bare:
            continue
        as_ipa = nfd(bare)
        problem = phonotactics.problem(as_ipa)
        candidates = ([as_ipa] if problem is None else []) + _readings(spec, bare, spellings)
        if not candidates:
            raise ValueError(
                f"the word {bare!r} is not a word {spec.name} can form: {problem} "
                "(write words as IPA or in the language's romanisation)"
            )
        # A reading the lexicon knows wins over one that is merely pronounceable.
        glossed = [(ipa, _gloss_of(spec, ipa, glosses)) for ipa in candidates]
        ipa, gloss = next(((i, g) for i, g in glossed if g is not None), (candidates[0], None))
        words.append(NativeWord(bare, ipa, gloss or UNKNOWN_GLOSS))
    if not words:
        raise ValueError("the line has no words")
    return tuple(words)


def display(text: str) -> str:
    """Text composed for display (NFC)."""
    return unicodedata.normalize("NFC", text)
