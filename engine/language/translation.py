"""English -> an invented language, with a Leipzig-style interlinear gloss.

Owns: ``translate`` and ``Translation``, a small reader of simple English clauses
(``[the] [adjectives] noun | pronoun``, optional ``will``/``not``, a verb, an optional object, and
prepositional phrases), inflection through the language's affixes (prefix, suffix, reduplication,
with an epenthetic vowel where a join would break the phonotactics), word order, adjective and
adposition placement. Words missing from the lexicon are coined deterministically from the
language's seed (``words.coin_for_gloss``) and returned in ``Translation.coined``; the language
itself is never changed here (``with_coined`` makes the extended copy a caller may save).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from engine.language.features import split_segments
from engine.language.romanise import romanise_text, romanise_word
from engine.language.words import coin_for_gloss
from engine.rules.language import Affix, LanguageSpec, LexiconEntry
from engine.rules.limits import LIMITS

_DETERMINERS = {"the": "definite", "a": "indefinite", "an": "indefinite"}
_DEMONSTRATIVES = {"this", "that", "these", "those"}
_AUXILIARIES = {"will", "shall", "did", "does", "do", "is", "are", "was", "were", "am"}
_NEGATIONS = {"not", "never", "n't"}
_ADPOSITIONS = {
    "in",
    "on",
    "under",
    "with",
    "to",
    "from",
    "at",
    "into",
    "over",
    "through",
    "near",
    "beside",
    "behind",
    "above",
    "below",
}
_SUBJECT_PRONOUNS = {"i", "you", "he", "she", "it", "we", "they"}
_OBJECT_PRONOUNS = {"me": "i", "him": "he", "her": "she", "us": "we", "them": "they"}
_PRONOUN_GLOSS = {
    "i": "1SG",
    "you": "2",
    "he": "3SG.M",
    "she": "3SG.F",
    "it": "3SG.N",
    "we": "1PL",
    "they": "3PL",
}
_IRREGULAR_VERBS = {
    "was": "be",
    "were": "be",
    "is": "be",
    "are": "be",
    "am": "be",
    "went": "go",
    "saw": "see",
    "ate": "eat",
    "drank": "drink",
    "knew": "know",
    "slept": "sleep",
    "flew": "fly",
    "swam": "swim",
    "came": "come",
    "lay": "lie",
    "sat": "sit",
    "stood": "stand",
    "gave": "give",
    "said": "say",
    "made": "make",
    "fell": "fall",
    "rose": "rise",
    "held": "hold",
    "found": "find",
    "forgot": "forget",
    "spoke": "speak",
    "sang": "sing",
    "bit": "bite",
    "heard": "hear",
    "burnt": "burn",
    "told": "tell",
    "thought": "think",
    "took": "take",
    "brought": "bring",
    "ran": "run",
    "grew": "grow",
    "wrote": "write",
    "broke": "break",
    "left": "leave",
    "lost": "lose",
    "met": "meet",
    "became": "become",
    "began": "begin",
}
_IRREGULAR_PLURALS = {
    "men": "man",
    "women": "woman",
    "people": "person",
    "children": "child",
    "feet": "foot",
    "teeth": "tooth",
    "lice": "louse",
    "leaves": "leaf",
    "mice": "mouse",
    "geese": "goose",
}
_SLOT = {"number": 0, "aspect": 0, "definiteness": 1, "tense": 1, "case": 2, "polarity": 2}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|n't")


def _display_width(text: str) -> int:
    """Columns a string takes in a terminal: combining marks take none."""
    return sum(1 for char in text if not unicodedata.combining(char))


@dataclass(frozen=True)
class Morpheme:
    form: str
    """IPA of the morpheme."""
    gloss: str
    """Lexeme gloss (``river``, ``1SG``) or grammatical tag (``PL``)."""
    joiner: str = "-"
    """How it joins the morpheme before it: ``-`` affix, ``~`` reduplication."""


@dataclass(frozen=True)
class GlossedWord:
    morphemes: tuple[Morpheme, ...]
    form: str
    """The whole word as spoken (IPA), epenthetic vowels included."""

    def segmented(self) -> str:
        text = self.morphemes[0].form
        for morpheme in self.morphemes[1:]:
            text += morpheme.joiner + morpheme.form
        return text

    def gloss(self) -> str:
        text = self.morphemes[0].gloss
        for morpheme in self.morphemes[1:]:
            text += morpheme.joiner + morpheme.gloss
        return text


@dataclass(frozen=True)
class Translation:
    """A translated sentence: text, romanisation, glossed words and the English it came from."""

    language: str
    english: str
    text: str
    """IPA, words separated by spaces."""
    romanised: str
    words: tuple[GlossedWord, ...]
    coined: tuple[LexiconEntry, ...] = field(default=())
    """Lexicon entries invented for English words the lexicon lacked."""

    @property
    def gloss(self) -> str:
        return " ".join(word.gloss() for word in self.words)

    def interlinear(self, spec: LanguageSpec) -> str:
        """Leipzig-style lines: romanised (segmented), IPA (segmented), gloss, free translation."""
        columns = [
            (
                romanise_text(spec, word.segmented()),
                word.segmented(),
                word.gloss(),
            )
            for word in self.words
        ]
        widths = [max(_display_width(part) for part in column) for column in columns]
        lines = []
        for row in range(3):
            cells = [
                column[row] + " " * (width - _display_width(column[row]))
                for column, width in zip(columns, widths, strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
        lines.append(f"'{self.english}'")
        return "\n".join(lines)


@dataclass
class _NounPhrase:
    head: str
    pos: str = "noun"
    plural: bool = False
    definite: bool = False
    adjectives: list[str] = field(default_factory=list)
    demonstrative: str | None = None


@dataclass
class _Clause:
    subject: _NounPhrase | None = None
    verb: str | None = None
    tense: str = "present"
    negative: bool = False
    progressive: bool = False
    obj: _NounPhrase | None = None
    obliques: list[tuple[str, _NounPhrase]] = field(default_factory=list)


class _Lexicon:
    """The language's lexicon plus the words coined during one translation."""

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec
        self.entries: dict[tuple[str, str], str] = {}
        self.by_gloss: dict[str, set[str]] = {}
        for entry in spec.lexicon:
            self.entries.setdefault((entry.gloss, entry.pos), entry.form)
            self.by_gloss.setdefault(entry.gloss, set()).add(entry.pos)
        self.taken = {entry.form for entry in spec.lexicon}
        self.coined: list[LexiconEntry] = []

    def has(self, gloss: str, pos: str) -> bool:
        return pos in self.by_gloss.get(gloss, set())

    def form(self, gloss: str, pos: str) -> str:
        if (gloss, pos) not in self.entries:
            known = sorted(self.by_gloss.get(gloss, set()))
            if known:  # the same lemma under another part of speech serves
                return self.entries[(gloss, known[0])]
            form = coin_for_gloss(self.spec, gloss, pos, self.taken)
            self.entries[(gloss, pos)] = form
            self.by_gloss.setdefault(gloss, set()).add(pos)
            self.taken.add(form)
            self.coined.append(LexiconEntry(form=form, gloss=gloss, pos=pos))  # type: ignore[arg-type]
        return self.entries[(gloss, pos)]


