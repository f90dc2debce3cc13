"""The procedural language generator: a seed and a few flavour settings -> a ``LanguageSpec``.

Owns: ``LanguageFlavour``, ``generate_language`` (inventory, classes, weighted syllable templates,
forbidden sequences, phoneme frequencies, stress, tone, morphology, word order and a core lexicon
of Swadesh-style meanings plus the world's own concepts) and ``generate_sound_changes`` (plausible
ordered changes for a daughter language; ``engine.language.daughter`` applies them).
Everything is decided by ``random.Random(seed)``: the same seed and flavour give the same language.
Produces ``engine.rules`` models only; the language model drives this through the same function.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from engine.language.features import sound_of
from engine.language.words import coin_word
from engine.rules.language import Affix, LanguageSpec, LexiconEntry, SyllableTemplate, Voice

# Swadesh-style core meanings with their parts of speech, then a few the translator needs.
CORE_MEANINGS: tuple[tuple[str, str], ...] = tuple(
    (gloss, pos)
    for pos, glosses in (
        ("pronoun", "i you he she it we they this that who what"),
        ("determiner", "all many"),
        ("numeral", "one two three"),
        ("particle", "not"),
        ("conjunction", "and"),
        ("adposition", "in on under with to from"),
        (
            "adjective",
            "big long small old new good bad red green yellow white black hot cold full round dry "
            "far near bright dark",
        ),
        (
            "noun",
            "woman man person child fish bird dog louse tree seed leaf root bark skin flesh blood "
            "bone grease egg horn tail feather hair head ear eye nose mouth tooth tongue claw foot "
            "knee hand belly neck breast heart liver sun moon star water rain stone sand earth "
            "cloud smoke fire ash path mountain night day name river sea sky wind light sound "
            "time world house song word",
        ),
        (
            "verb",
            "drink eat bite see hear know sleep die kill swim fly walk come lie sit stand give "
            "say burn remember forget speak sing make go fall rise hold find love fear",
        ),
    )
    for gloss in glosses.split()
)

# Consonants by how commonly languages have them (rank), with how harsh they sound (0..1).
_CONSONANT_POOL: tuple[tuple[str, float], ...] = (
    ("t", 0.5),
    ("n", 0.1),
    ("k", 0.6),
    ("m", 0.1),
    ("p", 0.5),
    ("s", 0.5),
    ("j", 0.0),
    ("l", 0.1),
    ("w", 0.0),
    ("h", 0.3),
    ("ŋ", 0.2),
    ("b", 0.3),
    ("d", 0.3),
    ("ɡ", 0.4),
    ("r", 0.4),
    ("ɾ", 0.2),
    ("t͡ʃ", 0.7),
    ("ʃ", 0.6),
    ("f", 0.5),
    ("ʔ", 0.8),
    ("z", 0.4),
    ("ɲ", 0.1),
    ("v", 0.3),
    ("x", 0.8),
    ("t͡s", 0.8),
    ("d͡ʒ", 0.5),
    ("q", 0.9),
    ("χ", 1.0),
    ("β", 0.2),
    ("ɣ", 0.6),
    ("ð", 0.3),
    ("θ", 0.5),
    ("ɬ", 0.9),
    ("ʒ", 0.4),
    ("ħ", 1.0),
    ("ʕ", 0.9),
    ("kʰ", 0.9),
    ("pʰ", 0.8),
    ("tʰ", 0.8),
    ("ʎ", 0.1),
    ("ɸ", 0.4),
    ("ʁ", 0.9),
)
# Vowel systems grow in this order (typologically common first); later ones vary by seed.
_VOWEL_ORDER = ("a", "i", "u", "e", "o", "ə", "ɛ", "ɔ", "ɨ", "y", "æ", "ø", "ɯ", "ʌ", "œ", "ɒ")
_WORD_ORDERS = (("SOV", 45), ("SVO", 42), ("VSO", 9), ("VOS", 3), ("OVS", 1), ("OSV", 1))


@dataclass(frozen=True)
class LanguageFlavour:
    """The few settings a person or a language model chooses; the seed decides the rest."""

    harshness: float = 0.5
    """0 soft (sonorants, voiced sounds, open syllables) .. 1 harsh (uvulars, clusters, codas)."""
    vowel_count: int = 5
    """Number of vowel qualities, 3..16."""
    clusters: bool = True
    """Whether syllables may begin or end with consonant clusters."""
    tone: bool = False
    """Whether syllables carry lexical tone."""
    name: str | None = None
    """The language's name (coined from the seed when None)."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.harshness <= 1.0:
            raise ValueError(f"harshness must be between 0 and 1, got {self.harshness}")
        if not 3 <= self.vowel_count <= len(_VOWEL_ORDER):
            raise ValueError(
                f"vowel_count must be between 3 and {len(_VOWEL_ORDER)}, got {self.vowel_count}"
            )


