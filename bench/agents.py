"""Benchmark: 1,000 agents' movement + perception (+ narration) per simulation step.

Builds a world with 1,000 agents (stay, orbit, patrol, wander, follow, flee in turn), each with
an explorer_near, a loud_sound and a periodic rule (narration active: lines are chosen,
translated once and cached, and subtitles kept), steps a real ``Simulation`` and times only
``AgentSystem.step`` + ``publish``. Baseline in the same run: a bare numpy step over the same
1,000 positions (one Euler move toward a target and a distance to the explorer), the least any
vectorised agent update must do. Target: under 1 ms per step on this CPU.
"""

from __future__ import annotations

import statistics
import time

from engine.agents.system import AgentSystem
from engine.rules import WorldSpec
from engine.sim import ManualClock, Simulation
from generators.language import generate_language

AGENTS = 1_000
STEPS = 600
BEHAVIOURS = ("stay", "orbit", "patrol", "wander", "follow", "flee")


def build_world() -> WorldSpec:
    language = generate_language(4242)
    agents = []
    for index in range(AGENTS):
        behaviour = BEHAVIOURS[index % len(BEHAVIOURS)]
        x, z = (index % 40) * 2.0 - 40.0, (index // 40) * 2.0 - 25.0
        movement: dict = {"behaviour": behaviour, "centre": [x, 0.0, z], "radius": 3.0}
        if behaviour == "patrol":
            movement["path"] = [[x, 0.0, z], [x + 4.0, 0.0, z], [x + 4.0, 0.0, z + 4.0]]
        agents.append(
            {
                "name": f"agent {index}",
                "language": language.name,
                "position": [x, 0.0, z],
                "movement": movement,
                "narration": [
                    {"trigger": "explorer_near", "radius": 4.0, "lines": ["the stranger comes"]},
                    {"trigger": "loud_sound", "radius": 10.0, "lines": ["the bell rings"]},
                    {
                        "trigger": "periodic",
                        "every": 2.0 + (index % 7),
                        "cooldown": 1.0,
                        "lines": ["the bird sings", "the river flows"],
                    },
                ],
            }
        )
    return WorldSpec.model_validate(
        {
            "meta": {"name": "crowd", "seed": 1},
            "time": {"fields": [{"name": "slow", "region": {"radius": 10.0}, "rate": 0.5}]},
            "bodies": [
                {
                    "name": "bell",
                    "fixed": True,
                    "position": [0.0, 1.0, 0.0],
                    "sound": {"kind": "chime", "loudness_db": 90.0, "interval": 0.5},
                }
            ],
            "languages": [language.model_dump(exclude_defaults=True)],
            "agents": agents,
        }
    )


def bare_numpy_step(seconds: list[float]) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    positions = rng.normal(size=(AGENTS, 3))
    targets = rng.normal(size=(AGENTS, 3))
    explorer = np.zeros(3)
    for _ in range(STEPS):
        start = time.perf_counter()
        offset = targets - positions
        positions += offset * (0.01 / np.maximum(np.linalg.norm(offset, axis=1), 1e-12))[:, None]
        distance = np.sqrt(((positions - explorer) ** 2).sum(axis=1))
        _near = distance < 4.0
        seconds.append(time.perf_counter() - start)


def main() -> None:
    world = build_world()
    clock = ManualClock()
    simulation = Simulation.from_world(world, clock=clock)
    system = AgentSystem(world, local_rates=simulation.local_time.rates)
    agent_seconds: list[float] = []
    for step in range(STEPS):
        clock.advance(1 / 60)
        simulation.advance()
        # The explorer walks through the crowd so explorer_near keeps firing.
        simulation.set_explorer_position((-40.0 + 0.15 * step, 1.6, 0.0))
        snapshot = simulation.snapshot()
        start = time.perf_counter()
        system.step(snapshot)
        system.publish(snapshot)
        agent_seconds.append(time.perf_counter() - start)
    warm = agent_seconds[10:]  # the first steps translate each line once
    baseline: list[float] = []
    bare_numpy_step(baseline)
    agents_ms = statistics.median(warm) * 1e3
    baseline_ms = statistics.median(baseline) * 1e3
    lines = len(system.transcript)
    print(f"agents: {AGENTS}, steps: {STEPS}, lines said: {lines}")
    print(
        f"AgentSystem.step+publish  median {agents_ms:.3f} ms  p90 "
        f"{sorted(warm)[int(0.9 * len(warm))] * 1e3:.3f} ms"
    )
    print(f"bare numpy move+distance  median {baseline_ms:.3f} ms")
    print(f"ratio to bare numpy: {agents_ms / baseline_ms:.1f}x")
    print(f"agent updates per second: {AGENTS / (agents_ms / 1e3):,.0f}")
    print(
        f"target (< 1 ms per step for {AGENTS} agents): {'met' if agents_ms < 1.0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
