"""The ``[time]`` section: how the world's clock runs and where local clocks differ.

The world clock advances by ``rate`` seconds per real second in its ``direction``. Time fields are
regions where local clocks run at another rate (negative runs them backward). Triggers are
declared reactions: an event (a loud sound, a collision, the explorer arriving) changes the rate of
time near it for a while.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from engine.rules.common import Name, PositiveReal, Real, Region, Rules


class TimeField(Rules):
    """A region where local clocks run at another rate."""

    name: Name
    region: Region
    rate: Real = Field(default=0.5, ge=-100, le=100)
    """Local seconds per world second inside (0.5 = half speed, -1 = backward, 0 = frozen)."""


class TimeTrigger(Rules):
    """An event that changes the rate of time near where it happened, for a while."""

    name: Name
    event: Literal["loud_sound", "collision", "explorer_enters"]
    """What sets it off."""
    threshold_db: Real = Field(default=80.0, ge=0, le=200)
    """loud_sound only: sound level (dB SPL at the source's reference distance) that sets it off."""
    region: Region | None = None
    """explorer_enters: the region to enter; others: where the event must be (absent: anywhere)."""
    effect: Literal["reverse", "freeze", "rate"] = "reverse"
    """What happens to local time: run backward, stop, or run at ``rate``."""
    rate: Real = Field(default=-1.0, ge=-100, le=100)
    """effect = "rate": local seconds per world second while the trigger holds."""
    radius: PositiveReal = 10.0
    """Distance (m) from the event within which clocks are affected."""
    duration: PositiveReal = 3.0
    """How long (s of world time) the effect lasts."""


class Time(Rules):
    """The world's clock."""

    rate: PositiveReal = Field(default=1.0, le=1000)
    """World seconds per real second."""
    direction: Literal["forward", "backward", "oscillating"] = "forward"
    """Which way the world clock runs. Oscillating swings forward and back with ``period``."""
    period: PositiveReal = 20.0
    """Oscillating only: seconds of real time for one full swing forward and back."""
    pitch_follows_local_time: bool = True
    """Whether sounds made where time runs fast or slow are heard higher or lower."""
    fields: tuple[TimeField, ...] = Field(default=(), max_length=64)
    triggers: tuple[TimeTrigger, ...] = Field(default=(), max_length=64)

    @model_validator(mode="after")
    def _unique(self) -> Time:
        names = [field.name for field in self.fields] + [trigger.name for trigger in self.triggers]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"time field and trigger names must be unique, repeated: {duplicates}")
        return self
