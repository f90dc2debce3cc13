"""Particle fields (dust, spores, rain): packed laws and the CPU reference step.

Owns: seeding a ``[[particles]]`` cloud, packing the laws in effect into the flat arrays both
paths read (``ParticleLaws``), and ``ParticleFieldCPU``, the float32 reference the GPU compute
shader (``shaders/particles_step.glsl`` via ``engine.sim.particles_gpu``) is tested against.
Must not touch: GL (this module imports none), body state (particles are massless tracers:
bodies pull them, they pull nothing), audio.

Layout shared with the shader and the renderer: positions are vec4 float32, xyz = metres
relative to ``origin`` (a float64 point, so clouds far from the world origin keep their
precision), w = age in local seconds; velocities are vec4 float32, xyz = m/s, w unused.

The step (semi-implicit Euler, one per world step, signed dt): local rate r from time fields and
trigger effects, h = r dt; Newtonian: v *= exp(-linear h); v /= 1 + quadratic |v| h; v += a h;
Aristotelian: v = a / resistance (with drag); speed kept below c; x += v h, plus Brownian jitter
sqrt(2 D |h|) N(0, 1); ground and bounds reflect with restitution; age += h. Gravity comes from
at most ``MAX_ATTRACTORS`` of the heaviest bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.rules.bodies import ParticleField
from engine.rules.common import Region
from engine.sim.errors import SimulationError

MAX_ATTRACTORS = 32
"""Bodies (times gravity laws) whose pull particles feel; the heaviest are chosen."""
MAX_ZONES = 64
"""Time fields, trigger effects, regional uniform fields and vortices the particle step sees."""
BYTES_PER_PARTICLE = 32
"""Two vec4 float32 per particle (position + age, velocity)."""

ZONE_TIME_FIELD, ZONE_REVERSE, ZONE_FREEZE, ZONE_RATE, ZONE_FIELD, ZONE_VORTEX = range(6)
SHAPE_SPHERE, SHAPE_BOX = 0.0, 1.0


@dataclass(frozen=True)
class ParticleLaws:
    """Everything a particle step needs, as flat float32 arrays and scalars (CPU and GPU alike).

    Positions in these arrays are relative to the field's origin.
    """

    attractors: np.ndarray  # (A, 8) float32: x, y, z, strength*mass, power, softening^2, 0, 0
    zones: np.ndarray  # (Z, 12) float32: centre xyz, shape, size xyz, edge, value xyz, kind
    uniform_acceleration: tuple[float, float, float]
    linear_drag: float
    quadratic_drag: float
    diffusion: float
    aristotelian: bool
    resistance: float
    speed_of_light: float
    ground: bool
    ground_height: float  # relative to the origin
    restitution: float
    bounds: tuple[tuple[float, float, float], tuple[float, float, float]] | None  # low, high
    follows_laws: bool


def pack_laws(simulation: object, origin: np.ndarray, follows_laws: bool) -> ParticleLaws:
    """The laws in effect in ``simulation`` (an ``engine.sim.Simulation``), packed for particles."""
    from engine.sim.simulation import Simulation

    assert isinstance(simulation, Simulation)
    law_set = simulation.laws
    world = simulation.world
    bodies = simulation.bodies
    attractors = []
    if law_set.gravities and bodies.count:
        heaviest = np.argsort(-bodies.masses, kind="stable")[
            : max(1, MAX_ATTRACTORS // len(law_set.gravities))
        ]
        for law in law_set.gravities:
            for row in heaviest:
                relative = bodies.positions[row] - origin
                attractors.append(
                    [
                        *relative,
                        law.strength * bodies.masses[row],
                        0.5 * (law.exponent - 1.0),
                        law.softening**2,
                        0.0,
                        0.0,
                    ]
                )
    zones = []
    for time_field in world.time.fields:
        zones.append(_zone(time_field.region, origin, (time_field.rate, 0, 0), ZONE_TIME_FIELD))
    for effect in simulation.local_time.effects:
        if not effect.started <= simulation.world_time < effect.ends:
            continue
        trigger = world.time.triggers[effect.trigger]
        kind = {"reverse": ZONE_REVERSE, "freeze": ZONE_FREEZE, "rate": ZONE_RATE}[trigger.effect]
        sphere = Region(shape="sphere", centre=effect.position, radius=trigger.radius)
        zones.append(_zone(sphere, origin, (trigger.rate, 0, 0), kind))
    uniform = np.zeros(3)
    for field in law_set.fields:
        if field.region is None:
            uniform += field.acceleration
        else:
            zones.append(_zone(field.region, origin, field.acceleration, ZONE_FIELD))
    for vortex in law_set.vortices:
        axis = np.asarray(vortex.axis) / np.linalg.norm(vortex.axis)
        centre = np.asarray(vortex.centre) - origin
        zones.append(
            [*centre, 0.0, *axis, vortex.core_radius, vortex.strength, 0.0, 0.0, ZONE_VORTEX]
        )
    if len(zones) > MAX_ZONES:
        raise SimulationError(
            f"particle fields see at most {MAX_ZONES} time fields, trigger effects, regional "
            f"fields and vortices at once; this world has {len(zones)}"
        )
    collisions = world.physics.collisions
    bounds = None
    if collisions.bounds is not None:
        low = tuple(float(v) for v in (-collisions.bounds - origin))
        high = tuple(float(v) for v in (collisions.bounds - origin))
        bounds = (low, high)
    return ParticleLaws(
        attractors=np.asarray(attractors, dtype=np.float32).reshape(-1, 8),
        zones=np.asarray(zones, dtype=np.float32).reshape(-1, 12),
        uniform_acceleration=(float(uniform[0]), float(uniform[1]), float(uniform[2])),
        linear_drag=law_set.linear_drag,
        quadratic_drag=law_set.quadratic_drag,
        diffusion=law_set.diffusion,
        aristotelian=world.physics.motion == "aristotelian",
        resistance=world.physics.resistance,
        speed_of_light=simulation.speed_of_light,
        ground=collisions.ground,
        ground_height=float(collisions.ground_height - origin[1]),
        restitution=collisions.restitution,
        bounds=bounds,  # type: ignore[arg-type]
        follows_laws=follows_laws,
    )


def _zone(
    region: Region, origin: np.ndarray, value: tuple[float, float, float], kind: int
) -> list[float]:
    centre = np.asarray(region.centre) - origin
    if region.shape == "sphere":
        size: tuple[float, ...] = (region.radius, region.radius, region.radius)
        shape = SHAPE_SPHERE
    else:
        size = tuple(0.5 * s for s in region.size)
        shape = SHAPE_BOX
    return [*centre, shape, *size, region.edge, *value, float(kind)]


def seed_particles(
    field: ParticleField, seed: int, index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(origin (3,) float64, positions (N, 4) float32, velocities (N, 4) float32) of a new cloud."""
    rng = np.random.default_rng([seed, 2, index])
    region = field.region
    origin = np.asarray(region.centre, dtype=np.float64)
    count = field.count
    if region.shape == "sphere":
        direction = rng.normal(size=(count, 3))
        direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-30)
        offsets = direction * (region.radius * rng.random(count) ** (1 / 3))[:, None]
    else:
        offsets = (rng.random((count, 3)) - 0.5) * np.asarray(region.size)
    positions = np.zeros((count, 4), dtype=np.float32)
    positions[:, :3] = offsets
    velocities = np.zeros((count, 4), dtype=np.float32)
    if field.velocity_spread > 0:
        direction = rng.normal(size=(count, 3))
        direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-30)
        speed = field.velocity_spread * rng.random(count) ** (1 / 3)
        velocities[:, :3] = direction * speed[:, None]
    return origin, positions, velocities


