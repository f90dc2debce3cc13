"""``Simulation``: one world running headless and deterministic, read through ``Snapshot``.

Owns: the frame order below, the explorer's controls, sounds the bodies make, and the bookkeeping
between world steps, the history and the snapshot. Must not touch: GL, audio, agents' minds;
nothing outside engine.sim reads its internals (they read ``snapshot()``).

Frame order of one fixed world step of ``physics.time_step`` seconds (signed: negative runs the
world backward):
1. the explorer's scale band picks the laws, the speed of light and the band's time rate;
2. stepping back onto a step kept in the history restores it exactly (dissipative laws replay);
3. otherwise each body's local rate (time fields, trigger effects) scales its step, and the laws
   move it: Newtonian worlds with a symmetric kick-drift-kick leapfrog on proper velocity
   (drag as exact exponential/rational factors around it), Aristotelian worlds with a midpoint
   step where velocity follows force; sub-steps split a step the stiffest law cannot take;
4. contacts (ground, bounds, bodies), then Brownian jitter;
5. proper time ages by local rate / gamma; time-field clocks advance;
6. struck emitters and collisions make sound events; events and the explorer set off triggers;
7. a non-finite state is refused (the step is undone and ``SimulationError`` names the laws);
8. the new state is kept in the bounded history (for rewinding and for light delay).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.fsutil import write_atomic_from
from engine.rules.scale import ScaleBand
from engine.rules.world import WorldSpec
from engine.sim import relativity
from engine.sim.clock import RealClock, WorldClock
from engine.sim.collisions import QUIET_IMPACT_SPEED, collide_bodies, collide_walls
from engine.sim.errors import SimulationError
from engine.sim.gravity import GridGravity
from engine.sim.history import History
from engine.sim.laws import LawSet, compile_laws, substeps_needed
from engine.sim.particles import check_particle_budget
from engine.sim.snapshot import (
    BodyView,
    ExplorerView,
    Snapshot,
    SoundEvent,
    TimeFieldView,
    point3,
)
from engine.sim.state import BodyState, build_bodies
from engine.sim.timefields import LocalTime, TriggerEffect, region_weight

EYE_HEIGHT_FRACTION = 0.93
"""The explorer's eyes sit at this fraction of their size above their feet."""
HISTORY_BYTES = 64 * 1024 * 1024
"""Default memory kept for rewinding and light delay."""
MAX_STEPS_PER_CALL = 240
"""Most fixed steps one ``step``/``advance`` call runs; the rest is dropped so a slow frame
cannot snowball (the world then runs slower than asked, as in most game loops)."""
MAX_SOUND_EVENTS = 1024
"""Most sound events kept between two snapshots."""
RESTING_CONTACT_STEPS = 8
"""A body that touched something this many steps ago or less is in resting contact: no sound."""


@dataclass(frozen=True)
class _StepRecord:
    """What besides body arrays must come back when a step is restored from the history."""

    effects: tuple[TriggerEffect, ...]
    field_clocks: tuple[float, ...]
    explorer_inside: tuple[bool, ...]


@dataclass(frozen=True)
class Energy:
    """Energy of the bodies (J); potential is None where the laws define none."""

    kinetic: float
    potential: float | None

    @property
    def total(self) -> float | None:
        return None if self.potential is None else self.kinetic + self.potential


