"""Where sound comes from: source trajectories and the retarded-time solution.

Owns: ``Trajectory`` (a piecewise-linear path through time, extrapolated with its end velocities)
and ``emission_times``, which finds, for each reception time and listener position, every
emission time whose sound arrives then. Sources may move faster than sound: a supersonic source
has two or more emission times for one reception (its Mach cone; the boom is where a pair is
born), and a supersonic listener can meet wavefronts in reverse order. Nothing here knows about
samples, sources' signals or the mixer.

Method: on each straight segment of the trajectory the arrival condition
``|S(t_e) - L| = c (t_r - t_e)`` is a quadratic in ``t_e``, solved exactly. Media regions with
another speed of sound are handled by repeating the solve with the path's effective speed
(path length / path-integrated travel time) until it settles.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TravelTime = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(sources (M, 3), listeners (M, 3)) -> seconds; the medium's path-integrated travel time."""


class Trajectory:
    """A path through time: knots (time, position, velocity), linear between knots.

    Before the first knot and after the last, the path continues with that knot's velocity.
    Knots are added in rising time; a knot at the same time as the last one replaces it, and an
    earlier one (a clock running backward) drops the knots after it. ``forget_before`` drops old
    knots (the mixer's bounded memory): the live knots are ``[_start, _end)`` of the buffers, a
    dropped prefix is only skipped, and it is reclaimed when the buffers fill (amortised O(1) per
    knot; the buffers stay at most about twice the live knots). ``times``, ``positions`` and
    ``velocities`` are contiguous views of the live knots, valid until the next ``add``.
    """

    def __init__(self) -> None:
        self._times = np.empty(16)
        self._positions = np.empty((16, 3))
        self._velocities = np.empty((16, 3))
        self._start = 0
        self._end = 0
        self.version = 0  # counts changes to the knots: an equal version is the same path

    @classmethod
    def linear(
        cls, position: tuple[float, float, float], velocity=(0.0, 0.0, 0.0), time: float = 0.0
    ) -> Trajectory:
        """A straight line at constant velocity through ``position`` at ``time``."""
        trajectory = cls()
        trajectory.add(time, position, velocity)
        return trajectory

    def __len__(self) -> int:
        return self._end - self._start

    @property
    def capacity(self) -> int:
        """Knots the buffers hold room for (live, dropped and free): the path's memory."""
        return len(self._times)

    @property
    def times(self) -> np.ndarray:
        return self._times[self._start : self._end]

    @property
    def positions(self) -> np.ndarray:
        return self._positions[self._start : self._end]

    @property
    def velocities(self) -> np.ndarray:
        return self._velocities[self._start : self._end]

    def add(self, time: float, position, velocity=None) -> None:
        """Append a knot; without a velocity it is taken from the previous knot."""
        position = np.asarray(position, dtype=np.float64)
        last = self._end - 1
        if len(self) and time < self._times[last]:
            # The clock ran backward: the path after ``time`` is rewritten.
            self._end = self._start + int(np.searchsorted(self.times, time, side="right"))
            last = self._end - 1
        if velocity is None:
            if len(self):
                span = time - self._times[last]
                velocity = (
                    (position - self._positions[last]) / span
                    if span > 0
                    else self._velocities[last]
                )
            else:
                velocity = np.zeros(3)
        if len(self) and time == self._times[last]:
            self._end -= 1
        if self._end == len(self._times):
            self._make_room()
        self._times[self._end] = time
        self._positions[self._end] = position
        self._velocities[self._end] = np.asarray(velocity, dtype=np.float64)
        self._end += 1
        self.version += 1

    def _make_room(self) -> None:
        """Room for one more knot at the end: reclaim a dropped prefix, or double the buffers."""
        count = len(self)
        if self._start >= count:
            # The dropped prefix is at least half the buffer: move the live knots to the front
            # (each move pays for as many appends as knots moved, so appends stay O(1)).
            self._times[:count] = self._times[self._start : self._end]
            self._positions[:count] = self._positions[self._start : self._end]
            self._velocities[:count] = self._velocities[self._start : self._end]
        else:
            size = max(2 * count, 16)
            times, positions, velocities = np.empty(size), np.empty((size, 3)), np.empty((size, 3))
            times[:count] = self.times
            positions[:count] = self.positions
            velocities[:count] = self.velocities
            self._times, self._positions, self._velocities = times, positions, velocities
        self._start, self._end = 0, count

    def forget_before(self, time: float) -> None:
        """Drop knots older than ``time``, keeping one at or before it.

        The path at ``time`` and after is unchanged (interpolation there uses only the kept
        knots); before the first kept knot it is extrapolated with that knot's velocity.
        """
        # Most calls drop nothing (the second knot is still after ``time``): answered from
        # one float, without a search. Written so that a NaN ``time`` drops nothing either.
        if self._end - self._start < 2 or not self._times[self._start + 1] <= time:
            return
        keep_from = int(np.searchsorted(self.times, time, side="right")) - 1
        if keep_from > 0:
            self._start += keep_from
            self.version += 1

    def position_at(self, times: np.ndarray) -> np.ndarray:
        """Positions (M, 3) at the given times (M,)."""
        times = np.atleast_1d(np.asarray(times, dtype=np.float64))
        if len(self) == 0:
            raise ValueError("trajectory has no knots")
        knots = self.times
        positions = self.positions
        result = np.empty((len(times), 3))
        for axis in range(3):
            result[:, axis] = np.interp(times, knots, positions[:, axis])
        before = times < knots[0]
        after = times > knots[-1]
        if before.any():
            result[before] = positions[0] + (times[before] - knots[0])[:, None] * self.velocities[0]
        if after.any():
            result[after] = (
                positions[-1] + (times[after] - knots[-1])[:, None] * self.velocities[-1]
            )
        return result

    def velocity_at(self, time: float) -> np.ndarray:
        """Velocity (3,) at one time: the segment's slope between knots, a knot's beyond them."""
        knots = self.times
        if time <= knots[0]:
            return self.velocities[0].copy()
        if time >= knots[-1]:
            return self.velocities[-1].copy()
        index = int(np.searchsorted(knots, time, side="right")) - 1
        span = knots[index + 1] - knots[index]
        return (self.positions[index + 1] - self.positions[index]) / span

    def segments(self, start: float, end: float) -> tuple[np.ndarray, ...]:
        """Straight pieces covering [start, end]: (begin (J,), length (J,), position (J, 3),
        velocity (J, 3)). The last piece is open-ended (length inf)."""
        knots = self.times
        inner = knots[(knots > start) & (knots < end)]
        begins = np.concatenate([[start], inner])
        lengths = np.diff(np.concatenate([begins, [np.inf]]))
        positions = self.position_at(begins)
        # Slope of each piece: from the knots around it (beyond the ends, the end velocity).
        knot_positions = self.positions
        index = np.searchsorted(knots, begins, side="right") - 1
        velocities = np.empty((len(begins), 3))
        before = index < 0
        after = index >= len(knots) - 1
        inside = ~(before | after)
        velocities[before] = self.velocities[0]
        velocities[after] = self.velocities[-1]
        if inside.any():
            k = index[inside]
            span = (knots[k + 1] - knots[k])[:, None]
            velocities[inside] = (knot_positions[k + 1] - knot_positions[k]) / span
        return begins, lengths, positions, velocities


