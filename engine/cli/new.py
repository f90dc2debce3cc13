"""``heterocosm new NAME``: write a commented starter world to build on."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from engine.cli import EXIT_INVALID, EXIT_OK
from engine.fsutil import write_atomic
from engine.rules.writing import SCHEMA_COMMENT

STARTER = """{schema}

# A starter world. Every key is optional except meta.name; `heterocosm schema --markdown` lists
# them all. Check it with `heterocosm check {file}`; explore it with `heterocosm explore {file}`.

[meta]
name = "{name}"
description = "A quiet valley where sound crawls and light dawdles."
seed = 1

[scale]
explorer_size = 1.7          # your height in metres
min_explorer_size = 0.01     # scroll to shrink down to this ...
max_explorer_size = 50.0     # ... or grow up to this

[time]
rate = 1.0                   # world seconds per real second
direction = "forward"        # "forward", "backward" or "oscillating"

# A region where clocks run at half speed.
[[time.fields]]
name = "slow hollow"
region = {{ shape = "sphere", centre = [8.0, 0.0, 0.0], radius = 4.0, edge = 1.0 }}
rate = 0.5

[physics]
motion = "newtonian"         # or "aristotelian": things stop when nothing pushes them

[[physics.laws]]
kind = "uniform_field"       # ordinary downward pull
acceleration = [0.0, -9.81, 0.0]

[[physics.laws]]
kind = "drag"
linear = 0.05

[light]
speed_of_light = 40.0        # m/s: fast things look delayed, blue-shifted and bright
fog_density = 0.02

[acoustics]
speed_of_sound = 12.0        # m/s: see the bell struck, hear it a moment later
pitch_drift_semitones_per_metre = 0.05

[[bodies]]
name = "bell"
shape = "sphere"
radius = 0.4
colour = "#e0b44c"
position = [0.0, 3.0, -6.0]
fixed = true
sound = {{ kind = "chime", frequency_hz = 523.25, interval = 4.0, loudness_db = 75.0 }}

[[bodies]]
name = "pebbles"
count = 24
spread = 6.0
radius = 0.15
position = [0.0, 6.0, 0.0]
velocity_spread = 1.0
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "new", help="write a commented starter world", description="Write a starter world file."
    )
    parser.add_argument("name", metavar="NAME", help="the world's name (file NAME.toml)")
    parser.add_argument("--out", help="file to write (default: NAME.toml in this folder)")
    parser.set_defaults(func=run)


def starter_text(name: str, file: str) -> str:
    return STARTER.format(schema=SCHEMA_COMMENT, name=name.replace('"', "'"), file=file)


def run(args: argparse.Namespace) -> int:
    slug = re.sub(r"[^a-z0-9]+", "-", args.name.lower()).strip("-") or "world"
    path = Path(args.out) if args.out else Path(f"{slug}.toml")
    try:
        write_atomic(path, starter_text(args.name, str(path)), overwrite=False)
    except FileExistsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as error:
        print(f"error: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {path}")
    return EXIT_OK
