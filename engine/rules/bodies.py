"""The ``[[bodies]]`` and ``[[particles]]`` sections: what is in the world and how it sounds.

A body table describes one body, or a group of ``count`` alike bodies scattered within ``spread``
metres of ``position``. Particle fields are large clouds (dust, spores, rain) stepped on the GPU
under the same laws.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from engine.rules.common import (
    Colour,
    Name,
    NonNegativeReal,
    PositiveReal,
    Real,
    Region,
    Rules,
    UnitInterval,
    Vec3,
)
from engine.rules.limits import LIMITS

Shape = Literal["sphere", "cube", "cylinder", "cone", "torus", "crystal"]


class Emitter(Rules):
    """The sound a body makes."""

    kind: Literal["tone", "chime", "drone", "noise", "pulse"] = "chime"
    """tone: a steady sine; chime: a struck bell; drone: a rich hum; noise: hiss; pulse: clicks."""
    frequency_hz: PositiveReal = Field(default=440.0, le=20_000)
    """Fundamental frequency (noise: centre of its band)."""
    loudness_db: Real = Field(default=70.0, ge=0, le=140)
    """Sound level (dB SPL) at the world's reference distance."""
    interval: NonNegativeReal = 0.0
    """Seconds between strikes (0 = sounds continuously; struck kinds then sound once)."""
    on_collision: bool = False
    """Also sound whenever the body collides."""


class Body(Rules):
    """One body, or a group of alike bodies."""

    name: Name
    shape: Shape = "sphere"
    radius: PositiveReal = 0.5
    """Size (m): radius of a sphere, half-width of a cube."""
    mass: PositiveReal = 1.0
    """Mass (kg) of each body."""
    colour: Colour | None = None
    """Colour; drawn from the world's palette when absent."""
    glow: UnitInterval = 0.0
    """How much it shines by its own light (0..1)."""
    position: Vec3 = (0.0, 1.0, 0.0)
    """Position (m) of the body, or the centre of the group."""
    velocity: Vec3 = (0.0, 0.0, 0.0)
    """Initial velocity (m/s)."""
    count: int = Field(default=1, ge=1, le=LIMITS.bodies)
    """How many alike bodies this table makes."""
    spread: NonNegativeReal = 0.0
    """Group only: radius (m) of the ball the members are scattered in."""
    velocity_spread: NonNegativeReal = 0.0
    """Group only: random speed (m/s) added to each member's velocity."""
    fixed: bool = False
    """Fixed bodies do not move (they still pull and are heard)."""
    sound: Emitter | None = None

    @model_validator(mode="after")
    def _group(self) -> Body:
        if self.count == 1 and (self.spread or self.velocity_spread):
            raise ValueError("spread and velocity_spread apply only to groups (count > 1)")
        return self


class ParticleField(Rules):
    """A cloud of many small particles moved by the world's laws on the GPU."""

    name: Name
    count: int = Field(default=10_000, ge=1, le=LIMITS.particles)
    region: Region = Region(radius=20.0)
    """Where the particles start."""
    colour: Colour = "#e8dcc0"
    size: PositiveReal = 0.02
    """Particle diameter (m)."""
    velocity_spread: NonNegativeReal = 0.5
    """Random initial speed (m/s)."""
    follows_laws: bool = True
    """Whether the world's laws move the particles (otherwise they only drift)."""
