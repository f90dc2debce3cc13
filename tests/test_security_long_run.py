"""Long runs: memory stays flat and nothing the world makes is lost on the way to the live path.

Owns: two regression tests found by ``bench/soak.py``. Memory (RSS grew about 1.5 GiB per world
hour at speed 1 in worlds/speakers.toml): the simulation, the agents, their voices and the mixer
run headless at live speed, and Python's traced memory is compared between two points of the
run. Sounds: every sound the world makes must reach the snapshot the live mixer reads.
Both were found open and fixed: ``AgentVoices`` kept every voice source ever made (the mixer's
retired sources, each with its grown emission buffer, were never freed), and ``WorldSource``'s
own per-step snapshots took the sound events the live mixer's snapshot should have carried.
Touches no engine module.
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
SAMPLE_RATE = 16_000
BLOCK = 800  # 50 ms, one agent/mixer step
ALLOWED_GROWTH_MIB = 4.0


def test_agent_voices_and_mixer_memory_stays_flat() -> None:
    from engine.agents.system import AgentSystem
    from engine.agents.voices import AgentVoices
    from engine.audio import Mixer
    from engine.rules import load_world
    from engine.sim import ManualClock, Simulation

    world = load_world(REPO / "worlds" / "speakers.toml")
    clock = ManualClock()
    simulation = Simulation.from_world(world, seed=1, clock=clock)
    agents = AgentSystem(world, 1, local_rates=simulation.local_time.rates)
    mixer = Mixer.for_world(world, sample_rate=SAMPLE_RATE, block_size=BLOCK, seed=1)
    voices = AgentVoices(agents, mixer, SAMPLE_RATE)

    def run(seconds: float) -> int:
        said_count = 0
        for _ in range(int(seconds * SAMPLE_RATE / BLOCK)):
            clock.advance(BLOCK / SAMPLE_RATE)
            simulation.advance()
            snapshot = simulation.snapshot()
            said = agents.step(snapshot)
            said_count += len(said)
            mixer.consume(snapshot)
            voices.hear(said)
            voices.follow(float(snapshot.world_time))
            mixer.render(BLOCK)
        return said_count

    run(20.0)  # warm-up: caches, first voices
    gc.collect()
    tracemalloc.start()
    try:
        said = run(20.0)
        gc.collect()
        middle = tracemalloc.get_traced_memory()[0]
        said += run(40.0)
        gc.collect()
        end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert said >= 5, "the agents should have spoken several times"
    growth = (end - middle) / 2**20
    assert growth < ALLOWED_GROWTH_MIB, (
        f"traced memory grew {growth:.1f} MiB over 40 s of world time with {said} lines spoken "
        "(retired voice sources, each with its emission buffer, are still referenced)"
    )


def test_sounds_reach_the_live_path_in_a_world_with_agents() -> None:
    """Regression (found by bench/soak.py): ``WorldSource`` takes a snapshot of its own for
    the agents every step, and each snapshot hands out the sounds made since the previous one,
    so the snapshot the live mixer reads (XR bridge, window) never has any: all body sounds are
    lost in worlds with agents. Now: (nearly) the sounds the simulation makes alone."""
    from engine.app.source import WorldSource
    from engine.rules import load_world
    from engine.sim import ManualClock, Simulation

    world = load_world(REPO / "worlds" / "speakers.toml")
    clock = ManualClock()
    alone = Simulation.from_world(world, seed=1, clock=clock)
    source = WorldSource(world, seed=1)
    made = heard = 0
    for _ in range(20 * 30):  # 20 s at 30 frames per second
        clock.advance(1 / 30)
        alone.advance()
        made += len(alone.snapshot().sounds)
        source.advance(1 / 30)
        heard += len(source.snapshot().sounds)
    assert made > 0, "the world should make sounds"
    assert heard >= 0.9 * made, f"the live path heard {heard} of the {made} sounds made"