def _verb_lemma(word: str, lexicon: _Lexicon) -> tuple[str, str]:
    """(lemma, tense) of an English verb form; a lemma the lexicon knows is preferred."""
    if lexicon.has(word, "verb"):
        return word, "present"
    if word in _IRREGULAR_VERBS:
        return _IRREGULAR_VERBS[word], "present" if word in ("is", "are", "am") else "past"
    candidates: list[str] = []
    tense = "present"
    if word.endswith("ed") and len(word) > 3:
        tense = "past"
        stem = word[:-2]
        candidates = [stem, stem + "e", stem[:-1], word[:-3] + "y"]
        if stem.endswith(("v", "z", "c", "g")):
            candidates.insert(0, stem + "e")  # loved, gazed, danced: the e belongs to the stem
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
            candidates.insert(0, stem[:-1])  # stopped -> stop
    elif word.endswith("ies") and len(word) > 4:
        candidates = [word[:-3] + "y"]
    elif word.endswith(("ches", "shes", "sses", "xes", "oes")):
        candidates = [word[:-2], word[:-1]]
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        candidates = [word[:-1]]
    candidates.append(word)
    for candidate in candidates:
        if lexicon.has(candidate, "verb"):
            return candidate, tense
    return candidates[0], tense


def _noun_lemma(word: str) -> tuple[str, bool]:
    """(lemma, plural) of an English noun form."""
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word], True
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y", True
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2], True
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 2:
        return word[:-1], True
    return word, False


