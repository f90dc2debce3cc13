"""The language section of a world file: ``[[languages]]``.

Owns: ``LanguageSpec`` and its parts (phoneme inventory in IPA, classes, weighted syllable
templates, forbidden sequences, stress, tone, morphology, word order, lexicon, sound changes,
romanisation, voice). Pure data: validators are self-contained and use only the pure-data
helpers of ``engine.language`` (features, notation, phonotactics); no audio, GL or model here.
All IPA is stored in Unicode NFD (precomposed input is accepted and normalised; ASCII g is ɡ).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from engine.language.features import (
    BACKNESSES,
    HEIGHTS,
    MANNERS,
    PLACES,
    Sound,
    nfd,
    sound_of,
    split_segments,
    strip_tone,
)
from engine.language.notation import parse_pattern, parse_sound_change
from engine.language.phonotactics import Phonotactics
from engine.rules.common import Name, PositiveReal, Prose, Rules
from engine.rules.limits import LIMITS

PartOfSpeech = Literal[
    "noun",
    "verb",
    "adjective",
    "adverb",
    "pronoun",
    "adposition",
    "determiner",
    "numeral",
    "conjunction",
    "particle",
]
Tone = Literal["high", "mid", "low", "rising", "falling"]
WordOrder = Literal["SVO", "SOV", "VSO", "VOS", "OVS", "OSV"]
Stress = Literal["initial", "second", "final", "penultimate", "antepenultimate", "none"]


def _ipa(value: str) -> str:
    value = nfd(value.strip())
    if not value:
        raise ValueError("must be IPA text, got an empty string")
    split_segments(value)
    return value


# IPA text (one or more segments), normalised to NFD.
Ipa = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_ipa)]

_GLOSS = re.compile(r"^[a-z0-9][a-z0-9' .-]*$")
_GLOSS_TAG = re.compile(r"^[A-Z0-9]+$")


def _gloss(value: str) -> str:
    if not _GLOSS.match(value) or value != value.strip():
        raise ValueError(
            f"must be an English lemma in lower case (letters, digits, space, ' . -), got {value!r}"
        )
    return value


# The English meaning of a lexicon entry, as a lemma: "river", "to the left".
Gloss = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(_gloss)]


class PhonemeFeatures(Rules):
    """Features of a phoneme whose IPA symbol is not in the engine's table."""

    ipa: Ipa
    kind: Literal["consonant", "vowel"]
    place: Literal[PLACES] | None = None  # type: ignore[valid-type]
    manner: Literal[MANNERS] | None = None  # type: ignore[valid-type]
    voiced: bool = True
    height: Literal[HEIGHTS] | None = None  # type: ignore[valid-type]
    backness: Literal[BACKNESSES] | None = None  # type: ignore[valid-type]
    rounded: bool = False

    @model_validator(mode="after")
    def _complete(self) -> PhonemeFeatures:
        if self.kind == "consonant" and (self.place is None or self.manner is None):
            raise ValueError(f"consonant {self.ipa!r} needs a place and a manner")
        if self.kind == "vowel" and (self.height is None or self.backness is None):
            raise ValueError(f"vowel {self.ipa!r} needs a height and a backness")
        return self

    def sound(self) -> Sound:
        return Sound(
            self.kind,
            place=self.place,
            manner=self.manner,
            voiced=self.voiced,
            height=self.height,
            backness=self.backness,
            rounded=self.rounded,
        )


class SyllableTemplate(Rules):
    """One syllable shape, as class letters (``CV``, ``CVN``), and how often it is chosen."""

    pattern: str = Field(min_length=1, max_length=12, pattern=r"^[A-Z]+$")
    weight: PositiveReal = 1.0


