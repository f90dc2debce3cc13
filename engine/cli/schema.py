"""``heterocosm schema``: print the world file format's JSON Schema, or its Markdown reference."""

from __future__ import annotations

import argparse
import sys

from engine.cli import EXIT_OK
from engine.rules import world_schema_text
from engine.rules.reference import reference_markdown


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the world file JSON Schema",
        description="Print the JSON Schema of world files (for editors and validators).",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the world-file reference as Markdown instead"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(reference_markdown() if args.markdown else world_schema_text())
    return EXIT_OK