def _manner(consonant: str) -> str:
    sound = sound_of(consonant)
    assert sound is not None and sound.manner is not None, consonant  # the pool is all table IPA
    return sound.manner


def _pick_consonants(rng: random.Random, flavour: LanguageFlavour) -> list[str]:
    size = rng.randint(11, 16) + round(8 * flavour.harshness) + rng.randint(0, 4)
    chosen = ["t", "n", "k", "m", "p"]  # nearly universal
    candidates = [c for c, _ in _CONSONANT_POOL if c not in chosen]
    harshness_of = dict(_CONSONANT_POOL)
    weights = []
    for rank, consonant in enumerate(candidates):
        fit = 1.0 - abs(harshness_of[consonant] - flavour.harshness)
        weights.append((fit**3 + 0.02) / (1 + rank) ** 0.5)
    while len(chosen) < size and candidates:
        index = rng.choices(range(len(candidates)), weights)[0]
        chosen.append(candidates.pop(index))
        weights.pop(index)
    if not any(_manner(c) in ("trill", "tap", "lateral-approximant") for c in chosen):
        chosen.append(rng.choice(["l", "r", "ɾ"]))
    order = {c: i for i, (c, _) in enumerate(_CONSONANT_POOL)}
    return sorted(chosen, key=lambda c: order.get(c, len(order)))


def _pick_vowels(rng: random.Random, count: int) -> list[str]:
    core = list(_VOWEL_ORDER[: min(count, 5)])
    rest = list(_VOWEL_ORDER[5:])
    # The first extra vowels are the common ones; shuffle lightly so systems differ by seed.
    chosen = list(core)
    while len(chosen) < count:
        pick = rest.pop(min(len(rest) - 1, int(rng.expovariate(1.0))))
        chosen.append(pick)
    return chosen


def _classes(consonants: list[str]) -> dict[str, tuple[str, ...]]:
    def manner_in(*manners: str) -> tuple[str, ...]:
        return tuple(c for c in consonants if _manner(c) in manners)

    classes = {
        "P": manner_in("stop", "fricative", "affricate", "lateral-fricative"),
        "N": manner_in("nasal"),
        "L": manner_in("trill", "tap", "lateral-approximant", "approximant"),
    }
    return {name: members for name, members in classes.items() if members}


def _templates(
    rng: random.Random, flavour: LanguageFlavour, classes: dict[str, tuple[str, ...]]
) -> list[SyllableTemplate]:
    templates = {"CV": 6.0, "V": 1.0 + 2 * (1 - flavour.harshness)}
    coda_weight = 0.5 + 3 * flavour.harshness * rng.uniform(0.5, 1.0)
    if flavour.harshness > 0.35:
        templates["CVC"] = coda_weight
    elif "N" in classes:
        templates["CVN"] = coda_weight
    if flavour.clusters:
        if "P" in classes and "L" in classes:
            templates["PLV"] = 0.6 + flavour.harshness
        if flavour.harshness > 0.5:
            templates["CVCC"] = 0.3 + flavour.harshness * 0.5
        if "N" in classes and rng.random() < 0.5:
            templates["VN"] = 0.5
    return [SyllableTemplate(pattern=p, weight=round(w, 3)) for p, w in templates.items()]


