"""Romanisation: writing a language's IPA in Latin letters for subtitles and readers.

Owns: ``romanise_word`` and ``romanise_text``. Each phoneme is spelt by the language's own
romanisation table, else by the engine's default spelling (``features.default_romanisation``);
tone marks stay on the vowel's first letter. Text other than IPA words (spaces, punctuation,
morpheme hyphens) is kept as it is.
"""

from __future__ import annotations

import re
import unicodedata

from engine.language.features import (
    TONE_MARKS,
    default_romanisation,
    nfd,
    split_segments,
    strip_tone,
)
from engine.rules.language import LanguageSpec

_WORD = re.compile(r"[^\s\-.,;:!?\"'()]+")


def romanise_word(spec: LanguageSpec, word: str) -> str:
    """One IPA word in the language's Latin spelling."""
    spelt = []
    for segment in split_segments(nfd(word)):
        toneless, tone = strip_tone(segment)
        spelling = spec.romanisation.get(toneless) or default_romanisation(toneless)
        if tone is not None:
            spelling = spelling[:1] + TONE_MARKS[tone] + spelling[1:]
        spelt.append(spelling)
    return unicodedata.normalize("NFC", "".join(spelt))


def romanise_text(spec: LanguageSpec, text: str) -> str:
    """IPA text (several words, hyphens, punctuation) in the language's Latin spelling."""
    return _WORD.sub(lambda match: romanise_word(spec, match.group(0)), nfd(text))


def _spellings(spec: LanguageSpec) -> dict[str, str]:
    """Latin spelling (NFD, lower case) -> phoneme, for every phoneme of the language."""
    spellings: dict[str, str] = {}
    for phoneme in spec.consonants + spec.vowels:
        spelling = spec.romanisation.get(phoneme) or default_romanisation(phoneme)
        spellings.setdefault(unicodedata.normalize("NFD", spelling.lower()), phoneme)
    return spellings


def to_ipa_word(spec: LanguageSpec, word: str) -> str:
    """A word of the language as IPA: IPA is returned as it is; a romanised word is read back.

    ValueError names the word if it is neither.
    """
    ipa = nfd(word)
    inventory = set(spec.consonants + spec.vowels)
    try:
        if all(strip_tone(s)[0] in inventory for s in split_segments(ipa)):
            return ipa
    except ValueError:
        pass
    text = unicodedata.normalize("NFD", word.lower())
    tones = {mark: tone for tone, mark in TONE_MARKS.items()}
    marks_removed = "".join(char for char in text if char not in tones)
    spellings = _spellings(spec)
    longest = max(len(s) for s in spellings)
    # Fewest phonemes that spell the word exactly (dynamic programming over prefixes).
    best: list[list[str] | None] = [[]] + [None] * len(marks_removed)
    for end in range(1, len(marks_removed) + 1):
        for start in range(max(0, end - longest), end):
            previous = best[start]
            piece = marks_removed[start:end]
            if previous is not None and piece in spellings:
                candidate = previous + [spellings[piece]]
                if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = candidate
    result = best[-1]
    if result is None:
        raise ValueError(f"{word!r} is neither IPA of {spec.name} nor spelt in its romanisation")
    return "".join(result)
