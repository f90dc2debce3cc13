"""Clocks: the injected real clock and the world's virtual clock (pause, rate, reverse, scrub).

Owns: how real seconds become world seconds. Must not touch: bodies, laws, local clocks (time
fields live in ``engine.sim.timefields``), GL, audio.

Three kinds of time, as in Bevy's ``bevy_time``:
- real time: read from an injected function (``time.monotonic`` by default, a ``ManualClock`` in
  tests), never from the system directly, so dilation and tests are deterministic;
- world time: advances by ``rate(real) * real_dt``, where the rate combines the world file's
  ``[time]`` rate and direction (forward, backward, oscillating), the explorer's scale band and
  the explorer's own controls (pause, speed factor, reverse);
- local time: world time scaled by time fields and triggers where a body is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from engine.rules.time import Time

RealClock = Callable[[], float]
"""A function returning real seconds (monotonic); ``time.monotonic`` unless injected."""


class ManualClock:
    """A real clock that moves only when told to: for tests, benchmarks and offline renders."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` of real time."""
        if seconds < 0:
            raise ValueError(f"a real clock cannot run backward (asked to advance {seconds} s)")
        self.now += seconds


class WorldClock:
    """Turns real seconds into world seconds, following the world file and the explorer's controls.

    The world file gives a base rate and a direction; the explorer may pause, change speed by a
    factor, or reverse. Oscillating worlds swing as world_time = rate * period/(2 pi) *
    sin(2 pi t_real / period): forward for half a period, back for the other half.
    """

    def __init__(self, rules: Time, real_clock: RealClock | None = None) -> None:
        self.rules = rules
        self.real_clock: RealClock = real_clock if real_clock is not None else time.monotonic
        self._real_start = self.real_clock()
        self._real_last = self._real_start
        self.running_real_time = 0.0
        """Real seconds the world has been running (pauses excluded); drives oscillation."""
        self.paused = False
        self.speed_factor = 1.0
        """The explorer's factor on the world's rate (1 = as the file says)."""
        self.reversed = False
        """The explorer's reverse switch: flips the direction the file gives."""

    def real_time(self) -> float:
        """Real seconds since the clock was made."""
        return self.real_clock() - self._real_start

    def take_real_delta(self) -> float:
        """Real seconds since the last call (or since creation)."""
        now = self.real_clock()
        delta = now - self._real_last
        self._real_last = now
        return max(delta, 0.0)

    def direction_factor(self, running_real_time: float | None = None) -> float:
        """+1 forward, -1 backward, or the oscillation's current slope in [-1, 1]."""
        moment = self.running_real_time if running_real_time is None else running_real_time
        if self.rules.direction == "forward":
            sign = 1.0
        elif self.rules.direction == "backward":
            sign = -1.0
        else:
            sign = math.cos(2.0 * math.pi * moment / self.rules.period)
        return -sign if self.reversed else sign

    def rate(self, band_time_rate: float = 1.0) -> float:
        """World seconds per real second right now (signed; 0 when paused)."""
        if self.paused:
            return 0.0
        return self.rules.rate * band_time_rate * self.speed_factor * self.direction_factor()

    def world_delta(self, real_delta: float, band_time_rate: float = 1.0) -> float:
        """World seconds that pass in ``real_delta`` real seconds from now, and advance the clock.

        Oscillation is integrated exactly over the interval, so the world clock swings by the
        same amount whatever the frame rate.
        """
        if self.paused or real_delta <= 0:
            return 0.0
        start = self.running_real_time
        self.running_real_time += real_delta
        scale = self.rules.rate * band_time_rate * self.speed_factor
        if self.rules.direction == "oscillating":
            angular = 2.0 * math.pi / self.rules.period
            now = self.running_real_time
            swing = (math.sin(angular * now) - math.sin(angular * start)) / angular
            delta = scale * swing
        else:
            delta = scale * real_delta * (1.0 if self.rules.direction == "forward" else -1.0)
        return -delta if self.reversed else delta
