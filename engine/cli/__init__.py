"""The ``heterocosm`` command line: one sub-command per module in ``engine/cli/``.

Each command module exposes ``register(subparsers)``, adding a sub-parser whose ``func`` takes the
parsed arguments and returns an exit code: 0 ok, 1 invalid input, 2 usage. Expected failures print
``error: ...`` and return 1, never a traceback. Command modules are imported only when the CLI
starts, and heavy libraries (GL, torch) only inside the command that needs them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from engine import __version__

# Order shown in --help: explore and make, then author, then inspect.
COMMAND_MODULES = [
    "demo",
    "explore",
    "render",
    "listen",
    "check",
    "schema",
    "fmt",
    "diff",
    "new",
    "simulate",
    "lang",
    "say",
    "narrate",
    "generate",
    "remix",
    "variants",
    "tree",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2 with a hint, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="heterocosm",
        description="Explore, author and generate worlds that do not obey our physics.",
    )
    parser.add_argument("--version", action="version", version=f"heterocosm {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"engine.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as error:  # a path the system refuses (too long, no permission, ...)
        return fail(_describe_os_error(error))


def _describe_os_error(error: OSError) -> str:
    """One line for a file-system error: what the system said, and about which path."""
    reason = error.strerror or str(error)
    if error.filename is None:
        return reason
    name = os.fsdecode(error.filename)
    if len(name) > 80:
        name = name[:40] + "..." + name[-37:]
    return f"{reason}: {name!r}"


def fail(message: str) -> int:
    """Print an expected failure the way every command does and return the 'invalid' exit code."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_INVALID
