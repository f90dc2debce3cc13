"""``heterocosm tree DIR``: the family tree of the worlds in a folder, from their lineage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli import EXIT_OK, fail


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tree",
        help="show the family tree of generated worlds",
        description="Read every world file in a folder and draw parents above their remixes "
        "and variants (from meta.lineage.parents).",
    )
    parser.add_argument("folder", metavar="DIR")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from generators.lineage import read_family, render_tree

    try:
        members, problems = read_family(args.folder)
    except NotADirectoryError as error:
        return fail(str(error))
    for problem in problems:
        print(problem, file=sys.stderr)
    if not members:
        return fail(f"no valid world files in {args.folder}")
    sys.stdout.write(render_tree(members, base=Path(args.folder)))
    return EXIT_OK