def _parse_noun_phrase(tokens: list[str], lexicon: _Lexicon) -> _NounPhrase:
    """The last content word is the head; earlier ones are adjectives."""
    phrase = _NounPhrase(head="")
    content = []
    for token in tokens:
        if token in _DETERMINERS:
            phrase.definite = _DETERMINERS[token] == "definite"
        elif token in _DEMONSTRATIVES:
            phrase.demonstrative = "this" if token in ("this", "these") else "that"
            phrase.plural = token in ("these", "those")
        else:
            content.append(token)
    if not content:
        if phrase.demonstrative:
            return _NounPhrase(head=phrase.demonstrative, pos="pronoun")
        raise ValueError("a noun phrase has no noun")
    head = content[-1]
    if head in _SUBJECT_PRONOUNS or head in _OBJECT_PRONOUNS:
        return _NounPhrase(head=_OBJECT_PRONOUNS.get(head, head), pos="pronoun")
    lemma, plural = _noun_lemma(head)
    if lexicon.has(head, "noun") or (lexicon.has(head, "adjective") and len(content) == 1):
        lemma, plural = head, False
    phrase.head = lemma
    phrase.plural = phrase.plural or plural
    if lexicon.has(lemma, "adjective") and not lexicon.has(lemma, "noun") and len(content) == 1:
        phrase.pos = "adjective"
    phrase.adjectives = content[:-1]
    return phrase


def _is_verb_candidate(token: str, lexicon: _Lexicon) -> bool:
    lemma, _ = _verb_lemma(token, lexicon)
    return lexicon.has(lemma, "verb") or token in _IRREGULAR_VERBS


def _is_function_word(token: str) -> bool:
    return (
        token in _DETERMINERS
        or token in _DEMONSTRATIVES
        or token in _ADPOSITIONS
        or token in _NEGATIONS
        or token in _AUXILIARIES
    )


def _guess_verb(tokens: list[str], lexicon: _Lexicon) -> int | None:
    """Where the verb is when the lexicon knows none of the words: after the subject phrase,
    preferring a word with verb endings, never a word the lexicon knows as noun or adjective."""
    candidates = []
    for index in range(1, len(tokens)):
        previous, token = tokens[index - 1], tokens[index]
        if _is_function_word(token) or token in _SUBJECT_PRONOUNS or token in _OBJECT_PRONOUNS:
            continue
        if lexicon.has(token, "noun") or lexicon.has(token, "adjective"):
            continue
        if previous in _DETERMINERS or previous in _DEMONSTRATIVES:
            continue
        candidates.append(index)
    for index in candidates:
        if tokens[index].endswith(("ed", "s")) and not tokens[index].endswith("ss"):
            return index
    return candidates[0] if candidates else None


