"""What agents publish into a ``Snapshot`` for the renderer and the XR bridge.

Owns: ``AgentView`` (``snapshot.extras["agents"]``), ``Subtitle`` (``snapshot.extras["subtitles"]``)
and ``AGENT_SHAPE_CODES``. Plain data, read-only for consumers; see ``engine.agents`` for the
field list. Must not touch: GL, audio, the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AGENTS_KEY = "agents"
SUBTITLES_KEY = "subtitles"

# Shape codes in ``AgentView.shapes``; the order follows engine.rules.agents.Agent.shape.
AGENT_SHAPE_CODES = {"walker": 0, "floater": 1, "crawler": 2, "flyer": 3}


@dataclass(frozen=True)
class AgentView:
    """Every agent, one row each. N = number of agents."""

    names: tuple[str, ...]
    positions: np.ndarray  # (N, 3) float64 m, feet
    velocities: np.ndarray  # (N, 3) float64 m/s
    headings: np.ndarray  # (N,) float64 radians, 0 faces -z
    sizes: np.ndarray  # (N,) float64 m tall
    colours: np.ndarray  # (N, 3) float32 RGB 0..1
    shapes: np.ndarray  # (N,) int8 codes in AGENT_SHAPE_CODES
    local_rate: np.ndarray  # (N,) float64 signed clock rate
    age: np.ndarray  # (N,) float64 seconds lived on its own clock
    speaking: np.ndarray  # (N,) bool


@dataclass(frozen=True)
class Subtitle:
    """A line to show while it is heard."""

    agent: str
    text: str  # romanised
    ipa: str
    gloss: str
    translation: str  # English
    position: tuple[float, float, float]
    shown_from: float  # world time
    shown_until: float  # world time
