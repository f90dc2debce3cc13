"""Particle fields stepped by a moderngl compute shader (``shaders/particles_step.glsl``).

Owns: the GPU buffers of one particle field and dispatching its step. Must not touch: anything at
import time (no context is made here; the caller passes one), body state, audio. Whoever owns a GL
context imports this module; ``engine.sim`` itself never does.

For the renderer: ``field.positions`` is a ``moderngl.Buffer`` of ``count`` vec4 float32,
xyz = metres relative to ``field.origin`` (a float64 numpy (3,) point; add it, or better subtract
the camera from it in float64 first, to place the cloud), w = age in local seconds. Bind it as a
vertex buffer (``'4f'``, e.g. ``in_position``) or as an SSBO. ``field.velocities`` holds vec4
velocities (xyz m/s). The buffers live until ``release()``.
"""

from __future__ import annotations

import numpy as np

from engine.resources import shaders_dir
from engine.rules.bodies import ParticleField
from engine.sim.particles import (
    ParticleFieldSet,
    ParticleLaws,
    check_particle_budget,
    seed_particles,
)

LOCAL_SIZE = 256
"""Invocations per work group; must match ``local_size_x`` in the shader."""


def compute_source() -> str:
    """The compute shader's full source (version line and stage define added here)."""
    body = (shaders_dir() / "particles_step.glsl").read_text(encoding="utf-8")
    return "#version 430\n#define COMPUTE_SHADER\n" + body


class ParticleFieldGPU:
    """One particle field whose state lives in GPU buffers and is stepped by a compute shader."""

    def __init__(self, ctx: object, field: ParticleField, seed: int, index: int = 0) -> None:
        import moderngl

        assert isinstance(ctx, moderngl.Context)
        check_particle_budget(field.count)
        self.ctx = ctx
        self.field = field
        self.seed = seed
        self.count = field.count
        self.origin, positions, velocities = seed_particles(field, seed, index)
        self.program = ctx.compute_shader(compute_source())
        self.positions = ctx.buffer(positions.tobytes())
        self.velocities = ctx.buffer(velocities.tobytes())
        self._attractors = ctx.buffer(reserve=32)
        self._zones = ctx.buffer(reserve=48)
        self.step_count = 0

    def step(self, laws: ParticleLaws, dt: float) -> None:
        """Advance every particle by ``dt`` world seconds (signed) under ``laws``."""
        self._upload(self._attractors, laws.attractors, "_attractors")
        self._upload(self._zones, laws.zones, "_zones")
        uniforms = {
            "u_count": self.count,
            "u_dt": float(dt),
            "u_step": self.step_count & 0xFFFFFFFF,
            "u_seed": self.seed & 0xFFFFFFFF,
            "u_attractor_count": laws.attractors.shape[0],
            "u_zone_count": laws.zones.shape[0],
            "u_uniform_acceleration": laws.uniform_acceleration,
            "u_linear_drag": laws.linear_drag,
            "u_quadratic_drag": laws.quadratic_drag,
            "u_diffusion": laws.diffusion,
            "u_aristotelian": laws.aristotelian,
            "u_resistance": laws.resistance,
            "u_speed_limit": float(np.float32(laws.speed_of_light * 0.999)),
            "u_ground": laws.ground,
            "u_ground_height": laws.ground_height,
            "u_restitution": laws.restitution,
            "u_use_bounds": laws.bounds is not None,
            "u_bounds_low": laws.bounds[0] if laws.bounds else (0.0, 0.0, 0.0),
            "u_bounds_high": laws.bounds[1] if laws.bounds else (0.0, 0.0, 0.0),
            "u_follows_laws": laws.follows_laws,
        }
        for name, value in uniforms.items():
            if name in self.program:  # the compiler drops uniforms a build does not use
                self.program[name].value = value
        self.positions.bind_to_storage_buffer(0)
        self.velocities.bind_to_storage_buffer(1)
        self._attractors.bind_to_storage_buffer(2)
        self._zones.bind_to_storage_buffer(3)
        groups = (self.count + LOCAL_SIZE - 1) // LOCAL_SIZE
        self.program.run(group_x=groups)
        self.step_count += 1

    def _upload(self, buffer: object, data: np.ndarray, attribute: str) -> None:
        payload = np.ascontiguousarray(data, dtype=np.float32).tobytes() or bytes(16)
        current = getattr(self, attribute)
        if current.size < len(payload):
            current.release()
            current = self.ctx.buffer(reserve=len(payload))
            setattr(self, attribute, current)
        current.write(payload)

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """(positions (N, 4), velocities (N, 4)) float32 copied back from the GPU (slow; tests)."""
        positions = np.frombuffer(self.positions.read(), dtype=np.float32).reshape(-1, 4)
        velocities = np.frombuffer(self.velocities.read(), dtype=np.float32).reshape(-1, 4)
        return positions.copy(), velocities.copy()

    def rebase(self, new_origin: np.ndarray) -> None:
        """Move the float64 origin (e.g. near the explorer), keeping world positions."""
        new_origin = np.asarray(new_origin, dtype=np.float64)
        positions, _ = self.read()
        shifted = positions[:, :3].astype(np.float64) + (self.origin - new_origin)
        positions[:, :3] = shifted.astype(np.float32)
        self.positions.write(positions.tobytes())
        self.origin = new_origin

    def release(self) -> None:
        """Free the GPU buffers and the program."""
        for resource in (
            self.positions,
            self.velocities,
            self._attractors,
            self._zones,
            self.program,
        ):
            resource.release()


class ParticleFieldsGPU(ParticleFieldSet):
    """Every particle field of a simulation's world on the GPU, kept in step with it.

    Call ``sync(simulation)`` once per frame after the simulation advanced; draw
    ``fields[i].positions`` relative to ``fields[i].origin``. Skip drawing when
    ``visible(simulation)`` is false (the explorer's scale band hides particles).
    """

    def __init__(self, ctx: object, simulation: object) -> None:
        super().__init__(
            simulation,
            lambda field, seed, index: ParticleFieldGPU(ctx, field, seed, index),
        )

    def release(self) -> None:
        """Free every field's GPU resources."""
        for field in self.fields:
            field.release()
        self.fields = []
