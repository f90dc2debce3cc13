"""Daughter languages and dialects: a parent language after further sound changes.

Owns: ``derive_daughter``. The parent is never modified. Every lexicon entry keeps its proto-form;
the daughter's ``sound_changes`` are the parent's followed by the new ones, so each form is still
``proto`` after all of them (the world model checks this). What the changes do to the sound
system is read back from the result: the inventory is what the words and affixes now use, the
syllable templates are the consonant/vowel shapes the words now have (plus the parent's), and the
parent's forbidden sequences are kept where the daughter's words still obey them.
"""

from __future__ import annotations

from collections import Counter

from engine.language.features import sound_of, split_segments, strip_tone
from engine.language.notation import parse_pattern, parse_sound_change
from engine.language.phonotactics import token_matches
from engine.language.soundchange import apply_changes
from engine.rules.language import LanguageSpec

_MAX_TEMPLATES = 64


def _shapes(spec_sounds: dict, word: str) -> list[str]:
    """The word's syllables as C/V shapes: vowels are nuclei, one consonant opens each syllable."""
    kinds = []
    for segment in split_segments(word):
        toneless, _ = strip_tone(segment)
        sound = spec_sounds.get(toneless) or sound_of(toneless)
        kinds.append("V" if sound is not None and sound.kind == "vowel" else "C")
    nuclei = [index for index, kind in enumerate(kinds) if kind == "V"]
    if not nuclei:
        return ["".join(kinds)]
    shapes = []
    start = 0
    for number, nucleus in enumerate(nuclei):
        if number + 1 < len(nuclei):
            following = nuclei[number + 1]
            # Between two vowels, the last consonant (if any) begins the next syllable.
            end = following - 1 if following - nucleus > 1 else following
        else:
            end = len(kinds)
        shapes.append("".join(kinds[start:end]))
        start = end
    return shapes


def _pattern_occurs(spec: LanguageSpec, pattern_text: str, word: str) -> bool:
    classes = spec.all_classes()
    sounds = spec.sounds()
    tokens = parse_pattern(pattern_text, frozenset(classes), frozenset(sounds))
    padded = ["#", *split_segments(word), "#"]
    for start in range(len(padded) - len(tokens) + 1):
        window = padded[start : start + len(tokens)]
        if all(
            (segment == "#")
            if token.kind == "boundary"
            else (segment != "#" and token_matches(token, segment, classes, sounds))
            for token, segment in zip(tokens, window, strict=True)
        ):
            return True
    return False


def derive_daughter(
    parent: LanguageSpec, changes: list[str], name: str, description: str = ""
) -> LanguageSpec:
    """The language ``parent`` becomes after ``changes`` (readable notation, applied in order)."""
    classes = parent.all_classes()
    sounds = parent.sounds()
    parsed = [
        parse_sound_change(change, frozenset(classes), frozenset(sounds)) for change in changes
    ]

    def evolve(word: str) -> str:
        return apply_changes(parsed, word, classes, sounds)

    lexicon = []
    for entry in parent.lexicon:
        lexicon.append(entry.model_copy(update={"form": evolve(entry.form)}))
    morphology = [
        affix.model_copy(update={"form": evolve(affix.form)}) if affix.form else affix
        for affix in parent.morphology
    ]
    # Each parent phoneme as it sounds now, when the change applies to it on its own.
    mapped = {}
    for phoneme in parent.consonants + parent.vowels:
        result = split_segments(evolve(phoneme))
        if len(result) == 1:
            mapped[phoneme] = result[0]
    used: list[str] = list(mapped.values())
    for word in [entry.form for entry in lexicon] + [affix.form for affix in morphology]:
        used += [strip_tone(segment)[0] for segment in split_segments(word)] if word else []
    epenthetic = parent.epenthetic_vowel
    if epenthetic is not None:
        epenthetic = mapped.get(epenthetic, epenthetic)
        used.append(epenthetic)
    inventory = list(dict.fromkeys(used))
    consonants = [p for p in inventory if (sounds.get(p) or sound_of(p)).kind == "consonant"]  # type: ignore[union-attr]
    vowels = [p for p in inventory if p not in consonants]

    shape_counts: Counter[str] = Counter()
    for entry in lexicon:
        shape_counts.update(_shapes(sounds, entry.form))
    parent_weight: dict[str, float] = {}
    for template in parent.syllables:
        # Parent classes other than V are all consonant classes in generated languages.
        shape = "".join("V" if letter == "V" else "C" for letter in template.pattern)
        parent_weight[shape] = parent_weight.get(shape, 0.0) + template.weight
    total = sum(shape_counts.values()) or 1
    weighted = {
        shape: round(10.0 * count / total + parent_weight.get(shape, 0.0), 3)
        for shape, count in shape_counts.items()
    }
    for shape, weight in parent_weight.items():
        weighted.setdefault(shape, weight)
    templates = sorted(weighted.items(), key=lambda item: -item[1])
    needed = {shape for entry in lexicon for shape in _shapes(sounds, entry.form)}
    kept = [t for t in templates if t[0] in needed]
    kept += [t for t in templates if t[0] not in needed][: max(0, _MAX_TEMPLATES - len(kept))]

    draft = parent.model_copy(
        update={"consonants": tuple(consonants), "vowels": tuple(vowels), "lexicon": ()}
    )
    forbidden = tuple(
        pattern
        for pattern in parent.forbidden
        if not any(_pattern_occurs(draft, pattern, entry.form) for entry in lexicon)
    )
    weights: dict[str, float] = {}
    for phoneme, weight in parent.weights.items():
        if phoneme in mapped:
            weights[mapped[phoneme]] = weights.get(mapped[phoneme], 0.0) + weight
    data = parent.model_dump(exclude_defaults=True)
    data.update(
        {
            "name": name,
            "description": description or f"A daughter of {parent.name}.",
            "parent": parent.name,
            "consonants": consonants,
            "vowels": vowels,
            "syllables": [{"pattern": shape, "weight": weight} for shape, weight in kept],
            "forbidden": list(forbidden),
            "weights": {p: w for p, w in weights.items() if p in inventory},
            "romanisation": {p: s for p, s in parent.romanisation.items() if p in inventory},
            "epenthetic_vowel": epenthetic,
            "morphology": [a.model_dump(exclude_defaults=True) for a in morphology],
            "lexicon": [e.model_dump(exclude_defaults=True) for e in lexicon],
            "sound_changes": list(parent.sound_changes) + list(changes),
        }
    )
    return LanguageSpec.model_validate(data)