def _solve_pieces(
    reception_times: np.ndarray,
    listeners: np.ndarray,
    begins: np.ndarray,
    lengths: np.ndarray,
    positions: np.ndarray,
    velocities: np.ndarray,
    speeds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both roots of the arrival quadratic for each (grid point, piece) pair given per pair.

    All arguments are flat arrays of equal length M (vectors (M, 3)). Returns the emission
    times (M, 2) (nan where absent) and their validity mask.
    """
    offset = positions - listeners  # (M, 3): source at the piece's start, seen from the listener
    lead = reception_times - begins  # (M,) time from the piece's start to reception
    speed_squared = speeds * speeds
    a = np.einsum("ij,ij->i", velocities, velocities) - speed_squared
    b = 2.0 * (np.einsum("ij,ij->i", offset, velocities) + speed_squared * lead)
    c = np.einsum("ij,ij->i", offset, offset) - speed_squared * lead * lead
    roots = np.full((len(a), 2), np.nan)
    linear = np.abs(a) < 1e-12 * np.maximum(speed_squared, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = b * b - 4.0 * a * c
        real = ~linear & (disc >= 0)
        root = np.sqrt(np.where(real, disc, 0.0))
        q = -0.5 * (b + np.where(b >= 0, root, -root))
        roots[:, 0] = np.where(real, q / a, np.nan)
        roots[:, 1] = np.where(real & (q != 0), c / q, np.nan)
        roots[:, 0] = np.where(linear & (b != 0), -c / b, roots[:, 0])
    # Pieces overlap by a hair so a root on a knot is never lost; duplicates are merged later.
    slack = 1e-9
    valid = (
        (roots >= -slack) & (roots < lengths[:, None] + slack) & (roots <= lead[:, None] + 1e-12)
    )
    return roots + begins[:, None], valid, lead


def emission_times(
    reception_times: np.ndarray,
    listeners: np.ndarray,
    trajectory: Trajectory,
    start_time: float,
    speed_of_sound: float,
    travel_time: TravelTime | None = None,
    refinements: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Every emission time whose sound reaches the listener at each reception time.

    ``reception_times`` (G,), ``listeners`` (G, 3). Emission is sought from ``start_time`` on.
    Returns (grid index (R,), emission time (R,)) for the R arrivals found, sorted by grid index
    then emission time. Without ``travel_time`` the medium is uniform at ``speed_of_sound``.
    """
    reception_times = np.asarray(reception_times, dtype=np.float64)
    end = float(reception_times.max())
    if start_time > end:
        return np.empty(0, dtype=np.int64), np.empty(0)
    begins, lengths, positions, velocities = trajectory.segments(start_time, end)
    grid_count, piece_count = len(reception_times), len(begins)
    grid = np.repeat(np.arange(grid_count), piece_count)
    piece = np.tile(np.arange(piece_count), grid_count)
    flat_listeners = listeners[grid]
    flat_reception = reception_times[grid]
    speeds = np.full(len(grid), float(speed_of_sound))
    if travel_time is not None:
        # First guess of each path's speed: from the piece's middle (or start, if open-ended).
        finite = np.isfinite(lengths[piece])
        middle = begins[piece] + np.where(finite, 0.5 * np.where(finite, lengths[piece], 0), 0)
        middle = np.minimum(middle, flat_reception)
        sources = positions[piece] + (middle - begins[piece])[:, None] * velocities[piece]
        speeds = _effective_speed(sources, flat_listeners, travel_time, speed_of_sound)
    times, valid, _ = _solve_pieces(
        flat_reception,
        flat_listeners,
        begins[piece],
        lengths[piece],
        positions[piece],
        velocities[piece],
        speeds,
    )
    pair, which = np.nonzero(valid)
    found_grid = grid[pair]
    found_time = times[pair, which]
    if travel_time is not None and len(pair):
        found_piece = piece[pair]
        keep = np.ones(len(pair), dtype=bool)
        for _ in range(refinements):
            sources = (
                positions[found_piece]
                + (found_time - begins[found_piece])[:, None] * (velocities[found_piece])
            )
            path_speeds = _effective_speed(
                sources, listeners[found_grid], travel_time, speed_of_sound
            )
            again, again_valid, _ = _solve_pieces(
                reception_times[found_grid],
                listeners[found_grid],
                begins[found_piece],
                lengths[found_piece],
                positions[found_piece],
                velocities[found_piece],
                path_speeds,
            )
            # Follow the root nearest the previous estimate.
            distance = np.abs(np.where(again_valid, again, np.inf) - found_time[:, None])
            choice = np.argmin(distance, axis=1)
            chosen = again[np.arange(len(choice)), choice]
            keep &= again_valid[np.arange(len(choice)), choice]
            found_time = np.where(keep, chosen, found_time)
        found_grid, found_time = found_grid[keep], found_time[keep]
    order = np.lexsort((found_time, found_grid))
    found_grid, found_time = found_grid[order], found_time[order]
    repeated = np.zeros(len(found_time), dtype=bool)
    repeated[1:] = (found_grid[1:] == found_grid[:-1]) & (np.diff(found_time) < 1e-7)
    return found_grid[~repeated], found_time[~repeated]


def _effective_speed(
    sources: np.ndarray, listeners: np.ndarray, travel_time: TravelTime, fallback: float
) -> np.ndarray:
    length = np.linalg.norm(listeners - sources, axis=1)
    seconds = travel_time(sources, listeners)
    with np.errstate(divide="ignore", invalid="ignore"):
        speeds = np.where(seconds > 0, length / seconds, fallback)
    return np.where(np.isfinite(speeds) & (speeds > 0), speeds, fallback)
