"""The simulation core: a world's bodies, laws, clocks and scales, headless and deterministic.

Owns everything under ``engine/sim/``. Imports no GL and no audio (the GPU particle path,
``engine.sim.particles_gpu``, is imported only by whoever owns a GL context). Readers outside the
simulation read a ``Snapshot``, never these internals.

Public API::

    from engine.rules import load_world
    from engine.sim import ManualClock, Simulation

    world = load_world("worlds/x.toml")
    clock = ManualClock()                     # or leave out: time.monotonic
    sim = Simulation.from_world(world, seed=7, clock=clock)
    clock.advance(1 / 60); sim.advance()      # real time -> world time via the world clock
    sim.step(0.5)                             # or move the world clock directly (signed seconds)
    sim.pause(); sim.set_speed(2.0); sim.set_reversed(True); sim.scrub(3.0)
    sim.set_explorer_position((0, 1.6, 5)); sim.set_explorer_velocity((0, 0, -1))
    sim.set_explorer_orientation(yaw, pitch); sim.set_explorer_size(1e-6)
    snap = sim.snapshot()                     # engine.sim.snapshot.Snapshot
    sim.state_hash(); sim.save_npz("state.npz"); sim.energy()
    sim.emit_sound(position, loudness_db)     # an outside sound: a SoundEvent, may set off triggers
    sim.sound_triggers(position, loudness_db) # triggers only (agents' voices, mixed elsewhere)

Particle fields: ``engine.sim.particles.ParticleFieldCPU`` (the reference) and
``engine.sim.particles_gpu.ParticleFieldGPU`` (moderngl compute) step the world's particle clouds
under the same laws; see those modules for the buffer layout the renderer draws.
"""

from engine.sim.clock import ManualClock, RealClock, WorldClock
from engine.sim.errors import SimulationError
from engine.sim.simulation import Energy, Simulation
from engine.sim.snapshot import Snapshot

__all__ = [
    "Energy",
    "ManualClock",
    "RealClock",
    "Simulation",
    "SimulationError",
    "Snapshot",
    "WorldClock",
]
