"""A finite speed of light: the speed limit, Lorentz factors and where things are seen.

Owns: conversion between proper velocity u = gamma v (what the integrator kicks) and velocity v
(what moves positions), the Lorentz factor, and the retarded-time solve that gives apparent
positions. Must not touch: laws, clocks, GL, audio.

Kicking u and drifting with v = u / sqrt(1 + |u|^2 / c^2) keeps every body below c whatever the
force, and it is still a symmetric, time-reversible leapfrog (the Hamiltonian stays separable).
"""

from __future__ import annotations

import numpy as np


def lorentz_factors(proper_velocities: np.ndarray, speed_of_light: float) -> np.ndarray:
    """gamma (N,) from proper velocities (N, 3)."""
    scaled = proper_velocities / speed_of_light  # (N, 3); squaring c first could overflow
    return np.sqrt(1.0 + np.einsum("ij,ij->i", scaled, scaled))


def velocities_from_proper(proper_velocities: np.ndarray, speed_of_light: float) -> np.ndarray:
    """v = u / gamma (N, 3): always below the speed of light."""
    return proper_velocities / lorentz_factors(proper_velocities, speed_of_light)[:, None]


def proper_from_velocities(velocities: np.ndarray, speed_of_light: float) -> np.ndarray:
    """u = gamma v; speeds at or above c are first brought just below it."""
    speed = np.linalg.norm(velocities, axis=1)
    limit = speed_of_light * (1.0 - 1e-9)
    over = speed > limit
    if over.any():
        velocities = velocities.copy()
        velocities[over] *= (limit / speed[over])[:, None]
    beta = velocities / speed_of_light
    beta_squared = np.einsum("ij,ij->i", beta, beta)
    return velocities / np.sqrt(1.0 - beta_squared)[:, None]


def apparent_state(
    observer: np.ndarray,
    now: float,
    times: np.ndarray,
    positions: np.ndarray,
    velocities: np.ndarray,
    speed_of_light: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Where each body is seen from ``observer`` at world time ``now``, and its velocity then.

    ``times`` (H,) ascending, with ``positions``/``velocities`` (H, N, 3) the bounded history,
    the last row being now. Solves |observer - x(t_r)| = c (now - t_r) for the retarded time t_r,
    with x(t) linear between rows; before the oldest row the path is extrapolated with the oldest
    velocity. Returns (apparent positions (N, 3), apparent velocities (N, 3)).
    """
    rows, count = positions.shape[0], positions.shape[1]
    every = np.arange(count)

    def lag(row: np.ndarray) -> np.ndarray:
        # > 0 when light from that row has already reached the observer (it is old enough)
        distance = np.linalg.norm(observer - positions[row, every], axis=1)
        return speed_of_light * (now - times[row]) - distance

    # Binary search per body for the newest row whose light has arrived (lag >= 0).
    low = np.zeros(count, dtype=np.int64)  # candidate: arrived (checked below)
    high = np.full(count, rows - 1, dtype=np.int64)  # newest row: not arrived unless at distance 0
    arrived_oldest = lag(low) >= 0
    while True:
        open_range = high - low > 1
        if not open_range.any():
            break
        middle = (low + high) // 2
        arrived = lag(middle) >= 0
        low = np.where(open_range & arrived, middle, low)
        high = np.where(open_range & ~arrived, middle, high)
    if rows == 1:
        high = low

    # Segment a (older) -> b (newer); before the oldest row, a virtual point on the extrapolation.
    older_position = positions[low, every].copy()
    older_time = times[low].astype(np.float64).copy()
    older_velocity = velocities[low, every].copy()
    newer_position = positions[high, every]
    newer_time = times[high].astype(np.float64)
    newer_velocity = velocities[high, every]
    before = ~arrived_oldest
    if before.any():
        oldest_position = positions[0, before]
        oldest_velocity = velocities[0, before]
        speed = np.linalg.norm(oldest_velocity, axis=1)
        distance = np.linalg.norm(observer - oldest_position, axis=1)
        reach = 1.01 * (distance / np.maximum(speed_of_light - speed, 1e-12)) + 1e-9
        reach += now - times[0]
        newer_position = np.where(before[:, None], positions[0, every], newer_position)
        newer_time = np.where(before, times[0], newer_time)
        newer_velocity = np.where(before[:, None], velocities[0, every], newer_velocity)
        older_time[before] = times[0] - reach
        older_position[before] = oldest_position - oldest_velocity * reach[:, None]
        older_velocity[before] = oldest_velocity

    # |d0 - s dv| = T0 - s dT for s in [0, 1]: a quadratic whose root with T >= 0 is the one.
    d0 = observer - older_position
    dv = newer_position - older_position
    t0 = speed_of_light * (now - older_time)
    dt = speed_of_light * (newer_time - older_time)
    a = np.einsum("ij,ij->i", dv, dv) - dt * dt
    b = np.einsum("ij,ij->i", d0, dv) - t0 * dt
    c = np.einsum("ij,ij->i", d0, d0) - t0 * t0
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.maximum(b * b - a * c, 0.0))
        first = (b + root) / a
        second = (b - root) / a
        pick_first = (t0 - first * dt) >= 0
        fraction = np.where(pick_first, first, second)
        fraction = np.where(np.abs(a) > 0, fraction, np.where(b != 0, c / (2 * b), 1.0))
    fraction = np.clip(np.nan_to_num(fraction, nan=1.0), 0.0, 1.0)
    same = high == low
    fraction = np.where(same & arrived_oldest, 1.0, fraction)
    apparent_positions = older_position + fraction[:, None] * dv
    apparent_velocities = older_velocity + fraction[:, None] * (newer_velocity - older_velocity)
    return apparent_positions, apparent_velocities
