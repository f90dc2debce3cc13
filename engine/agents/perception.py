"""Perception: which narration rules' triggers fire this step, for every agent at once.

Owns: ``RuleTable`` (every narration rule of every agent flattened into arrays) and
``Perception`` (what each agent noticed last step, and ``fired``: the rules whose trigger fires
now). Triggers: start, periodic (on the agent's own clock), explorer_near (on coming within the
rule's radius), collision and loud_sound (sound events of the snapshot, and the other agents'
voices of the step before, within reach; no agent hears its own voice), time_reversed
(the agent's clock starts to run backward), scale_changed (the explorer grows or shrinks by the
rule's factor) and entered_time_field. Reads a ``Snapshot`` only. Must not touch: narration
choices, movement, GL, audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.rules.agents import TRIGGERS, Agent
from engine.rules.time import TimeField
from engine.sim.snapshot import Snapshot
from engine.sim.timefields import region_weight

TRIGGER_CODES = {name: code for code, name in enumerate(TRIGGERS)}


@dataclass(frozen=True)
class HeardVoice:
    """A line an agent said, as the other agents hear it: a sound at its speaker."""

    position: tuple[float, float, float]
    loudness_db: float
    speaker: int  # the agent's row: it does not hear itself


@dataclass
class RuleTable:
    """Every narration rule, one row each (R rules), in agent order then rule order."""

    agent: np.ndarray  # (R,) int64 row of the agent
    rule: np.ndarray  # (R,) int64 index in the agent's narration table
    trigger: np.ndarray  # (R,) int8 TRIGGER_CODES
    radius: np.ndarray  # (R,) float64 reach (already capped by the agent's perception radius)
    threshold_db: np.ndarray  # (R,) float64
    scale_factor: np.ndarray  # (R,) float64
    field: np.ndarray  # (R,) int64 time field index, -1 any
    every: np.ndarray  # (R,) float64
    cooldown: np.ndarray  # (R,) float64
    priority: np.ndarray  # (R,) int64

    @classmethod
    def build(cls, agents: tuple[Agent, ...], fields: tuple[TimeField, ...]) -> RuleTable:
        field_index = {time_field.name: index for index, time_field in enumerate(fields)}
        rows = [
            (index, rule_index, agent, rule)
            for index, agent in enumerate(agents)
            for rule_index, rule in enumerate(agent.narration)
        ]

        def column(values: list, dtype) -> np.ndarray:
            return np.array(values, dtype=dtype).reshape(len(rows))

        return cls(
            agent=column([row[0] for row in rows], np.int64),
            rule=column([row[1] for row in rows], np.int64),
            trigger=column([TRIGGER_CODES[row[3].trigger] for row in rows], np.int8),
            radius=column(
                [
                    row[3].radius
                    if row[3].trigger == "explorer_near"
                    else min(row[3].radius, row[2].perception_radius)
                    for row in rows
                ],
                np.float64,
            ),
            threshold_db=column([row[3].threshold_db for row in rows], np.float64),
            scale_factor=column([row[3].scale_factor for row in rows], np.float64),
            field=column(
                [
                    field_index.get(row[3].time_field, -1) if row[3].time_field else -1
                    for row in rows
                ],
                np.int64,
            ),
            every=column([row[3].every for row in rows], np.float64),
            cooldown=column([row[3].cooldown for row in rows], np.float64),
            priority=column([row[3].priority for row in rows], np.int64),
        )

    @property
    def count(self) -> int:
        return int(self.agent.size)


class Perception:
    """What every agent noticed; ``fired`` says which rules' triggers fire this step."""

    def __init__(
        self, table: RuleTable, perception_radius: np.ndarray, fields: tuple[TimeField, ...]
    ) -> None:
        agent_count = perception_radius.size
        self.table = table
        self.perception_radius = perception_radius
        """(N,) metres within which each agent notices sounds at all."""
        self.fields = fields
        self.started = False
        self.periodic_due = table.every.copy()
        self.was_near = np.zeros(table.count, dtype=bool)
        self.scale_reference = np.full(table.count, np.nan)
        self.was_reversed = np.zeros(agent_count, dtype=bool)
        self.was_in_field = np.zeros((agent_count, len(fields)), dtype=bool)
        self.direction = 1.0
        """Sign of the world clock's last move (kept while paused)."""
        self._codes = {
            name: np.flatnonzero(table.trigger == code) for name, code in TRIGGER_CODES.items()
        }
        # Results of the last ``fired`` call, for conditions and narration.
        self.explorer_distance = np.zeros(agent_count)
        self.event_distance = np.zeros(table.count)
        self.loudest_db = np.zeros(agent_count)
        self.in_field: np.ndarray = np.zeros(agent_count, dtype=bool)
        self.reversed = np.zeros(agent_count, dtype=bool)

    def fired(
        self,
        snapshot: Snapshot,
        positions: np.ndarray,
        local_rate: np.ndarray,
        age: np.ndarray,
        world_dt: float,
        voices: tuple[HeardVoice, ...] = (),
    ) -> np.ndarray:
        """(R,) bool: the rules whose trigger fires now. Updates what agents remember noticing.

        ``voices`` are the lines agents said last step: sounds to every agent but the speaker."""
        table = self.table
        fired = np.zeros(table.count, dtype=bool)
        agent_of = table.agent
        explorer = np.asarray(snapshot.explorer.position, dtype=np.float64)
        distance = np.sqrt(((positions - explorer) ** 2).sum(axis=1))
        self.explorer_distance = distance
        event_distance = distance[agent_of]
        codes = self._codes

        rows = codes["start"]
        if rows.size and not self.started:
            fired[rows] = True
        self.started = True

        rows = codes["periodic"]
        if rows.size:
            due = age[agent_of[rows]] >= self.periodic_due[rows]
            if due.any():
                chosen = rows[due]
                fired[chosen] = True
                # Catch up without bursts: the next line is due one period after now.
                behind = np.floor(
                    (age[agent_of[chosen]] - self.periodic_due[chosen]) / table.every[chosen]
                )
                self.periodic_due[chosen] += (behind + 1.0) * table.every[chosen]

        rows = codes["explorer_near"]
        if rows.size:
            near = distance[agent_of[rows]] <= table.radius[rows]
            fired[rows] = near & ~self.was_near[rows]
            self.was_near[rows] = near

        self.loudest_db = np.zeros(positions.shape[0])
        sound_rows = np.concatenate([codes["collision"], codes["loud_sound"]])
        if snapshot.sounds or voices:
            event_positions = np.array(
                [event.position for event in snapshot.sounds]
                + [voice.position for voice in voices],
                dtype=np.float64,
            ).reshape(-1, 3)
            loudness = np.array(
                [event.loudness_db for event in snapshot.sounds]
                + [voice.loudness_db for voice in voices],
                dtype=np.float64,
            )
            is_collision = np.array(
                [event.kind == "collision" for event in snapshot.sounds] + [False] * len(voices),
                dtype=bool,
            )
            # (N, E) distances from every agent to every sound this step.
            reach = np.sqrt(
                ((positions[:, None, :] - event_positions[None, :, :]) ** 2).sum(axis=2)
            )
            if voices:  # a speaker is out of reach of its own voice
                first_voice = len(snapshot.sounds)
                speakers = np.array([voice.speaker for voice in voices], dtype=np.int64)
                reach[speakers, first_voice + np.arange(len(voices))] = np.inf
            heard = reach <= self.perception_radius[:, None]
            self.loudest_db = np.where(heard, loudness[None, :], 0.0).max(axis=1)
            if sound_rows.size:
                rule_reach = reach[agent_of[sound_rows]]  # (r, E)
                within = rule_reach <= table.radius[sound_rows, None]
                is_loud_rule = table.trigger[sound_rows] == TRIGGER_CODES["loud_sound"]
                matches = np.where(
                    is_loud_rule[:, None],
                    within & (loudness[None, :] >= table.threshold_db[sound_rows, None]),
                    within & is_collision[None, :],
                )
                hit = matches.any(axis=1)
                fired[sound_rows] = hit
                nearest = np.where(matches, rule_reach, np.inf).min(axis=1)
                event_distance[sound_rows[hit]] = nearest[hit]

        if world_dt != 0:
            self.direction = 1.0 if world_dt > 0 else -1.0
        self.reversed = local_rate * self.direction < 0
        rows = codes["time_reversed"]
        if rows.size:
            fired[rows] = self.reversed[agent_of[rows]] & ~self.was_reversed[agent_of[rows]]
        self.was_reversed = self.reversed

        rows = codes["scale_changed"]
        if rows.size:
            size = float(snapshot.explorer.size)
            reference = self.scale_reference[rows]
            reference = np.where(np.isnan(reference), size, reference)
            ratio = size / reference
            factor = table.scale_factor[rows]
            changed = (ratio >= factor) | (ratio <= 1.0 / factor)
            fired[rows] = changed
            self.scale_reference[rows] = np.where(changed, size, reference)

        if self.fields:
            inside = np.stack(
                [region_weight(time_field.region, positions) > 0 for time_field in self.fields],
                axis=1,
            )
            self.in_field = np.asarray(inside.any(axis=1))
            rows = codes["entered_time_field"]
            if rows.size:
                entered = inside & ~self.was_in_field  # (N, F)
                agents = agent_of[rows]
                wanted = table.field[rows]
                specific = entered[agents, np.maximum(wanted, 0)]
                fired[rows] = np.where(wanted >= 0, specific, entered[agents].any(axis=1))
            self.was_in_field = inside
        self.event_distance = event_distance
        return fired
