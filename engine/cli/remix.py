"""``heterocosm remix A.toml B.toml``: recombine two worlds into a coherent third."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from engine.cli import EXIT_OK, fail
from engine.cli.generate import add_model_arguments, open_generator, write_world


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "remix",
        help="recombine two worlds into a third",
        description="Generate a world that combines two parent worlds; its lineage names both.",
    )
    parser.add_argument("first", metavar="A.toml")
    parser.add_argument("second", metavar="B.toml")
    parser.add_argument("--note", default="", help="an extra wish for the remix")
    parser.add_argument(
        "--out", metavar="FILE", help="world file to write (default: remix-A-B.toml beside A)"
    )
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def _stem(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", Path(path).stem.lower()).strip("-")[:60] or "world"


def run(args: argparse.Namespace) -> int:
    from engine.rules import WorldError, load_world
    from generators.backends import BackendError
    from generators.remix import remix_request
    from generators.world import GenerationFailed

    out = Path(
        args.out or Path(args.first).parent / f"remix-{_stem(args.first)}-{_stem(args.second)}.toml"
    )
    try:
        first, second = load_world(args.first), load_world(args.second)
        if out.exists() and not args.force:
            return fail(f"{out} already exists; pass --force to replace it")
        generator = open_generator(args)
    except WorldError as error:
        return fail(str(error))
    except OSError as error:
        return fail(f"cannot use {out}: {error.strerror or error}")
    except (BackendError, GenerationFailed, ValueError) as error:
        return fail(str(error))
    outcome = generator.generate([remix_request(first, second, args.seed, args.note)])[0]
    if outcome.world is None:
        return fail(f"{outcome.error}; nothing was written")
    try:
        write_world(out, outcome.world, args.force)
    except OSError as error:
        return fail(f"cannot write {out}: {error}")
    print(f"{out}: {outcome.world.meta.name} (remix of {first.meta.name} and {second.meta.name})")
    return EXIT_OK