def check_particle_budget(total: int) -> None:
    """Refuse particle counts above the limits, naming the limit."""
    from engine.rules.limits import LIMITS

    if total > LIMITS.particles:
        raise SimulationError(
            f"{total} particles asked for; at most {LIMITS.particles} are accepted "
            "(limits.particles)"
        )
    if total * BYTES_PER_PARTICLE > LIMITS.particle_bytes:
        raise SimulationError(
            f"{total} particles need {total * BYTES_PER_PARTICLE} bytes; at most "
            f"{LIMITS.particle_bytes} are accepted (limits.particle_bytes)"
        )


def particle_steps(step_delta: int, time_step: float, most_steps: int) -> tuple[int, float]:
    """How to follow ``step_delta`` world steps (signed): (dispatches, dt of each).

    When particles fall behind by more than ``most_steps`` steps, the steps are merged into
    fewer longer ones so a frame's cost stays bounded.
    """
    if step_delta == 0:
        return 0, 0.0
    dispatches = min(abs(step_delta), most_steps)
    return dispatches, step_delta * time_step / dispatches


def hash_uint(values: np.ndarray | np.unsignedinteger) -> np.ndarray:
    """PCG-style integer hash (uint32 -> uint32), the same as ``hash_uint`` in the shader."""
    with np.errstate(over="ignore"):  # uint32 arithmetic wraps, as it does in GLSL
        state = np.asarray(values).astype(np.uint32) * np.uint32(747796405) + np.uint32(2891336453)
        word = ((state >> ((state >> np.uint32(28)) + np.uint32(4))) ^ state) * np.uint32(277803737)
    return (word >> np.uint32(22)) ^ word


