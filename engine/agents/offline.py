"""Offline narration: run a world with its agents for a while, collect the transcript and audio.

Owns: ``narrate_world`` (what ``heterocosm narrate`` runs): a ``Simulation`` under a manual clock,
the ``AgentSystem`` stepped from its snapshots, and, when audio is asked for, a ``Mixer`` hearing
the world and the agents' voices (``AgentVoices``) at the explorer; also
``voices_set_off_triggers`` (lines said set off loud-sound time triggers), which
``engine.app.source`` shares. Reads the simulation only
through its public controls and ``snapshot()``. Must not touch: GL, audio devices, ``generators``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.agents.improvise import Improviser
from engine.agents.speech import Utterance
from engine.agents.system import AgentSystem
from engine.rules.world import WorldSpec

SNAPSHOTS_PER_SECOND = 60.0
"""Agent steps (and mixer knots) per real second."""
AUDIO_BLOCK = 4096


@dataclass
class Narration:
    """What ``narrate_world`` produced."""

    transcript: list[Utterance]
    audio: np.ndarray | None  # (frames, 2) float32 stereo, or None
    sample_rate: int
    system: AgentSystem


def voices_set_off_triggers(
    simulation,  # noqa: ANN001 - engine.sim.Simulation (imported lazily here)
    world: WorldSpec,
    said: Sequence[Utterance],
) -> None:
    """Let each line just said set off the world's loud-sound time triggers at its speaker, as
    any sound as loud would (the voice itself is mixed by ``engine.agents.voices``)."""
    for utterance in said:
        loudness_db = world.agents[utterance.agent_index].voice.loudness_db
        simulation.sound_triggers(utterance.position, loudness_db)


def narrate_world(
    world: WorldSpec,
    seconds: float,
    *,
    seed: int | None = None,
    explorer_at: tuple[float, float, float] | None = None,
    audio: bool = False,
    sample_rate: int = 48_000,
    improviser: Improviser | None = None,
    on_utterance: Callable[[Utterance], None] | None = None,
) -> Narration:
    """Run ``world`` for ``seconds`` of real time with its agents; the same seed, the same result.

    ``explorer_at`` places the explorer's eyes (m; default: the world's start). With ``audio`` the
    world and the voices are mixed at the explorer (dry, then the world's reverb, then a limiter).
    """
    from engine.sim import ManualClock, Simulation

    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    seed = world.meta.seed if seed is None else int(seed)
    clock = ManualClock()
    simulation = Simulation.from_world(world, seed=seed, clock=clock)
    if explorer_at is not None:
        simulation.set_explorer_position(explorer_at)
    system = AgentSystem(
        world, seed, local_rates=simulation.local_time.rates, improviser=improviser
    )
    mixer = voices = None
    if audio:
        from engine.agents.voices import AgentVoices
        from engine.audio import Mixer

        mixer = Mixer.for_world(
            world,
            sample_rate=sample_rate,
            block_size=AUDIO_BLOCK,
            seed=seed,
            reverb=False,
            limiter=False,
        )
        voices = AgentVoices(system, mixer, sample_rate)

    def take_snapshot() -> None:
        snapshot = simulation.snapshot()
        said = system.step(snapshot)
        voices_set_off_triggers(simulation, world, said)
        system.publish(snapshot)
        if on_utterance is not None:
            for utterance in said:
                on_utterance(utterance)
        if mixer is not None and voices is not None:
            mixer.consume(snapshot)
            voices.hear(said)
            voices.follow(float(snapshot.world_time))

    step = 1.0 / SNAPSHOTS_PER_SECOND
    steps = int(round(seconds * SNAPSHOTS_PER_SECOND))
    take_snapshot()
    stereo = None
    if mixer is None:
        for _ in range(steps):
            clock.advance(step)
            simulation.advance()
            take_snapshot()
    else:
        frames = int(round(seconds * sample_rate))
        blocks = []
        rendered = 0
        simulated = 0
        while rendered < frames:
            # Keep the simulation a little ahead of the block being heard.
            block_end = (rendered + AUDIO_BLOCK) / sample_rate + 0.05
            while simulated * step < block_end:
                clock.advance(step)
                simulation.advance()
                simulated += 1
                take_snapshot()
            blocks.append(mixer.render(AUDIO_BLOCK))
            rendered += AUDIO_BLOCK
        stereo = _finish(world, np.concatenate(blocks, axis=0)[:frames], sample_rate, seed)
    return Narration(list(system.transcript), stereo, sample_rate, system)


def _finish(world: WorldSpec, dry: np.ndarray, sample_rate: int, seed: int) -> np.ndarray:
    from engine.audio import limit
    from engine.audio.reverb import convolve_whole, world_impulse_response

    mix = dry.astype(np.float64)
    response = world_impulse_response(
        world.acoustics.reverb, world.acoustics.speed_of_sound, sample_rate, seed
    )
    if response is not None:
        mix = mix + world.acoustics.reverb.wet * convolve_whole(mix, response)
    return limit(mix).astype(np.float32)
