"""``heterocosm check FILE...``: validate world files and report every problem with its position."""

from __future__ import annotations

import argparse
import sys

from engine.cli import EXIT_INVALID, EXIT_OK
from engine.rules import WorldError, load_world


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate world files",
        description="Validate world files; list every problem.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="world files (.toml)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = 0
    for file in args.files:
        try:
            world = load_world(file)
        except WorldError as error:
            failed += 1
            print(error, file=sys.stderr)
            continue
        if not args.quiet:
            print(f"{file}: ok ({world.meta.name})")
    if failed:
        print(f"{failed} of {len(args.files)} files invalid", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK
