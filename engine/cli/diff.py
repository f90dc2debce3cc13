"""``heterocosm diff A B``: what changed between two worlds' rules (laws, rates, constants)."""

from __future__ import annotations

import argparse
import sys

from engine.cli import EXIT_INVALID, EXIT_OK
from engine.rules import WorldError, load_world
from engine.rules.diff import diff_worlds


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="semantic difference of two worlds",
        description="Show what laws, rates and constants differ between two worlds "
        "(exit 0 when they mean the same, 1 when they differ or cannot be read).",
    )
    parser.add_argument("before", metavar="A", help="world file")
    parser.add_argument("after", metavar="B", help="world file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        before, after = load_world(args.before), load_world(args.after)
    except WorldError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    changes = diff_worlds(before, after)
    for change in changes:
        print(change)
    if not changes:
        print("no semantic difference")
        return EXIT_OK
    return EXIT_INVALID
