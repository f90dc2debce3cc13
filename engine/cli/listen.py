"""``heterocosm listen FILE --seconds S --out out.wav [--at x,y,z]``: render what a listener hears.

Owns only the command line; the sound comes from ``engine.audio.render_world_audio``.
"""

from __future__ import annotations

import argparse
import math

from engine.cli import EXIT_OK, fail


def _point(text: str) -> tuple[float, float, float]:
    parts = text.split(",")
    try:
        values = tuple(float(part) for part in parts)
    except ValueError:
        values = ()
    if len(values) != 3 or not all(math.isfinite(value) for value in values):
        raise argparse.ArgumentTypeError(
            f"expected three finite numbers x,y,z in metres (e.g. 0,1.6,5), got {text!r}"
        )
    return values  # type: ignore[return-value]


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= 3600):
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 3600, got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "listen",
        help="render what a listener hears in a world to a sound file",
        description="Simulate a world and render what a listener hears: WAV, or OGG/MP3 "
        "when ffmpeg is installed.",
    )
    parser.add_argument("file", metavar="FILE", help="world file (.toml)")
    parser.add_argument("--seconds", type=_seconds, default=10.0, help="length (default 10)")
    parser.add_argument("--out", required=True, help="output file: .wav, .ogg or .mp3")
    parser.add_argument("--at", type=_point, default=None, help="listener position x,y,z (m)")
    parser.add_argument("--seed", type=int, default=None, help="seed (default: the world's)")
    parser.add_argument("--rate", type=int, default=48_000, choices=(22_050, 44_100, 48_000))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.audio import render_world_audio, write_audio
    from engine.rules import WorldError, load_world

    if not args.out.lower().endswith((".wav", ".ogg", ".mp3")):
        return fail(f"--out {args.out!r}: accepted suffixes are .wav, .ogg and .mp3")
    try:
        world = load_world(args.file)
    except WorldError as error:
        return fail(str(error))
    try:
        stereo, rate = render_world_audio(
            world, args.seconds, listener_at=args.at, seed=args.seed, sample_rate=args.rate
        )
        write_audio(args.out, stereo, rate)
    except (RuntimeError, ValueError, OSError) as error:
        return fail(str(error))
    peak = float(abs(stereo).max()) if len(stereo) else 0.0
    print(f"{args.out}: {len(stereo) / rate:.2f} s, {rate} Hz stereo, peak {peak:.3f}")
    return EXIT_OK
