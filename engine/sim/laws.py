"""The physics laws in effect, compiled from the world file into vectorised terms.

Owns: turning ``[[physics.laws]]`` (plus a scale band's ``extra_laws``/``disabled_laws``) into
arrays and functions of the body state: position-dependent accelerations (gravity, uniform fields,
vortices, springs), velocity-dependent operators (drag, spring damping), Brownian jitter, the
potential energy where it is defined, and the stability check of a time step.
Must not touch: clocks, integration order (``engine.sim.integrator``), GL, audio.

Velocities here are proper velocities u = gamma v where relativity matters (see
``engine.sim.relativity``); at everyday speeds u = v to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engine.rules.physics import Brownian, Drag, Gravity, Law, Spring, UniformField, Vortex
from engine.sim import gravity as gravity_kernels
from engine.sim.errors import SimulationError
from engine.sim.timefields import region_weight

MAX_SUBSTEPS = 256
"""Most sub-steps one time step may be split into before a law is reported as unstable."""


@dataclass(frozen=True)
class SpringLink:
    """A spring resolved to body rows."""

    first: int
    second: int
    law: Spring


@dataclass
class LawSet:
    """The laws acting right now, ready to apply to arrays of bodies."""

    gravities: tuple[Gravity, ...] = ()
    fields: tuple[UniformField, ...] = ()
    vortices: tuple[Vortex, ...] = ()
    springs: tuple[SpringLink, ...] = ()
    linear_drag: float = 0.0
    quadratic_drag: float = 0.0
    diffusion: float = 0.0
    laws: tuple[Law, ...] = ()
    grid: gravity_kernels.GridGravity = field(default_factory=gravity_kernels.GridGravity)

    @property
    def is_conservative(self) -> bool:
        """True when the laws have a potential energy and nothing dissipates or jitters."""
        return (
            not self.vortices
            and self.linear_drag == 0
            and self.quadratic_drag == 0
            and self.diffusion == 0
            and all(link.law.damping == 0 for link in self.springs)
            and all(uniform.region is None for uniform in self.fields)
        )

    def describe(self) -> str:
        """The laws with their parameters, for error messages and summaries."""
        if not self.laws:
            return "no laws"
        return "; ".join(_describe_law(law) for law in self.laws)

    def accelerations(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        """Acceleration (N, 3) from every position-dependent law."""
        total = np.zeros_like(positions)
        count = positions.shape[0]
        for law in self.gravities:
            if count <= gravity_kernels.DIRECT_SUM_LIMIT:
                gravity_kernels.add_direct(
                    positions, masses, law.strength, law.exponent, law.softening, total
                )
            else:
                self.grid.add(positions, masses, law.strength, law.exponent, law.softening, total)
        for uniform in self.fields:
            acceleration = np.asarray(uniform.acceleration)
            if uniform.region is None:
                total += acceleration
            else:
                total += region_weight(uniform.region, positions)[:, None] * acceleration
        for vortex in self.vortices:
            total += vortex_acceleration(vortex, positions)
        for link in self.springs:
            force = _spring_force(link, positions)
            total[link.first] += force / masses[link.first]
            total[link.second] -= force / masses[link.second]
        return total

    def apply_velocity_laws(
        self,
        proper_velocities: np.ndarray,
        velocities: np.ndarray,
        positions: np.ndarray,
        masses: np.ndarray,
        steps: np.ndarray,
    ) -> None:
        """Drag and spring damping over ``steps`` (N,) signed seconds, in place.

        Drag uses exact solutions that a negative step undoes: u *= exp(-linear h) and
        u /= 1 + quadratic |u| h, so stepping back retraces the way forward.
        """
        if self.linear_drag:
            proper_velocities *= np.exp(-self.linear_drag * steps)[:, None]
        if self.quadratic_drag:
            speed = np.linalg.norm(proper_velocities, axis=1)
            denominator = 1.0 + self.quadratic_drag * speed * steps
            # Running quadratic drag backward speeds things up without limit past 1/(q |u| h).
            denominator = np.maximum(denominator, 1e-3)
            proper_velocities /= denominator[:, None]
        for link in self.springs:
            if link.law.damping == 0:
                continue
            direction = positions[link.second] - positions[link.first]
            length = float(np.linalg.norm(direction))
            if length == 0:
                continue
            direction /= length
            closing = float(np.dot(velocities[link.second] - velocities[link.first], direction))
            impulse = link.law.damping * closing * direction  # N s per s of step
            proper_velocities[link.first] += impulse * steps[link.first] / masses[link.first]
            proper_velocities[link.second] -= impulse * steps[link.second] / masses[link.second]

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float | None:
        """Potential energy (J) of the conservative laws, or None where it is not defined."""
        if not self.is_conservative or positions.shape[0] > gravity_kernels.DIRECT_SUM_LIMIT:
            return None
        total = 0.0
        for law in self.gravities:
            total += gravity_kernels.potential_energy(
                positions, masses, law.strength, law.exponent, law.softening
            )
        for uniform in self.fields:
            total -= float(np.sum(masses * (positions @ np.asarray(uniform.acceleration))))
        for link in self.springs:
            length = float(np.linalg.norm(positions[link.second] - positions[link.first]))
            total += 0.5 * link.law.stiffness * (length - link.law.rest_length) ** 2
        return total


def vortex_acceleration(vortex: Vortex, positions: np.ndarray) -> np.ndarray:
    """Tangential acceleration (N, 3): grows linearly inside the core, falls as 1/r outside."""
    axis = np.asarray(vortex.axis, dtype=np.float64)
    axis = axis / np.linalg.norm(axis)
    offset = positions - np.asarray(vortex.centre)
    radial = offset - np.outer(offset @ axis, axis)  # (N, 3) away from the axis
    distance = np.linalg.norm(radial, axis=1)
    tangent = np.cross(axis, radial)  # magnitude = distance
    core = vortex.core_radius
    with np.errstate(divide="ignore", invalid="ignore"):
        # |a| = strength * d/core inside, strength * core/d outside; tangent carries one factor d.
        scale = np.where(distance <= core, 1.0 / core, core / np.maximum(distance, 1e-300) ** 2)
    return vortex.strength * tangent * scale[:, None]


def _spring_force(link: SpringLink, positions: np.ndarray) -> np.ndarray:
    """Force (3,) on the first body of a spring (the second feels the opposite)."""
    direction = positions[link.second] - positions[link.first]
    length = float(np.linalg.norm(direction))
    if length == 0:
        return np.zeros(3)
    return link.law.stiffness * (length - link.law.rest_length) * direction / length


def compile_laws(
    laws: tuple[Law, ...], body_rows: dict[str, int], grid: gravity_kernels.GridGravity
) -> LawSet:
    """Gather a list of laws into a ``LawSet``; ``body_rows`` maps single-body names to rows."""
    gravities, fields, vortices, springs = [], [], [], []
    linear = quadratic = diffusion = 0.0
    for law in laws:
        if isinstance(law, Gravity):
            gravities.append(law)
        elif isinstance(law, UniformField):
            fields.append(law)
        elif isinstance(law, Vortex):
            vortices.append(law)
        elif isinstance(law, Drag):
            linear += law.linear
            quadratic += law.quadratic
        elif isinstance(law, Brownian):
            diffusion += law.diffusion
        elif isinstance(law, Spring):
            springs.append(SpringLink(body_rows[law.between[0]], body_rows[law.between[1]], law))
    return LawSet(
        gravities=tuple(gravities),
        fields=tuple(fields),
        vortices=tuple(vortices),
        springs=tuple(springs),
        linear_drag=linear,
        quadratic_drag=quadratic,
        diffusion=diffusion,
        laws=laws,
        grid=grid,
    )


def substeps_needed(
    laws: LawSet,
    time_step: float,
    masses: np.ndarray,
    fixed: np.ndarray,
    motion: str,
    resistance: float,
    fastest_local_rate: float,
) -> int:
    """How many sub-steps keep the stiffest law stable; ``SimulationError`` past MAX_SUBSTEPS.

    Leapfrog on a spring is stable for omega h < 2; we keep omega h <= 0.5 for accuracy. An
    Aristotelian spring relaxes at stiffness / (mass resistance) per second; explicit steps
    need that times h <= 0.5 as well.
    """
    effective_step = time_step * max(1.0, abs(fastest_local_rate))
    needed = 1
    for link in laws.springs:
        inverse_mass = sum(
            0.0 if fixed[row] else 1.0 / masses[row] for row in (link.first, link.second)
        )
        if inverse_mass == 0:
            continue
        if motion == "aristotelian":
            demand = link.law.stiffness * inverse_mass / resistance * effective_step
            what = f"relaxation rate x time step = {demand:.3g}"
        else:
            demand = math.sqrt(link.law.stiffness * inverse_mass) * effective_step
            what = f"angular frequency x time step = {demand:.3g}"
        steps = math.ceil(demand / 0.5)
        if steps > MAX_SUBSTEPS:
            limit = time_step * MAX_SUBSTEPS * 0.5 / demand
            raise SimulationError(
                f"spring between {link.law.between[0]!r} and {link.law.between[1]!r} "
                f"(stiffness {link.law.stiffness:g} N/m, masses "
                f"{masses[link.first]:g} and {masses[link.second]:g} kg) is too stiff for "
                f"physics.time_step = {time_step:g} s ({what}, local rate up to "
                f"{fastest_local_rate:g}); use a time step below {limit:.3g} s or a softer spring"
            )
        needed = max(needed, steps)
    return needed


def _describe_law(law: Law) -> str:
    fields = law.model_dump(exclude={"kind"}, exclude_defaults=False)
    parts = ", ".join(f"{key}={value}" for key, value in fields.items() if value is not None)
    return f"{law.kind}({parts})"
