"""Local clocks: time fields and the triggers that reverse, freeze or rescale time for a while.

Owns: the local rate (local seconds per world second, signed) at any position, and the state of
triggered effects. Must not touch: body state, the world clock, GL, audio.

Rates combine like this at a point: every time field multiplies the rate by its own rate,
faded in over its ``edge``; then every active trigger effect whose sphere contains the point
applies in declaration order: ``reverse`` flips the sign (local clocks run backward), ``freeze``
sets it to 0, ``rate`` replaces it with the trigger's rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.rules.common import Region
from engine.rules.time import Time, TimeTrigger


def region_weight(region: Region, positions: np.ndarray) -> np.ndarray:
    """How much of a region's effect reaches each position (N,): 1 inside, 0 outside.

    With ``edge`` > 0 the weight ramps linearly from 0 at the border to 1 at ``edge`` metres in.
    """
    centre = np.asarray(region.centre)
    if region.shape == "sphere":
        inside_depth = region.radius - np.linalg.norm(positions - centre, axis=-1)
    else:
        half = np.asarray(region.size) * 0.5
        inside_depth = np.min(half - np.abs(positions - centre), axis=-1)
    if region.edge > 0:
        return np.clip(inside_depth / region.edge, 0.0, 1.0)
    return (inside_depth >= 0).astype(np.float64)


@dataclass(frozen=True)
class TriggerEffect:
    """A trigger that has fired: where, when, and until when (world time)."""

    trigger: int  # index in [time].triggers
    position: tuple[float, float, float]
    started: float
    ends: float


class LocalTime:
    """Time fields plus active trigger effects -> the local rate anywhere."""

    def __init__(self, rules: Time) -> None:
        self.rules = rules
        self.effects: tuple[TriggerEffect, ...] = ()
        self.field_clocks = np.zeros(len(rules.fields))
        """What a clock at each time field's centre reads (local seconds)."""

    def rates(self, positions: np.ndarray, world_time: float) -> np.ndarray:
        """Local seconds per world second (N,) at each position (signed)."""
        rate = np.ones(positions.shape[0])
        for time_field in self.rules.fields:
            weight = region_weight(time_field.region, positions)
            rate *= 1.0 + (time_field.rate - 1.0) * weight
        for effect in self.effects:
            if not effect.started <= world_time < effect.ends:
                continue
            trigger = self.rules.triggers[effect.trigger]
            near = (
                np.linalg.norm(positions - np.asarray(effect.position), axis=-1) <= trigger.radius
            )
            if trigger.effect == "reverse":
                rate = np.where(near, -rate, rate)
            elif trigger.effect == "freeze":
                rate = np.where(near, 0.0, rate)
            else:
                rate = np.where(near, trigger.rate, rate)
        return rate

    def field_rates(self, world_time: float) -> np.ndarray:
        """The local rate at each time field's centre (F,)."""
        if not self.rules.fields:
            return np.zeros(0)
        centres = np.array([time_field.region.centre for time_field in self.rules.fields])
        return self.rates(centres, world_time)

    def advance_field_clocks(self, world_dt: float, world_time: float) -> None:
        """Move each field's centre clock by its local rate times ``world_dt``."""
        if self.rules.fields:
            self.field_clocks = self.field_clocks + self.field_rates(world_time) * world_dt

    def fire(self, index: int, position: tuple[float, float, float], world_time: float) -> None:
        """Start (or restart) trigger ``index`` at ``position``; it holds for its duration."""
        trigger = self.rules.triggers[index]
        kept = tuple(effect for effect in self.effects if effect.trigger != index)
        effect = TriggerEffect(index, position, world_time, world_time + trigger.duration)
        self.effects = (*kept, effect)

    def forget_finished(self, world_time: float) -> None:
        """Drop effects that ended, and those that start after ``world_time`` (time ran back)."""
        self.effects = tuple(
            effect for effect in self.effects if effect.started <= world_time < effect.ends
        )

    def matching_triggers(
        self, event: str, position: np.ndarray, loudness_db: float | None = None
    ) -> list[int]:
        """Indices of triggers that this event at ``position`` sets off."""
        found = []
        for index, trigger in enumerate(self.rules.triggers):
            if trigger.event != event:
                continue
            too_quiet = loudness_db is None or loudness_db < trigger.threshold_db
            if event == "loud_sound" and too_quiet:
                continue
            if _outside(trigger, position):
                continue
            found.append(index)
        return found


def _outside(trigger: TimeTrigger, position: np.ndarray) -> bool:
    if trigger.region is None:
        return False
    return bool(region_weight(trigger.region, position.reshape(1, 3))[0] <= 0)