def _parse_clause(tokens: list[str], lexicon: _Lexicon) -> _Clause:
    clause = _Clause()
    # The verb: a known verb after the subject, else the word after the subject noun phrase.
    verb_index = None
    start = 0
    if tokens and (tokens[0] in _SUBJECT_PRONOUNS or tokens[0] in _OBJECT_PRONOUNS):
        start = 1
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token in _AUXILIARIES or token in _NEGATIONS or token in _ADPOSITIONS:
            continue
        if token in _DETERMINERS or token in _DEMONSTRATIVES:
            continue
        if (
            index > 0
            and _is_verb_candidate(token, lexicon)
            and tokens[index - 1] not in _DETERMINERS
        ):
            verb_index = index
            break
    if verb_index is None:
        verb_index = _guess_verb(tokens, lexicon)
    if verb_index is None:
        raise ValueError(
            "could not find the verb; write a simple clause like 'the river remembers the stone'"
        )
    before = tokens[:verb_index]
    helpers = [t for t in before if t in _AUXILIARIES or t in _NEGATIONS]
    subject_tokens = [t for t in before if t not in helpers]
    if subject_tokens:
        clause.subject = _parse_noun_phrase(subject_tokens, lexicon)
    clause.negative = any(t in _NEGATIONS for t in helpers)
    lemma, tense = _verb_lemma(tokens[verb_index], lexicon)
    if "will" in helpers or "shall" in helpers:
        tense = "future"
    elif "did" in helpers or "was" in helpers or "were" in helpers:
        tense = "past"
    if tokens[verb_index].endswith("ing") and any(h in helpers for h in _AUXILIARIES):
        clause.progressive = True
        lemma = tokens[verb_index][:-3]
        if lexicon.has(lemma + "e", "verb"):
            lemma += "e"
    clause.verb, clause.tense = lemma, tense
    # After the verb: an object noun phrase, then phrases opened by adpositions.
    rest = tokens[verb_index + 1 :]
    while rest and rest[0] in _NEGATIONS:
        clause.negative = True
        rest = rest[1:]
    pieces: list[tuple[str | None, list[str]]] = [(None, [])]
    for token in rest:
        if token in _ADPOSITIONS:
            pieces.append((token, []))
        elif token not in _NEGATIONS:
            pieces[-1][1].append(token)
    if pieces[0][1]:
        clause.obj = _parse_noun_phrase(pieces[0][1], lexicon)
    for adposition, phrase_tokens in pieces[1:]:
        if phrase_tokens and adposition is not None:
            clause.obliques.append((adposition, _parse_noun_phrase(phrase_tokens, lexicon)))
    return clause


def _affix(spec: LanguageSpec, gloss: str, pos: str) -> Affix | None:
    return next((a for a in spec.morphology if a.gloss == gloss and a.applies_to == pos), None)


def _first_syllable(spec: LanguageSpec, form: str) -> str:
    segments = split_segments(form)
    vowels = set(spec.vowels)
    for index, segment in enumerate(segments):
        if segment in vowels or segment[:1] in vowels:
            return "".join(segments[: index + 1])
    return form


def _repair(
    spec: LanguageSpec, prefixes: list[Morpheme], stem: str, suffixes: list[Morpheme], word: str
) -> tuple[list[Morpheme], list[Morpheme], str]:
    """Insert the epenthetic vowel at the fewest joins (nearest the stem first) that make the word
    legal; the vowel goes on the affix side of the join. Unrepairable words are left as they are."""
    from itertools import combinations

    vowel = spec.epenthetic_vowel or ""
    # Joins numbered outwards from the stem: ("prefix", i) / ("suffix", i).
    joins = [("suffix", i) for i in range(len(suffixes))] + [
        ("prefix", i) for i in range(len(prefixes))
    ]
    joins.sort(key=lambda join: join[1])
    phonotactics = spec.phonotactics()
    for count in range(1, len(joins) + 1):
        for chosen in combinations(joins, count):
            new_prefixes = [
                Morpheme(m.form + vowel, m.gloss, m.joiner) if ("prefix", i) in chosen else m
                for i, m in enumerate(prefixes)
            ]
            new_suffixes = [
                Morpheme(vowel + m.form, m.gloss, m.joiner) if ("suffix", i) in chosen else m
                for i, m in enumerate(suffixes)
            ]
            candidate = (
                "".join(m.form for m in new_prefixes) + stem + "".join(m.form for m in new_suffixes)
            )
            if phonotactics.is_legal(candidate):
                return new_prefixes, new_suffixes, candidate
    return prefixes, suffixes, word


