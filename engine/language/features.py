"""The IPA feature table: which sound each IPA symbol is, and which symbol a set of features is.

Owns: the base symbols (consonants by place, manner and voicing; vowels by height, backness and
rounding), the modifiers a segment may carry (length, aspiration, labialisation, palatalisation,
nasalisation, voicelessness, tone), splitting IPA text into segments, the binary features used in
sound-change and constraint notation (``[+voice]``, ``[-round]``) and default romanisations.
Pure data and pure functions: imports nothing from ``engine.rules`` (which imports this module).
All IPA text is handled in Unicode NFD, so a precomposed letter and its decomposed spelling agree.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

Kind = Literal["consonant", "vowel"]
PLACES = (
    "bilabial",
    "labiodental",
    "dental",
    "alveolar",
    "postalveolar",
    "retroflex",
    "palatal",
    "velar",
    "uvular",
    "pharyngeal",
    "glottal",
    "labial-velar",
)
MANNERS = (
    "stop",
    "nasal",
    "trill",
    "tap",
    "fricative",
    "lateral-fricative",
    "affricate",
    "approximant",
    "lateral-approximant",
)
HEIGHTS = ("close", "near-close", "close-mid", "mid", "open-mid", "near-open", "open")
BACKNESSES = ("front", "central", "back")
TONES = ("high", "mid", "low", "rising", "falling")

# (symbol, place, manner, voiced)
_CONSONANTS: tuple[tuple[str, str, str, bool], ...] = (
    ("p", "bilabial", "stop", False),
    ("b", "bilabial", "stop", True),
    ("t", "alveolar", "stop", False),
    ("d", "alveolar", "stop", True),
    ("ʈ", "retroflex", "stop", False),
    ("ɖ", "retroflex", "stop", True),
    ("c", "palatal", "stop", False),
    ("ɟ", "palatal", "stop", True),
    ("k", "velar", "stop", False),
    ("ɡ", "velar", "stop", True),
    ("q", "uvular", "stop", False),
    ("ɢ", "uvular", "stop", True),
    ("ʔ", "glottal", "stop", False),
    ("m", "bilabial", "nasal", True),
    ("ɱ", "labiodental", "nasal", True),
    ("n", "alveolar", "nasal", True),
    ("ɳ", "retroflex", "nasal", True),
    ("ɲ", "palatal", "nasal", True),
    ("ŋ", "velar", "nasal", True),
    ("ɴ", "uvular", "nasal", True),
    ("ʙ", "bilabial", "trill", True),
    ("r", "alveolar", "trill", True),
    ("ʀ", "uvular", "trill", True),
    ("ⱱ", "labiodental", "tap", True),
    ("ɾ", "alveolar", "tap", True),
    ("ɽ", "retroflex", "tap", True),
    ("ɸ", "bilabial", "fricative", False),
    ("β", "bilabial", "fricative", True),
    ("f", "labiodental", "fricative", False),
    ("v", "labiodental", "fricative", True),
    ("θ", "dental", "fricative", False),
    ("ð", "dental", "fricative", True),
    ("s", "alveolar", "fricative", False),
    ("z", "alveolar", "fricative", True),
    ("ʃ", "postalveolar", "fricative", False),
    ("ʒ", "postalveolar", "fricative", True),
    ("ʂ", "retroflex", "fricative", False),
    ("ʐ", "retroflex", "fricative", True),
    ("ç", "palatal", "fricative", False),
    ("ʝ", "palatal", "fricative", True),
    ("x", "velar", "fricative", False),
    ("ɣ", "velar", "fricative", True),
    ("χ", "uvular", "fricative", False),
    ("ʁ", "uvular", "fricative", True),
    ("ħ", "pharyngeal", "fricative", False),
    ("ʕ", "pharyngeal", "fricative", True),
    ("h", "glottal", "fricative", False),
    ("ɦ", "glottal", "fricative", True),
    ("ɬ", "alveolar", "lateral-fricative", False),
    ("ɮ", "alveolar", "lateral-fricative", True),
    ("p͡f", "labiodental", "affricate", False),
    ("b͡v", "labiodental", "affricate", True),
    ("t͡s", "alveolar", "affricate", False),
    ("d͡z", "alveolar", "affricate", True),
    ("t͡ʃ", "postalveolar", "affricate", False),
    ("d͡ʒ", "postalveolar", "affricate", True),
    ("k͡x", "velar", "affricate", False),
    ("ʋ", "labiodental", "approximant", True),
    ("ɹ", "alveolar", "approximant", True),
    ("ɻ", "retroflex", "approximant", True),
    ("j", "palatal", "approximant", True),
    ("ɰ", "velar", "approximant", True),
    ("w", "labial-velar", "approximant", True),
    ("l", "alveolar", "lateral-approximant", True),
    ("ɭ", "retroflex", "lateral-approximant", True),
    ("ʎ", "palatal", "lateral-approximant", True),
    ("ʟ", "velar", "lateral-approximant", True),
)

# (symbol, height, backness, rounded)
_VOWELS: tuple[tuple[str, str, str, bool], ...] = (
    ("i", "close", "front", False),
    ("y", "close", "front", True),
    ("ɨ", "close", "central", False),
    ("ʉ", "close", "central", True),
    ("ɯ", "close", "back", False),
    ("u", "close", "back", True),
    ("ɪ", "near-close", "front", False),
    ("ʏ", "near-close", "front", True),
    ("ʊ", "near-close", "back", True),
    ("e", "close-mid", "front", False),
    ("ø", "close-mid", "front", True),
    ("ɘ", "close-mid", "central", False),
    ("ɵ", "close-mid", "central", True),
    ("ɤ", "close-mid", "back", False),
    ("o", "close-mid", "back", True),
    ("ə", "mid", "central", False),
    ("ɛ", "open-mid", "front", False),
    ("œ", "open-mid", "front", True),
    ("ɜ", "open-mid", "central", False),
    ("ɞ", "open-mid", "central", True),
    ("ʌ", "open-mid", "back", False),
    ("ɔ", "open-mid", "back", True),
    ("æ", "near-open", "front", False),
    ("ɐ", "near-open", "central", False),
    ("a", "open", "front", False),
    ("ɶ", "open", "front", True),
    ("ɑ", "open", "back", False),
    ("ɒ", "open", "back", True),
)

TIE_BAR = "\u0361"
LONG = "ː"
ASPIRATED = "ʰ"
LABIALISED = "ʷ"
PALATALISED = "ʲ"
NASALISED = "\u0303"
VOICELESS = "\u0325"
TONE_MARKS = {
    "high": "\u0301",
    "low": "\u0300",
    "mid": "\u0304",
    "falling": "\u0302",
    "rising": "\u030c",
}
TONE_OF_MARK = {mark: tone for tone, mark in TONE_MARKS.items()}
# Spacing modifier letters that belong to the segment before them.
_MODIFIER_LETTERS = {LONG, ASPIRATED, LABIALISED, PALATALISED, "ˑ"}
_KNOWN_DIACRITICS = {NASALISED, VOICELESS, *TONE_MARKS.values()}


def nfd(text: str) -> str:
    """IPA text in the one normal form used everywhere (NFD; ASCII g is the IPA ɡ)."""
    return unicodedata.normalize("NFD", text).replace("g", "ɡ")


@dataclass(frozen=True)
class Sound:
    """What a segment is, as features. ``None`` where a feature does not apply (vowel place)."""

    kind: Kind
    place: str | None = None
    manner: str | None = None
    voiced: bool = True
    height: str | None = None
    backness: str | None = None
    rounded: bool = False
    long: bool = False
    aspirated: bool = False
    labialised: bool = False
    palatalised: bool = False
    nasalised: bool = False
    tone: str | None = None


_BASE_SOUNDS: dict[str, Sound] = {}
for _symbol, _place, _manner, _voiced in _CONSONANTS:
    _BASE_SOUNDS[nfd(_symbol)] = Sound("consonant", place=_place, manner=_manner, voiced=_voiced)
for _symbol, _height, _backness, _rounded in _VOWELS:
    _BASE_SOUNDS[nfd(_symbol)] = Sound(
        "vowel", height=_height, backness=_backness, rounded=_rounded
    )
_SYMBOL_OF_BASE: dict[Sound, str] = {sound: symbol for symbol, sound in _BASE_SOUNDS.items()}


def base_symbols() -> tuple[str, ...]:
    """Every base IPA symbol the table knows (NFD), consonants first."""
    return tuple(_BASE_SOUNDS)


def split_segments(text: str) -> list[str]:
    """Split IPA text (NFD) into segments: a base letter with its diacritics and modifier letters.

    Affricates are one segment only when written with a tie bar (``t͡s``); ``ts`` is a cluster.
    """
    segments: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if unicodedata.combining(char) or char in _MODIFIER_LETTERS:
            if not segments:
                raise ValueError(f"{text!r} starts with the modifier {char!r}")
            if char == TIE_BAR:
                if index + 1 >= len(text):
                    raise ValueError(f"{text!r} ends with a tie bar")
                segments[-1] += char + text[index + 1]
                index += 2
                continue
            segments[-1] += char
        elif char.isspace():
            raise ValueError(f"{text!r} contains a space; a form is one word")
        else:
            segments.append(char)
        index += 1
    return segments


def strip_tone(segment: str) -> tuple[str, str | None]:
    """A segment without its tone mark, and the tone (or None)."""
    tone = None
    kept = []
    for char in segment:
        if char in TONE_OF_MARK:
            tone = TONE_OF_MARK[char]
        else:
            kept.append(char)
    return "".join(kept), tone


@lru_cache(maxsize=4096)
def sound_of(segment: str) -> Sound | None:
    """The features of a segment (NFD), or None if its base symbol is not in the table."""
    base_end = len(segment)
    while base_end > 0 and nfd(segment[:base_end]) not in _BASE_SOUNDS:
        base_end -= 1
    if base_end == 0:
        return None
    sound = _BASE_SOUNDS[segment[:base_end]]
    changes: dict[str, object] = {}
    for char in segment[base_end:]:
        if char == LONG:
            changes["long"] = True
        elif char == ASPIRATED:
            changes["aspirated"] = True
        elif char == LABIALISED:
            changes["labialised"] = True
        elif char == PALATALISED:
            changes["palatalised"] = True
        elif char == NASALISED:
            changes["nasalised"] = True
        elif char == VOICELESS:
            changes["voiced"] = False
        elif char in TONE_OF_MARK:
            changes["tone"] = TONE_OF_MARK[char]
        else:
            return None
    return replace(sound, **changes)  # type: ignore[arg-type]


def symbol_of(sound: Sound) -> str | None:
    """The IPA segment (NFD) for a set of features, or None if IPA has no such base letter."""
    if sound.kind == "consonant":
        base = Sound("consonant", place=sound.place, manner=sound.manner, voiced=sound.voiced)
        voiceless_mark = ""
        if base not in _SYMBOL_OF_BASE and not sound.voiced:
            base = replace(base, voiced=True)
            voiceless_mark = VOICELESS
    else:
        base = Sound("vowel", height=sound.height, backness=sound.backness, rounded=sound.rounded)
        voiceless_mark = "" if sound.voiced else VOICELESS
    symbol = _SYMBOL_OF_BASE.get(base)
    if symbol is None:
        return None
    marks = ""
    if sound.nasalised:
        marks += NASALISED
    marks += voiceless_mark
    if sound.tone is not None:
        marks += TONE_MARKS[sound.tone]
    letters = ""
    if sound.aspirated:
        letters += ASPIRATED
    if sound.labialised:
        letters += LABIALISED
    if sound.palatalised:
        letters += PALATALISED
    if sound.long:
        letters += LONG
    return nfd(symbol + marks + letters)


# Binary features usable in notation like [+voice -nasal]: how each is read from a sound.
_LABIAL = {"bilabial", "labiodental", "labial-velar"}
_CORONAL = {"dental", "alveolar", "postalveolar", "retroflex"}
_DORSAL = {"palatal", "velar", "uvular", "labial-velar"}
_CONTINUANT_MANNERS = {
    "fricative",
    "lateral-fricative",
    "approximant",
    "lateral-approximant",
    "trill",
}
_SONORANT_MANNERS = {"nasal", "trill", "tap", "approximant", "lateral-approximant"}


def _has(sound: Sound, feature: str) -> bool:
    consonant = sound.kind == "consonant"
    if feature == "consonant":
        return consonant
    if feature in ("vowel", "syllabic"):
        return not consonant
    if feature == "voice":
        return sound.voiced
    if feature == "nasal":
        return sound.manner == "nasal" or sound.nasalised
    if feature in ("stop", "plosive"):
        return sound.manner == "stop"
    if feature in ("fricative", "affricate", "trill", "tap", "approximant"):
        return sound.manner == feature
    if feature == "lateral":
        return consonant and (sound.manner or "").startswith("lateral")
    if feature == "continuant":
        return not consonant or sound.manner in _CONTINUANT_MANNERS
    if feature == "sonorant":
        return not consonant or sound.manner in _SONORANT_MANNERS
    if feature == "labial":
        return sound.place in _LABIAL or (not consonant and sound.rounded)
    if feature == "coronal":
        return sound.place in _CORONAL
    if feature == "dorsal":
        return sound.place in _DORSAL
    if feature in PLACES:
        return sound.place == feature
    if feature == "high":
        return sound.height in ("close", "near-close")
    if feature == "low":
        return sound.height in ("open", "near-open")
    if feature == "mid":
        return sound.height in ("close-mid", "mid", "open-mid")
    if feature in BACKNESSES:
        return sound.backness == feature
    if feature == "round":
        return sound.rounded
    if feature in ("long", "aspirated", "labialised", "palatalised", "nasalised"):
        return bool(getattr(sound, feature))
    if feature == "tone":
        return sound.tone is not None
    raise KeyError(feature)


READABLE_FEATURES = (
    "consonant vowel syllabic voice nasal stop plosive fricative affricate trill tap approximant "
    "lateral continuant sonorant labial coronal dorsal high low mid front central back round "
    "long aspirated labialised palatalised nasalised tone " + " ".join(PLACES)
).split()

# What setting a feature to + or - does; absent pairs cannot be set (they only match).
_SETTERS: dict[tuple[str, bool], list[dict[str, object]]] = {
    ("voice", True): [{"voiced": True}],
    ("voice", False): [{"voiced": False}],
    ("stop", True): [{"manner": "stop"}],
    ("plosive", True): [{"manner": "stop"}],
    ("fricative", True): [{"manner": "fricative"}],
    ("affricate", True): [{"manner": "affricate"}],
    ("trill", True): [{"manner": "trill"}],
    ("tap", True): [{"manner": "tap"}],
    ("approximant", True): [{"manner": "approximant"}],
    ("lateral", True): [{"manner": "lateral-approximant"}],
    ("continuant", True): [{"manner": "fricative"}],
    ("continuant", False): [{"manner": "stop"}],
    ("labial", True): [{"place": "bilabial"}, {"place": "labiodental"}],
    ("coronal", True): [{"place": "alveolar"}, {"place": "dental"}, {"place": "postalveolar"}],
    ("dorsal", True): [{"place": "velar"}, {"place": "palatal"}, {"place": "uvular"}],
    ("high", True): [{"height": "close"}],
    ("low", True): [{"height": "open"}],
    ("mid", True): [{"height": "close-mid"}, {"height": "mid"}],
    ("round", True): [{"rounded": True}],
    ("round", False): [{"rounded": False}],
    ("long", True): [{"long": True}],
    ("long", False): [{"long": False}],
    ("aspirated", True): [{"aspirated": True}],
    ("aspirated", False): [{"aspirated": False}],
    ("labialised", True): [{"labialised": True}],
    ("labialised", False): [{"labialised": False}],
    ("palatalised", True): [{"palatalised": True}],
    ("palatalised", False): [{"palatalised": False}],
    ("nasalised", True): [{"nasalised": True}],
    ("nasalised", False): [{"nasalised": False}],
    ("tone", False): [{"tone": None}],
}
for _place in PLACES:
    _SETTERS[(_place, True)] = [{"place": _place}]
for _backness in BACKNESSES:
    _SETTERS[(_backness, True)] = [{"backness": _backness}]


def check_feature(feature: str) -> None:
    """Raise ValueError naming the accepted features if ``feature`` is not one of them."""
    if feature not in READABLE_FEATURES:
        raise ValueError(f"unknown feature {feature!r}; accepted: {', '.join(READABLE_FEATURES)}")


def can_set(feature: str, value: bool) -> bool:
    """Whether ``[+feature]`` (or ``[-feature]``) may be used on the right of a sound change."""
    return (feature, value) in _SETTERS


def has_features(sound: Sound, bundle: tuple[tuple[str, bool], ...]) -> bool:
    """Whether a sound matches every (feature, value) of a bundle."""
    return all(_has(sound, feature) == value for feature, value in bundle)


def with_features(sound: Sound, bundle: tuple[tuple[str, bool], ...]) -> Sound | None:
    """The sound changed to carry a bundle, or None if no IPA segment has those features."""
    candidates = [sound]
    for feature, value in bundle:
        options = _SETTERS[(feature, value)]
        candidates = [replace(c, **option) for c in candidates for option in options]  # type: ignore[arg-type]
    for candidate in candidates:
        if candidate.kind == "vowel" and candidate.manner is not None:
            continue
        if symbol_of(candidate) is not None:
            return candidate
    return None


# Latin spellings for symbols whose IPA letter is not plain ASCII; the rest spell themselves.
DEFAULT_ROMANISATION = {
    "ʃ": "sh",
    "ʒ": "zh",
    "t͡ʃ": "ch",
    "d͡ʒ": "j",
    "j": "y",
    "ŋ": "ng",
    "ɲ": "ny",
    "θ": "th",
    "ð": "dh",
    "x": "kh",
    "ɣ": "gh",
    "χ": "qh",
    "ʁ": "rh",
    "ħ": "hh",
    "ʕ": "'h",
    "ʔ": "'",
    "ɸ": "ph",
    "β": "bh",
    "ɬ": "lh",
    "ɮ": "dl",
    "t͡s": "ts",
    "d͡z": "dz",
    "p͡f": "pf",
    "k͡x": "kx",
    "ɾ": "r",
    "ɹ": "r",
    "ʀ": "rr",
    "ʎ": "ly",
    "ç": "hy",
    "ʝ": "yh",
    "ɡ": "g",
    "ɢ": "gq",
    "ɴ": "nq",
    "ʋ": "w",
    "ɰ": "w",
    "ə": "ë",
    "ɛ": "ę",
    "ɔ": "ǫ",
    "æ": "ä",
    "ɑ": "ą",
    "ɒ": "å",
    "ɪ": "ih",
    "ʊ": "uh",
    "ʏ": "üh",
    "ɨ": "ï",
    "ʉ": "ụ",
    "ɯ": "ư",
    "y": "ü",
    "ø": "ö",
    "œ": "œ",
    "ʌ": "ạ",
    "ɐ": "a",
    "ɤ": "ơ",
    "ɘ": "ẹ",
    "ɵ": "ọ",
    "ɜ": "ẹ",
    "ɞ": "ọ",
    "ɶ": "œ",
    "ʈ": "tr",
    "ɖ": "dr",
    "ɳ": "rn",
    "ʂ": "sr",
    "ʐ": "zr",
    "ɻ": "r",
    "ɭ": "rl",
    "ɽ": "r",
    "c": "ky",
    "ɟ": "gy",
    "ɦ": "h",
    "ɱ": "m",
    "ʙ": "br",
    "ⱱ": "v",
    "ʟ": "l",
}


_ROMAN_OF_BASE = {nfd(symbol): spelling for symbol, spelling in DEFAULT_ROMANISATION.items()}


def default_romanisation(segment: str) -> str:
    """A Latin spelling for a segment: its base from the table, then its modifiers spelt out."""
    text = nfd(segment)
    spelling, rest = text[:1], text[1:]
    for length in range(len(text), 0, -1):
        if text[:length] in _ROMAN_OF_BASE:
            spelling, rest = _ROMAN_OF_BASE[text[:length]], text[length:]
            break
    for char in rest:
        if char == LONG:
            spelling += spelling[-1]
        elif char == ASPIRATED:
            spelling += "h"
        elif char == LABIALISED:
            spelling += "w"
        elif char == PALATALISED:
            spelling += "y"
        elif char == NASALISED:
            spelling += "n"
        elif char in TONE_OF_MARK:
            spelling = spelling[:1] + char + spelling[1:]
    return unicodedata.normalize("NFC", spelling)
