"""Translation English -> invented language: word order, morphology, Leipzig gloss, coinage.

Owns: tests of ``engine.language.translate`` on a small hand-written language whose every
expected output is spelled out here, of romanisation, of the world-model validation of language
sections, and of writing coined words back into a world file. Pure Python.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.cli.lang import add_to_world_file, language_toml
from engine.language import translate
from engine.language.romanise import romanise_text, to_ipa_word
from engine.language.translation import with_coined
from engine.rules import WorldError, load_world, loads_world
from engine.rules.language import LanguageSpec
from generators.language import generate_language

pytestmark = pytest.mark.unit

LEXICON = [
    ("tulu", "river", "noun"),
    ("kamo", "stone", "noun"),
    ("sepi", "remember", "verb"),
    ("nawa", "bird", "noun"),
    ("lisa", "sing", "verb"),
    ("mene", "small", "adjective"),
    ("poka", "tree", "noun"),
    ("ti", "in", "adposition"),
    ("ko", "not", "particle"),
    ("mi", "i", "pronoun"),
    ("su", "you", "pronoun"),
]


def _language(**changes: object) -> LanguageSpec:
    data: dict[str, object] = {
        "name": "Tulan",
        "seed": 3,
        "consonants": ["p", "t", "k", "m", "n", "s", "l", "w", "ʃ"],
        "vowels": ["a", "e", "i", "o", "u"],
        "syllables": [{"pattern": "CV", "weight": 4}, {"pattern": "CVC"}],
        "forbidden": ["CCC"],
        "epenthetic_vowel": "e",
        "word_order": "SOV",
        "adjective_position": "after",
        "adposition": "postposition",
        "romanisation": {"ʃ": "x"},
        "morphology": [
            {
                "category": "number",
                "value": "plural",
                "gloss": "PL",
                "applies_to": "noun",
                "form": "n",
            },
            {
                "category": "case",
                "value": "accusative",
                "gloss": "ACC",
                "applies_to": "noun",
                "form": "ka",
            },
            {
                "category": "tense",
                "value": "past",
                "gloss": "PST",
                "applies_to": "verb",
                "form": "wa",
            },
            {
                "category": "tense",
                "value": "future",
                "gloss": "FUT",
                "applies_to": "verb",
                "process": "prefix",
                "form": "tu",
            },
        ],
        "lexicon": [{"form": f, "gloss": g, "pos": p, "proto": f} for f, g, p in LEXICON],
    }
    data.update(changes)
    return LanguageSpec.model_validate(data)


def test_sov_sentence_word_order_and_gloss() -> None:
    result = translate(_language(), "the river remembers the stone")
    assert result.text == "tulu kamoka sepi"
    assert result.gloss == "river stone-ACC remember"
    assert [w.segmented() for w in result.words] == ["tulu", "kamo-ka", "sepi"]
    assert result.coined == ()


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("SVO", "river remember stone-ACC"),
        ("VSO", "remember river stone-ACC"),
        ("VOS", "remember stone-ACC river"),
        ("OVS", "stone-ACC remember river"),
        ("OSV", "stone-ACC river remember"),
    ],
)
def test_every_word_order(order: str, expected: str) -> None:
    result = translate(_language(word_order=order), "the river remembers the stone")
    assert result.gloss == expected


def test_plural_past_adjective_and_postposition() -> None:
    result = translate(_language(), "the small birds sang in the tree")
    # Adjective after its noun, postposition after its noun phrase, verb last.
    assert result.gloss == "bird-PL small tree in sing-PST"
    assert result.text == "nawan mene poka ti lisawa"


def test_preposition_adjective_first_and_future_prefix() -> None:
    spec = _language(word_order="SVO", adjective_position="before", adposition="preposition")
    result = translate(spec, "I will not remember the small stones.")
    assert result.gloss == "1SG NEG FUT-remember small stone-PL-ACC"
    assert result.text == "mi ko tusepi mene kamonka"
    lines = result.interlinear(spec).splitlines()
    assert lines[2].split() == ["1SG", "NEG", "FUT-remember", "small", "stone-PL-ACC"]
    assert lines[3] == "'I will not remember the small stones.'"


def test_epenthesis_repairs_an_illegal_join() -> None:
    spec = _language(
        lexicon=[{"form": "kamot", "gloss": "stone", "pos": "noun"}]
        + [{"form": f, "gloss": g, "pos": p} for f, g, p in LEXICON if g != "stone"]
    )
    result = translate(spec, "you remember stones")
    # kamot + n would end in a cluster CC# the templates cannot end with: kamot-en.
    assert result.words[1].segmented() == "kamot-en-ka"
    assert spec.phonotactics().is_legal(result.words[1].form)


def test_unknown_words_are_coined_deterministically_and_obey_the_phonotactics() -> None:
    spec = _language()
    first = translate(spec, "the glorp remembers the flimbles")
    again = translate(spec, "the glorp remembers the flimbles")
    assert first == again
    assert [(e.gloss, e.pos) for e in first.coined] == [("glorp", "noun"), ("flimble", "noun")]
    for entry in first.coined:
        assert spec.phonotactics().is_legal(entry.form)
    extended = with_coined(spec, first.coined)
    assert extended.entry("glorp", "noun").form == first.coined[0].form
    assert translate(extended, "the glorp remembers the flimbles").coined == ()
    assert spec.entry("glorp") is None  # the original language is not changed


def test_sentence_without_a_verb_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="could not find the verb"):
        translate(_language(), "the")
    with pytest.raises(ValueError, match="empty"):
        translate(_language(), " ... ")


def test_romanisation_round_trips() -> None:
    spec = _language()
    assert romanise_text(spec, "ʃeni-ka tulu.") == "xeni-ka tulu."
    assert to_ipa_word(spec, "xeni") == "ʃeni"
    assert to_ipa_word(spec, "ʃeni") == "ʃeni"
    with pytest.raises(ValueError, match="neither IPA of Tulan nor spelt"):
        to_ipa_word(spec, "qqq")


def test_lexicon_form_breaking_phonotactics_names_the_entry() -> None:
    with pytest.raises(ValueError, match=r"lexicon\[1\] \('stone'\): form 'ktamo' breaks"):
        _language(
            lexicon=[
                {"form": "tulu", "gloss": "river", "pos": "noun"},
                {"form": "ktamo", "gloss": "stone", "pos": "noun"},
            ]
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"consonants": ["p", "ǂ"]}, "not in the IPA feature table"),
        ({"consonants": ["p", "ə"]}, "'ə' is a vowel but is listed among the consonants"),
        ({"classes": {"C": ["p"]}}, "one capital letter other than C and V"),
        ({"syllables": [{"pattern": "CXV"}]}, "unknown class 'X'"),
        ({"forbidden": ["p#p"]}, "'#' may only begin or end"),
        ({"sound_changes": ["p >> b"]}, "sound_changes[0]"),
        ({"epenthetic_vowel": "y"}, "not one of the vowels"),
        ({"consonants": ["p", "p"]}, "listed twice"),
        ({"forbidden": ["C", "V"]}, "allow no word at all"),
    ],
)
def test_bad_language_sections_say_what_is_wrong(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _language(**{"lexicon": [], "morphology": [], **changes})


def test_precomposed_and_decomposed_ipa_are_the_same_language() -> None:
    spec = _language(tones=["high"], lexicon=[{"form": "tú", "gloss": "river", "pos": "noun"}])
    decomposed = _language(
        tones=["high"], lexicon=[{"form": "tu\u0301", "gloss": "river", "pos": "noun"}]
    )
    assert spec == decomposed


WORLD_HEAD = '# a world for the write-back test\n[meta]\nname = "Write-back"  # keep me\n\n'


def test_generated_section_loads_in_a_world_and_coined_words_are_written_back(
    tmp_path: Path,
) -> None:
    spec = generate_language(7, concepts=["crystal"])
    world_file = tmp_path / "world.toml"
    world_file.write_text(WORLD_HEAD + language_toml(spec), encoding="utf-8")
    world = load_world(world_file)
    assert world.languages[0] == spec
    result = translate(spec, "the crystal devoured the zorbs")
    assert {e.gloss for e in result.coined} == {"devour", "zorb"}
    add_to_world_file(world_file, spec.name, result.coined)
    text = world_file.read_text(encoding="utf-8")
    assert "# a world for the write-back test" in text and "# keep me" in text
    reloaded = load_world(world_file).languages[0]
    assert reloaded.entry("devour", "verb").form == next(
        e.form for e in result.coined if e.gloss == "devour"
    )
    assert translate(reloaded, "the crystal devoured the zorbs").coined == ()
    assert [p.name for p in tmp_path.iterdir()] == ["world.toml"]  # no temporary file left


def test_write_back_refuses_to_produce_an_invalid_world(tmp_path: Path) -> None:
    spec = generate_language(7)
    world_file = tmp_path / "world.toml"
    original = WORLD_HEAD + language_toml(spec)
    world_file.write_text(original, encoding="utf-8")
    existing = spec.lexicon[:1]  # re-adding an existing entry makes a duplicate
    with pytest.raises(ValueError, match="would be invalid, nothing written"):
        add_to_world_file(world_file, spec.name, existing)
    assert world_file.read_text(encoding="utf-8") == original
    with pytest.raises(ValueError, match="no language 'Nope'"):
        add_to_world_file(world_file, "Nope", existing)


def test_invalid_language_in_a_world_file_is_reported_with_its_position() -> None:
    text = WORLD_HEAD + '[[languages]]\nname = "Bad"\nconsonants = ["p"]\nvowels = ["a"]\n'
    text += 'syllables = [{pattern = "CV"}]\nlexicon = [{form = "pp", gloss = "x", pos = "noun"}]\n'
    with pytest.raises(WorldError, match="breaks the phonotactics"):
        loads_world(text, "bad.toml")
