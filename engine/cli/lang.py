"""``heterocosm lang``: show, translate into, extend and generate a world's invented languages.

- ``heterocosm lang FILE``: inventory tables, syllables, morphology, sample words and sentences.
- ``heterocosm lang FILE --translate "the river remembers the stone" [--add-coined]``: the
  sentence with a Leipzig gloss; ``--add-coined`` writes coined words back into FILE (validated
  first, written atomically, comments kept).
- ``heterocosm lang FILE --daughter NAME [--changes N] [--seed N]``: a daughter language section.
- ``heterocosm lang --generate --seed N [flavour options]``: a ``[[languages]]`` section to paste.
Owns only the command line; the work is done by ``engine.language`` and ``generators.language``.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path
from typing import Any

from engine.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE

SAMPLE_SENTENCES = (
    "the river remembers the stone",
    "the small birds sang in the old tree",
    "we will not forget the fire",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lang",
        help="show, translate into, or generate an invented language",
        description="Show a world's language, translate English into it, or generate a new one.",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="world file (.toml)")
    parser.add_argument("--language", metavar="NAME", help="which language (default: the first)")
    parser.add_argument("--translate", metavar="ENGLISH", help="English sentences to translate")
    parser.add_argument(
        "--add-coined",
        action="store_true",
        help="with --translate: add the words coined for unknown English words to FILE",
    )
    parser.add_argument("--daughter", metavar="NAME", help="print a daughter language section")
    parser.add_argument("--changes", type=int, default=5, help="sound changes for --daughter")
    parser.add_argument("--generate", action="store_true", help="print a new language section")
    parser.add_argument("--seed", type=int, default=0, help="seed for --generate / --daughter")
    parser.add_argument("--harshness", type=float, default=0.5, help="0 soft .. 1 harsh")
    parser.add_argument("--vowels", type=int, default=5, help="number of vowel qualities")
    parser.add_argument("--no-clusters", action="store_true", help="no consonant clusters")
    parser.add_argument("--tone", action="store_true", help="a tone language")
    parser.add_argument("--name", help="name of the generated language")
    parser.add_argument(
        "--concept",
        action="append",
        default=[],
        help="a world concept for the lexicon (gloss or gloss:pos)",
    )
    parser.add_argument("--words", type=int, default=8, help="how many sample words to show")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.generate:
        return _generate(args)
    if not args.file:
        print("error: give a world FILE, or --generate --seed N", file=sys.stderr)
        return EXIT_USAGE
    from engine.rules import WorldError, load_world

    try:
        world = load_world(args.file)
    except WorldError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    if not world.languages:
        print(f"error: {args.file} has no [[languages]]", file=sys.stderr)
        return EXIT_INVALID
    spec = world.languages[0]
    if args.language:
        spec = world.language(args.language)  # type: ignore[assignment]
        if spec is None:
            names = ", ".join(language.name for language in world.languages)
            print(f"error: no language {args.language!r}; languages: {names}", file=sys.stderr)
            return EXIT_INVALID
    if args.translate is not None:
        return _translate(args, spec)
    if args.daughter:
        return _daughter(args, spec)
    print(describe(spec, args.words))
    return EXIT_OK


def _generate(args: argparse.Namespace) -> int:
    from generators.language import LanguageFlavour, generate_language

    try:
        flavour = LanguageFlavour(
            harshness=args.harshness,
            vowel_count=args.vowels,
            clusters=not args.no_clusters,
            tone=args.tone,
            name=args.name,
        )
        spec = generate_language(args.seed, flavour, args.concept)
    except ValueError as error:
        print(f"error: {_first_line(error)}", file=sys.stderr)
        return EXIT_INVALID
    print(language_toml(spec), end="")
    return EXIT_OK


def _translate(args: argparse.Namespace, spec: Any) -> int:
    from engine.language.romanise import romanise_word
    from engine.language.translation import translate

    try:
        result = translate(spec, args.translate)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(result.interlinear(spec))
    for entry in result.coined:
        print(
            f"coined: {entry.gloss} ({entry.pos}) = {romanise_word(spec, entry.form)} "
            f"/{_nfc(entry.form)}/"
        )
    if args.add_coined:
        if not result.coined:
            print("nothing to add: every word was in the lexicon")
            return EXIT_OK
        try:
            add_to_world_file(Path(args.file), spec.name, result.coined)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_INVALID
        print(f"added {len(result.coined)} words to {spec.name} in {args.file}")
    return EXIT_OK


def _daughter(args: argparse.Namespace, spec: Any) -> int:
    from engine.language.daughter import derive_daughter
    from generators.language import generate_sound_changes

    try:
        changes = generate_sound_changes(spec, args.seed, args.changes)
        daughter = derive_daughter(spec, changes, args.daughter)
    except ValueError as error:
        print(f"error: {_first_line(error)}", file=sys.stderr)
        return EXIT_INVALID
    print(language_toml(daughter), end="")
    return EXIT_OK


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[-1].strip() if str(error).strip() else repr(error)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _nfc_data(value: Any) -> Any:
    if isinstance(value, str):
        return _nfc(value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc_data(v) for v in value]
    return value


def language_toml(spec: Any) -> str:
    """A ``[[languages]]`` TOML section for a language: long lists one inline table a line."""
    import tomlkit

    data = _nfc_data(spec.model_dump(mode="json", exclude_defaults=True))
    table = tomlkit.table()
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            array = tomlkit.array()
            for item in value:
                inline = tomlkit.inline_table()
                inline.update(item)
                array.append(inline)
            array.multiline(True)
            table.add(key, array)
        elif isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update(value)
            table.add(key, inline)
        else:
            table.add(key, value)
    document = tomlkit.document()
    document.add("languages", tomlkit.aot())
    document["languages"].append(table)
    return tomlkit.dumps(document)


def add_to_world_file(path: Path, language_name: str, entries: Any) -> None:
    """Append lexicon entries to one language of a world file, keeping its comments.

    The new text is validated as a whole world before it replaces the file (atomically).
    """
    import tomlkit

    from engine.fsutil import write_atomic
    from engine.rules import WorldError, loads_world

    text = path.read_text(encoding="utf-8")
    document = tomlkit.parse(text)
    languages = document.get("languages", [])
    target = next((lang for lang in languages if lang.get("name") == language_name), None)
    if target is None:
        raise ValueError(f"{path} has no language {language_name!r}")
    if "lexicon" not in target:
        target["lexicon"] = tomlkit.array()
    lexicon = target["lexicon"]
    for entry in entries:
        item = {"form": _nfc(entry.form), "gloss": entry.gloss, "pos": entry.pos}
        if isinstance(lexicon, tomlkit.items.AoT):
            lexicon.append(tomlkit.item(item))
        else:
            inline = tomlkit.inline_table()
            inline.update(item)
            lexicon.append(inline)
    new_text = tomlkit.dumps(document)
    try:
        loads_world(new_text, str(path))
    except WorldError as error:
        raise ValueError(
            f"the extended world would be invalid, nothing written:\n{error}"
        ) from None
    write_atomic(path, new_text)


def _table(rows: list[tuple[str, list[str]]], columns: list[str]) -> str:
    width = max([len(c) for c in columns] + [1])
    label_width = max(len(label) for label, _ in rows)
    lines = [" " * label_width + "  " + "  ".join(c.ljust(width) for c in columns)]
    for label, cells in rows:
        padded = [cell + " " * (width - _display_width(cell)) for cell in cells]
        lines.append(label.ljust(label_width) + "  " + "  ".join(padded).rstrip())
    return "\n".join(lines)


def _affix_text(affix: Any) -> str:
    if affix.process == "reduplication":
        return "reduplication"
    return f"-{_nfc(affix.form)}" if affix.process == "suffix" else f"{_nfc(affix.form)}-"


def _display_width(text: str) -> int:
    return sum(1 for char in text if not unicodedata.combining(char))


def describe(spec: Any, sample_words: int = 8) -> str:
    """A readable overview of a language: inventory, syllables, grammar, samples."""
    from engine.language.features import MANNERS, PLACES, sound_of
    from engine.language.romanise import romanise_word
    from engine.language.translation import translate
    from engine.language.words import coin_word, stable_random

    sounds = spec.sounds()

    def sound(phoneme: str) -> Any:
        return sounds.get(phoneme) or sound_of(phoneme)

    out = [
        f"{spec.name}: {spec.word_order}, adjectives {spec.adjective_position} nouns, "
        f"{spec.adposition}s, stress {spec.stress}, "
        + (f"tones {', '.join(spec.tones)}" if spec.tones else "no tone")
        + (f", daughter of {spec.parent}" if spec.parent else ""),
        "",
        "Consonants:",
    ]
    places = [p for p in PLACES if any(sound(c).place == p for c in spec.consonants)]
    manners = [m for m in MANNERS if any(sound(c).manner == m for c in spec.consonants)]
    rows = []
    for manner in manners:
        cells = []
        for place in places:
            members = [
                c for c in spec.consonants if (sound(c).place, sound(c).manner) == (place, manner)
            ]
            cells.append(" ".join(_nfc(c) for c in members))
        rows.append((manner, cells))
    out.append(_table(rows, places))
    out += ["", "Vowels:"]
    heights = [
        h
        for h in ("close", "near-close", "close-mid", "mid", "open-mid", "near-open", "open")
        if any(sound(v).height == h for v in spec.vowels)
    ]
    rows = []
    for height in heights:
        cells = []
        for backness in ("front", "central", "back"):
            members = [
                v for v in spec.vowels if (sound(v).height, sound(v).backness) == (height, backness)
            ]
            cells.append(" ".join(_nfc(v) for v in members))
        rows.append((height, cells))
    out.append(_table(rows, ["front", "central", "back"]))
    out += [
        "",
        "Syllables: " + ", ".join(f"{t.pattern} ({t.weight:g})" for t in spec.syllables),
        "Classes: "
        + "; ".join(
            f"{k} = {' '.join(_nfc(p) for p in v)}" for k, v in sorted(spec.classes.items())
        ),
        "Forbidden: " + (", ".join(_nfc(f) for f in spec.forbidden) or "nothing"),
        "Morphology: "
        + (
            "; ".join(f"{a.gloss} {_affix_text(a)} ({a.applies_to})" for a in spec.morphology)
            or "none"
        ),
        "Sound changes: " + (" ; ".join(_nfc(c) for c in spec.sound_changes) or "none"),
        f"Lexicon: {len(spec.lexicon)} words",
        "",
        "Sample words:",
    ]
    rng = stable_random("sample words", spec.name, spec.seed)
    taken = {entry.form for entry in spec.lexicon}
    for _ in range(sample_words):
        word = coin_word(spec, rng, taken)
        taken.add(word)
        out.append(f"  {romanise_word(spec, word):<14} /{_nfc(word)}/")
    out += ["", "Sample sentences:"]
    for sentence in SAMPLE_SENTENCES:
        out.append("")
        out.append(translate(spec, sentence).interlinear(spec))
    return "\n".join(out)
