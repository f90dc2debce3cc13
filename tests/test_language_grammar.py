"""EBNF grammars for invented languages, run through xgrammar's real compiler and matcher.

Owns: tests that ``engine.language.grammar.language_grammar`` accepts every lexicon word (and its
inflections), accepts exactly the words the phonotactics allow (compared on random strings), and
rejects illegal ones, using a byte-per-token vocabulary so every string can be fed exactly. The
embedded model's own tokenizer and generation are tested in ``test_language_grammar_lm.py``.
"""

from __future__ import annotations

import random
import unicodedata

import pytest
import xgrammar as xgr

from engine.language.grammar import language_grammar
from engine.language.romanise import romanise_word
from engine.language.translation import inflected_forms, translate
from engine.rules.language import LanguageSpec
from generators.language import LanguageFlavour, generate_language

pytestmark = pytest.mark.unit

STOP = 256
BYTE_VOCABULARY = [bytes([value]) for value in range(256)] + [b"</s>"]


@pytest.fixture(scope="module")
def compiler() -> xgr.GrammarCompiler:
    info = xgr.TokenizerInfo(BYTE_VOCABULARY, xgr.VocabType.RAW, stop_token_ids=[STOP])
    return xgr.GrammarCompiler(info, max_threads=1)


def _accepts(compiled: xgr.CompiledGrammar, text: str) -> bool:
    """Feed ``text`` byte by byte, then the stop token; True if the grammar took all of it."""
    matcher = xgr.GrammarMatcher(compiled)
    for value in unicodedata.normalize("NFC", text).encode("utf-8"):
        if not matcher.accept_token(value):
            return False
    return matcher.accept_token(STOP) and matcher.is_terminated()


LANGUAGES = [
    (7, LanguageFlavour()),
    (12, LanguageFlavour(tone=True)),
    (3, LanguageFlavour(harshness=0.9, vowel_count=8)),
    (21, LanguageFlavour(harshness=0.1, clusters=False)),
]


@pytest.mark.parametrize(("seed", "flavour"), LANGUAGES)
def test_grammar_accepts_the_lexicon_and_translations(
    compiler: xgr.GrammarCompiler, seed: int, flavour: LanguageFlavour
) -> None:
    spec = generate_language(seed, flavour)
    compiled = compiler.compile_grammar(language_grammar(spec, "lexicon+coinages"))
    for entry in spec.lexicon:
        assert _accepts(compiled, entry.form), entry.form
    sentence = translate(spec, "the small birds sang in the old tree").text
    assert _accepts(compiled, sentence)
    assert _accepts(compiled, sentence + ".")
    assert not _accepts(compiled, sentence + "  ")  # one space between words, nothing trailing
    assert not _accepts(compiled, "")


@pytest.mark.parametrize(("seed", "flavour"), LANGUAGES)
def test_legal_mode_accepts_exactly_the_phonotactically_legal_words(
    compiler: xgr.GrammarCompiler, seed: int, flavour: LanguageFlavour
) -> None:
    spec = generate_language(seed, flavour)
    compiled = compiler.compile_grammar(language_grammar(spec, "legal"))
    phonotactics = spec.phonotactics()
    rng = random.Random(seed)
    inventory = list(spec.consonants + spec.vowels)
    legal_seen = illegal_seen = 0
    for _ in range(300):
        word = "".join(rng.choice(inventory) for _ in range(rng.randint(1, 6)))
        legal = phonotactics.is_legal(word)
        legal_seen += legal
        illegal_seen += not legal
        assert _accepts(compiled, word) == legal, word
    assert legal_seen > 5 and illegal_seen > 5
    assert not _accepts(compiled, "q!x")
    assert not _accepts(compiled, "A")


def test_lexicon_mode_rejects_legal_words_outside_the_lexicon(
    compiler: xgr.GrammarCompiler,
) -> None:
    spec = generate_language(7)
    compiled = compiler.compile_grammar(language_grammar(spec, "lexicon"))
    forms = set(inflected_forms(spec))
    for form in list(forms)[:200]:
        assert _accepts(compiled, form)
    rng = random.Random(1)
    from engine.language.words import coin_word

    outsider = coin_word(spec, rng, forms)
    assert spec.phonotactics().is_legal(outsider)
    assert not _accepts(compiled, outsider)
    everything = compiler.compile_grammar(language_grammar(spec, "lexicon+coinages"))
    assert _accepts(everything, outsider)


def test_roman_script_grammar(compiler: xgr.GrammarCompiler) -> None:
    spec = generate_language(12, LanguageFlavour(tone=True))
    compiled = compiler.compile_grammar(language_grammar(spec, "lexicon+coinages", "roman"))
    result = translate(spec, "the river remembers the stone")
    assert _accepts(compiled, result.romanised)
    for entry in spec.lexicon[:50]:
        assert _accepts(compiled, romanise_word(spec, entry.form))


def test_quotes_and_backslashes_in_spellings_are_escaped(compiler: xgr.GrammarCompiler) -> None:
    spec = LanguageSpec.model_validate(
        {
            "name": "Quoted",
            "consonants": ["ʔ", "t"],
            "vowels": ["a"],
            "syllables": [{"pattern": "CV"}],
            "romanisation": {"ʔ": '"', "t": "\\"},
            "lexicon": [{"form": "ʔa", "gloss": "stop", "pos": "noun"}],
        }
    )
    compiled = compiler.compile_grammar(language_grammar(spec, "legal", "roman"))
    assert _accepts(compiled, '"a\\a')
    assert not _accepts(compiled, '"\\a')


def test_bad_mode_or_script_is_refused() -> None:
    spec = generate_language(7)
    with pytest.raises(ValueError, match="mode must be"):
        language_grammar(spec, "anything")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="script must be"):
        language_grammar(spec, "legal", "cyrillic")  # type: ignore[arg-type]