class Simulation:
    """A world's bodies, laws and clocks, stepped under an injected real clock."""

    def __init__(
        self,
        world: WorldSpec,
        seed: int | None = None,
        clock: RealClock | None = None,
        history_bytes: int = HISTORY_BYTES,
        replay_history: bool = True,
    ) -> None:
        self.world = world
        self.seed = world.meta.seed if seed is None else int(seed)
        if self.seed < 0:
            raise SimulationError(f"seed must be 0 or more, got {self.seed}")
        self.bodies: BodyState = build_bodies(world, self.seed)
        check_particle_budget(sum(field.count for field in world.particles))
        self.clock = WorldClock(world.time, clock)
        self.local_time = LocalTime(world.time)
        self.time_step = world.physics.time_step
        self.step_index = 0
        self.replay_history = replay_history
        self.history = History(
            self.bodies.count, History.capacity_for(self.bodies.count, history_bytes)
        )
        self._accumulator = 0.0
        self._body_rows = {
            body.name: int(self.bodies.group_start[index])
            for index, body in enumerate(world.bodies)
            if body.count == 1
        }
        self._grid = GridGravity()
        self._law_sets: dict[str | None, tuple[LawSet, int]] = {}
        self._movable = ~self.bodies.fixed
        self._inverse_masses = np.where(self.bodies.fixed, 0.0, 1.0 / self.bodies.masses)
        self._emitters = self._emitter_table()
        self._cached_acceleration: tuple[int, np.ndarray, np.ndarray] | None = None
        self._sounds: list[SoundEvent] = []
        self.dropped_sounds = 0
        self.sounds_made = 0
        self._last_touch = np.full(self.bodies.count, -(2**62), dtype=np.int64)
        # The furthest each body's clock has run. A strike replayed while a clock runs forward
        # again after a reversal still sounds, but sets off no time trigger: otherwise a bell
        # inside its own reversal radius would re-strike and re-reverse itself forever.
        self._proper_time_reached = self.bodies.proper_time.copy()
        scale = world.scale
        self.explorer_size = scale.explorer_size
        feet = np.asarray(scale.explorer_position, dtype=np.float64)
        self.explorer_position = feet + np.array([0.0, EYE_HEIGHT_FRACTION * self.explorer_size, 0])
        self.explorer_velocity = np.zeros(3)
        self.explorer_yaw = 0.0
        self.explorer_pitch = 0.0
        self._explorer_inside = self._explorer_inside_triggers()
        self.velocities = relativity.velocities_from_proper(
            self.bodies.proper_velocities, self.speed_of_light
        )
        self._law_set(None)  # check the stability of the world's own laws up front
        for band in scale.bands:
            self._law_set(band)
        self._start_sounds()
        self._remember()

    # ----- construction -------------------------------------------------------------------

    @classmethod
    def from_world(
        cls,
        world: WorldSpec,
        seed: int | None = None,
        clock: RealClock | None = None,
        history_bytes: int = HISTORY_BYTES,
        replay_history: bool = True,
    ) -> Simulation:
        """Build a simulation of ``world``; ``seed`` defaults to the world's ``meta.seed``.

        ``clock`` is the real clock (``time.monotonic`` when absent; pass a ``ManualClock`` for
        deterministic runs). ``history_bytes`` bounds the memory kept for rewinding and light
        delay; ``replay_history=False`` makes rewinding integrate backward instead of replaying.
        """
        return cls(world, seed, clock, history_bytes, replay_history)

    # ----- what is in effect ----------------------------------------------------------------

    @property
    def band(self) -> ScaleBand | None:
        """The scale band the explorer is in (None outside every band)."""
        return self.world.scale.band_at(self.explorer_size)

    @property
    def speed_of_light(self) -> float:
        band = self.band
        if band is not None and band.speed_of_light is not None:
            return band.speed_of_light
        return self.world.light.speed_of_light

    @property
    def speed_of_sound(self) -> float:
        band = self.band
        if band is not None and band.speed_of_sound is not None:
            return band.speed_of_sound
        return self.world.acoustics.speed_of_sound

    @property
    def world_time(self) -> float:
        """World seconds since the start (the state's time; fixed steps of ``time_step``)."""
        return self.step_index * self.time_step

    @property
    def laws(self) -> LawSet:
        """The laws acting now (the world's, changed by the explorer's band)."""
        return self._law_set(self.band)[0]

    def _law_set(self, band: ScaleBand | None) -> tuple[LawSet, int]:
        key = None if band is None else band.name
        found = self._law_sets.get(key)
        if found is not None:
            return found
        laws = self.world.physics.laws
        if band is not None:
            kept = tuple(law for law in laws if law.kind not in band.disabled_laws)
            laws = kept + band.extra_laws
        law_set = compile_laws(laws, self._body_rows, self._grid)
        fastest = max(
            [1.0]
            + [abs(item.rate) for item in self.world.time.fields]
            + [abs(item.rate) for item in self.world.time.triggers if item.effect == "rate"]
        )
        substeps = substeps_needed(
            law_set,
            self.time_step,
            self.bodies.masses,
            self.bodies.fixed,
            self.world.physics.motion,
            self.world.physics.resistance,
            fastest,
        )
        self._law_sets[key] = (law_set, substeps)
        return law_set, substeps

    # ----- explorer controls (the window and the XR bridge call these) ---------------------

    def set_explorer_position(self, position: tuple[float, float, float] | np.ndarray) -> None:
        """Place the explorer's eyes at ``position`` (m)."""
        self.explorer_position = _finite_vector(position, "explorer position")
        self._check_explorer_triggers()

    def set_explorer_velocity(self, velocity: tuple[float, float, float] | np.ndarray) -> None:
        """The explorer's velocity (m/s), used for Doppler and light aberration by readers."""
        self.explorer_velocity = _finite_vector(velocity, "explorer velocity")

    def set_explorer_orientation(self, yaw: float, pitch: float) -> None:
        """Yaw (radians, 0 looks toward -z) and pitch (radians, positive looks up, clamped)."""
        if not (math.isfinite(yaw) and math.isfinite(pitch)):
            raise ValueError(f"yaw and pitch must be finite, got {yaw}, {pitch}")
        self.explorer_yaw = math.remainder(yaw, 2 * math.pi)
        self.explorer_pitch = min(max(pitch, -math.pi / 2), math.pi / 2)

    def set_explorer_size(self, size: float) -> float:
        """Set the explorer's height (m), clamped to the world's range; returns the size used."""
        if not math.isfinite(size) or size <= 0:
            raise ValueError(f"explorer size must be a positive number of metres, got {size}")
        scale = self.world.scale
        self.explorer_size = min(max(size, scale.min_explorer_size), scale.max_explorer_size)
        self._law_set(self.band)
        return self.explorer_size

    # ----- the clock's controls -------------------------------------------------------------

    def pause(self, paused: bool = True) -> None:
        """Stop (or restart) the world clock; ``advance`` then moves nothing."""
        self.clock.paused = paused

    def set_speed(self, factor: float) -> None:
        """The explorer's factor on the world's time rate (1 = as the file says)."""
        if not math.isfinite(factor) or factor < 0:
            raise ValueError(f"speed factor must be 0 or more, got {factor}")
        self.clock.speed_factor = factor

    def set_reversed(self, reversed_: bool) -> None:
        """Run the world clock against the file's direction (rewind)."""
        self.clock.reversed = reversed_

    def advance(self, real_dt: float | None = None) -> float:
        """Move by real time: ``real_dt`` seconds, or what the injected clock says has passed.

        Returns the world seconds asked of ``step``.
        """
        if real_dt is None:
            real_dt = self.clock.take_real_delta()
        elif not math.isfinite(real_dt) or real_dt < 0:
            raise ValueError(f"real_dt must be a finite number of seconds >= 0, got {real_dt}")
        band = self.band
        world_dt = self.clock.world_delta(real_dt, band.time_rate if band else 1.0)
        self.step(world_dt)
        return world_dt

    def step(self, dt_world: float, max_steps: int = MAX_STEPS_PER_CALL) -> int:
        """Move the world clock by ``dt_world`` seconds (signed) in fixed steps; returns steps run.

        The remainder smaller than one step is carried to the next call.
        """
        if not math.isfinite(dt_world):
            raise ValueError(f"dt_world must be finite, got {dt_world}")
        self._accumulator += dt_world
        ratio = self._accumulator / self.time_step
        # Truncate toward zero, forgiving rounding so that step(time_step) is always one step.
        steps = int(ratio + math.copysign(1e-9, ratio))
        if abs(steps) > max_steps:
            steps = max_steps if steps > 0 else -max_steps
            self._accumulator = 0.0
        else:
            self._accumulator -= steps * self.time_step
        direction = 1 if steps > 0 else -1
        for _ in range(abs(steps)):
            self._fixed_step(direction)
        return abs(steps)

    def run_for(self, world_seconds: float) -> int:
        """Run exactly round(world_seconds / time_step) steps, however many (offline use)."""
        steps = round(world_seconds / self.time_step)
        direction = 1 if steps >= 0 else -1
        for _ in range(abs(steps)):
            self._fixed_step(direction)
        return abs(steps)

    def scrub(self, world_time: float, max_steps: int = 1_000_000) -> int:
        """Jump the world clock to ``world_time`` (replaying the history when going back)."""
        target = round(world_time / self.time_step)
        steps = target - self.step_index
        if abs(steps) > max_steps:
            raise SimulationError(
                f"scrubbing to {world_time:g} s needs {abs(steps)} steps; at most {max_steps}"
            )
        self._accumulator = 0.0
        direction = 1 if steps >= 0 else -1
        for _ in range(abs(steps)):
            self._fixed_step(direction)
        return abs(steps)

    def emit_sound(
        self,
        position: tuple[float, float, float],
        loudness_db: float,
        frequency_hz: float = 440.0,
        kind: str = "tone",
        body: int = -1,
    ) -> None:
        """A sound made outside the core, heard as a SoundEvent; may set off triggers."""
        where = _finite_vector(position, "sound position")
        rate = float(self.local_time.rates(where.reshape(1, 3), self.world_time)[0])
        self._add_sound(
            SoundEvent(
                body,
                self.world_time,
                point3(where),
                kind,
                float(frequency_hz),
                float(loudness_db),
                rate,
            )
        )
        self.sound_triggers(point3(where), loudness_db)

    def sound_triggers(self, position: tuple[float, float, float], loudness_db: float) -> None:
        """Fire the loud-sound triggers a sound at ``position`` sets off, adding no SoundEvent
        (for a voice, which its speaker's audio path already renders)."""
        where = _finite_vector(position, "sound position")
        for index in self.local_time.matching_triggers("loud_sound", where, loudness_db):
            self.local_time.fire(index, point3(where), self.world_time)

    # ----- one fixed step -------------------------------------------------------------------

    def _fixed_step(self, direction: int) -> None:
        target = self.step_index + direction
        if direction < 0 and self.replay_history and target in self.history:
            self._restore(target)
            return
        if direction > 0:
            self.history.forget_after(self.step_index)
        bodies = self.bodies
        saved = (
            bodies.positions.copy(),
            bodies.proper_velocities.copy(),
            bodies.proper_time.copy(),
            self.velocities.copy(),
        )
        law_set, substeps = self._law_set(self.band)
        c = self.speed_of_light
        start_time = self.world_time
        world_step = direction * self.time_step
        self.local_time.forget_finished(start_time)
        rates = self.local_time.rates(bodies.positions, start_time)  # (N,)
        move_steps = np.where(self._movable, rates * world_step, 0.0)
        sub_steps = move_steps / substeps
        if self.world.physics.motion == "newtonian":
            for _ in range(substeps):
                self._leapfrog(law_set, sub_steps, c)
        else:
            for _ in range(substeps):
                self._aristotelian(law_set, sub_steps, c)
        events = self._contacts()
        if law_set.diffusion:
            noise = np.random.default_rng([self.seed, 1, target & 0xFFFFFFFF]).normal(
                size=bodies.positions.shape
            )
            jitter = np.sqrt(2.0 * law_set.diffusion * np.abs(move_steps))
            bodies.positions += noise * jitter[:, None]
        gamma = relativity.lorentz_factors(bodies.proper_velocities, c)
        bodies.proper_time += rates * world_step / gamma
        self.local_time.advance_field_clocks(world_step, start_time)
        self.step_index = target
        if not (
            np.isfinite(bodies.positions).all() and np.isfinite(bodies.proper_velocities).all()
        ):
            self._refuse_non_finite(saved, law_set, start_time, target - direction)
        self._strike_emitters(saved[2], rates)
        self._sound_collisions(events, rates)
        self._check_explorer_triggers()
        self._remember()

    def _accelerations(self, law_set: LawSet, positions: np.ndarray) -> np.ndarray:
        cached = self._cached_acceleration
        if cached is not None and cached[0] == id(law_set) and np.array_equal(cached[1], positions):
            return cached[2]
        acceleration = law_set.accelerations(positions, self.bodies.masses)
        self._cached_acceleration = (id(law_set), positions.copy(), acceleration)
        return acceleration

    def _leapfrog(self, law_set: LawSet, steps: np.ndarray, c: float) -> None:
        """Kick-drift-kick on proper velocity: symmetric, so a negative step retraces it."""
        bodies = self.bodies
        half = 0.5 * steps[:, None]
        velocity_laws = (
            law_set.linear_drag
            or law_set.quadratic_drag
            or any(link.law.damping for link in law_set.springs)
        )
        if velocity_laws:
            law_set.apply_velocity_laws(
                bodies.proper_velocities,
                self.velocities,
                bodies.positions,
                bodies.masses,
                0.5 * steps,
            )
        bodies.proper_velocities += self._accelerations(law_set, bodies.positions) * half
        self.velocities = relativity.velocities_from_proper(bodies.proper_velocities, c)
        bodies.positions += self.velocities * steps[:, None]
        bodies.proper_velocities += self._accelerations(law_set, bodies.positions) * half
        if velocity_laws:
            self.velocities = relativity.velocities_from_proper(bodies.proper_velocities, c)
            law_set.apply_velocity_laws(
                bodies.proper_velocities,
                self.velocities,
                bodies.positions,
                bodies.masses,
                0.5 * steps,
            )
        self.velocities = relativity.velocities_from_proper(bodies.proper_velocities, c)

    def _aristotelian(self, law_set: LawSet, steps: np.ndarray, c: float) -> None:
        """Velocity follows force: midpoint step of dx/dt = v(F(x))."""
        bodies = self.bodies
        start = bodies.positions.copy()
        first = self._aristotelian_velocity(law_set, start, c)
        middle = start + first * (0.5 * steps)[:, None]
        proper = self._aristotelian_proper(law_set, middle)
        velocity = relativity.velocities_from_proper(proper, c)
        bodies.positions[:] = start + velocity * steps[:, None]
        bodies.proper_velocities[:] = np.where(self._movable[:, None], proper, 0.0)
        self.velocities = np.where(self._movable[:, None], velocity, 0.0)

    def _aristotelian_proper(self, law_set: LawSet, positions: np.ndarray) -> np.ndarray:
        # Resistance plus linear drag slows in proportion to speed; quadratic drag adds q |u|^2:
        # the speed solves q s^2 + R s = |a|.
        acceleration = law_set.accelerations(positions, self.bodies.masses)
        resistance = self.world.physics.resistance + law_set.linear_drag
        magnitude = np.linalg.norm(acceleration, axis=1)
        q = law_set.quadratic_drag
        if q:
            speed = 2.0 * magnitude / (resistance + np.sqrt(resistance**2 + 4.0 * q * magnitude))
        else:
            speed = magnitude / resistance
        with np.errstate(invalid="ignore", divide="ignore"):
            direction = np.where((magnitude > 0)[:, None], acceleration / magnitude[:, None], 0.0)
        return direction * speed[:, None]

    def _aristotelian_velocity(
        self, law_set: LawSet, positions: np.ndarray, c: float
    ) -> np.ndarray:
        return relativity.velocities_from_proper(self._aristotelian_proper(law_set, positions), c)

    def _contacts(self) -> tuple[np.ndarray, np.ndarray]:
        rules = self.world.physics.collisions
        bodies = self.bodies
        bounce = self.world.physics.motion == "newtonian"
        rows, speeds = collide_walls(
            rules, bodies.positions, bodies.proper_velocities, bodies.radii, self._movable, bounce
        )
        if rules.between_bodies and bodies.count > 1:
            body_rows, body_speeds = collide_bodies(
                rules,
                bodies.positions,
                bodies.proper_velocities,
                bodies.radii,
                self._inverse_masses,
                bounce,
            )
            rows = np.concatenate([rows, body_rows])
            speeds = np.concatenate([speeds, body_speeds])
        if rows.size:
            self.velocities = relativity.velocities_from_proper(
                bodies.proper_velocities, self.speed_of_light
            )
        return rows, speeds

    def _refuse_non_finite(
        self,
        saved: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        law_set: LawSet,
        start_time: float,
        start_step: int,
    ) -> None:
        bodies = self.bodies
        bad = ~(
            np.isfinite(bodies.positions).all(axis=1)
            & np.isfinite(bodies.proper_velocities).all(axis=1)
        )
        rows = np.flatnonzero(bad)
        names = sorted({self.world.bodies[bodies.group[row]].name for row in rows[:8]})
        bodies.positions[:], bodies.proper_velocities[:], bodies.proper_time[:] = saved[:3]
        self.velocities = saved[3]
        self.step_index = start_step
        self._cached_acceleration = None
        raise SimulationError(
            f"the state became non-finite in the step from world time {start_time:g} s "
            f"({rows.size} bodies, e.g. {names}) under the laws {law_set.describe()} with "
            f"physics.time_step = {self.time_step:g} s; use a smaller time step, a larger "
            "gravity softening or weaker laws"
        )

    # ----- sounds and triggers --------------------------------------------------------------

    def _emitter_table(self) -> list[tuple[int, int, int]]:
        """(group, first row, count) of each body table with a struck emitter."""
        table = []
        for index, body in enumerate(self.world.bodies):
            if body.sound is not None and body.sound.kind in ("chime", "pulse"):
                table.append((index, int(self.bodies.group_start[index]), body.count))
        return table

    def _start_sounds(self) -> None:
        for index, first, count in self._emitters:
            emitter = self.world.bodies[index].sound
            assert emitter is not None
            for row in range(first, first + count):
                self._body_sound(row, emitter.kind, emitter.frequency_hz, emitter.loudness_db, 1.0)

    def _strike_emitters(self, previous_proper_time: np.ndarray, rates: np.ndarray) -> None:
        for index, first, count in self._emitters:
            emitter = self.world.bodies[index].sound
            assert emitter is not None
            if emitter.interval <= 0:
                continue
            rows = slice(first, first + count)
            before = np.floor(previous_proper_time[rows] / emitter.interval)
            after = np.floor(self.bodies.proper_time[rows] / emitter.interval)
            reached = self._proper_time_reached[rows]
            for offset in np.flatnonzero(after != before):
                row = first + int(offset)
                first_time = bool(self.bodies.proper_time[row] > reached[offset])
                self._body_sound(
                    row,
                    emitter.kind,
                    emitter.frequency_hz,
                    emitter.loudness_db,
                    rates[row],
                    sets_off_triggers=first_time,
                )
            np.maximum(reached, self.bodies.proper_time[rows], out=reached)
            self._proper_time_reached[rows] = reached

    def _sound_collisions(self, events: tuple[np.ndarray, np.ndarray], rates: np.ndarray) -> None:
        rows, speeds = events
        # A body that touched within the last few steps is resting or chattering: silent.
        recently = np.abs(self.step_index - self._last_touch[rows]) <= RESTING_CONTACT_STEPS
        self._last_touch[rows] = self.step_index
        for row, speed, resting in zip(
            rows.tolist(), speeds.tolist(), recently.tolist(), strict=True
        ):
            if speed < QUIET_IMPACT_SPEED or resting:
                continue
            body = self.world.bodies[self.bodies.group[row]]
            position = self.bodies.positions[row]
            loudness = min(
                140.0,
                60.0
                + 20.0 * math.log10(speed)
                + 10.0 * math.log10(max(self.bodies.masses[row], 1e-30)),
            )
            loudness = max(loudness, 0.0)
            frequency = min(20_000.0, max(20.0, 220.0 * 0.5 / self.bodies.radii[row]))
            self._body_sound(row, "collision", frequency, loudness, rates[row])
            if body.sound is not None and body.sound.on_collision:
                self._body_sound(
                    row,
                    body.sound.kind,
                    body.sound.frequency_hz,
                    body.sound.loudness_db,
                    rates[row],
                )
            for index in self.local_time.matching_triggers("collision", position):
                self.local_time.fire(index, point3(position), self.world_time)

    def _body_sound(
        self,
        row: int,
        kind: str,
        frequency_hz: float,
        loudness_db: float,
        rate: float,
        sets_off_triggers: bool = True,
    ) -> None:
        position = self.bodies.positions[row]
        self._add_sound(
            SoundEvent(
                row,
                self.world_time,
                point3(position),
                kind,
                float(frequency_hz),
                float(loudness_db),
                float(rate),
            )
        )
        if not sets_off_triggers:
            return
        for index in self.local_time.matching_triggers("loud_sound", position, loudness_db):
            self.local_time.fire(index, point3(position), self.world_time)

    def _add_sound(self, event: SoundEvent) -> None:
        self.sounds_made += 1
        if len(self._sounds) < MAX_SOUND_EVENTS:
            self._sounds.append(event)
        else:
            self.dropped_sounds += 1

    def _explorer_inside_triggers(self) -> tuple[bool, ...]:
        eye = self.explorer_position.reshape(1, 3)
        return tuple(
            trigger.event == "explorer_enters"
            and trigger.region is not None
            and bool(region_weight(trigger.region, eye)[0] > 0)
            for trigger in self.world.time.triggers
        )

    def _check_explorer_triggers(self) -> None:
        inside = self._explorer_inside_triggers()
        for index, (was, now) in enumerate(zip(self._explorer_inside, inside, strict=True)):
            if now and not was:
                self.local_time.fire(index, point3(self.explorer_position), self.world_time)
        self._explorer_inside = inside

    # ----- history --------------------------------------------------------------------------

    def _remember(self) -> None:
        record = _StepRecord(
            self.local_time.effects,
            tuple(float(value) for value in self.local_time.field_clocks),
            self._explorer_inside,
        )
        bodies = self.bodies
        self.history.store(
            self.step_index,
            self.world_time,
            bodies.positions,
            bodies.proper_velocities,
            self.velocities,
            bodies.proper_time,
            record,
        )

    def _restore(self, step: int) -> None:
        positions, proper_velocities, velocities, proper_time, record = self.history.row(step)
        bodies = self.bodies
        bodies.positions[:] = positions
        bodies.proper_velocities[:] = proper_velocities
        bodies.proper_time[:] = proper_time
        self.velocities = velocities.copy()
        assert isinstance(record, _StepRecord)
        self.local_time.effects = record.effects
        self.local_time.field_clocks = np.array(record.field_clocks)
        self._explorer_inside = record.explorer_inside
        self.step_index = step

    # ----- reading ---------------------------------------------------------------------------

    def energy(self) -> Energy:
        """Kinetic energy (relativistic, (gamma - 1) m c^2) and potential energy where defined."""
        bodies = self.bodies
        c = self.speed_of_light
        gamma = relativity.lorentz_factors(bodies.proper_velocities, c)
        squared = np.einsum("ij,ij->i", bodies.proper_velocities, bodies.proper_velocities)
        kinetic = float(np.sum(np.where(self._movable, bodies.masses * squared / (gamma + 1), 0)))
        potential = None
        if self.world.physics.motion == "newtonian":
            potential = self.laws.potential_energy(bodies.positions, bodies.masses)
        return Energy(kinetic, potential)

    def state_hash(self) -> str:
        """SHA-256 (hex) of the step index and every body's position, velocity and proper time."""
        digest = hashlib.sha256()
        digest.update(np.int64(self.step_index).tobytes())
        for array in (
            self.bodies.positions,
            self.bodies.proper_velocities,
            self.bodies.proper_time,
            self.local_time.field_clocks,
        ):
            digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
        return digest.hexdigest()

    def save_npz(self, path: str | Path) -> Path:
        """Write the state to a .npz file atomically; returns the path written."""
        bodies = self.bodies
        arrays: dict[str, Any] = {
            "positions": bodies.positions,
            "velocities": self.velocities,
            "proper_velocities": bodies.proper_velocities,
            "proper_time": bodies.proper_time,
            "masses": bodies.masses,
            "radii": bodies.radii,
            "group": bodies.group,
            "group_names": np.array([body.name for body in self.world.bodies], dtype=str),
            "field_names": np.array([item.name for item in self.world.time.fields], dtype=str),
            "field_clocks": self.local_time.field_clocks,
            "world_time": np.float64(self.world_time),
            "step_index": np.int64(self.step_index),
            "seed": np.int64(self.seed),
            "state_hash": np.array(self.state_hash()),
        }

        def produce(temporary: Path) -> None:
            with open(temporary, "wb") as handle:
                np.savez(handle, **arrays)

        return write_atomic_from(path, produce)

    def snapshot(self) -> Snapshot:
        """The world now, for the renderer, acoustics, agents and XR (sounds since the last one)."""
        bodies = self.bodies
        c = self.speed_of_light
        world_time = self.world_time
        band = self.band
        rates = self.local_time.rates(bodies.positions, world_time)
        apparent_positions, apparent_velocities = self._apparent(c)
        explorer_rate = float(
            self.local_time.rates(self.explorer_position.reshape(1, 3), world_time)[0]
        )
        field_rates = self.local_time.field_rates(world_time)
        sounds, self._sounds = tuple(self._sounds), []
        return Snapshot(
            world_time=world_time,
            real_time=self.clock.real_time(),
            time_rate=self.clock.rate(band.time_rate if band else 1.0),
            speed_of_light=c,
            speed_of_sound=self.speed_of_sound,
            explorer=ExplorerView(
                position=self.explorer_position.copy(),
                velocity=self.explorer_velocity.copy(),
                yaw=self.explorer_yaw,
                pitch=self.explorer_pitch,
                size=self.explorer_size,
                band=band.name if band else None,
                local_rate=explorer_rate,
            ),
            bodies=BodyView(
                positions=bodies.positions.copy(),
                velocities=self.velocities.copy(),
                apparent_positions=apparent_positions,
                apparent_velocities=apparent_velocities,
                radii=bodies.radii,
                masses=bodies.masses,
                colours=bodies.colours,
                glow=bodies.glow,
                shapes=bodies.shapes,
                group=bodies.group,
                local_rate=rates,
                proper_time=bodies.proper_time.copy(),
                lorentz_factor=relativity.lorentz_factors(bodies.proper_velocities, c),
            ),
            time_fields=tuple(
                TimeFieldView(
                    item.name, float(field_rates[index]), float(self.local_time.field_clocks[index])
                )
                for index, item in enumerate(self.world.time.fields)
            ),
            sounds=sounds,
        )

    def _apparent(self, c: float) -> tuple[np.ndarray, np.ndarray]:
        """Where the explorer sees each body (light delay), and its velocity then."""
        bodies = self.bodies
        if bodies.count == 0 or not self.world.light.show_light_delay:
            return bodies.positions.copy(), self.velocities.copy()
        distance = np.linalg.norm(bodies.positions - self.explorer_position, axis=1)
        delay = float(distance.max()) / c
        fastest = float(np.linalg.norm(self.velocities, axis=1).max())
        if delay * fastest < 1e-4 * self.explorer_size:
            # Light arrives so fast that nothing moves visibly meanwhile.
            return bodies.positions.copy(), self.velocities.copy()
        rows_needed = int(math.ceil(delay / self.time_step)) + 2
        newest = self.step_index
        if newest not in self.history:
            return bodies.positions.copy(), self.velocities.copy()
        times, positions, velocities = self.history.window(newest, rows_needed)
        return relativity.apparent_state(
            self.explorer_position, self.world_time, times, positions, velocities, c
        )


def _finite_vector(value: tuple[float, float, float] | np.ndarray, what: str) -> np.ndarray:
    vector = np.asarray(value, dtype=np.float64).reshape(-1)
    if vector.shape != (3,) or not np.isfinite(vector).all():
        raise ValueError(f"{what} must be three finite numbers, got {value!r}")
    return vector.copy()
