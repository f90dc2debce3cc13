"""Phonology of invented languages: generation, phonotactics, sound changes, daughter languages.

Owns: property tests over many seeds and flavours (every generated and coined word passes the
phonotactics; the automaton agrees with a naive reference checker written here), known sound-change
examples, and daughter languages keeping their proto-forms. Pure Python, no audio.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.language.daughter import derive_daughter
from engine.language.features import nfd, split_segments, strip_tone
from engine.language.notation import parse_sound_change
from engine.language.soundchange import apply_changes
from engine.language.words import coin_for_gloss, coin_word
from engine.rules.language import LanguageSpec
from generators.language import LanguageFlavour, generate_language, generate_sound_changes

pytestmark = pytest.mark.unit

flavours = st.builds(
    LanguageFlavour,
    harshness=st.floats(0.0, 1.0),
    vowel_count=st.integers(3, 12),
    clusters=st.booleans(),
    tone=st.booleans(),
)


def _naive_is_legal(spec: LanguageSpec, word: str) -> bool:
    """Reference check, independent of the automaton: syllable parse by recursion + regex scan."""
    segments = [strip_tone(s)[0] for s in split_segments(nfd(word))]
    inventory = set(spec.consonants + spec.vowels)
    if not segments or any(s not in inventory for s in segments):
        return False
    classes = spec.all_classes()
    templates = [t.pattern for t in spec.syllables]

    def parses(start: int) -> bool:
        if start == len(segments):
            return True
        for template in templates:
            end = start + len(template)
            if end <= len(segments) and all(
                segments[start + i] in classes[letter] for i, letter in enumerate(template)
            ):
                if parses(end):
                    return True
        return False

    if not parses(0):
        return False
    # Forbidden patterns here use only class letters, phonemes and '#'.
    padded = ["#", *segments, "#"]
    for pattern in spec.forbidden:
        pieces = re.findall(r"#|[A-Z]|[^#A-Z]", nfd(pattern))
        for start in range(len(padded) - len(pieces) + 1):
            window = padded[start : start + len(pieces)]
            if all(
                (piece == segment)
                if piece == "#" or not piece.isupper()
                else segment in classes[piece]
                for piece, segment in zip(pieces, window, strict=True)
            ):
                return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), flavour=flavours)
def test_generated_languages_obey_their_own_phonotactics(
    seed: int, flavour: LanguageFlavour
) -> None:
    spec = generate_language(seed, flavour, ["crystal", "glow:verb"])
    phonotactics = spec.phonotactics()
    for entry in spec.lexicon:
        assert phonotactics.is_legal(entry.form), (entry.gloss, entry.form)
        assert _naive_is_legal(spec, entry.form), (entry.gloss, entry.form)
    rng = random.Random(seed)
    for _ in range(30):
        word = coin_word(spec, rng)
        assert phonotactics.problem(word) is None
        assert _naive_is_legal(spec, word), word
    assert spec.entry("crystal", "noun") is not None
    assert spec.entry("glow", "verb") is not None


def test_same_seed_same_language_and_different_seeds_differ() -> None:
    first = generate_language(11, LanguageFlavour(harshness=0.3))
    again = generate_language(11, LanguageFlavour(harshness=0.3))
    other = generate_language(12, LanguageFlavour(harshness=0.3))
    assert first == again
    assert [e.form for e in first.lexicon] != [e.form for e in other.lexicon]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), data=st.data())
def test_automaton_agrees_with_naive_checker_on_random_strings(
    seed: int, data: st.DataObject
) -> None:
    spec = generate_language(
        seed, LanguageFlavour(harshness=(seed % 11) / 10, clusters=seed % 2 == 0)
    )
    inventory = list(spec.consonants + spec.vowels)
    phonotactics = spec.phonotactics()
    for _ in range(60):
        length = data.draw(st.integers(1, 7))
        word = "".join(data.draw(st.sampled_from(inventory)) for _ in range(length))
        assert phonotactics.is_legal(word) == _naive_is_legal(spec, word), word


def _tiny_language(**changes: object) -> LanguageSpec:
    data: dict[str, object] = {
        "name": "Tiny",
        "consonants": ["p", "t", "k", "m", "n", "s", "ŋ", "h"],
        "vowels": ["a", "i", "u", "e"],
        "classes": {"N": ["m", "n", "ŋ"]},
        "syllables": [{"pattern": "CV", "weight": 3}, {"pattern": "CVN"}, {"pattern": "V"}],
        "forbidden": ["#ŋ", "VV", "h#"],
    }
    data.update(changes)
    return LanguageSpec.model_validate(data)


def test_phonotactics_explain_what_is_wrong() -> None:
    phonotactics = _tiny_language().phonotactics()
    assert phonotactics.is_legal("pata")
    assert phonotactics.is_legal("patan")
    assert "forbidden sequence '#ŋ'" in phonotactics.problem("ŋa")
    assert "forbidden sequence 'VV'" in phonotactics.problem("pai")
    assert "cannot be split into syllables" in phonotactics.problem("ptak")
    assert "'b' is not in the inventory" in phonotactics.problem("ba")
    assert "tone" in phonotactics.problem("pá")


@pytest.mark.parametrize(
    ("change", "before", "after"),
    [
        ("p > b / V_V", "papapa", "pababa"),
        ("[-voice] > [+voice] / V_V", "pataka", "padaɡa"),
        ("[+stop] > [+fricative] / V_", "apatak", "aɸasax"),
        ("[+stop] > [-voice] / _#", "taɡ", "tak"),
        ("a > ∅ / _#", "pata", "pat"),
        ("∅ > ə / C_C", "ptak", "pətak"),
        ("k > t͡ʃ / _i", "kiku", "t͡ʃiku"),
        ("[+velar +stop] > [+postalveolar +affricate] / _[+front]", "ɡeku", "d͡ʒeku"),
        ("n > ŋ / _[+velar]", "anka", "aŋka"),
        ("h > ∅", "haha", "aa"),
        ("s > h / #_", "sasa", "hasa"),
        ("e > i / _#", "mé", "mí"),  # tone stays on the changed vowel
        ("V > ∅ / VC_#", "pata", "pat"),
        ("a > ∅", "a", "a"),  # a change never deletes a whole word
    ],
)
def test_known_sound_changes(change: str, before: str, after: str) -> None:
    spec = _tiny_language()
    classes = spec.all_classes()
    parsed = parse_sound_change(change, frozenset(classes), frozenset())
    assert apply_changes([parsed], before, classes) == nfd(after)


def test_sound_changes_apply_in_order() -> None:
    spec = _tiny_language()
    classes = spec.all_classes()
    voicing = parse_sound_change("p > b / V_V", frozenset(classes), frozenset())
    lenition = parse_sound_change("b > β", frozenset(classes), frozenset())
    assert apply_changes([voicing, lenition], "apa", classes) == "aβa"
    assert apply_changes([lenition, voicing], "apa", classes) == "aba"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("p b", "exactly one '>'"),
        ("p > b / VV", "one '_'"),
        ("p > [+voice] / V_V", ""),  # valid: kept as a control
        ("[+sparkly] > b", "unknown feature 'sparkly'"),
        ("X > b", "unknown class 'X'"),
        ("p > [-stop]", "can be matched but not set"),
        ("p > N", "not a class"),
        ("p > b / V#_", "'#' may only"),
        ("∅ > a", "needs a context"),
    ],
)
def test_bad_sound_change_notation_is_refused_with_a_reason(change: str, message: str) -> None:
    spec = _tiny_language()
    classes = frozenset(spec.all_classes())
    if not message:
        parse_sound_change(change, classes, frozenset())
        return
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_sound_change(change, classes, frozenset())


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), flavour=flavours)
def test_daughters_keep_proto_forms_and_derive_forms_from_them(
    seed: int, flavour: LanguageFlavour
) -> None:
    parent = generate_language(seed, flavour)
    changes = generate_sound_changes(parent, seed, 6)
    daughter = derive_daughter(parent, changes, "Daughter")
    granddaughter = derive_daughter(
        daughter, generate_sound_changes(daughter, seed + 1, 3), "Grand"
    )
    assert daughter.parent == parent.name and granddaughter.parent == "Daughter"
    assert daughter.sound_changes == tuple(changes)
    assert granddaughter.sound_changes[: len(changes)] == tuple(changes)
    parent_changes = parent.compiled_sound_changes()
    for old, new, newest in zip(
        parent.lexicon, daughter.lexicon, granddaughter.lexicon, strict=True
    ):
        assert old.proto == new.proto == newest.proto  # proto-forms are never lost
        assert old.gloss == new.gloss == newest.gloss
        # The daughter's form is the proto-form after every change since the proto-language.
        assert new.form == apply_changes(
            parent_changes + daughter.compiled_sound_changes()[len(parent_changes) :],
            new.proto,
            daughter.all_classes(),
        )
        assert daughter.phonotactics().is_legal(new.form)
    assert parent == generate_language(seed, flavour)  # the parent is untouched


def test_daughter_changes_are_visible() -> None:
    parent = _tiny_language(
        lexicon=[
            {"form": "papa", "gloss": "father", "pos": "noun", "proto": "papa"},
            {"form": "tika", "gloss": "stone", "pos": "noun", "proto": "tika"},
        ]
    )
    daughter = derive_daughter(parent, ["[-voice +stop] > [+voice] / V_V"], "Softened")
    assert [e.form for e in daughter.lexicon] == ["paba", "tiɡa"]
    assert [e.proto for e in daughter.lexicon] == ["papa", "tika"]
    assert "b" in daughter.consonants and "ɡ" in daughter.consonants


def test_lexicon_form_not_matching_its_proto_is_refused() -> None:
    with pytest.raises(ValueError, match=r"lexicon\[0\].*turn proto-form 'papa' into 'paba'"):
        _tiny_language(
            consonants=["p", "b", "t", "k", "m", "n", "s", "ŋ", "h"],
            sound_changes=["p > b / V_V"],
            lexicon=[{"form": "papa", "gloss": "father", "pos": "noun", "proto": "papa"}],
        )


def test_coinage_is_deterministic_and_avoids_taken_words() -> None:
    spec = generate_language(5)
    first = coin_for_gloss(spec, "teapot", "noun")
    assert first == coin_for_gloss(spec, "teapot", "noun")
    assert coin_for_gloss(spec, "teapot", "noun", taken={first}) != first
    forms = {coin_for_gloss(spec, f"thing{i}", "noun") for i in range(50)}
    assert len(forms) > 40


def test_many_seeds_generate_valid_languages_quickly() -> None:
    for seed, tone, clusters in itertools.product(range(12), (False, True), (False, True)):
        spec = generate_language(seed, LanguageFlavour(tone=tone, clusters=clusters))
        assert len(spec.lexicon) >= 140
        assert bool(spec.tones) == tone


def test_hostile_phonotactics_are_refused_quickly() -> None:
    with pytest.raises(ValueError, match="at most 6 are accepted"):
        _tiny_language(forbidden=["pppppppp"])
    consonants = ["p", "t", "k", "m", "n", "s", "l", "w", "j", "h", "b", "d", "ɡ", "f", "v", "z"]
    patterns = [
        "#" + "".join(letters)
        for letters in zip("ptkmnslw", "aeiuaeiu", "bdɡbdɡbd", "uaeiuaei", "fvzfvzfv", strict=True)
    ]
    with pytest.raises(ValueError, match="too intricate"):
        _tiny_language(
            consonants=consonants,
            syllables=[{"pattern": "CV"}, {"pattern": "CVC"}, {"pattern": "CCVCC"}],
            forbidden=patterns,
        )


def test_over_long_input_is_refused() -> None:
    from engine.language import translate
    from engine.language.voice import text_to_espeak

    spec = _tiny_language(lexicon=[{"form": "pata", "gloss": "river", "pos": "noun"}])
    with pytest.raises(ValueError, match="at most 4000"):
        translate(spec, "the river flows. " * 400)
    with pytest.raises(ValueError, match="at most 4000"):
        text_to_espeak(spec, "pata " * 1000)
