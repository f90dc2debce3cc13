"""Where the app's snapshots come from: the simulation, plus what the renderer reads in extras.

Owns: ``WorldSource``, the one object the window and the headless renderer drive: it builds
``engine.sim.Simulation`` under a manual real clock (so frames are deterministic for a seed),
steps the world's particle fields (on the GPU with the simulation's compute stepper when a GL 4.3
context is passed, else with its CPU reference, capped per field), runs the world's agents
(``engine.agents.AgentSystem``), and fills ``snapshot.extras`` with the renderer's records of
agents, subtitles and particle fields. Must not touch: the simulation's internals beyond its
public API, world files on disk; GL only through the context it is given.

Time advances in fixed steps of ``1 / STEPS_PER_SECOND`` real seconds, the same grid
``engine.agents.offline.narrate_world`` uses, so a video's subtitles and the voices in its
soundtrack come from the same lines said at the same moments.
"""

from __future__ import annotations

import dataclasses
from typing import cast

from engine.agents.offline import SNAPSHOTS_PER_SECOND, voices_set_off_triggers
from engine.agents.view import Subtitle as AgentSubtitle
from engine.render.views import AgentView, ParticleFieldView, Subtitle
from engine.rules.world import WorldSpec
from engine.sim import ManualClock, Simulation
from engine.sim.particles import ParticleFieldsCPU
from engine.sim.snapshot import Snapshot, SoundEvent, point3

CPU_PARTICLES_PER_FIELD = 50_000
"""Particles stepped per field on the CPU; larger fields are drawn from a sample of this size."""
COMPUTE_GL_VERSION = 430
"""Compute shaders need OpenGL 4.3."""
STEPS_PER_SECOND = SNAPSHOTS_PER_SECOND
"""Simulation and agent steps per real second (shared with offline narration)."""


class WorldSource:
    """A running world: simulation, particles and agents, advanced by explicit real seconds."""

    def __init__(self, world: WorldSpec, seed: int | None = None, ctx=None) -> None:  # noqa: ANN001
        self.world = world
        self.clock = ManualClock()
        self.simulation = Simulation.from_world(world, seed=seed, clock=self.clock)
        seed = self.simulation.seed
        self._pending_real = 0.0
        self._sounds_in_between: list[SoundEvent] = []
        self.agents = None
        if world.agents:
            from engine.agents import AgentSystem

            self.agents = AgentSystem(world, seed, local_rates=self.simulation.local_time.rates)
            said = self.agents.step(self.simulation.snapshot())
            voices_set_off_triggers(self.simulation, world, said)
        self.gpu_particles = None
        if ctx is not None and world.particles and ctx.version_code >= COMPUTE_GL_VERSION:
            from engine.sim.particles_gpu import ParticleFieldsGPU

            self.gpu_particles = ParticleFieldsGPU(ctx, self.simulation)
        self.particle_fields = self.gpu_particles or ParticleFieldsCPU(
            self.simulation, most_per_field=CPU_PARTICLES_PER_FIELD
        )

    @property
    def world_time(self) -> float:
        return self.simulation.world_time

    def advance(self, real_dt: float) -> None:
        """Move everything by ``real_dt`` real seconds (the world clock decides world seconds)."""
        self._pending_real += real_dt
        step = 1.0 / STEPS_PER_SECOND
        # A small tolerance so frame times that are exact multiples of the step do not drift.
        while self._pending_real >= step - 1e-9:
            self._pending_real -= step
            self.clock.advance(step)
            self.simulation.advance(step)
            self._step_agents()
        self._step_particles()

    def _step_agents(self) -> None:
        if self.agents is not None:
            snapshot = self.simulation.snapshot()
            # Each snapshot hands out the sounds made since the previous one: keep them for the
            # next public snapshot, which the live mixer reads.
            self._sounds_in_between.extend(snapshot.sounds)
            said = self.agents.step(snapshot)
            voices_set_off_triggers(self.simulation, self.world, said)

    def scrub(self, world_seconds: float) -> None:
        """Jump the world clock by ``world_seconds`` (signed)."""
        self.simulation.step(world_seconds)
        self._step_particles()

    def _step_particles(self) -> None:
        self.particle_fields.sync(self.simulation)

    def snapshot(self) -> Snapshot:
        snapshot = self.simulation.snapshot()
        if self._sounds_in_between:
            sounds = (*self._sounds_in_between, *snapshot.sounds)
            self._sounds_in_between.clear()
            snapshot = dataclasses.replace(snapshot, sounds=sounds)
        if self.agents is not None:
            self.agents.publish(snapshot)
            snapshot.extras["agents"] = _agent_records(self.agents.view(), self.world)
            snapshot.extras["subtitles"] = tuple(
                Subtitle(
                    speaker=line.agent,
                    native=line.ipa,
                    romanisation=line.text if line.text != line.ipa else "",
                    gloss=line.gloss,
                    translation=line.translation,
                )
                for line in cast("tuple[AgentSubtitle, ...]", snapshot.extras["subtitles"])
            )
        snapshot.extras.setdefault("particles", self._particle_views())
        return snapshot

    def _particle_views(self) -> list[ParticleFieldView]:
        if self.gpu_particles is not None:
            return [
                ParticleFieldView(
                    name=field.field.name,
                    count=field.count,
                    colour=field.field.colour,
                    size=field.field.size,
                    buffer=field.positions,
                    origin=point3(field.origin),
                )
                for field in self.gpu_particles.fields
            ]
        return [
            ParticleFieldView(
                name=particles.field.name,
                count=len(particles.positions),
                colour=particles.field.colour,
                size=particles.field.size,
                positions=particles.positions,
                origin=point3(particles.origin),
            )
            for particles in self.particle_fields.fields
        ]

    def release(self) -> None:
        """Free the GPU particle buffers, if any."""
        if self.gpu_particles is not None:
            self.gpu_particles.release()
            self.gpu_particles = None


def _agent_records(view, world: WorldSpec) -> list[AgentView]:  # noqa: ANN001 - agents' AgentView
    """The agent runtime's arrays as the renderer's per-agent records."""
    return [
        AgentView(
            name=name,
            shape=agent.shape,
            position=point3(view.positions[row]),
            velocity=point3(view.velocities[row]),
            heading=float(view.headings[row]),
            colour=agent.colour,
            size=float(view.sizes[row]),
            local_rate=float(view.local_rate[row]),
            proper_time=float(view.age[row]),
            speaking=bool(view.speaking[row]),
        )
        for row, (name, agent) in enumerate(zip(view.names, world.agents, strict=True))
    ]
