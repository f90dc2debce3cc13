"""``python -m engine.xr WORLD [--frames N]``: explore a world in the headset without the CLI.

Owns only this argument parsing; the work is ``engine.xr.run.run_xr``.
"""

from __future__ import annotations

import argparse
import sys

from engine.xr.run import run_xr
from engine.xr.session import XrSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine.xr", description="Explore a world in an OpenXR headset."
    )
    parser.add_argument("world", help="world file (TOML)")
    parser.add_argument("--frames", type=int, default=None, help="stop after N frames")
    parser.add_argument("--seed", type=int, default=None, help="simulation seed")
    parser.add_argument(
        "--mirror", action="store_true", help="also show the left eye in a desktop window"
    )
    args = parser.parse_args(argv)
    if args.frames is not None and args.frames < 1:
        parser.error("--frames must be 1 or more")
    try:
        settings = XrSettings.from_environment(**({"mirror": True} if args.mirror else {}))
    except ValueError as error:
        parser.error(str(error))
    return run_xr(args.world, frame_limit=args.frames, seed=args.seed, settings=settings)


if __name__ == "__main__":
    sys.exit(main())