class Affix(Rules):
    """One inflection: how a grammatical value (plural, past, accusative) is marked."""

    category: Name
    """What it marks: number, tense, aspect, case, definiteness, negation..."""
    value: Name
    """The value it marks: plural, past, future, accusative, definite, negative..."""
    gloss: str = Field(min_length=1, max_length=12)
    """Leipzig abbreviation shown in glosses: PL, PST, ACC."""
    applies_to: PartOfSpeech
    process: Literal["prefix", "suffix", "reduplication"] = "suffix"
    form: str = ""
    """IPA of the affix (empty for reduplication, which copies the first syllable)."""

    @field_validator("gloss")
    @classmethod
    def _gloss_tag(cls, value: str) -> str:
        if not _GLOSS_TAG.match(value):
            raise ValueError(f"must be a Leipzig tag in capitals like PL or PST, got {value!r}")
        return value

    @field_validator("form")
    @classmethod
    def _form(cls, value: str) -> str:
        return _ipa(value) if value.strip() else ""

    @model_validator(mode="after")
    def _form_matches_process(self) -> Affix:
        if self.process == "reduplication" and self.form:
            raise ValueError("a reduplication copies the first syllable; leave form empty")
        if self.process != "reduplication" and not self.form:
            raise ValueError(f"a {self.process} needs a form (IPA)")
        return self


class LexiconEntry(Rules):
    """One word: its form now, what it means, its part of speech and the form it came from."""

    form: Ipa
    gloss: Gloss
    pos: PartOfSpeech
    proto: Ipa | None = None
    """The proto-language form; ``form`` is this after the language's sound changes."""


class Voice(Rules):
    """How the language's speakers sound."""

    pitch_hz: float = Field(default=120.0, ge=20.0, le=2000.0)
    """Pitch of a human-sized speaker, in hertz; the pitch heard is pitch_hz / speaker_size."""
    rate: float = Field(default=1.0, ge=0.25, le=4.0)
    """Speaking rate relative to ordinary human speech (about 175 words per minute)."""
    speaker_size: float = Field(default=1.0, ge=0.01, le=100.0)
    """Vocal tract size relative to an adult human: 0.1 sounds tiny (formants and pitch x10)."""