def _forbidden(rng: random.Random, flavour: LanguageFlavour, consonants: list[str]) -> list[str]:
    forbidden = []
    if "ŋ" in consonants and rng.random() < 0.7:
        forbidden.append("#ŋ")
    if "h" in consonants:
        forbidden += ["h#", "hC"]
    if flavour.harshness < 0.7 or rng.random() < 0.5:
        forbidden.append("VV")  # no vowel hiatus
    if flavour.clusters:
        forbidden.append("CCC")
    if "ʔ" in consonants:
        forbidden.append("ʔC")
    return forbidden


def _weights(consonants: list[str], vowels: list[str]) -> dict[str, float]:
    """Zipf-like phoneme frequencies: common sounds are used much more than rare ones."""
    weights = {}
    for group in (consonants, vowels):
        for rank, phoneme in enumerate(group):
            weights[phoneme] = round(1.0 / (1 + rank) ** 0.7, 3)
    return weights


def _morphology(
    rng: random.Random, spec: LanguageSpec, word_order: str, taken: set[str]
) -> list[Affix]:
    suffixing = rng.random() < (0.8 if word_order.index("V") > word_order.index("O") else 0.55)
    process = "suffix" if suffixing else "prefix"
    one_syllable = spec.model_copy(update={"min_syllables": 1, "max_syllables": 1})
    wanted: list[tuple[str, str, str, str]] = [
        ("number", "plural", "PL", "noun"),
        ("tense", "past", "PST", "verb"),
    ]
    if rng.random() < 0.6:
        wanted.append(("tense", "future", "FUT", "verb"))
    if rng.random() < 0.5:
        wanted.append(("case", "accusative", "ACC", "noun"))
    if rng.random() < 0.4:
        wanted.append(("definiteness", "definite", "DEF", "noun"))
    if rng.random() < 0.3:
        wanted.append(("aspect", "progressive", "PROG", "verb"))
    if rng.random() < 0.4:
        wanted.append(("polarity", "negative", "NEG", "verb"))
    affixes = []
    for category, value, gloss, pos in wanted:
        if category == "number" and rng.random() < 0.2:
            affixes.append(
                Affix(
                    category=category,
                    value=value,
                    gloss=gloss,
                    applies_to=pos,  # type: ignore[arg-type]
                    process="reduplication",
                )
            )
            continue
        form = coin_word(one_syllable, rng, taken)
        taken.add(form)
        affixes.append(
            Affix(
                category=category,
                value=value,
                gloss=gloss,
                applies_to=pos,  # type: ignore[arg-type]
                process=process,
                form=form,
            )
        )
    return affixes


def _concept_meanings(concepts: list[str]) -> list[tuple[str, str]]:
    """World concepts as (gloss, pos): "crystal" is a noun, "glow:verb" names its part of speech."""
    meanings = []
    for concept in concepts:
        gloss, _, pos = concept.strip().lower().partition(":")
        meanings.append((gloss.strip(), pos.strip() or "noun"))
    return meanings


