"""Coining words that obey a language's phonotactics.

Owns: ``coin_word`` (from a random generator: syllable count, then weighted templates, then
weighted phonemes, checked against the phonotactics automaton; a walk on the automaton itself when
sampling keeps failing) and ``coin_for_gloss`` (the same word for the same language seed and
meaning, every time). Every word returned is legal. Must not touch the lexicon: callers decide
whether a coined word is kept.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection

from engine.language.features import TONE_MARKS, nfd, split_segments
from engine.language.phonotactics import Phonotactics
from engine.rules.language import LanguageSpec

_SAMPLING_TRIES = 60


def stable_random(*parts: object) -> random.Random:
    """A random generator seeded from text parts, identical across runs and machines."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _syllable_count(spec: LanguageSpec, rng: random.Random) -> int:
    counts = list(range(spec.min_syllables, spec.max_syllables + 1))
    # Shorter words are commoner (roughly as in natural lexicons).
    weights = [1.0 / (1 + index) ** 1.3 for index in range(len(counts))]
    return rng.choices(counts, weights)[0]


def _add_tones(spec: LanguageSpec, word: str, rng: random.Random) -> str:
    if not spec.tones:
        return word
    vowels = set(spec.vowels)
    toned = []
    for segment in split_segments(word):
        if segment in vowels:
            mark = TONE_MARKS[rng.choice(spec.tones)]
            segment = nfd(segment[0] + mark + segment[1:])
        toned.append(segment)
    return "".join(toned)


def _sample(spec: LanguageSpec, rng: random.Random, syllable_count: int) -> str:
    classes = spec.all_classes()
    templates = [t.pattern for t in spec.syllables]
    template_weights = [t.weight for t in spec.syllables]
    inventory_order = spec.consonants + spec.vowels
    parts = []
    for _ in range(syllable_count):
        for letter in rng.choices(templates, template_weights)[0]:
            members = [p for p in inventory_order if p in classes[letter]]
            weights = [spec.weights.get(p, 1.0) for p in members]
            parts.append(rng.choices(members, weights)[0])
    return "".join(parts)


def _walk(
    spec: LanguageSpec, phonotactics: Phonotactics, rng: random.Random, syllable_count: int
) -> str | None:
    """A random legal word from the automaton, about ``syllable_count`` syllables long."""
    state, segments = 0, list[str]()
    target_length = 2 * syllable_count
    for _ in range(8 * target_length):
        if state in phonotactics.accepting and len(segments) >= target_length:
            return "".join(segments)
        moves = list(phonotactics.transitions[state].items())
        if not moves:
            break
        group, state = rng.choice(moves)
        members = phonotactics.groups[group]
        segments.append(rng.choices(members, [spec.weights.get(p, 1.0) for p in members])[0])
    return "".join(segments) if state in phonotactics.accepting else None


def coin_word(spec: LanguageSpec, rng: random.Random, taken: Collection[str] = frozenset()) -> str:
    """A new legal word not in ``taken``; ValueError if the phonotactics leave no room."""
    phonotactics = spec.phonotactics()
    for attempt in range(4 * _SAMPLING_TRIES):
        # Grow the word when short ones keep colliding with words already taken.
        syllable_count = _syllable_count(spec, rng) + attempt // _SAMPLING_TRIES
        if attempt % _SAMPLING_TRIES < _SAMPLING_TRIES // 2:
            word: str | None = _sample(spec, rng, syllable_count)
        else:
            word = _walk(spec, phonotactics, rng, syllable_count)
        if word is None:
            continue
        word = _add_tones(spec, word, rng)
        if word not in taken and phonotactics.is_legal(word):
            return word
    raise ValueError(f"language {spec.name!r}: could not coin a new legal word")


def coin_for_gloss(
    spec: LanguageSpec, gloss: str, pos: str, taken: Collection[str] = frozenset()
) -> str:
    """The word this language coins for an English lemma: the same for the same seed, always."""
    return coin_word(spec, stable_random("coin", spec.name, spec.seed, gloss, pos), taken)