def gaussian_noise(count: int, step: int, seed: int) -> np.ndarray:
    """(count, 3) float32 standard normal numbers, a function of (particle, step, seed) only."""
    index = np.arange(count, dtype=np.uint32)
    base = hash_uint(index ^ hash_uint(np.uint32(step & 0xFFFFFFFF) ^ np.uint32(seed & 0xFFFFFFFF)))
    out = np.zeros((count, 3), dtype=np.float32)
    for axis in range(3):
        first = hash_uint(base + np.uint32(2 * axis))
        second = hash_uint(base + np.uint32(2 * axis + 1))
        u1 = ((first >> np.uint32(8)).astype(np.float32) + np.float32(1)) * np.float32(1 / 16777216)
        u2 = (second >> np.uint32(8)).astype(np.float32) * np.float32(1 / 16777216)
        radius = np.sqrt(np.float32(-2) * np.log(u1))
        out[:, axis] = radius * np.cos(np.float32(2 * np.pi) * u2)
    return out


def _region_weight32(zones: np.ndarray, zone: int, positions: np.ndarray) -> np.ndarray:
    centre = zones[zone, 0:3]
    size = zones[zone, 4:7]
    edge = zones[zone, 7]
    if zones[zone, 3] == SHAPE_SPHERE:
        depth = size[0] - np.sqrt(np.sum((positions - centre) ** 2, axis=1))
    else:
        depth = np.min(size - np.abs(positions - centre), axis=1)
    if edge > 0:
        return np.clip(depth / edge, np.float32(0), np.float32(1))
    return (depth >= 0).astype(np.float32)


