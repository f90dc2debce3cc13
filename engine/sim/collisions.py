"""Contacts: the ground plane, the bounding box and sphere-sphere contact, with restitution.

Owns: resolving overlaps and reflecting normal velocity after a drift, and reporting who hit
what how hard (for sounds and ``collision`` time triggers). Must not touch: laws, clocks, GL,
audio. Bodies are spheres of their radius here whatever their drawn shape.
"""

from __future__ import annotations

import numba
import numpy as np

from engine.rules.physics import Collisions

QUIET_IMPACT_SPEED = 0.05
"""Impacts slower than this (m/s) make no sound event (resting contact would chatter)."""


def collide_walls(
    rules: Collisions,
    positions: np.ndarray,
    proper_velocities: np.ndarray,
    radii: np.ndarray,
    movable: np.ndarray,
    bounce: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Ground and box contact in place. Returns (rows that hit, impact speeds).

    ``bounce`` False (Aristotelian worlds) only pushes bodies back out: nothing keeps momentum.
    """
    hit_speed = np.zeros(positions.shape[0])
    if rules.ground:
        floor = rules.ground_height + radii
        below = (positions[:, 1] < floor) & movable
        if below.any():
            _reflect(positions, proper_velocities, below, 1, floor, +1.0, rules, hit_speed, bounce)
    if rules.bounds is not None:
        for axis in range(3):
            high = rules.bounds - radii
            over = (positions[:, axis] > high) & movable
            if over.any():
                _reflect(
                    positions, proper_velocities, over, axis, high, -1.0, rules, hit_speed, bounce
                )
            low = -rules.bounds + radii
            under = (positions[:, axis] < low) & movable
            if under.any():
                _reflect(
                    positions, proper_velocities, under, axis, low, +1.0, rules, hit_speed, bounce
                )
    rows = np.flatnonzero(hit_speed > 0)
    return rows, hit_speed[rows]


def _reflect(
    positions: np.ndarray,
    proper_velocities: np.ndarray,
    rows: np.ndarray,
    axis: int,
    wall: np.ndarray,
    inward: float,
    rules: Collisions,
    hit_speed: np.ndarray,
    bounce: bool,
) -> None:
    positions[rows, axis] = wall[rows]
    normal_speed = proper_velocities[rows, axis] * inward  # < 0 when moving into the wall
    into = normal_speed < 0
    selected = np.flatnonzero(rows)[into]
    speed = -normal_speed[into]
    hit_speed[selected] = np.maximum(hit_speed[selected], speed)
    if bounce:
        proper_velocities[selected, axis] = inward * speed * rules.restitution
    else:
        proper_velocities[selected, axis] = 0.0


@numba.njit(cache=True)
def _sweep_and_prune(
    positions: np.ndarray,
    proper_velocities: np.ndarray,
    radii: np.ndarray,
    inverse_masses: np.ndarray,
    restitution: float,
    bounce: bool,
    hit_speed: np.ndarray,
) -> None:
    count = positions.shape[0]
    order = np.argsort(positions[:, 0])
    largest = radii.max() if count else 0.0
    for a in range(count):
        i = order[a]
        for b in range(a + 1, count):
            j = order[b]
            if positions[j, 0] - positions[i, 0] > radii[i] + largest:
                break
            dx = positions[j, 0] - positions[i, 0]
            dy = positions[j, 1] - positions[i, 1]
            dz = positions[j, 2] - positions[i, 2]
            reach = radii[i] + radii[j]
            d2 = dx * dx + dy * dy + dz * dz
            if d2 >= reach * reach or d2 == 0.0:
                continue
            total_inverse = inverse_masses[i] + inverse_masses[j]
            if total_inverse == 0.0:
                continue
            distance = np.sqrt(d2)
            nx = dx / distance
            ny = dy / distance
            nz = dz / distance
            # Push apart along the normal, each in proportion to its inverse mass.
            overlap = reach - distance
            share_i = inverse_masses[i] / total_inverse
            share_j = inverse_masses[j] / total_inverse
            positions[i, 0] -= nx * overlap * share_i
            positions[i, 1] -= ny * overlap * share_i
            positions[i, 2] -= nz * overlap * share_i
            positions[j, 0] += nx * overlap * share_j
            positions[j, 1] += ny * overlap * share_j
            positions[j, 2] += nz * overlap * share_j
            closing = (
                (proper_velocities[j, 0] - proper_velocities[i, 0]) * nx
                + (proper_velocities[j, 1] - proper_velocities[i, 1]) * ny
                + (proper_velocities[j, 2] - proper_velocities[i, 2]) * nz
            )
            if closing >= 0.0:
                continue  # already separating
            keep = restitution if bounce else 0.0
            impulse = -(1.0 + keep) * closing / total_inverse
            proper_velocities[i, 0] -= impulse * inverse_masses[i] * nx
            proper_velocities[i, 1] -= impulse * inverse_masses[i] * ny
            proper_velocities[i, 2] -= impulse * inverse_masses[i] * nz
            proper_velocities[j, 0] += impulse * inverse_masses[j] * nx
            proper_velocities[j, 1] += impulse * inverse_masses[j] * ny
            proper_velocities[j, 2] += impulse * inverse_masses[j] * nz
            hit_speed[i] = max(hit_speed[i], -closing)
            hit_speed[j] = max(hit_speed[j], -closing)


def collide_bodies(
    rules: Collisions,
    positions: np.ndarray,
    proper_velocities: np.ndarray,
    radii: np.ndarray,
    inverse_masses: np.ndarray,
    bounce: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Sphere-sphere contact in place (sweep and prune along x). Returns (rows, impact speeds)."""
    hit_speed = np.zeros(positions.shape[0])
    _sweep_and_prune(
        positions, proper_velocities, radii, inverse_masses, rules.restitution, bounce, hit_speed
    )
    rows = np.flatnonzero(hit_speed > 0)
    return rows, hit_speed[rows]
