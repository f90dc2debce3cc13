"""``Snapshot``: the short extracted copy of the world that everything outside the simulation reads.

The renderer, the acoustics, the agents' perception and the XR bridge read a Snapshot, never the
simulation's internals (Bevy's extract step). Producing one is cheap: arrays are views or small
copies made once per frame; consumers must treat them as read-only.

Conventions: positions in metres (float64, world frame, y up), velocities in m/s, times in
seconds. Rates are signed: negative means that clock runs backward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


def point3(values: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """Three plain floats from any 3-vector (a tuple, a list or a numpy row)."""
    return (float(values[0]), float(values[1]), float(values[2]))


# Shape codes in ``BodyView.shapes``; the order follows engine.rules.bodies.Shape.
SHAPE_CODES = {"sphere": 0, "cube": 1, "cylinder": 2, "cone": 3, "torus": 4, "crystal": 5}


@dataclass(frozen=True)
class BodyView:
    """Every body, one row each (group members included). N = number of bodies."""

    positions: np.ndarray  # (N, 3) float64, where the bodies are now (world clock)
    velocities: np.ndarray  # (N, 3) float64
    apparent_positions: np.ndarray  # (N, 3) float64, where the explorer SEES them (light delay)
    apparent_velocities: np.ndarray  # (N, 3) float64, their velocity at that retarded time
    radii: np.ndarray  # (N,) float64 metres
    masses: np.ndarray  # (N,) float64 kg
    colours: np.ndarray  # (N, 3) float32 linear-ish RGB in 0..1
    glow: np.ndarray  # (N,) float32 0..1
    shapes: np.ndarray  # (N,) int8, codes in SHAPE_CODES
    group: np.ndarray  # (N,) int32 index of the [[bodies]] table each body came from
    local_rate: np.ndarray  # (N,) float64 local seconds per world second at the body (signed)
    proper_time: np.ndarray  # (N,) float64 seconds each body has aged
    lorentz_factor: np.ndarray  # (N,) float64 gamma from speed against the speed of light


@dataclass(frozen=True)
class SoundEvent:
    """Something that sounded during the last step (a strike, a collision)."""

    body: int  # row in BodyView, or -1 for a sound not made by a body
    world_time: float  # when it sounded (world clock)
    position: tuple[float, float, float]
    kind: str  # emitter kind: "tone", "chime", "drone", "noise", "pulse", or "collision"
    frequency_hz: float
    loudness_db: float  # dB SPL at the world's reference distance
    local_rate: float  # local clock rate where it sounded (signed)


@dataclass(frozen=True)
class TimeFieldView:
    """A time field's current state."""

    name: str
    rate: float  # local seconds per world second inside it now (signed, triggers included)
    local_time: float  # what a clock at its centre reads


@dataclass(frozen=True)
class ExplorerView:
    """The explorer (camera and listener)."""

    position: np.ndarray  # (3,) float64 eye position in metres
    velocity: np.ndarray  # (3,) float64
    yaw: float  # radians, 0 looks toward -z
    pitch: float  # radians, positive looks up
    size: float  # explorer height in metres
    band: str | None  # name of the scale band the explorer is in
    local_rate: float  # clock rate where the explorer stands (signed)


@dataclass(frozen=True)
class Snapshot:
    """The world at one instant, as the renderer, acoustics, agents and XR see it."""

    world_time: float  # the world clock (s)
    real_time: float  # real seconds since start (from the injected real clock)
    time_rate: float  # world seconds per real second right now (signed; 0 when paused)
    speed_of_light: float  # m/s in effect (scale bands may change it)
    speed_of_sound: float  # m/s in effect
    explorer: ExplorerView
    bodies: BodyView
    time_fields: tuple[TimeFieldView, ...] = ()
    sounds: tuple[SoundEvent, ...] = ()  # sounds made since the previous snapshot
    # Filled in by systems outside the simulation core (agents, particles) before rendering.
    extras: dict[str, object] = field(default_factory=dict)
