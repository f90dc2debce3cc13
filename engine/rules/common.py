"""Building blocks shared by every section of the world model.

Owns: the frozen strict base model, finite numbers, vectors, colours, names and regions.
Pure data: no GL, no audio, no torch. Every number in a world file is SI unless its name says
otherwise (``*_db``, ``*_hz``, ``*_semitones``).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from engine.rules.limits import LIMITS


class Rules(BaseModel):
    """Base of every world-model section: frozen, unknown keys refused, NaN/inf refused."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        validate_default=True,
        use_attribute_docstrings=True,
    )


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value}")
    return value


# A real number that is never NaN or infinite.
Real = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_finite)]
PositiveReal = Annotated[Real, Field(gt=0)]
NonNegativeReal = Annotated[Real, Field(ge=0)]
UnitInterval = Annotated[Real, Field(ge=0, le=1)]

# Three coordinates in metres (positions) or metres per second (velocities), x east, y up, z south.
Vec3 = tuple[Real, Real, Real]

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _colour(value: str) -> str:
    if not _COLOUR.match(value):
        raise ValueError(f"must be a colour written #rrggbb, got {value!r}")
    return value.lower()


# A colour written as "#rrggbb".
Colour = Annotated[str, AfterValidator(_colour)]

_NAME = re.compile(r"^[^\x00-\x1f\x7f]+$")


def _name(value: str) -> str:
    if value != value.strip() or not _NAME.match(value):
        raise ValueError(
            "must be printable text without control characters or surrounding spaces, "
            f"got {value!r}"
        )
    return value


# Something a person names and other sections refer to (a body, a field, an agent).
Name = Annotated[str, Field(min_length=1, max_length=LIMITS.name_length), AfterValidator(_name)]
# Free prose (descriptions, prompts). Control characters other than newline and tab are refused.
Prose = Annotated[str, Field(max_length=LIMITS.text_length)]


def colour_to_rgb(colour: str) -> tuple[float, float, float]:
    """'#rrggbb' -> (r, g, b) in 0..1."""
    return (
        int(colour[1:3], 16) / 255.0,
        int(colour[3:5], 16) / 255.0,
        int(colour[5:7], 16) / 255.0,
    )


class Region(Rules):
    """A place in the world: a sphere (centre, radius) or an axis-aligned box (centre, size)."""

    shape: Literal["sphere", "box"] = "sphere"
    centre: Vec3 = (0.0, 0.0, 0.0)
    """Centre in metres."""
    radius: PositiveReal = 1.0
    """Sphere radius in metres (spheres only)."""
    size: tuple[PositiveReal, PositiveReal, PositiveReal] = (1.0, 1.0, 1.0)
    """Box edge lengths in metres (boxes only)."""
    edge: NonNegativeReal = 0.0
    """Width in metres over which the region's effect fades in at its border (0 = hard edge)."""
