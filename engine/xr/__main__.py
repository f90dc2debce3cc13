"""``python -m engine.xr WORLD [--frames N]``: explore a world in the headset without the CLI.

Owns only this argument parsing; the work is ``engine.xr.run.run_xr``.
"""

from __future__ import annotations

import argparse
import sys

from engine.xr.run import run_xr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine.xr", description="Explore a world in an OpenXR headset."
    )
    parser.add_argument("world", help="world file (TOML)")
    parser.add_argument("--frames", type=int, default=None, help="stop after N frames")
    parser.add_argument("--seed", type=int, default=None, help="simulation seed")
    args = parser.parse_args(argv)
    if args.frames is not None and args.frames < 1:
        parser.error("--frames must be 1 or more")
    return run_xr(args.world, frame_limit=args.frames, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
