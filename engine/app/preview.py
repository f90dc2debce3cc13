"""A stand-in source of Snapshots for rendering when ``engine.sim`` is not available.

Owns: a kinematic preview of a world (bodies scattered from the seed and moving in straight
lines, light delay solved for that motion, agents walking circles, particles drifting) so that
``heterocosm render`` and the window work before and without the real simulation. It applies
no laws. Must not touch GL. ``engine.app.source.open_world`` prefers ``engine.sim`` when present.
"""

from __future__ import annotations

import math

import numpy as np

from engine.render.views import AgentView, ParticleFieldView
from engine.rules.common import colour_to_rgb
from engine.rules.world import WorldSpec
from engine.sim.snapshot import SHAPE_CODES, BodyView, ExplorerView, Snapshot, TimeFieldView

PREVIEW_PARTICLES_PER_FIELD = 100_000
"""Particles kept per field on the CPU; the real simulation steps all of them on the GPU."""


def _region_weight(region, points: np.ndarray) -> np.ndarray:  # noqa: ANN001 - rules Region
    """1 inside the region, fading to 0 across its edge, for (N, 3) points."""
    centre = np.asarray(region.centre)
    if region.shape == "box":
        outside = np.max(np.abs(points - centre) - np.asarray(region.size) / 2.0, axis=1)
    else:
        outside = np.linalg.norm(points - centre, axis=1) - region.radius
    if region.edge <= 0:
        return (outside <= 0).astype(np.float64)
    return np.clip(1.0 - outside / region.edge, 0.0, 1.0) * (outside <= region.edge)


