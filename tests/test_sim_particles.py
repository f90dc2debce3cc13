"""GPU particle step (moderngl compute on EGL) against the float32 CPU reference."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest

from engine.rules import loads_world
from engine.sim import Simulation, SimulationError
from engine.sim.particles import ParticleFieldCPU, check_particle_budget, pack_laws
from engine.sim.particles_gpu import ParticleFieldGPU

pytestmark = pytest.mark.gl

DUST = """
[meta]
name = "dust"
[physics]
time_step = 0.01
motion = "{motion}"
resistance = 2.0
[physics.collisions]
restitution = 0.5
ground_height = 1.0
bounds = 12.0
[[physics.laws]]
kind = "gravity"
strength = 1.0
softening = 0.5
[[physics.laws]]
kind = "uniform_field"
[[physics.laws]]
kind = "uniform_field"
acceleration = [3.0, 0.0, 0.0]
region = {{ shape = "box", centre = [0.0, 5.0, 0.0], size = [4.0, 4.0, 4.0], edge = 1.0 }}
[[physics.laws]]
kind = "drag"
linear = 0.1
quadratic = 0.01
[[physics.laws]]
kind = "vortex"
strength = 2.0
[[physics.laws]]
kind = "brownian"
diffusion = 0.01
[[time.fields]]
name = "slow"
rate = 0.5
region = {{ centre = [5.0, 5.0, 0.0], radius = 4.0, edge = 1.0 }}
[[time.triggers]]
name = "hush"
event = "loud_sound"
radius = 3.0
[[bodies]]
name = "sun"
mass = 20.0
position = [0.0, 5.0, 0.0]
fixed = true
[[bodies]]
name = "moon"
mass = 5.0
position = [-6.0, 5.0, 0.0]
fixed = true
[light]
speed_of_light = 40.0
[[particles]]
name = "dust"
count = 20000
velocity_spread = 3.0
region = {{ centre = [1.0, 5.0, 0.0], radius = 10.0 }}
"""


@pytest.fixture()
def ctx():
    context = moderngl.create_standalone_context(backend="egl", require=430)
    yield context
    error = context.error
    context.release()
    assert error == "GL_NO_ERROR"


@pytest.mark.parametrize("motion", ["newtonian", "aristotelian"])
def test_gpu_particle_step_matches_the_cpu_reference(ctx, motion: str) -> None:
    world = loads_world(DUST.format(motion=motion))
    sim = Simulation.from_world(world, seed=3)
    sim.emit_sound((-8.0, 5.0, 0.0), 100.0)  # a reverse-time effect the particles must see too
    field = world.particles[0]
    cpu = ParticleFieldCPU(field, seed=3)
    gpu = ParticleFieldGPU(ctx, field, seed=3)
    laws = pack_laws(sim, cpu.origin, field.follows_laws)
    assert laws.zones.shape[0] == 4 and laws.attractors.shape[0] == 2
    start = cpu.positions.copy()
    for _ in range(25):
        cpu.step(laws, sim.time_step)
        gpu.step(laws, sim.time_step)
    positions, velocities = gpu.read()
    assert not np.allclose(start, cpu.positions, atol=1e-3)  # they moved
    np.testing.assert_allclose(positions, cpu.positions, rtol=1e-4, atol=2e-4)
    np.testing.assert_allclose(velocities, cpu.velocities, rtol=1e-4, atol=2e-4)
    assert (np.linalg.norm(velocities[:, :3], axis=1) < 40.0).all()
    assert (positions[:, 1] >= 1.0 - 5.0 - 1e-6).all()  # ground at y = 1, origin at y = 5
    ages = positions[:, 3]
    assert ages.min() < 0 < ages.max()  # reversed near the sound, forward elsewhere
    gpu.release()


def test_particle_buffer_layout_and_rebase(ctx) -> None:
    world = loads_world(DUST.format(motion="newtonian"))
    field = world.particles[0]
    gpu = ParticleFieldGPU(ctx, field, seed=1)
    assert gpu.positions.size == field.count * 16
    before, _ = gpu.read()
    world_before = before[:, :3].astype(np.float64) + gpu.origin
    gpu.rebase(np.array([1000.0, 0.0, -2000.0]))
    after, _ = gpu.read()
    np.testing.assert_allclose(after[:, :3] + gpu.origin, world_before, atol=1e-3)
    gpu.release()


def test_particle_counts_above_the_limit_are_refused() -> None:
    with pytest.raises(SimulationError, match="limits.particles"):
        check_particle_budget(10**9)


def test_fields_follow_the_simulation_steps_forward_and_back(ctx) -> None:
    from engine.sim.particles import ParticleFieldsCPU
    from engine.sim.particles_gpu import ParticleFieldsGPU

    world = loads_world(DUST.format(motion="newtonian").replace("count = 20000", "count = 3000"))
    sim = Simulation.from_world(world, seed=5)
    gpu_fields = ParticleFieldsGPU(ctx, sim)
    cpu_fields = ParticleFieldsCPU(sim)
    sim.step(3 * sim.time_step + 1e-9)
    assert gpu_fields.sync(sim) == 3 and cpu_fields.sync(sim) == 3
    sim.step(-10 * sim.time_step - 1e-9)  # behind by 10 steps: merged into 4 dispatches
    assert gpu_fields.sync(sim) == 4 and cpu_fields.sync(sim) == 4
    assert gpu_fields.sync(sim) == 0
    positions, _ = gpu_fields.fields[0].read()
    np.testing.assert_allclose(positions, cpu_fields.fields[0].positions, rtol=1e-4, atol=2e-4)
    assert ParticleFieldsGPU.visible(sim)
    gpu_fields.release()
