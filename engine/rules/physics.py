"""The ``[physics]`` section: a composition of laws, each a term with its own parameters.

Laws are listed as ``[[physics.laws]]`` tables told apart by ``kind``. Forces are in newtons,
accelerations in m/s^2. How bodies answer force is the world's ``motion``: Newtonian (force
changes velocity) or Aristotelian (velocity follows force, and stops when pushed no more).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from engine.rules.common import (
    Name,
    NonNegativeReal,
    PositiveReal,
    Real,
    Region,
    Rules,
    UnitInterval,
    Vec3,
)


class Gravity(Rules):
    """Pairwise force between masses: F = strength * m1 * m2 * r^exponent (attracting if > 0).

    Our universe is strength = 6.674e-11, exponent = -2. A negative strength pushes masses apart;
    several gravity laws can be combined (e.g. an inverse-square pull with an inverse-cube push).
    """

    kind: Literal["gravity"]
    strength: Real = 6.674e-11
    """Coupling constant (N m^-exponent kg^-2); positive attracts, negative repels."""
    exponent: Real = Field(default=-2.0, ge=-4, le=4)
    """Power of distance in the force law (-2 is Newton's)."""
    softening: NonNegativeReal = 0.0
    """Length (m) added in quadrature to distances so close encounters stay finite."""

    @model_validator(mode="after")
    def _nonzero(self) -> Gravity:
        if self.strength == 0:
            raise ValueError("strength must not be 0 (leave the law out instead)")
        return self


class UniformField(Rules):
    """A constant acceleration everywhere, or only inside a region (wind, a local 'down')."""

    kind: Literal["uniform_field"]
    acceleration: Vec3 = (0.0, -9.81, 0.0)
    """Acceleration (m/s^2) it gives every body."""
    region: Region | None = None
    """Where the field acts; everywhere when absent."""


class Drag(Rules):
    """Resistance of the medium: a = -linear * v - quadratic * |v| * v."""

    kind: Literal["drag"]
    linear: NonNegativeReal = 0.0
    """Linear drag rate (1/s): viscous, dominant for small slow things."""
    quadratic: NonNegativeReal = 0.0
    """Quadratic drag coefficient (1/m): turbulent, dominant for large fast things."""


class Vortex(Rules):
    """A swirl around an axis: tangential acceleration falling off outside a core (Rankine-like)."""

    kind: Literal["vortex"]
    centre: Vec3 = (0.0, 0.0, 0.0)
    """A point on the axis (m)."""
    axis: Vec3 = (0.0, 1.0, 0.0)
    """Direction of the axis; the swirl is counter-clockwise seen from its tip."""
    strength: Real = 1.0
    """Tangential acceleration (m/s^2) at the core radius; negative turns the other way."""
    core_radius: PositiveReal = 1.0
    """Radius (m) inside which the swirl grows linearly and outside which it falls as 1/r."""

    @model_validator(mode="after")
    def _axis(self) -> Vortex:
        if sum(component * component for component in self.axis) == 0:
            raise ValueError("axis must not be the zero vector")
        return self


class Spring(Rules):
    """A spring between two named bodies (Hooke's law with optional damping)."""

    kind: Literal["spring"]
    between: tuple[Name, Name]
    """Names of the two bodies it joins (single bodies, not groups)."""
    stiffness: PositiveReal = 10.0
    """Spring constant (N/m)."""
    rest_length: NonNegativeReal = 1.0
    """Length (m) at which it pulls neither way."""
    damping: NonNegativeReal = 0.0
    """Damping (N s/m) along the spring; 0 keeps it conservative."""


class Brownian(Rules):
    """Random thermal jitter: each body's position diffuses with this coefficient."""

    kind: Literal["brownian"]
    diffusion: PositiveReal = 1e-12
    """Diffusion coefficient (m^2/s); water molecules kick a 1 um bead at about 2e-13."""


Law = Annotated[
    Gravity | UniformField | Drag | Vortex | Spring | Brownian,
    Field(discriminator="kind"),
]
LAW_KINDS = ("gravity", "uniform_field", "drag", "vortex", "spring", "brownian")


class Collisions(Rules):
    """Ground and boundary contact."""

    ground: bool = True
    """Whether there is a ground plane bodies bounce off."""
    ground_height: Real = 0.0
    """Height (m) of the ground plane."""
    restitution: UnitInterval = 0.6
    """Fraction of normal speed kept in a bounce (1 = perfectly elastic)."""
    bounds: PositiveReal | None = None
    """Half-width (m) of a cube about the origin that bodies bounce inside; none when absent."""
    between_bodies: bool = False
    """Whether bodies bounce off one another (sphere contact)."""


class Physics(Rules):
    """How things move."""

    motion: Literal["newtonian", "aristotelian"] = "newtonian"
    """Newtonian: force changes velocity. Aristotelian: velocity = force / (mass * resistance)."""
    resistance: PositiveReal = 1.0
    """Aristotelian only: how hard the world resists motion (1/s)."""
    time_step: PositiveReal = Field(default=1.0 / 120.0, le=1.0)
    """Integration step (s of world time); smaller is more accurate."""
    laws: tuple[Law, ...] = Field(default=(), max_length=64)
    """The laws acting in the world, summed."""
    collisions: Collisions = Collisions()
