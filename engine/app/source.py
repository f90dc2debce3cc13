"""Where the app's snapshots come from: the simulation, plus what the renderer reads in extras.

Owns: ``WorldSource``, the one object the window and the headless renderer drive: it builds
``engine.sim.Simulation`` under a manual real clock (so frames are deterministic for a seed),
steps the world's particle fields (on the GPU with the simulation's compute stepper when a GL 4.3
context is passed, else with its CPU reference, capped per field), and fills
``snapshot.extras`` with agents and particle fields for the renderer. Must not touch: the
simulation's internals beyond its public API, world files on disk; GL only through the context
it is given.

Until the agent runtime fills ``extras["agents"]``, agents stand where the world file puts them
and stroll small circles so their silhouettes are seen.
"""

from __future__ import annotations

import math

import numpy as np

from engine.render.views import AgentView, ParticleFieldView
from engine.rules.world import WorldSpec
from engine.sim import ManualClock, Simulation
from engine.sim.particles import ParticleFieldCPU, pack_laws
from engine.sim.snapshot import Snapshot

CPU_PARTICLES_PER_FIELD = 50_000
"""Particles stepped per field on the CPU; larger fields are drawn from a sample of this size."""
COMPUTE_GL_VERSION = 430
"""Compute shaders need OpenGL 4.3."""
MAX_PARTICLE_STEP = 1.0 / 30.0
"""Longest particle step (world seconds); longer frames take several."""


class WorldSource:
    """A running world: simulation, particles and agents, advanced by explicit real seconds."""

    def __init__(self, world: WorldSpec, seed: int | None = None, ctx=None) -> None:  # noqa: ANN001
        self.world = world
        self.clock = ManualClock()
        self.simulation = Simulation.from_world(world, seed=seed, clock=self.clock)
        seed = self.simulation.seed
        self.gpu_particles = None
        if ctx is not None and world.particles and ctx.version_code >= COMPUTE_GL_VERSION:
            from engine.sim.particles_gpu import ParticleFieldsGPU

            self.gpu_particles = ParticleFieldsGPU(ctx, self.simulation)
        self.particles = (
            []
            if self.gpu_particles is not None
            else [
                ParticleFieldCPU(
                    field.model_copy(update={"count": min(field.count, CPU_PARTICLES_PER_FIELD)}),
                    seed,
                    index,
                )
                for index, field in enumerate(world.particles)
            ]
        )

    @property
    def world_time(self) -> float:
        return self.simulation.world_time

    def advance(self, real_dt: float) -> None:
        """Move everything by ``real_dt`` real seconds (the world clock decides world seconds)."""
        self.clock.advance(real_dt)
        world_dt = self.simulation.advance(real_dt)
        self._step_particles(world_dt)

    def scrub(self, world_seconds: float) -> None:
        """Jump the world clock by ``world_seconds`` (signed)."""
        self.simulation.step(world_seconds)
        self._step_particles(world_seconds)

    def _step_particles(self, world_dt: float) -> None:
        if self.gpu_particles is not None:
            self.gpu_particles.sync(self.simulation)
            return
        if not self.particles or world_dt == 0.0:
            return
        steps = max(1, math.ceil(abs(world_dt) / MAX_PARTICLE_STEP))
        for particles in self.particles:
            laws = pack_laws(self.simulation, particles.origin, particles.field.follows_laws)
            for _ in range(min(steps, 8)):
                particles.step(laws, world_dt / steps)

    def snapshot(self) -> Snapshot:
        snapshot = self.simulation.snapshot()
        snapshot.extras.setdefault("agents", self._agents(snapshot.world_time))
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
                    origin=tuple(float(v) for v in field.origin),
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
                origin=tuple(float(v) for v in particles.origin),
            )
            for particles in self.particles
        ]

    def release(self) -> None:
        """Free the GPU particle buffers, if any."""
        if self.gpu_particles is not None:
            self.gpu_particles.release()
            self.gpu_particles = None

    def _agents(self, world_time: float) -> list[AgentView]:
        agents = []
        for agent in self.world.agents:
            radius = min(agent.movement.radius, 3.0 * agent.size) * 0.5
            speed = min(agent.movement.speed, agent.size)
            angle = world_time * speed / max(radius, 1e-12)
            start = np.asarray(agent.position, np.float64)
            place = start + radius * np.array([math.cos(angle) - 1.0, 0.0, math.sin(angle)])
            agents.append(
                AgentView(
                    name=agent.name,
                    shape=agent.shape,
                    position=(float(place[0]), float(place[1]), float(place[2])),
                    velocity=(-math.sin(angle) * speed, 0.0, math.cos(angle) * speed),
                    heading=math.pi - angle,
                    colour=agent.colour,
                    size=agent.size,
                    proper_time=world_time,
                )
            )
        return agents
