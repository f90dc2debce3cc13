"""What the renderer reads from ``Snapshot.extras``, beside the simulation's own views.

Owns: the small records other systems put into ``snapshot.extras`` for drawing: agents (the agent
runtime), particle fields (the simulation's GPU stepper) and subtitles (narration). The renderer
reads them by attribute, so any object with these fields works. Pure data; must not touch GL.

Keys: ``extras["agents"]``: sequence of ``AgentView``; ``extras["particles"]``: sequence of
``ParticleFieldView``; ``extras["subtitles"]``: sequence of ``Subtitle`` (newest last).
``agents_in``, ``particle_fields_in`` and ``subtitles_in`` read them (an absent key: none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np


@dataclass(frozen=True)
class AgentView:
    """An agent as the eye sees it."""

    name: str
    shape: str  # "walker", "floater", "crawler" or "flyer"
    position: tuple[float, float, float]  # feet, metres (apparent: light delay applied)
    velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    heading: float = 0.0  # radians, 0 faces -z
    colour: str = "#f2c14e"
    size: float = 1.0  # height in metres
    local_rate: float = 1.0
    proper_time: float = 0.0
    speaking: bool = False


@dataclass(frozen=True)
class ParticleFieldView:
    """A particle field: ``buffer`` (a moderngl Buffer of vec4, xyz metres from ``origin``) or
    ``positions`` ((N, 4) or (N, 3) array, the same layout, uploaded each frame); ``count``
    particles of ``colour``, ``size`` metres across."""

    name: str
    count: int
    colour: str = "#e8dcc0"
    size: float = 0.02
    buffer: Any = None
    positions: np.ndarray | None = None
    local_rate: float = 1.0
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Float64 point the float32 positions are relative to (keeps far clouds precise)."""


@dataclass(frozen=True)
class Subtitle:
    """One line of narration, as the subtitles show it."""

    speaker: str
    native: str  # in the invented language's own script or IPA
    romanisation: str = ""
    gloss: str = ""  # interlinear gloss, e.g. "sun-PL fall.PST"
    translation: str = ""


def _records(extras: dict[str, object], key: str) -> tuple[Any, ...]:
    return tuple(cast(Sequence[Any], extras.get(key) or ()))


def agents_in(extras: dict[str, object]) -> tuple[AgentView, ...]:
    """The agents a snapshot's ``extras`` hold (objects with ``AgentView``'s fields)."""
    return _records(extras, "agents")


def particle_fields_in(extras: dict[str, object]) -> tuple[ParticleFieldView, ...]:
    """The particle fields a snapshot's ``extras`` hold."""
    return _records(extras, "particles")


def subtitles_in(extras: dict[str, object]) -> tuple[Subtitle, ...]:
    """The subtitles a snapshot's ``extras`` hold, newest last."""
    return _records(extras, "subtitles")
