"""Applying ordered sound changes to words, without destroying the forms they start from.

Owns: ``apply_change`` and ``apply_changes``. A change applies simultaneously at every place its
target and context match, scanning left to right without overlaps (the usual reading of
``p > b / V_V``). A feature bundle on the right (``[-voice] > [+voice]``) changes those features
of the matched segment; if IPA has no segment with the result, that segment is left alone. A
change that would delete a whole word does not apply to it. Words are never changed in place: the
caller keeps the proto-form and stores the result beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.language.features import (
    TONE_MARKS,
    Sound,
    nfd,
    sound_of,
    split_segments,
    strip_tone,
    symbol_of,
    with_features,
)
from engine.language.notation import SoundChange, Token
from engine.language.phonotactics import token_matches


def _matches_at(
    tokens: tuple[Token, ...],
    segments: list[str],
    start: int,
    classes: Mapping[str, frozenset[str]],
    sounds: Mapping[str, Sound],
) -> bool:
    """Whether tokens match segments[start:start+len(tokens)], where -1 and len are boundaries."""
    for offset, token in enumerate(tokens):
        index = start + offset
        if token.kind == "boundary":
            if 0 <= index < len(segments):
                return False
        elif not (0 <= index < len(segments)) or not token_matches(
            token, segments[index], classes, sounds
        ):
            return False
    return True


def _replace(change: SoundChange, matched: list[str], sounds: Mapping[str, Sound]) -> list[str]:
    if change.replacement and change.replacement[0].kind == "bundle":
        segment = matched[0]
        sound = sounds.get(segment) or sound_of(segment)
        changed = with_features(sound, change.replacement[0].bundle) if sound else None
        symbol = symbol_of(changed) if changed else None
        return [symbol] if symbol else matched
    replacement = [token.value for token in change.replacement]
    if len(matched) == 1 and len(replacement) == 1:
        # A one-for-one change keeps the tone of the segment it replaces.
        _, tone = strip_tone(matched[0])
        if tone is not None and strip_tone(replacement[0])[1] is None:
            base = split_segments(replacement[0])[0]
            replacement = [nfd(base[0] + TONE_MARKS[tone] + base[1:])]
    return replacement


def apply_change(
    change: SoundChange,
    word: str,
    classes: Mapping[str, frozenset[str]],
    sounds: Mapping[str, Sound] | None = None,
) -> str:
    """The word after one sound change."""
    sounds = sounds or {}
    segments = split_segments(nfd(word))
    target_length = len(change.target)
    result: list[str] = []
    index = 0
    while index <= len(segments):
        matched = (
            (target_length == 0 or index + target_length <= len(segments))
            and _matches_at(change.target, segments, index, classes, sounds)
            and _matches_at(change.left, segments, index - len(change.left), classes, sounds)
            and _matches_at(change.right, segments, index + target_length, classes, sounds)
        )
        if matched:
            result += _replace(change, segments[index : index + target_length], sounds)
            if target_length:
                index += target_length
                continue
        if index < len(segments):
            result.append(segments[index])
        index += 1
    return "".join(result) if result else word


def apply_changes(
    changes: Iterable[SoundChange],
    word: str,
    classes: Mapping[str, frozenset[str]],
    sounds: Mapping[str, Sound] | None = None,
) -> str:
    """The word after every change, in order."""
    for change in changes:
        word = apply_change(change, word, classes, sounds)
    return nfd(word)
