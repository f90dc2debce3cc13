"""``heterocosm fmt FILE...``: rewrite world files in canonical form, keeping comments."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli import EXIT_INVALID, EXIT_OK
from engine.fsutil import write_atomic
from engine.rules import WorldError
from engine.rules.formatting import format_world_text
from engine.rules.loading import read_world_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fmt",
        help="format world files canonically",
        description="Format world files canonically, keeping comments. Values never change.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if any file would change"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for name in args.files:
        path = Path(name)
        try:
            text = read_world_text(path)
            formatted = format_world_text(text, name)
        except WorldError as error:
            print(error, file=sys.stderr)
            status = EXIT_INVALID
            continue
        if formatted == text:
            continue
        if args.check:
            print(f"{name}: would be reformatted")
            status = EXIT_INVALID
        else:
            write_atomic(path, formatted)
            print(f"{name}: formatted")
    return status
