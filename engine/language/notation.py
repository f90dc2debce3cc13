"""The readable notation for phonological patterns and sound changes.

Owns: reading pattern text into tokens and sound-change text into ``SoundChange`` values.
A pattern is a run of tokens written without separators (spaces are ignored):

- ``#`` a word boundary, ``C`` / ``V`` / any upper-case ASCII letter a phoneme class,
- ``[+voice -nasal]`` a feature bundle (features from ``engine.language.features``),
- anything else an IPA segment (``p``, ``t͡ʃ``, ``aː``).

A sound change is ``target > replacement`` optionally followed by ``/ left _ right``, for example
``p > b / V_V``, ``[-voice] > [+voice] / V_V``, ``h > ∅ / _#`` and ``∅ > ə / C_C``. ``∅`` (or
``0``) is nothing. The replacement is IPA segments, nothing, or one feature bundle (which changes
those features of a one-token target). Pure functions; imports nothing from ``engine.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.language.features import can_set, check_feature, nfd, sound_of, split_segments

TokenKind = Literal["boundary", "class", "bundle", "phoneme"]
NOTHING = ("∅", "0", "Ø")


@dataclass(frozen=True)
class Token:
    """One position of a pattern."""

    kind: TokenKind
    value: str = ""
    """The class letter or the IPA segment (NFD)."""
    bundle: tuple[tuple[str, bool], ...] = ()
    """(feature, wanted value) pairs of a feature bundle."""

    def __str__(self) -> str:
        if self.kind == "boundary":
            return "#"
        if self.kind == "bundle":
            return "[" + " ".join(("+" if v else "-") + f for f, v in self.bundle) + "]"
        return self.value


def _parse_bundle(text: str) -> tuple[tuple[str, bool], ...]:
    parts = text.replace(",", " ").split()
    if not parts:
        raise ValueError("an empty feature bundle []")
    bundle = []
    for part in parts:
        if part[:1] not in "+-" or len(part) < 2:
            raise ValueError(f"feature {part!r} must be written +name or -name, e.g. [+voice]")
        check_feature(part[1:])
        bundle.append((part[1:], part[0] == "+"))
    return tuple(bundle)


def parse_pattern(
    text: str, classes: frozenset[str], known_segments: frozenset[str]
) -> list[Token]:
    """Tokens of a pattern; ValueError names the bad piece and what is accepted.

    ``known_segments`` are segments accepted besides those in the IPA feature table.
    """
    tokens: list[Token] = []
    text = nfd(text)
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == "#":
            tokens.append(Token("boundary"))
            index += 1
        elif char == "[":
            end = text.find("]", index)
            if end < 0:
                raise ValueError(f"unclosed feature bundle in {text!r}")
            tokens.append(Token("bundle", bundle=_parse_bundle(text[index + 1 : end])))
            index = end + 1
        elif "A" <= char <= "Z":
            if char not in classes:
                raise ValueError(
                    f"unknown class {char!r} in {text!r}; classes: {', '.join(sorted(classes))}"
                )
            tokens.append(Token("class", char))
            index += 1
        else:
            end = index + 1
            while end < len(text) and not _ends_segment_run(text[end]):
                end += 1
            for segment in split_segments(text[index:end]):
                if segment not in known_segments and sound_of(segment) is None:
                    raise ValueError(
                        f"unknown IPA segment {segment!r} in {text!r}: not in the IPA feature "
                        "table nor declared in extra_phonemes"
                    )
                tokens.append(Token("phoneme", segment))
            index = end
    return tokens


def _ends_segment_run(char: str) -> bool:
    return char in "#[" or char.isspace() or "A" <= char <= "Z"


@dataclass(frozen=True)
class SoundChange:
    """One sound change: target -> replacement between a left and a right context."""

    text: str
    target: tuple[Token, ...]
    replacement: tuple[Token, ...]
    left: tuple[Token, ...]
    right: tuple[Token, ...]


def parse_sound_change(
    text: str, classes: frozenset[str], known_segments: frozenset[str]
) -> SoundChange:
    """Read ``target > replacement [/ left _ right]``; ValueError says what was wrong."""
    arrow = ">" if ">" in text else "→"
    if text.count(arrow) != 1:
        raise ValueError(f"sound change {text!r} must have exactly one '>', as in 'p > b / V_V'")
    target_text, rest = text.split(arrow)
    if rest.count("/") > 1:
        raise ValueError(f"sound change {text!r} has more than one '/'")
    replacement_text, _, environment = rest.partition("/")
    left_text, right_text = "", ""
    if environment.strip():
        if environment.count("_") != 1:
            raise ValueError(
                f"the context of {text!r} must contain one '_' marking the target, as in V_V"
            )
        left_text, right_text = environment.split("_")

    def tokens(part: str) -> tuple[Token, ...]:
        if part.strip() in NOTHING:
            return ()
        return tuple(parse_pattern(part, classes, known_segments))

    target = tokens(target_text)
    replacement = tokens(replacement_text)
    left, right = tokens(left_text), tokens(right_text)
    if not target_text.strip() or not replacement_text.strip():
        raise ValueError(f"sound change {text!r} needs a target and a replacement (∅ for none)")
    if any(t.kind == "boundary" for t in target + replacement):
        raise ValueError(f"'#' may appear only in the context of {text!r}")
    if any(t.kind == "boundary" for t in left[1:]) or any(t.kind == "boundary" for t in right[:-1]):
        raise ValueError(f"'#' may only open the left context or close the right one in {text!r}")
    if not target and not (left or right):
        raise ValueError(f"an insertion ({text!r}) needs a context saying where")
    bundles = [t for t in replacement if t.kind == "bundle"]
    if bundles:
        if len(replacement) != 1 or len(target) != 1:
            raise ValueError(
                f"a feature bundle on the right of {text!r} needs exactly one target token"
            )
        for feature, value in bundles[0].bundle:
            if not can_set(feature, value):
                raise ValueError(
                    f"{'+' if value else '-'}{feature} in {text!r} can be matched but not set; "
                    "name the value wanted instead (e.g. [+fricative], [+velar])"
                )
    if any(t.kind == "class" for t in replacement):
        raise ValueError(
            f"the replacement of {text!r} must be IPA segments, ∅ or a feature bundle, not a class"
        )
    return SoundChange(text, target, replacement, left, right)