def generate_language(
    seed: int, flavour: LanguageFlavour | None = None, concepts: list[str] | None = None
) -> LanguageSpec:
    """A complete, valid language from a seed, flavour settings and the world's own concepts."""
    flavour = flavour or LanguageFlavour()
    rng = random.Random(f"heterocosm-language-{seed}")
    consonants = _pick_consonants(rng, flavour)
    vowels = _pick_vowels(rng, flavour.vowel_count)
    classes = _classes(consonants)
    tones: tuple[str, ...] = ()
    if flavour.tone:
        tones = rng.choice([("high", "low"), ("high", "mid", "low"), ("high", "low", "falling")])
    stress = "none" if tones else rng.choice(["initial", "penultimate", "final", "initial"])
    word_order = rng.choices([o for o, _ in _WORD_ORDERS], [w for _, w in _WORD_ORDERS])[0]
    verb_final = word_order.index("V") > word_order.index("O")
    skeleton = LanguageSpec(
        name=flavour.name or "Unnamed",
        seed=seed,
        consonants=tuple(consonants),
        vowels=tuple(vowels),
        classes=classes,
        syllables=tuple(_templates(rng, flavour, classes)),
        forbidden=tuple(_forbidden(rng, flavour, consonants)),
        weights=_weights(consonants, vowels),
        min_syllables=1,
        max_syllables=2 + (rng.random() < 0.6),
        stress=stress,  # type: ignore[arg-type]
        tones=tones,  # type: ignore[arg-type]
        epenthetic_vowel="ə" if "ə" in vowels else rng.choice(vowels[:3]),
        word_order=word_order,  # type: ignore[arg-type]
        adjective_position="before" if rng.random() < (0.6 if verb_final else 0.3) else "after",
        adposition="postposition" if verb_final else "preposition",
        voice=Voice(
            pitch_hz=round(rng.uniform(85.0, 220.0), 1),
            rate=round(rng.uniform(0.85, 1.15), 2),
        ),
    )
    if flavour.name is None:
        name_rng = random.Random(f"heterocosm-language-name-{seed}")
        two_syllables = skeleton.model_copy(update={"min_syllables": 2, "max_syllables": 2})
        from engine.language.romanise import romanise_word

        spelt = romanise_word(skeleton, coin_word(two_syllables, name_rng)).replace("'", "")
        skeleton = skeleton.model_copy(update={"name": spelt[:1].upper() + spelt[1:]})
    taken: set[str] = set()
    morphology = _morphology(rng, skeleton, word_order, taken)
    lexicon = []
    seen: set[tuple[str, str]] = set()
    for gloss, pos in list(CORE_MEANINGS) + _concept_meanings(concepts or []):
        if (gloss, pos) in seen or not gloss:
            continue
        seen.add((gloss, pos))
        # Grammatical words are short, as in natural languages.
        short = pos in ("pronoun", "particle", "conjunction", "adposition", "determiner")
        source = skeleton.model_copy(update={"max_syllables": 1}) if short else skeleton
        form = coin_word(source, rng, taken)
        taken.add(form)
        lexicon.append(LexiconEntry(form=form, gloss=gloss, pos=pos, proto=form))  # type: ignore[arg-type]
    return LanguageSpec.model_validate(
        {
            **skeleton.model_dump(exclude_defaults=True),
            "morphology": [a.model_dump(exclude_defaults=True) for a in morphology],
            "lexicon": [e.model_dump(exclude_defaults=True) for e in lexicon],
        }
    )


# Sound-change menu: (change, what the parent must have for it to do anything).
_CHANGE_MENU: tuple[tuple[str, str], ...] = (
    ("[-voice +stop] > [+voice] / V_V", "p t k"),
    ("[+stop] > [+fricative] / V_V", "b d ɡ p t k"),
    ("[+velar +stop] > [+postalveolar +affricate] / _[+front]", "k ɡ"),
    ("[+stop] > [-voice] / _#", "b d ɡ"),
    ("h > ∅", "h"),
    ("s > h / V_V", "s"),
    ("e > i / _#", "e"),
    ("o > u / _#", "o"),
    ("a > ə / _#", "a"),
    ("V > ∅ / VC_#", "a i u e o"),
    ("n > ŋ / _[+velar]", "n"),
    ("[+nasal] > m / _[+bilabial]", "n ŋ"),
    ("l > r / V_V", "l"),
    ("w > v", "w"),
    ("t͡ʃ > ʃ", "t͡ʃ"),
    ("a > ɔ / _[+labial]", "a"),
    ("u > y / _[+coronal]", "u"),
    ("[+fricative] > h / #_", "s f x"),
)


def generate_sound_changes(parent: LanguageSpec, seed: int, count: int = 5) -> list[str]:
    """Plausible ordered sound changes for a daughter of ``parent`` (each touches its sounds)."""
    rng = random.Random(f"heterocosm-sound-changes-{parent.name}-{seed}")
    inventory = set(parent.consonants + parent.vowels)
    usable = [change for change, needs in _CHANGE_MENU if inventory & set(needs.split())]
    rng.shuffle(usable)
    chosen = usable[:count]
    # Keep the menu's order: it is roughly chronological (lenition before final loss).
    return [change for change, _ in _CHANGE_MENU if change in chosen]