def local_rates32(zones: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Local time rate (N,) float32 at particle positions, combined as in engine.sim.timefields."""
    rate = np.ones(positions.shape[0], dtype=np.float32)
    for zone in range(zones.shape[0]):
        kind = int(zones[zone, 11])
        if kind == ZONE_TIME_FIELD:
            weight = _region_weight32(zones, zone, positions)
            rate = rate * (np.float32(1) + (zones[zone, 8] - np.float32(1)) * weight)
        elif kind in (ZONE_REVERSE, ZONE_FREEZE, ZONE_RATE):
            inside = _region_weight32(zones, zone, positions) > 0
            replacement = {ZONE_REVERSE: -rate, ZONE_FREEZE: np.zeros_like(rate)}.get(
                kind, np.full_like(rate, zones[zone, 8])
            )
            rate = np.where(inside, replacement, rate).astype(np.float32)
    return rate


def accelerations32(laws: ParticleLaws, positions: np.ndarray) -> np.ndarray:
    """Acceleration (N, 3) float32 on particles at ``positions`` (relative to the origin)."""
    total = np.zeros_like(positions)
    total += np.asarray(laws.uniform_acceleration, dtype=np.float32)
    for attractor in laws.attractors:
        offset = attractor[0:3] - positions
        r2 = np.sum(offset * offset, axis=1) + attractor[5]
        safe = np.where(r2 > 0, r2, np.float32(1))
        factor = np.where(r2 > 0, attractor[3] * safe ** attractor[4], np.float32(0))
        total += offset * factor[:, None]
    for zone in range(laws.zones.shape[0]):
        row = laws.zones[zone]
        kind = int(row[11])
        if kind == ZONE_FIELD:
            total += _region_weight32(laws.zones, zone, positions)[:, None] * row[8:11]
        elif kind == ZONE_VORTEX:
            axis = row[4:7]
            offset = positions - row[0:3]
            radial = offset - np.sum(offset * axis, axis=1)[:, None] * axis
            distance = np.sqrt(np.sum(radial * radial, axis=1))
            tangent = np.cross(axis, radial).astype(np.float32)
            core = row[7]
            scale = np.where(
                distance <= core,
                np.float32(1) / core,
                core / np.maximum(distance * distance, np.float32(1e-30)),
            )
            total += row[8] * tangent * scale[:, None]
    return total.astype(np.float32)


class ParticleFieldCPU:
    """One particle field stepped on the CPU in float32: the reference for the GPU path."""

    def __init__(self, field: ParticleField, seed: int, index: int = 0) -> None:
        check_particle_budget(field.count)
        self.field = field
        self.seed = seed
        self.origin, self.positions, self.velocities = seed_particles(field, seed, index)
        self.step_count = 0

    def step(self, laws: ParticleLaws, dt: float) -> None:
        """Advance every particle by ``dt`` world seconds (signed) under ``laws``."""
        position = self.positions[:, :3]
        velocity = self.velocities[:, :3]
        dt32 = np.float32(dt)
        rate = local_rates32(laws.zones, position)
        h = rate * dt32  # (N,) local seconds this step
        if laws.follows_laws:
            acceleration = accelerations32(laws, position)
            if laws.aristotelian:
                velocity = _aristotelian32(laws, acceleration)
            else:
                if laws.linear_drag:
                    velocity = velocity * np.exp(np.float32(-laws.linear_drag) * h)[:, None]
                if laws.quadratic_drag:
                    speed = np.sqrt(np.sum(velocity * velocity, axis=1))
                    denominator = np.maximum(
                        np.float32(1) + np.float32(laws.quadratic_drag) * speed * h,
                        np.float32(1e-3),
                    )
                    velocity = velocity / denominator[:, None]
                velocity = velocity + acceleration * h[:, None]
        limit = np.float32(laws.speed_of_light * 0.999)
        speed = np.sqrt(np.sum(velocity * velocity, axis=1))
        over = speed > limit
        velocity = np.where(
            over[:, None], velocity * (limit / np.maximum(speed, 1e-30))[:, None], velocity
        ).astype(np.float32)
        position = position + velocity * h[:, None]
        if laws.follows_laws and laws.diffusion:
            noise = gaussian_noise(position.shape[0], self.step_count, self.seed)
            jitter = np.sqrt(np.float32(2 * laws.diffusion) * np.abs(h))
            position = position + noise * jitter[:, None]
        position, velocity = _walls32(laws, position, velocity)
        self.positions[:, :3] = position
        self.positions[:, 3] += h
        self.velocities[:, :3] = velocity
        self.step_count += 1

    def world_positions(self) -> np.ndarray:
        """Particle positions (N, 3) float64 in the world frame."""
        return self.positions[:, :3].astype(np.float64) + self.origin

    def rebase(self, new_origin: np.ndarray) -> None:
        """Move the float64 origin (e.g. near the explorer) keeping world positions."""
        new_origin = np.asarray(new_origin, dtype=np.float64)
        shifted = self.positions[:, :3].astype(np.float64) + (self.origin - new_origin)
        self.positions[:, :3] = shifted.astype(np.float32)
        self.origin = new_origin


def _aristotelian32(laws: ParticleLaws, acceleration: np.ndarray) -> np.ndarray:
    resistance = np.float32(laws.resistance + laws.linear_drag)
    magnitude = np.sqrt(np.sum(acceleration * acceleration, axis=1))
    if laws.quadratic_drag:
        q = np.float32(laws.quadratic_drag)
        speed = (
            np.float32(2)
            * magnitude
            / (resistance + np.sqrt(resistance * resistance + np.float32(4) * q * magnitude))
        )
    else:
        speed = magnitude / resistance
    scale = np.where(magnitude > 0, speed / np.maximum(magnitude, np.float32(1e-30)), 0)
    return (acceleration * scale[:, None]).astype(np.float32)


def _walls32(
    laws: ParticleLaws, position: np.ndarray, velocity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    keep = np.float32(0 if laws.aristotelian else laws.restitution)
    position = position.copy()
    velocity = velocity.copy()
    if laws.ground:
        floor = np.float32(laws.ground_height)
        below = position[:, 1] < floor
        position[below, 1] = floor
        into = below & (velocity[:, 1] < 0)
        velocity[into, 1] = -velocity[into, 1] * keep
    if laws.bounds is not None:
        low, high = laws.bounds
        for axis in range(3):
            over = position[:, axis] > np.float32(high[axis])
            position[over, axis] = np.float32(high[axis])
            into = over & (velocity[:, axis] > 0)
            velocity[into, axis] = -velocity[into, axis] * keep
            under = position[:, axis] < np.float32(low[axis])
            position[under, axis] = np.float32(low[axis])
            into = under & (velocity[:, axis] < 0)
            velocity[into, axis] = -velocity[into, axis] * keep
    return position, velocity


class ParticleFieldSet:
    """Every particle field of a simulation's world, kept in step with it.

    ``make_field(field, seed, index)`` builds one field (CPU or GPU). Call ``sync(simulation)``
    once per frame after the simulation advanced.
    """

    def __init__(self, simulation: object, make_field: Callable[[ParticleField, int, int], Any]):
        from engine.sim.simulation import Simulation

        assert isinstance(simulation, Simulation)
        world = simulation.world
        check_particle_budget(sum(field.count for field in world.particles))
        self.fields = [
            make_field(field, simulation.seed, index) for index, field in enumerate(world.particles)
        ]
        self._step_index = simulation.step_index

    def sync(self, simulation: object, most_steps: int = 4) -> int:
        """Step every field by the world steps ``simulation`` ran since the last call."""
        from engine.sim.simulation import Simulation

        assert isinstance(simulation, Simulation)
        dispatches, dt = particle_steps(
            simulation.step_index - self._step_index, simulation.time_step, most_steps
        )
        self._step_index = simulation.step_index
        for field in self.fields:
            laws = pack_laws(simulation, field.origin, field.field.follows_laws)
            for _ in range(dispatches):
                field.step(laws, dt)
        return dispatches

    @staticmethod
    def visible(simulation: object) -> bool:
        """Whether the explorer's scale band shows particle fields."""
        band = getattr(simulation, "band", None)
        return band is None or band.show_particles


class ParticleFieldsCPU(ParticleFieldSet):
    """Every particle field on the CPU; ``most_per_field`` caps each field (a sample of it)."""

    def __init__(self, simulation: object, most_per_field: int | None = None) -> None:
        def make_field(field: ParticleField, seed: int, index: int) -> ParticleFieldCPU:
            if most_per_field is not None and field.count > most_per_field:
                field = field.model_copy(update={"count": most_per_field})
            return ParticleFieldCPU(field, seed, index)

        super().__init__(simulation, make_field)
