"""Body state: float64 arrays, one row per body, built from the world's ``[[bodies]]`` tables.

Owns: the arrays the integrator changes (positions, proper velocities, proper times) and those
it only reads (masses, radii, fixed flags, looks), and scattering group members with a seeded
generator. Must not touch: laws, clocks, GL, audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.rules.common import colour_to_rgb
from engine.rules.limits import LIMITS
from engine.rules.world import WorldSpec
from engine.sim.errors import SimulationError
from engine.sim.relativity import proper_from_velocities
from engine.sim.snapshot import SHAPE_CODES

DEFAULT_PALETTE = ("#d9c7a3", "#8fb3c9", "#c98f8f", "#a3c98f", "#c9b88f", "#b38fc9")
"""Colours for bodies that name none in a world without a palette."""


@dataclass
class BodyState:
    """Every body, one row each. N = number of bodies."""

    positions: np.ndarray  # (N, 3) float64 m
    proper_velocities: np.ndarray  # (N, 3) float64 m/s, gamma * v
    proper_time: np.ndarray  # (N,) float64 s aged
    masses: np.ndarray  # (N,) float64 kg
    radii: np.ndarray  # (N,) float64 m
    fixed: np.ndarray  # (N,) bool
    group: np.ndarray  # (N,) int32 index of the [[bodies]] table
    colours: np.ndarray  # (N, 3) float32
    glow: np.ndarray  # (N,) float32
    shapes: np.ndarray  # (N,) int8
    group_start: np.ndarray  # (G,) int64 first row of each [[bodies]] table

    @property
    def count(self) -> int:
        return int(self.positions.shape[0])

    def row_of(self, name: str, world: WorldSpec) -> int:
        """The row of a single body named ``name``."""
        for index, body in enumerate(world.bodies):
            if body.name == name:
                return int(self.group_start[index])
        raise KeyError(name)


def build_bodies(world: WorldSpec, seed: int) -> BodyState:
    """Every body of the world, group members scattered by a generator seeded with ``seed``."""
    total = world.body_count
    if total > LIMITS.bodies:
        raise SimulationError(
            f"the world has {total} bodies; at most {LIMITS.bodies} are accepted (limits.bodies)"
        )
    rng = np.random.default_rng(seed)
    palette = world.light.palette or DEFAULT_PALETTE
    positions, velocities, masses, radii, fixed, group = [], [], [], [], [], []
    colours, glow, shapes, starts = [], [], [], []
    row = 0
    for index, body in enumerate(world.bodies):
        starts.append(row)
        count = body.count
        centre = np.asarray(body.position, dtype=np.float64)
        velocity = np.asarray(body.velocity, dtype=np.float64)
        if count > 1:
            positions.append(centre + _in_ball(rng, count, body.spread))
            velocities.append(velocity + _in_ball(rng, count, body.velocity_spread))
        else:
            positions.append(centre[None, :])
            velocities.append(velocity[None, :])
        masses.append(np.full(count, body.mass))
        radii.append(np.full(count, body.radius))
        fixed.append(np.full(count, body.fixed))
        group.append(np.full(count, index, dtype=np.int32))
        colour = body.colour or palette[index % len(palette)]
        colours.append(np.tile(np.array(colour_to_rgb(colour), dtype=np.float32), (count, 1)))
        glow.append(np.full(count, body.glow, dtype=np.float32))
        shapes.append(np.full(count, SHAPE_CODES[body.shape], dtype=np.int8))
        row += count

    def joined(parts: list[np.ndarray], shape: tuple[int, ...], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(shape, dtype=dtype)

    velocity_array = joined(velocities, (0, 3), np.float64)
    constants = {
        "masses": joined(masses, (0,), np.float64),
        "radii": joined(radii, (0,), np.float64),
        "group": joined(group, (0,), np.int32),
        "colours": joined(colours, (0, 3), np.float32),
        "glow": joined(glow, (0,), np.float32),
        "shapes": joined(shapes, (0,), np.int8),
    }
    for array in constants.values():
        array.flags.writeable = False  # shared with every snapshot: nobody may change them
    fixed_array = joined(fixed, (0,), bool)
    velocity_array[fixed_array] = 0.0
    return BodyState(
        positions=joined(positions, (0, 3), np.float64),
        proper_velocities=proper_from_velocities(velocity_array, world.light.speed_of_light),
        proper_time=np.zeros(total),
        fixed=fixed_array,
        **constants,
        group_start=np.asarray(starts, dtype=np.int64),
    )


def _in_ball(rng: np.random.Generator, count: int, radius: float) -> np.ndarray:
    """``count`` points (count, 3) uniformly inside a ball of ``radius``."""
    if radius == 0:
        return np.zeros((count, 3))
    direction = rng.normal(size=(count, 3))
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-300)
    return direction * (radius * rng.random(count) ** (1.0 / 3.0))[:, None]