def _inflect(spec: LanguageSpec, stem: str, gloss: str, pos: str, tags: list[str]) -> GlossedWord:
    """A stem with the affixes for ``tags`` (those the language marks), repaired if needed."""
    phonotactics = spec.phonotactics()
    prefixes: list[Morpheme] = []
    suffixes: list[Morpheme] = []
    applicable = [a for a in spec.morphology if a.applies_to == pos and a.gloss in tags]
    # Affixes stack outwards from the stem: number/aspect nearest, case/polarity outermost.
    applicable.sort(key=lambda a: -1 if a.process == "reduplication" else _SLOT.get(a.category, 1))
    for affix in applicable:
        if affix.process == "reduplication":
            prefixes.insert(0, Morpheme(_first_syllable(spec, stem), affix.gloss, "~"))
        elif affix.process == "prefix":
            prefixes.insert(0, Morpheme(affix.form, affix.gloss))
        else:
            suffixes.append(Morpheme(affix.form, affix.gloss))
    stem_morpheme = Morpheme(stem, gloss)
    word = "".join(m.form for m in prefixes) + stem + "".join(m.form for m in suffixes)
    if spec.epenthetic_vowel and not phonotactics.is_legal(word):
        prefixes, suffixes, word = _repair(spec, prefixes, stem, suffixes, word)
    morphemes = tuple(prefixes) + (stem_morpheme,) + tuple(suffixes)
    # A prefix's joiner sits between it and what follows; rewrite so the text reads left to right.
    ordered = [Morpheme(morphemes[0].form, morphemes[0].gloss)]
    for previous, morpheme in zip(morphemes, morphemes[1:], strict=False):
        joiner = previous.joiner if previous in prefixes else morpheme.joiner
        ordered.append(Morpheme(morpheme.form, morpheme.gloss, joiner))
    return GlossedWord(tuple(ordered), word)


def _lexeme_gloss(gloss: str, pos: str) -> str:
    if pos == "pronoun" and gloss in _PRONOUN_GLOSS:
        return _PRONOUN_GLOSS[gloss]
    return gloss.replace(" ", ".")


def _noun_phrase_words(
    spec: LanguageSpec, lexicon: _Lexicon, phrase: _NounPhrase, case: str | None
) -> list[GlossedWord]:
    tags = []
    if phrase.plural:
        tags.append("PL")
    if phrase.definite:
        tags.append("DEF")
    if case:
        tags.append(case)
    head_pos = phrase.pos
    if head_pos == "pronoun":
        tags = [case] if case else []  # pronouns take the noun's case affix only
    head = _inflect(
        spec,
        lexicon.form(phrase.head, head_pos),
        _lexeme_gloss(phrase.head, head_pos),
        "noun",
        tags,
    )
    adjectives = [
        _inflect(spec, lexicon.form(a, "adjective"), _lexeme_gloss(a, "adjective"), "adjective", [])
        for a in phrase.adjectives
    ]
    words = [head, *adjectives] if spec.adjective_position == "after" else [*adjectives, head]
    if phrase.demonstrative and phrase.pos != "pronoun":
        demonstrative = _inflect(
            spec, lexicon.form(phrase.demonstrative, "pronoun"), phrase.demonstrative, "pronoun", []
        )
        words.insert(0, demonstrative)
    return words


