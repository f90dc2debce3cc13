"""Fuzzing the language runtime: sound-change notation and translation input.

Owns: hypothesis strategies over sound-change text (notation tokens, IPA, feature bundles and
arbitrary text) and English input to ``translate``, with the oracles ``check_sound_change`` and
``check_translation`` that ``bench/fuzz.py`` runs at 10,000+ cases. The only outcomes allowed are
a result or a ``ValueError`` with a message. Touches no engine module.
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.language.features import check_feature
from engine.language.notation import parse_sound_change
from engine.language.soundchange import apply_changes
from engine.rules import LIMITS
from engine.rules.language import LanguageSpec

pytestmark = pytest.mark.unit

CI_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def languages() -> tuple[LanguageSpec, ...]:
    from generators.language import LanguageFlavour, generate_language

    return (generate_language(7), generate_language(11, LanguageFlavour(tone=True)))


# -- sound changes --------------------------------------------------------------------------------

FEATURES = ["voice", "nasal", "stop", "fricative", "bilabial", "velar", "high", "round", "bogus"]
NOTATION = [
    ">", "→", "/", "_", "#", "∅", "0", "Ø", " ", "[", "]", ",", "C", "V", "P", "N", "L", "X",
    "+", "-", "p", "b", "t", "k", "a", "i", "u", "ə", "t͡ʃ", "aː", "á", "à", "ʔ", "ŋ", "\u0361",
    "\u0301", "\u0300", "ː", "ʰ", "_#", "#_", "V_V", "\x00", "\n", "🜁", "Z",
]  # fmt: skip
notation_soup = st.lists(
    st.sampled_from(NOTATION) | st.sampled_from(FEATURES).map(lambda f: f"[+{f}]"), max_size=30
).map("".join)
sound_change_text = st.one_of(
    notation_soup,
    st.builds(
        lambda target, replacement, left, right: f"{target} > {replacement} / {left}_{right}",
        notation_soup,
        notation_soup,
        notation_soup,
        notation_soup,
    ),
    st.text(max_size=60),
)


def check_sound_change(case: tuple[int, str]) -> str:
    """Parse one change for a language and apply it to its whole lexicon."""
    language = languages()[case[0] % len(languages())]
    text = case[1]
    extra = frozenset(p.ipa for p in language.extra_phonemes)
    try:
        change = parse_sound_change(text, frozenset(language.all_classes()), extra)
    except ValueError as error:
        assert str(error).strip(), f"empty message for {text!r}"
        return "error"
    classes, sounds = language.all_classes(), language.sounds()
    for entry in language.lexicon:
        result = apply_changes([change], entry.form, classes, sounds)
        assert isinstance(result, str) and result, f"{text!r} turned {entry.form!r} into nothing"
        assert len(result) <= 4 * len(entry.form) + 16, f"{text!r} blew up {entry.form!r}"
    return "parsed"


def check_sound_changes_in_world_model(case: tuple[int, list[str]]) -> str:
    """The same notation through the world model: a valid language or a pydantic error."""
    from pydantic import ValidationError

    language = languages()[case[0] % len(languages())]
    data = language.model_dump(mode="json", exclude_defaults=True)
    data["sound_changes"] = case[1]
    data["lexicon"] = [{k: v for k, v in e.items() if k != "proto"} for e in data["lexicon"]]
    try:
        LanguageSpec.model_validate(data)
    except ValidationError as error:
        assert error.errors(), "a ValidationError with no errors"
        return "error"
    return "valid"


# -- translation ----------------------------------------------------------------------------------

ENGLISH = (
    "the a an i you he she it we they this that who what all many one two three not and in on "
    "under with to from bird river stone sees see saw walks walked is are was were will can "
    "light sound time slow fast big small does doesn't don't never very quickly ran running "
    "sleeps the of"
).split()
english_soup = st.lists(
    st.sampled_from(ENGLISH) | st.sampled_from([".", "!", "?", ";", ",", "'", "-", "  ", "\n"]),
    max_size=60,
).map(" ".join)
english_text = st.one_of(
    english_soup,
    st.text(max_size=200),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz .'", min_size=1000, max_size=LIMITS.text_length),
)


def check_translation(case: tuple[int, str]) -> str:
    from engine.language import translate

    language = languages()[case[0] % len(languages())]
    try:
        translation = translate(language, case[1])
    except ValueError as error:
        assert str(error).strip()
        return "error"
    assert len(translation.words) == len(translation.text.split())
    assert isinstance(translation.gloss, str)
    assert translation.interlinear(language).endswith(f"'{translation.english}'")
    return "translated" if translation.text else "empty"


which_language = st.integers(0, 1)
FUZZ_TARGETS = {
    "language/sound-change": (st.tuples(which_language, sound_change_text), check_sound_change),
    "language/sound-changes-model": (
        st.tuples(which_language, st.lists(sound_change_text, max_size=5)),
        check_sound_changes_in_world_model,
    ),
    "language/translation": (st.tuples(which_language, english_text), check_translation),
}


# -- tests ----------------------------------------------------------------------------------------


def test_fuzz_features_exist() -> None:
    for feature in FEATURES[:-1]:
        check_feature(feature)
    with pytest.raises(ValueError):
        check_feature("bogus")


@pytest.mark.parametrize("target", sorted(FUZZ_TARGETS))
def test_language_fuzz(target: str) -> None:
    strategy, check = FUZZ_TARGETS[target]

    @CI_SETTINGS
    @given(strategy)
    def run(case: object) -> None:
        check(case)

    run()


def test_known_sound_changes_parse_and_apply() -> None:
    assert check_sound_change((0, "p > b / V_V")) == "parsed"
    assert check_sound_change((0, "[-voice] > [+voice] / V_V")) == "parsed"
    assert check_sound_change((0, "p > > b")) == "error"