class LanguageSpec(Rules):
    """A language spoken in the world: phonology, grammar, lexicon, history and voice."""

    name: Name
    description: Prose = ""
    seed: int = 0
    """Seed for words coined at run time (translation of unknown words)."""
    parent: Name | None = None
    """The language this one descends from (its sound changes lead from the shared proto-forms)."""
    consonants: tuple[Ipa, ...] = Field(min_length=1, max_length=120)
    vowels: tuple[Ipa, ...] = Field(min_length=1, max_length=60)
    extra_phonemes: tuple[PhonemeFeatures, ...] = ()
    """Features of inventory symbols that the engine's IPA table does not know."""
    weights: dict[Ipa, PositiveReal] = {}
    """Relative frequency of phonemes in new words (missing ones weigh 1)."""
    classes: dict[str, tuple[Ipa, ...]] = {}
    """Extra phoneme classes by one capital letter (C and V always mean any consonant / vowel)."""
    syllables: tuple[SyllableTemplate, ...] = Field(min_length=1, max_length=64)
    forbidden: tuple[str, ...] = Field(default=(), max_length=256)
    """Sequences no word may contain, as patterns: ``#ŋ``, ``ŋ#``, ``CCC``, ``[+nasal]#``."""
    min_syllables: int = Field(default=1, ge=1, le=8)
    max_syllables: int = Field(default=3, ge=1, le=8)
    """Length range of coined words (lexicon forms may be longer)."""
    stress: Stress = "initial"
    tones: tuple[Tone, ...] = ()
    """Tones marked on vowels with diacritics (á high, ā mid, à low, ǎ rising, â falling)."""
    epenthetic_vowel: Ipa | None = None
    """Vowel inserted when joining an affix would break the phonotactics."""
    morphology: tuple[Affix, ...] = Field(default=(), max_length=128)
    word_order: WordOrder = "SVO"
    adjective_position: Literal["before", "after"] = "after"
    adposition: Literal["preposition", "postposition"] = "preposition"
    lexicon: tuple[LexiconEntry, ...] = Field(default=(), max_length=LIMITS.lexicon_entries)
    sound_changes: tuple[str, ...] = Field(default=(), max_length=LIMITS.sound_changes)
    """Ordered changes from the proto-language to this one (``p > b / V_V``)."""
    romanisation: dict[Ipa, str] = {}
    """Latin spelling per phoneme; phonemes not listed use the engine's default spelling."""
    voice: Voice = Voice()

    @field_validator("classes")
    @classmethod
    def _class_names(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for name, members in value.items():
            if not re.fullmatch(r"[A-Z]", name) or name in ("C", "V"):
                raise ValueError(
                    f"class name {name!r} must be one capital letter other than C and V"
                )
            if not members:
                raise ValueError(f"class {name!r} is empty")
        return value

    @field_validator("romanisation")
    @classmethod
    def _spellings(cls, value: dict[str, str]) -> dict[str, str]:
        for phoneme, spelling in value.items():
            if (
                not spelling
                or len(spelling) > 12
                or any(c.isspace() or not c.isprintable() for c in spelling)
            ):
                raise ValueError(
                    f"romanisation of {phoneme!r} must be 1-12 printable characters without "
                    f"spaces, got {spelling!r}"
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LanguageSpec:
        inventory = self.consonants + self.vowels
        duplicates = {p for p in inventory if inventory.count(p) > 1}
        if duplicates:
            raise ValueError(f"phonemes listed twice: {' '.join(sorted(duplicates))}")
        extra = {p.ipa: p for p in self.extra_phonemes}
        for phoneme in inventory:
            if len(split_segments(phoneme)) != 1:
                raise ValueError(
                    f"inventory entry {phoneme!r} is several segments; write affricates with a "
                    "tie bar (t͡s) and give each phoneme separately"
                )
            kind = extra[phoneme].kind if phoneme in extra else None
            if kind is None:
                sound = sound_of(phoneme)
                if sound is None:
                    raise ValueError(
                        f"phoneme {phoneme!r} is not in the IPA feature table; describe it in "
                        "extra_phonemes (ipa, kind, place, manner, voiced / height, backness)"
                    )
                kind = sound.kind
            expected = "consonant" if phoneme in self.consonants else "vowel"
            if kind != expected:
                raise ValueError(f"{phoneme!r} is a {kind} but is listed among the {expected}s")
        for name, members in self.classes.items():
            # Members outside the inventory are allowed: a daughter language keeps its parent's
            # classes so the inherited sound changes still read the same.
            for member in members:
                if member not in inventory and member not in extra and sound_of(member) is None:
                    raise ValueError(f"class {name} lists {member!r}, which is not an IPA segment")
        for phoneme in list(self.weights) + list(self.romanisation):
            if phoneme not in inventory:
                raise ValueError(
                    f"{phoneme!r} has a weight or romanisation but is not in the inventory"
                )
        if self.epenthetic_vowel is not None and self.epenthetic_vowel not in self.vowels:
            raise ValueError(f"epenthetic_vowel {self.epenthetic_vowel!r} is not one of the vowels")
        if self.min_syllables > self.max_syllables:
            raise ValueError("min_syllables is larger than max_syllables")
        try:
            phonotactics = self.phonotactics()
        except ValueError as error:
            raise ValueError(f"syllables/forbidden: {error}") from None
        if not phonotactics.accepting:
            raise ValueError("the syllables and forbidden sequences allow no word at all")
        class_names = frozenset(self.all_classes())
        for index, change in enumerate(self.sound_changes):
            try:
                parse_sound_change(change, class_names, frozenset(extra))
            except ValueError as error:
                raise ValueError(f"sound_changes[{index}]: {error}") from None
        for index, affix in enumerate(self.morphology):
            for segment in split_segments(affix.form):
                if strip_tone(segment)[0] not in inventory:
                    raise ValueError(
                        f"morphology[{index}] ({affix.value}): {segment!r} is not in the inventory"
                    )
        self._check_lexicon(phonotactics)
        return self

    def _check_lexicon(self, phonotactics: Phonotactics) -> None:
        from engine.language.soundchange import apply_changes

        seen: set[tuple[str, str]] = set()
        changes = self.compiled_sound_changes()
        for index, entry in enumerate(self.lexicon):
            where = f"lexicon[{index}] ({entry.gloss!r})"
            problem = phonotactics.problem(entry.form)
            if problem is not None:
                raise ValueError(f"{where}: form {entry.form!r} breaks the phonotactics: {problem}")
            if (entry.gloss, entry.pos) in seen:
                raise ValueError(f"{where}: {entry.gloss!r} ({entry.pos}) is in the lexicon twice")
            seen.add((entry.gloss, entry.pos))
            if entry.proto is not None:
                derived = apply_changes(changes, entry.proto, self.all_classes(), self.sounds())
                if derived != entry.form:
                    raise ValueError(
                        f"{where}: the sound changes turn proto-form {entry.proto!r} into "
                        f"{derived!r}, not into the form {entry.form!r}"
                    )

    # -- derived views (not stored) ---------------------------------------------------------

    def all_classes(self) -> dict[str, frozenset[str]]:
        """Every class by letter, C and V included."""
        classes = {name: frozenset(members) for name, members in self.classes.items()}
        classes["C"] = frozenset(self.consonants)
        classes["V"] = frozenset(self.vowels)
        return classes

    def sounds(self) -> dict[str, Sound]:
        """Features of the phonemes described in extra_phonemes."""
        return {p.ipa: p.sound() for p in self.extra_phonemes}

    def phonotactics(self) -> Phonotactics:
        """The language's phonotactics automaton (cached per distinct phonology)."""
        return _phonotactics(
            self.consonants + self.vowels,
            tuple(sorted((k, tuple(sorted(v))) for k, v in self.all_classes().items())),
            tuple(t.pattern for t in self.syllables),
            self.forbidden,
            self.tones,
            tuple(self.extra_phonemes),
        )

    def compiled_sound_changes(self) -> tuple:
        """The sound changes, parsed (``engine.language.notation.SoundChange``)."""
        class_names = frozenset(self.all_classes())
        extra = frozenset(p.ipa for p in self.extra_phonemes)
        return tuple(parse_sound_change(c, class_names, extra) for c in self.sound_changes)

    def entry(self, gloss: str, pos: str | None = None) -> LexiconEntry | None:
        """The lexicon entry for an English lemma (of a part of speech), or None."""
        for candidate in self.lexicon:
            if candidate.gloss == gloss and (pos is None or candidate.pos == pos):
                return candidate
        return None


@lru_cache(maxsize=64)
def _phonotactics(
    inventory: tuple[str, ...],
    classes: tuple[tuple[str, tuple[str, ...]], ...],
    templates: tuple[str, ...],
    forbidden: tuple[str, ...],
    tones: tuple[str, ...],
    extra: tuple[PhonemeFeatures, ...],
) -> Phonotactics:
    class_map = {name: frozenset(members) for name, members in classes}
    for index, text in enumerate(forbidden):
        parsed = parse_pattern(text, frozenset(class_map), frozenset(inventory))
        boundaries = [i for i, t in enumerate(parsed) if t.kind == "boundary"]
        if not parsed or any(i not in (0, len(parsed) - 1) for i in boundaries):
            raise ValueError(f"forbidden[{index}] {text!r}: '#' may only begin or end a pattern")
    return Phonotactics(
        inventory=inventory,
        classes=class_map,
        templates=templates,
        forbidden=forbidden,
        tones=tones,
        extra_sounds={p.ipa: p.sound() for p in extra},
    )
