"""Offline rendering of a whole world's sound: drive the simulation, mix, add the full reverb.

Owns ``render_world_audio`` (used by ``heterocosm listen`` and the video renderer). Steps an
``engine.sim.Simulation`` under a manual clock and hands its Snapshots to a ``Mixer``; reads the
simulation only through ``snapshot()`` and its public controls.
"""

from __future__ import annotations

import numpy as np

from engine.audio.mixer import Mixer, limit
from engine.audio.reverb import convolve_whole, world_impulse_response

SNAPSHOT_RATE = 120.0
"""Snapshots per real second handed to the mixer (knots of the bodies' paths)."""

OFFLINE_BLOCK = 4096


def render_world_audio(
    world,
    seconds: float,
    listener_at: tuple[float, float, float] | None = None,
    seed: int | None = None,
    sample_rate: int = 48_000,
) -> tuple[np.ndarray, int]:
    """What a listener hears in ``world`` over ``seconds`` of real time.

    ``listener_at`` places the listener's ears (m; default: the explorer's start). Returns
    (stereo (frames, 2) float32 with peak <= 0 dBFS, sample rate). The same seed gives the same
    samples.
    """
    from engine.sim import ManualClock, Simulation

    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    seed = world.meta.seed if seed is None else int(seed)
    clock = ManualClock()
    simulation = Simulation.from_world(world, seed=seed, clock=clock)
    if listener_at is not None:
        simulation.set_explorer_position(listener_at)
    mixer = Mixer.for_world(
        world,
        sample_rate=sample_rate,
        block_size=OFFLINE_BLOCK,
        seed=seed,
        reverb=False,
        limiter=False,
    )
    frames = int(round(seconds * sample_rate))
    step = 1.0 / SNAPSHOT_RATE
    mixer.consume(simulation.snapshot())
    blocks = []
    rendered = 0
    simulated = 0.0
    while rendered < frames:
        # Keep the simulation a little ahead of the block being heard.
        block_end = (rendered + OFFLINE_BLOCK) / sample_rate + 0.05
        while simulated < block_end:
            clock.advance(step)
            simulation.advance()
            simulated += step
            mixer.consume(simulation.snapshot())
        blocks.append(mixer.render(OFFLINE_BLOCK))
        rendered += OFFLINE_BLOCK
    dry = np.concatenate(blocks, axis=0)[:frames].astype(np.float64)
    response = world_impulse_response(
        world.acoustics.reverb, world.acoustics.speed_of_sound, sample_rate, seed
    )
    if response is not None:
        dry = dry + world.acoustics.reverb.wet * convolve_whole(dry, response)
    return limit(dry).astype(np.float32), sample_rate
