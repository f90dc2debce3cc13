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
    TONE_OF_MARK,
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


def to_ipa_word(spec: LanguageSpec, word: str, script: str = "auto") -> str:
    """A word of the language as IPA (NFD).

    ``script`` says how ``word`` is written: ``"ipa"``, ``"roman"`` (the language's
    romanisation) or ``"auto"``: a legal IPA word is IPA, else a romanised reading is tried.
    ValueError names the word if it cannot be read.
    """
    if script not in ("auto", "ipa", "roman"):
        raise ValueError(f"script must be auto, ipa or roman, got {script!r}")
    ipa = nfd(word)
    inventory = set(spec.consonants + spec.vowels)
    try:
        is_ipa = all(strip_tone(s)[0] in inventory for s in split_segments(ipa))
    except ValueError:
        is_ipa = False
    if script == "ipa" or (script == "auto" and is_ipa and spec.phonotactics().is_legal(ipa)):
        if not is_ipa:
            raise ValueError(f"{word!r} is not IPA of {spec.name}")
        return ipa
    reading = _read_romanised(unicodedata.normalize("NFD", word.lower()), _spellings(spec))
    if reading is not None:
        return reading
    if is_ipa and script == "auto":
        return ipa
    raise ValueError(f"{word!r} is neither IPA of {spec.name} nor spelt in its romanisation")


def _read_romanised(text: str, spellings: dict[str, str]) -> str | None:
    """The fewest phonemes whose spellings make up ``text`` exactly (tones kept), or None."""
    letters: list[str] = []
    tone_marks: dict[int, str] = {}  # letter index -> tone mark written on it
    for char in text:
        if char in TONE_OF_MARK and letters:
            tone_marks[len(letters) - 1] = char
        else:
            letters.append(char)
    plain = "".join(letters)
    longest = max(len(s) for s in spellings)
    # best[end]: fewest (start, phoneme) pieces spelling plain[:end], by dynamic programming.
    best: list[list[tuple[int, str]] | None] = [[]] + [None] * len(plain)
    for end in range(1, len(plain) + 1):
        for start in range(max(0, end - longest), end):
            previous = best[start]
            piece = plain[start:end]
            if previous is not None and piece in spellings:
                candidate = previous + [(start, spellings[piece])]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    pieces = best[-1]
    if pieces is None:
        return None
    starts = [start for start, _ in pieces] + [len(plain)]
    phonemes = []
    for (start, phoneme), end in zip(pieces, starts[1:], strict=True):
        marks = [tone_marks[i] for i in range(start, end) if i in tone_marks]
        if marks:
            phoneme = nfd(phoneme[0] + marks[0] + phoneme[1:])
        phonemes.append(phoneme)
    return "".join(phonemes)
