"""The ``[scale]`` section: how big the explorer may be and what changes with size.

The explorer's scale is their own height in metres; it is continuous between ``min_explorer_size``
and ``max_explorer_size``. Scale bands are ranges of explorer size in which laws, the time rate,
constants, acoustics or visuals differ from the world's defaults.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from engine.rules.common import Colour, Name, NonNegativeReal, PositiveReal, Rules, Vec3
from engine.rules.physics import Law


class ScaleBand(Rules):
    """A range of explorer sizes with its own rules. Bands must not overlap."""

    name: Name
    min_size: PositiveReal
    """Smallest explorer size (metres) in the band, inclusive."""
    max_size: PositiveReal
    """Largest explorer size (metres) in the band, exclusive."""
    time_rate: PositiveReal = 1.0
    """Factor on the world's time rate while the explorer is in this band."""
    speed_of_light: PositiveReal | None = None
    """Speed of light (m/s) in this band, replacing the world's."""
    speed_of_sound: PositiveReal | None = None
    """Speed of sound (m/s) in this band, replacing the world's."""
    extra_laws: tuple[Law, ...] = Field(default=(), max_length=32)
    """Laws that act only in this band (e.g. Brownian jitter and viscous drag when tiny)."""
    disabled_laws: tuple[Name, ...] = Field(default=(), max_length=32)
    """Kinds of the world's laws switched off in this band, e.g. ["gravity"]."""
    hearing_min_hz: PositiveReal | None = None
    """Lowest frequency the explorer hears at this size (small bodies hear higher)."""
    hearing_max_hz: PositiveReal | None = None
    """Highest frequency the explorer hears at this size."""
    tint: Colour | None = None
    """A colour the scene is tinted toward while in this band."""
    show_particles: bool = True
    """Whether particle fields are drawn in this band."""

    @model_validator(mode="after")
    def _ordered(self) -> ScaleBand:
        if self.min_size >= self.max_size:
            raise ValueError(
                f"min_size ({self.min_size}) must be smaller than max_size ({self.max_size})"
            )
        if (
            self.hearing_min_hz is not None
            and self.hearing_max_hz is not None
            and self.hearing_min_hz >= self.hearing_max_hz
        ):
            raise ValueError("hearing_min_hz must be below hearing_max_hz")
        return self


class Scale(Rules):
    """The explorer's size range and the bands within it."""

    metres_per_unit: PositiveReal = 1.0
    """Metres per world unit. World files write positions in metres; this is for the renderer."""
    min_explorer_size: PositiveReal = 0.1
    """Smallest size (metres) the explorer may shrink to."""
    max_explorer_size: PositiveReal = 100.0
    """Largest size (metres) the explorer may grow to."""
    explorer_size: PositiveReal = 1.7
    """The explorer's size (metres) at the start."""
    explorer_position: Vec3 = (0.0, 0.0, 10.0)
    """Where the explorer's feet are at the start (metres)."""
    explorer_speed: NonNegativeReal = 4.0
    """Walking speed (m/s) at a size of 1.7 m; it scales with the explorer's size."""
    bands: tuple[ScaleBand, ...] = Field(default=(), max_length=32)

    @model_validator(mode="after")
    def _consistent(self) -> Scale:
        if self.min_explorer_size > self.max_explorer_size:
            raise ValueError(
                f"min_explorer_size ({self.min_explorer_size}) must not exceed "
                f"max_explorer_size ({self.max_explorer_size})"
            )
        if not self.min_explorer_size <= self.explorer_size <= self.max_explorer_size:
            raise ValueError(
                f"explorer_size ({self.explorer_size}) must lie between min_explorer_size "
                f"({self.min_explorer_size}) and max_explorer_size ({self.max_explorer_size})"
            )
        ordered = sorted(self.bands, key=lambda band: band.min_size)
        for lower, upper in zip(ordered, ordered[1:], strict=False):
            if upper.min_size < lower.max_size:
                raise ValueError(
                    f"scale bands {lower.name!r} ({lower.min_size}..{lower.max_size} m) and "
                    f"{upper.name!r} ({upper.min_size}..{upper.max_size} m) overlap"
                )
        names = [band.name for band in self.bands]
        if len(set(names)) != len(names):
            raise ValueError(f"scale band names must be unique, got {names}")
        return self

    def band_at(self, explorer_size: float) -> ScaleBand | None:
        """The band containing an explorer of this size, if any."""
        for band in self.bands:
            if band.min_size <= explorer_size < band.max_size:
                return band
        return None
