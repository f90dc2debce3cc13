"""``heterocosm variants A.toml -n 4``: alternative rule sets as branches of a world."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from engine.cli import EXIT_INVALID, EXIT_OK, fail
from engine.cli.generate import add_model_arguments, open_generator, write_world


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "variants",
        help="generate alternative rule sets branching from a world",
        description="Generate N variants of a world, each changing a different part of its "
        "rules; each file's lineage names the parent.",
    )
    parser.add_argument("parent", metavar="A.toml")
    parser.add_argument("-n", "--count", type=int, default=4, help="how many variants (1-32)")
    parser.add_argument("--out-dir", metavar="DIR", help="where to write (default: beside A)")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.rules import WorldError, load_world
    from generators.backends import BackendError
    from generators.remix import variant_requests
    from generators.world import GenerationFailed

    if not 1 <= args.count <= 32:
        return fail(f"-n must be between 1 and 32, got {args.count}")
    folder = Path(args.out_dir) if args.out_dir else Path(args.parent).parent
    stem = re.sub(r"[^a-z0-9]+", "-", Path(args.parent).stem.lower()).strip("-")[:60] or "world"
    paths = [folder / f"{stem}-variant-{index + 1}.toml" for index in range(args.count)]
    existing = [str(path) for path in paths if path.exists()]
    if existing and not args.force:
        return fail(f"{', '.join(existing)} already exist; pass --force to replace them")
    try:
        parent = load_world(args.parent)
        generator = open_generator(args)
    except WorldError as error:
        return fail(str(error))
    except (BackendError, GenerationFailed, ValueError) as error:
        return fail(str(error))
    outcomes = generator.generate(variant_requests(parent, args.count, args.seed))
    failed = 0
    for path, outcome in zip(paths, outcomes, strict=True):
        if outcome.world is None:
            failed += 1
            print(f"error: variant {path.name}: {outcome.error}; not written", file=sys.stderr)
            continue
        write_world(path, outcome.world, args.force)
        print(f"{path}: {outcome.world.meta.name}")
    return EXIT_OK if not failed else EXIT_INVALID