def translate(spec: LanguageSpec, english: str) -> Translation:
    """Translate simple English clauses (sentences split at . ! ? ;) into the language.

    ValueError (with a hint) if a sentence has no recognisable verb.
    """
    if len(english) > LIMITS.text_length:
        raise ValueError(
            f"the English text is {len(english)} characters; "
            f"at most {LIMITS.text_length} are accepted"
        )
    lexicon = _Lexicon(spec)
    words: list[GlossedWord] = []
    sentences = [s for s in re.split(r"[.!?;]+", english.lower()) if s.strip()]
    if not sentences:
        raise ValueError("nothing to translate: the English text is empty")
    for sentence in sentences:
        tokens = _WORD.findall(sentence.replace("n't", " n't"))
        if not tokens:
            continue
        clause = _parse_clause(tokens, lexicon)
        words += _clause_words(spec, lexicon, clause)
    text = " ".join(word.form for word in words)
    return Translation(
        language=spec.name,
        english=english.strip(),
        text=text,
        romanised=" ".join(romanise_word(spec, word.form) for word in words),
        words=tuple(words),
        coined=tuple(lexicon.coined),
    )


def _clause_words(spec: LanguageSpec, lexicon: _Lexicon, clause: _Clause) -> list[GlossedWord]:
    roles: dict[str, list[GlossedWord]] = {}
    accusative = "ACC" if _affix(spec, "ACC", "noun") else None
    if clause.subject:
        roles["S"] = _noun_phrase_words(spec, lexicon, clause.subject, None)
    if clause.obj:
        roles["O"] = _noun_phrase_words(spec, lexicon, clause.obj, accusative)
    tags = []
    if clause.tense == "past":
        tags.append("PST")
    elif clause.tense == "future":
        tags.append("FUT")
    if clause.progressive:
        tags.append("PROG")
    verb_words = []
    if clause.negative:
        if _affix(spec, "NEG", "verb"):
            tags.append("NEG")
        else:
            verb_words.append(
                _inflect(spec, lexicon.form("not", "particle"), "NEG", "particle", [])
            )
    assert clause.verb is not None
    verb_words.append(
        _inflect(
            spec,
            lexicon.form(clause.verb, "verb"),
            _lexeme_gloss(clause.verb, "verb"),
            "verb",
            tags,
        )
    )
    roles["V"] = verb_words
    obliques = []
    for adposition, phrase in clause.obliques:
        adposition_word = _inflect(
            spec, lexicon.form(adposition, "adposition"), adposition, "adposition", []
        )
        phrase_words = _noun_phrase_words(spec, lexicon, phrase, None)
        if spec.adposition == "preposition":
            obliques += [adposition_word, *phrase_words]
        else:
            obliques += [*phrase_words, adposition_word]
    words: list[GlossedWord] = []
    verb_final = spec.word_order.endswith("V")
    for role in spec.word_order:
        if role == "V" and verb_final:
            words += obliques
        words += roles.get(role, [])
    if not verb_final:
        words += obliques
    return words


def with_coined(spec: LanguageSpec, coined: tuple[LexiconEntry, ...]) -> LanguageSpec:
    """A copy of the language whose lexicon also holds the coined entries (validated)."""
    known = {(entry.gloss, entry.pos) for entry in spec.lexicon}
    extra = [entry for entry in coined if (entry.gloss, entry.pos) not in known]
    data = spec.model_dump(exclude_defaults=True)
    data["lexicon"] = [e.model_dump(exclude_defaults=True) for e in spec.lexicon + tuple(extra)]
    return LanguageSpec.model_validate(data)


def inflected_forms(spec: LanguageSpec) -> list[str]:
    """Every lexicon word with every combination of the affixes its part of speech takes."""
    from itertools import combinations

    tags_by_pos: dict[str, list[str]] = {}
    for affix in spec.morphology:
        tags_by_pos.setdefault(affix.applies_to, []).append(affix.gloss)
    forms = []
    for entry in spec.lexicon:
        forms.append(entry.form)
        tags = tags_by_pos.get("noun" if entry.pos == "pronoun" else entry.pos, [])
        for count in range(1, len(tags) + 1):
            for chosen in combinations(tags, count):
                forms.append(_inflect(spec, entry.form, entry.gloss, entry.pos, list(chosen)).form)
    return list(dict.fromkeys(forms))
