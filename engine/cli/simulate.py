"""``heterocosm simulate FILE --seconds S [--seed N] [--out state.npz]``: run a world headless.

Prints a summary (bodies, energy where the laws define it, clock readings per time field) and
optionally writes the final state. Owns only this command; the simulation is ``engine.sim``.
"""

from __future__ import annotations

import argparse
import math

from engine.cli import EXIT_OK, fail
from engine.rules import WorldError, load_world

MAX_SECONDS_STEPS = 10_000_000
"""Most world steps one command runs (seconds / time_step)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="run a world headless and summarise it",
        description="Run a world headless for some world seconds, print a summary, save the state.",
    )
    parser.add_argument("file", metavar="FILE", help="world file (.toml)")
    parser.add_argument(
        "--seconds", type=float, required=True, help="world seconds to run (negative: backward)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed (default: the world's)")
    parser.add_argument("--out", metavar="STATE.npz", default=None, help="write the final state")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.sim import ManualClock, Simulation, SimulationError

    if not math.isfinite(args.seconds):
        return fail(f"--seconds must be a finite number, got {args.seconds}")
    if args.seed is not None and args.seed < 0:
        return fail(f"--seed must be 0 or more, got {args.seed}")
    try:
        world = load_world(args.file)
    except WorldError as error:
        return fail(str(error))
    steps = abs(args.seconds) / world.physics.time_step
    if steps > MAX_SECONDS_STEPS:
        return fail(
            f"--seconds {args.seconds:g} needs {steps:.0f} steps of physics.time_step = "
            f"{world.physics.time_step:g} s; at most {MAX_SECONDS_STEPS} are run"
        )
    try:
        simulation = Simulation.from_world(world, seed=args.seed, clock=ManualClock())
        simulation.run_for(args.seconds)
    except SimulationError as error:
        return fail(f"{args.file}: {error}")
    snapshot = simulation.snapshot()
    print(f"world: {world.meta.name} (seed {simulation.seed})")
    print(f"world time: {snapshot.world_time:.6g} s in {simulation.step_index} steps")
    print(f"bodies: {simulation.bodies.count}")
    energy = simulation.energy()
    if energy.total is None:
        print(f"energy: kinetic {energy.kinetic:.6g} J (no potential energy: the laws dissipate)")
    else:
        print(
            f"energy: total {energy.total:.9g} J "
            f"(kinetic {energy.kinetic:.6g} J, potential {energy.potential:.6g} J)"
        )
    for time_field in snapshot.time_fields:
        print(
            f"clock {time_field.name}: {time_field.local_time:.6g} s (rate now {time_field.rate:g})"
        )
    print(f"clock explorer: rate now {snapshot.explorer.local_rate:g}")
    if simulation.bodies.count:
        ages = snapshot.bodies.proper_time
        print(f"proper time of bodies: {ages.min():.6g} .. {ages.max():.6g} s")
    print(f"sound events: {simulation.sounds_made}")
    print(f"state hash: {simulation.state_hash()}")
    if args.out:
        try:
            path = simulation.save_npz(args.out)
        except OSError as error:
            return fail(f"cannot write {args.out}: {error.strerror or error}")
        print(f"wrote {path}")
    return EXIT_OK
