"""``heterocosm say FILE "text" --out out.wav``: speak text in a world's language to a WAV file.

The text is in the language (IPA or its romanisation); with ``--english`` it is English and is
translated first. Owns only the command line; speech comes from ``engine.language.voice``.
"""

from __future__ import annotations

import argparse
import sys

from engine.cli import EXIT_INVALID, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "say",
        help="speak text in a world's language to a WAV file",
        description="Speak text in a world's language (IPA or romanised) to a WAV file.",
    )
    parser.add_argument("file", metavar="FILE", help="world file (.toml)")
    parser.add_argument("text", metavar="TEXT", help="what to say")
    parser.add_argument("--out", required=True, metavar="WAV", help="WAV file to write")
    parser.add_argument("--language", metavar="NAME", help="which language (default: the first)")
    parser.add_argument("--english", action="store_true", help="TEXT is English: translate it")
    parser.add_argument(
        "--script",
        choices=("auto", "ipa", "roman"),
        default="auto",
        help="how TEXT is written (auto: legal IPA words are IPA, others romanised)",
    )
    parser.add_argument("--sample-rate", type=int, default=48000, help="samples per second")
    parser.add_argument("--pitch-hz", type=float, help="override the language's voice pitch")
    parser.add_argument("--rate", type=float, help="override the speaking rate (1 = normal)")
    parser.add_argument("--speaker-size", type=float, help="override the speaker size (1 = human)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.rules import WorldError, load_world

    try:
        world = load_world(args.file)
    except WorldError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    if not world.languages:
        print(f"error: {args.file} has no [[languages]]", file=sys.stderr)
        return EXIT_INVALID
    spec = world.language(args.language) if args.language else world.languages[0]
    if spec is None:
        names = ", ".join(language.name for language in world.languages)
        print(f"error: no language {args.language!r}; languages: {names}", file=sys.stderr)
        return EXIT_INVALID
    from engine.language.voice import synthesise, write_wav

    text = args.text
    try:
        if args.english:
            from engine.language.translation import translate

            result = translate(spec, text)
            print(result.interlinear(spec))
            text, args.script = result.text, "ipa"
        signal = synthesise(
            text,
            spec,
            args.sample_rate,
            pitch_hz=args.pitch_hz,
            rate=args.rate,
            speaker_size=args.speaker_size,
            script=args.script,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        write_wav(args.out, signal, args.sample_rate)
    except OSError as error:
        print(f"error: cannot write {args.out}: {error.strerror}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.out}: {len(signal) / args.sample_rate:.2f} s at {args.sample_rate} Hz")
    return EXIT_OK