class PreviewWorld:
    """Straight-line motion of a world's bodies under an explicitly advanced clock."""

    def __init__(self, world: WorldSpec, seed: int | None = None) -> None:
        self.world = world
        seed = world.meta.seed if seed is None else seed
        random = np.random.default_rng(seed)
        positions, velocities, radii, masses, colours, glow, shapes, group, fixed = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        palette = world.light.palette or ("#d8d0c0",)
        for index, body in enumerate(world.bodies):
            colour = body.colour or palette[index % len(palette)]
            for _ in range(body.count):
                offset = np.zeros(3)
                kick = np.zeros(3)
                if body.count > 1:
                    direction = random.normal(size=3)
                    direction /= np.linalg.norm(direction)
                    offset = direction * body.spread * random.random() ** (1 / 3)
                    kick = random.normal(size=3) * body.velocity_spread / math.sqrt(3)
                positions.append(np.asarray(body.position) + offset)
                velocities.append(np.zeros(3) if body.fixed else np.asarray(body.velocity) + kick)
                radii.append(body.radius)
                masses.append(body.mass)
                colours.append(colour_to_rgb(colour))
                glow.append(body.glow)
                shapes.append(SHAPE_CODES[body.shape])
                group.append(index)
                fixed.append(body.fixed)
        count = len(radii)
        self._start = np.asarray(positions, np.float64).reshape(count, 3)
        self._velocity = np.asarray(velocities, np.float64).reshape(count, 3)
        self._radii = np.asarray(radii, np.float64)
        self._masses = np.asarray(masses, np.float64)
        self._colours = np.asarray(colours, np.float32).reshape(count, 3)
        self._glow = np.asarray(glow, np.float32)
        self._shapes = np.asarray(shapes, np.int8)
        self._group = np.asarray(group, np.int32)
        self._particles = []
        for field in world.particles:
            n = min(field.count, PREVIEW_PARTICLES_PER_FIELD)
            direction = random.normal(size=(n, 3))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            centre = np.asarray(field.region.centre)
            if field.region.shape == "box":
                start = centre + (random.random((n, 3)) - 0.5) * np.asarray(field.region.size)
            else:
                start = centre + direction * field.region.radius * random.random((n, 1)) ** (1 / 3)
            drift = random.normal(size=(n, 3)) * field.velocity_spread / math.sqrt(3)
            self._particles.append((field, start, drift))
        scale = world.scale
        self.world_time = 0.0
        self.real_time = 0.0
        self.time_factor = 1.0  # the explorer's own control: 0 paused, negative reversed
        self.explorer_position = np.asarray(scale.explorer_position, np.float64) + [
            0.0,
            scale.explorer_size * 0.93,
            0.0,
        ]
        self.explorer_velocity = np.zeros(3)
        self.yaw = 0.0
        self.pitch = -0.08
        self.size = scale.explorer_size

    # The world clock: rate and direction from [time], the explorer's control, the band's factor.
    def time_rate(self) -> float:
        time = self.world.time
        direction = -1.0 if time.direction == "backward" else 1.0
        if time.direction == "oscillating":
            direction = math.cos(2.0 * math.pi * self.real_time / time.period)
        band = self.world.scale.band_at(self.size)
        band_rate = band.time_rate if band is not None else 1.0
        return time.rate * direction * band_rate * self.time_factor

    def advance(self, real_dt: float) -> None:
        self.world_time += self.time_rate() * real_dt
        self.real_time += real_dt

    def _positions_at(self, times: np.ndarray) -> np.ndarray:
        return self._start + self._velocity * times[:, None]

    def _local_rates(self, points: np.ndarray) -> np.ndarray:
        rates = np.ones(len(points))
        for field in self.world.time.fields:
            weight = _region_weight(field.region, points)
            rates = rates * (1.0 - weight) + field.rate * weight
        return rates

    def snapshot(self) -> Snapshot:
        c = self.world.light.speed_of_light
        now = self.world_time
        positions = self._positions_at(np.full(len(self._radii), now))
        # Light delay for straight-line motion: iterate t_seen = now - |x(t_seen) - eye| / c.
        seen_time = np.full(len(self._radii), now)
        for _ in range(8):
            seen = self._positions_at(seen_time)
            seen_time = now - np.linalg.norm(seen - self.explorer_position, axis=1) / c
        apparent = self._positions_at(seen_time)
        speeds = np.linalg.norm(self._velocity, axis=1)
        gamma = 1.0 / np.sqrt(1.0 - np.minimum((speeds / c) ** 2, 0.999999))
        local_rate = self._local_rates(positions)
        explorer_rate = float(self._local_rates(self.explorer_position[None])[0])
        bodies = BodyView(
            positions=positions,
            velocities=self._velocity,
            apparent_positions=apparent,
            apparent_velocities=self._velocity,
            radii=self._radii,
            masses=self._masses,
            colours=self._colours,
            glow=self._glow,
            shapes=self._shapes,
            group=self._group,
            local_rate=local_rate,
            proper_time=now * local_rate / gamma,
            lorentz_factor=gamma,
        )
        fields = tuple(
            TimeFieldView(name=field.name, rate=field.rate, local_time=now * field.rate)
            for field in self.world.time.fields
        )
        agents = []
        for agent in self.world.agents:
            radius = agent.movement.radius * 0.3
            angular = agent.movement.speed / max(radius, 1e-9)
            angle = now * angular
            start = np.asarray(agent.position)
            place = start + radius * np.array([math.cos(angle) - 1.0, 0.0, math.sin(angle)])
            agents.append(
                AgentView(
                    name=agent.name,
                    shape=agent.shape,
                    position=tuple(place),
                    velocity=(
                        -math.sin(angle) * agent.movement.speed,
                        0.0,
                        math.cos(angle) * agent.movement.speed,
                    ),
                    heading=math.pi - angle,
                    colour=agent.colour,
                    size=agent.size,
                    proper_time=now,
                )
            )
        particles = []
        for field, start, drift in self._particles:
            positions_now = start + drift * now
            particles.append(
                ParticleFieldView(
                    name=field.name,
                    count=len(start),
                    colour=field.colour,
                    size=field.size,
                    positions=positions_now.astype(np.float32),
                )
            )
        band = self.world.scale.band_at(self.size)
        return Snapshot(
            world_time=now,
            real_time=self.real_time,
            time_rate=self.time_rate(),
            speed_of_light=(band.speed_of_light if band and band.speed_of_light else c),
            speed_of_sound=self.world.acoustics.speed_of_sound,
            explorer=ExplorerView(
                position=self.explorer_position.copy(),
                velocity=self.explorer_velocity.copy(),
                yaw=self.yaw,
                pitch=self.pitch,
                size=self.size,
                band=band.name if band else None,
                local_rate=explorer_rate * self.time_rate(),
            ),
            bodies=bodies,
            time_fields=fields,
            extras={"agents": agents, "particles": particles},
        )
