"""A bounded history of body states, one row per world step.

Owns: a ring buffer of (positions, proper velocities, velocities, proper times) keyed by the
integer step index, plus a small opaque record per step (clock and trigger state). It serves
two readers: exact rewinding (a step back restores the stored row bit for bit, so dissipative
laws replay exactly) and the light-delay solve (where bodies were when the light now arriving
left them). Must not touch: laws, integration, GL, audio.

The stored steps always form one contiguous range [oldest, newest]; adding a step beyond either
end evicts from the other end when the buffer is full.
"""

from __future__ import annotations

import numpy as np

BYTES_PER_BODY_ROW = 3 * 3 * 8 + 8  # positions, proper velocities, velocities, proper time


class History:
    """Ring buffer of body states indexed by world step."""

    def __init__(self, body_count: int, capacity: int) -> None:
        if capacity < 2:
            raise ValueError(f"history capacity must be at least 2 steps, got {capacity}")
        self.capacity = capacity
        # Filled now rather than left to the kernel's lazy zero pages: otherwise each of the first
        # ``capacity`` steps pays page faults inside the frame.
        self.positions = _touched((capacity, body_count, 3))
        self.proper_velocities = _touched((capacity, body_count, 3))
        self.velocities = _touched((capacity, body_count, 3))
        self.proper_times = _touched((capacity, body_count))
        self.times = _touched((capacity,))
        self.records: list[object] = [None] * capacity
        self.oldest = 0
        self.newest = -1  # empty

    @staticmethod
    def capacity_for(body_count: int, budget_bytes: int, most_steps: int = 2048) -> int:
        """Steps that fit in ``budget_bytes`` (at least 2, at most ``most_steps``)."""
        per_step = max(1, body_count) * BYTES_PER_BODY_ROW
        return int(max(2, min(most_steps, budget_bytes // per_step)))

    def __contains__(self, step: int) -> bool:
        return self.oldest <= step <= self.newest

    def store(
        self,
        step: int,
        world_time: float,
        positions: np.ndarray,
        proper_velocities: np.ndarray,
        velocities: np.ndarray,
        proper_times: np.ndarray,
        record: object,
    ) -> None:
        """Keep the state of ``step``; it must be adjacent to (or inside) the stored range."""
        if self.newest < self.oldest:
            self.oldest = self.newest = step
        elif step == self.newest + 1:
            self.newest = step
            if self.newest - self.oldest + 1 > self.capacity:
                self.oldest += 1
        elif step == self.oldest - 1:
            self.oldest = step
            if self.newest - self.oldest + 1 > self.capacity:
                self.newest -= 1
        elif not self.oldest <= step <= self.newest:
            self.oldest = self.newest = step  # a jump: start again
        slot = step % self.capacity
        self.positions[slot] = positions
        self.proper_velocities[slot] = proper_velocities
        self.velocities[slot] = velocities
        self.proper_times[slot] = proper_times
        self.times[slot] = world_time
        self.records[slot] = record

    def forget_after(self, step: int) -> None:
        """Drop stored steps later than ``step`` (the future changed)."""
        if self.newest > step >= self.oldest:
            self.newest = step

    def row(self, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, object]:
        """(positions, proper velocities, velocities, proper times, record) stored for ``step``."""
        if step not in self:
            raise KeyError(f"step {step} is not in the history ({self.oldest}..{self.newest})")
        slot = step % self.capacity
        return (
            self.positions[slot],
            self.proper_velocities[slot],
            self.velocities[slot],
            self.proper_times[slot],
            self.records[slot],
        )

    def window(self, newest: int, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Times (H,), positions (H, N, 3), velocities (H, N, 3) of up to ``steps`` rows ending at
        ``newest``, oldest first."""
        first = max(self.oldest, newest - steps + 1)
        slots = np.arange(first, newest + 1) % self.capacity
        return self.times[slots], self.positions[slots], self.velocities[slots]


def _touched(shape: tuple[int, ...]) -> np.ndarray:
    array = np.empty(shape)
    array.fill(0.0)
    return array
