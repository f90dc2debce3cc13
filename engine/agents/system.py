"""``AgentSystem``: every agent of a world, stepped from the simulation's snapshots.

Owns: the agents' clocks (each ages by its local rate: in a 0.5x time field an agent walks, waits
and speaks at half speed; when its clock runs backward, orbits and patrols retrace their path),
and the order of one step:

1. world time since the last snapshot -> each agent's local step (time fields, trigger effects);
2. movement (``movement.move``);
3. perception (``perception.Perception.fired``): which narration rules' triggers fire;
4. narration (``narration.Narrator``): cooldowns, conditions, priorities, memory -> one line per
   agent at most, improvised by the injected model when the agent may, else scripted;
5. speech: each line becomes an ``Utterance`` (text, romanisation, gloss, translation), kept in
   ``transcript``; ``publish`` puts the agents and the subtitles due now into the snapshot.

Voices are placed in a mixer by ``engine.agents.voices.AgentVoices``. Reads only ``Snapshot`` and
an injected ``local_rates(positions, world_time)`` (the simulation's ``local_time.rates``; by
default one built from the world's time fields). Must not touch: the simulation's internals, GL,
audio, ``generators``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.agents.improvise import Improviser, LineImprovisation
from engine.agents.movement import build_movement, move
from engine.agents.narration import Narrator, ScriptLine
from engine.agents.perception import HeardVoice, Perception, RuleTable
from engine.agents.speech import (
    Speech,
    Utterance,
    from_english,
    from_native,
    speaking_seconds,
)
from engine.agents.view import AGENT_SHAPE_CODES, AGENTS_KEY, SUBTITLES_KEY, AgentView, Subtitle
from engine.rules.common import colour_to_rgb
from engine.rules.language import LanguageSpec
from engine.rules.world import WorldSpec
from engine.sim.snapshot import Snapshot
from engine.sim.timefields import LocalTime

LocalRates = Callable[[np.ndarray, float], np.ndarray]
"""(positions (N, 3), world time) -> local seconds per world second (N,), signed."""

SUBTITLE_LINGER = 2.0
"""Seconds a subtitle stays after the line has been said."""
SLOWEST_SUBTITLE_RATE = 0.05
"""Subtitles of agents in nearly frozen time last as if their clock ran at this rate."""


class AgentSystem:
    """The world's agents: movement, perception and narration on their own clocks."""

    def __init__(
        self,
        world: WorldSpec,
        seed: int | None = None,
        *,
        local_rates: LocalRates | None = None,
        improviser: Improviser | None = None,
    ) -> None:
        self.world = world
        self.agents = world.agents
        self.seed = world.meta.seed if seed is None else int(seed)
        count = len(self.agents)
        self.languages: list[LanguageSpec | None] = [
            world.language(agent.language) if agent.language else None for agent in self.agents
        ]
        start_points = {body.name: body.position for body in world.bodies if body.count == 1}
        self.movement = build_movement(self.agents, start_points, self.seed)
        self.proper_time = np.zeros(count)
        """(N,) signed seconds on each agent's clock (runs back when its time runs backward)."""
        self.age = np.zeros(count)
        """(N,) seconds each agent has lived: its clock's steps, backward ones counted too."""
        self.local_rate = np.ones(count)
        self.table = RuleTable.build(self.agents, world.time.fields)
        self.perception = Perception(
            self.table,
            np.array([agent.perception_radius for agent in self.agents], dtype=np.float64),
            world.time.fields,
        )
        self.narrator = Narrator(self.agents, self.table, self.seed)
        self.local_rates: LocalRates = local_rates or LocalTime(world.time).rates
        self.improvisation = LineImprovisation(improviser) if improviser is not None else None
        self.transcript: list[Utterance] = []
        self._subtitles: list[Subtitle] = []
        self._speech_cache: dict[tuple[str | None, ScriptLine], Speech] = {}
        self._last_world_time: float | None = None
        self._voices_heard: tuple[HeardVoice, ...] = ()
        """The lines said last step, heard by the other agents this step."""
        self._around_names = [agent.movement.around for agent in self.agents]
        self._around_resolved = not any(self._around_names)
        self._sizes = np.array([agent.size for agent in self.agents], dtype=np.float64)
        self._colours = np.array(
            [colour_to_rgb(agent.colour) for agent in self.agents], dtype=np.float32
        ).reshape(count, 3)
        self._shapes = np.array([AGENT_SHAPE_CODES[agent.shape] for agent in self.agents], np.int8)

    @property
    def positions(self) -> np.ndarray:
        """(N, 3) where each agent stands now (m)."""
        return self.movement.positions

    def step(self, snapshot: Snapshot) -> tuple[Utterance, ...]:
        """Advance every agent to ``snapshot``'s world time; returns the lines said this step."""
        world_time = float(snapshot.world_time)
        world_dt = 0.0 if self._last_world_time is None else world_time - self._last_world_time
        self._last_world_time = world_time
        if not self.agents:
            return ()
        if not self._around_resolved:
            self._resolve_around(snapshot)
        positions = self.movement.positions
        self.local_rate = np.asarray(self.local_rates(positions, world_time), dtype=np.float64)
        local_dt = self.local_rate * world_dt
        self.proper_time += local_dt
        self.age += np.abs(local_dt)
        move(
            self.movement,
            self.proper_time,
            local_dt,
            np.asarray(snapshot.explorer.position, dtype=np.float64),
            snapshot.bodies.positions,
            world_dt,
        )
        fired = self.perception.fired(
            snapshot, positions, self.local_rate, self.age, world_dt, self._voices_heard
        )
        self._voices_heard = ()
        rows = self.narrator.ready(fired, self.age)
        if rows.size == 0:
            return ()
        winners = self.narrator.choose(rows, lambda row: self._environment(row, snapshot))
        said = tuple(self._speak(row, snapshot) for row in winners)
        self.transcript.extend(said)
        self._voices_heard = tuple(self._heard_voice(line) for line in said)
        return said

    def _heard_voice(self, line: Utterance) -> HeardVoice:
        """A line just said, as the other agents hear it next step: a sound at its speaker."""
        loudness_db = self.agents[line.agent_index].voice.loudness_db
        return HeardVoice(line.position, loudness_db, line.agent_index)

    def publish(self, snapshot: Snapshot) -> None:
        """Put the agents and the subtitles shown now into ``snapshot.extras``."""
        world_time = float(snapshot.world_time)
        self._subtitles = [s for s in self._subtitles if s.shown_until > world_time]
        snapshot.extras[AGENTS_KEY] = self.view()
        snapshot.extras[SUBTITLES_KEY] = tuple(
            s for s in self._subtitles if s.shown_from <= world_time
        )

    def view(self) -> AgentView:
        """The agents now, as the renderer reads them (copies)."""
        return AgentView(
            names=tuple(agent.name for agent in self.agents),
            positions=self.movement.positions.copy(),
            velocities=self.movement.velocities.copy(),
            headings=self.movement.headings.copy(),
            sizes=self._sizes,
            colours=self._colours,
            shapes=self._shapes,
            local_rate=self.local_rate.copy(),
            age=self.age.copy(),
            speaking=self.age < self.narrator.busy_until,
        )

    # ----- inside one step ------------------------------------------------------------------

    def _resolve_around(self, snapshot: Snapshot) -> None:
        groups = np.asarray(snapshot.bodies.group)
        names = [body.name for body in self.world.bodies]
        for index, name in enumerate(self._around_names):
            if name is not None:
                rows = np.flatnonzero(groups == names.index(name))
                self.movement.around_row[index] = int(rows[0]) if rows.size else -1
        self._around_resolved = True

    def _environment(self, row: int, snapshot: Snapshot) -> dict[str, float | bool]:
        agent = int(self.table.agent[row])
        explorer = snapshot.explorer
        explorer_speed = float(np.linalg.norm(explorer.velocity))
        return {
            "distance": float(self.perception.explorer_distance[agent]),
            "event_distance": float(self.perception.event_distance[row]),
            "loudness_db": float(self.perception.loudest_db[agent]),
            "explorer_size": float(explorer.size),
            "explorer_speed": explorer_speed,
            "explorer_rate": float(explorer.local_rate),
            "local_rate": float(self.local_rate[agent]),
            "world_rate": float(snapshot.time_rate),
            "age": float(self.age[agent]),
            "world_time": float(snapshot.world_time),
            "said": float(self.narrator.said_count[row]),
            "speed_of_sound": float(snapshot.speed_of_sound),
            "speed_of_light": float(snapshot.speed_of_light),
            "reversed": bool(self.perception.reversed[agent]),
            "in_time_field": bool(self.perception.in_field[agent]),
            "explorer_moving": explorer_speed > 0.1,
        }

    def _speech_for(self, language: LanguageSpec | None, line: ScriptLine) -> Speech:
        key = (language.name if language else None, line)
        if key not in self._speech_cache:
            if line.native and language is not None:
                self._speech_cache[key] = from_native(language, line.text)
            else:
                self._speech_cache[key] = from_english(language, line.text)
        return self._speech_cache[key]

    def _speak(self, row: int, snapshot: Snapshot) -> Utterance:
        index = int(self.table.agent[row])
        agent = self.agents[index]
        rule_index = int(self.table.rule[row])
        trigger = agent.narration[rule_index].trigger
        language = self.languages[index]
        age = float(self.age[index])
        speech: Speech | None = None
        line: ScriptLine | None = None
        if agent.improvise and self.improvisation is not None and language is not None:
            seed = hash((self.seed, index, int(self.narrator.said_count[row]))) & 0x7FFFFFFF
            speech = self.improvisation.line(language, agent.name, trigger, seed)
        if speech is None:
            line = self.narrator.pick_line(row, age)
            speech = self._speech_for(language, line)
        duration = speaking_seconds(speech, agent, language)
        self.narrator.record(row, speech.text, age, duration, line)
        world_time = float(snapshot.world_time)
        position = tuple(float(x) for x in self.movement.positions[index])
        distance = float(self.perception.explorer_distance[index])
        heard_at = world_time + distance / float(snapshot.speed_of_sound)
        utterance = Utterance(
            agent=agent.name,
            agent_index=index,
            world_time=world_time,
            age=age,
            position=position,  # type: ignore[arg-type]
            trigger=trigger,
            rule=rule_index,
            speech=speech,
            duration=duration,
            heard_at=heard_at,
        )
        rate = max(abs(float(self.local_rate[index])), SLOWEST_SUBTITLE_RATE)
        self._subtitles.append(
            Subtitle(
                agent=agent.name,
                text=speech.text,
                ipa=speech.ipa,
                gloss=speech.gloss,
                translation=speech.translation,
                position=position,  # type: ignore[arg-type]
                shown_from=heard_at,
                shown_until=heard_at + duration / rate + SUBTITLE_LINGER,
            )
        )
        return utterance
