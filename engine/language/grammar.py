"""EBNF grammars (xgrammar dialect) that let a language model write only a language's words.

Owns: ``language_grammar``. The phonotactics automaton (``Phonotactics``) becomes one rule per
state, so the grammar accepts exactly the words ``Phonotactics.is_legal`` accepts; lexicon words
(with their inflections, as ``translation.inflected_forms`` builds them) are listed literally.
Modes: ``"legal"`` any legal word, ``"lexicon"`` only lexicon words and their inflections,
``"lexicon+coinages"`` both. ``script="roman"`` writes the same words in the romanisation.
The text is words separated by single spaces, optionally ending in ``.``, ``!`` or ``?``.
Must not touch a model or a tokenizer: compiling for a tokenizer is the caller's business.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from engine.language.features import TONE_MARKS, nfd
from engine.language.romanise import romanise_word
from engine.rules.language import LanguageSpec

GrammarMode = Literal["legal", "lexicon", "lexicon+coinages"]
Script = Literal["ipa", "roman"]


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _spell(spec: LanguageSpec, word: str, script: Script) -> str:
    """How a word is written in the grammar: NFC IPA or NFC romanisation."""
    if script == "roman":
        return romanise_word(spec, word)
    return unicodedata.normalize("NFC", word)


def _phoneme_alternatives(spec: LanguageSpec, phoneme: str, script: Script) -> list[str]:
    """A phoneme as written, with each tone mark the language allows on vowels."""
    variants = [phoneme]
    if spec.tones and phoneme in spec.vowels:
        variants += [nfd(phoneme[0] + TONE_MARKS[tone] + phoneme[1:]) for tone in spec.tones]
    return [_spell(spec, variant, script) for variant in variants]


def language_grammar(
    spec: LanguageSpec, mode: GrammarMode = "lexicon+coinages", script: Script = "ipa"
) -> str:
    """The EBNF grammar (xgrammar syntax, start rule ``root``) for text in the language."""
    if mode not in ("legal", "lexicon", "lexicon+coinages"):
        raise ValueError(f"mode must be legal, lexicon or lexicon+coinages, got {mode!r}")
    if script not in ("ipa", "roman"):
        raise ValueError(f"script must be ipa or roman, got {script!r}")
    lines = [
        'root ::= word (" " word)* ("." | "!" | "?")?',
    ]
    choices = []
    if mode in ("lexicon", "lexicon+coinages"):
        from engine.language.translation import inflected_forms

        words = sorted({_spell(spec, form, script) for form in inflected_forms(spec)})
        lines.append("lexicon ::= " + " | ".join(_literal(word) for word in words))
        choices.append("lexicon")
    if mode in ("legal", "lexicon+coinages"):
        lines += _automaton_rules(spec, script)
        choices.append("state0")
    lines.insert(1, "word ::= " + " | ".join(choices))
    return "\n".join(lines) + "\n"


def _automaton_rules(spec: LanguageSpec, script: Script) -> list[str]:
    phonotactics = spec.phonotactics()
    group_rules = []
    for group, members in enumerate(phonotactics.groups):
        spellings = sorted(
            {spelling for m in members for spelling in _phoneme_alternatives(spec, m, script)}
        )
        group_rules.append(f"group{group} ::= " + " | ".join(_literal(s) for s in spellings))
    state_rules = []
    for state, moves in enumerate(phonotactics.transitions):
        if state not in phonotactics.alive:
            continue
        alternatives = [f"group{group} state{target}" for group, target in sorted(moves.items())]
        if state in phonotactics.accepting:
            alternatives.append('""')
        state_rules.append(f"state{state} ::= " + " | ".join(alternatives))
    return state_rules + group_rules
