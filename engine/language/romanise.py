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
