"""The ``[light]`` section: how fast light is, what finite light shows, and how the world looks."""

from __future__ import annotations

from pydantic import Field, model_validator

from engine.rules.common import Colour, NonNegativeReal, PositiveReal, Rules, UnitInterval, Vec3

SPEED_OF_LIGHT_IN_VACUUM = 299_792_458.0


class Light(Rules):
    """Light and the look of the world."""

    speed_of_light: PositiveReal = SPEED_OF_LIGHT_IN_VACUUM
    """Speed of light (m/s). Nothing may move faster; slower than walking is legal."""
    show_light_delay: bool = True
    """Draw things where they were when the light now arriving left them."""
    show_doppler_colour: bool = True
    """Shift colours toward blue when approaching, red when receding."""
    show_brightening: bool = True
    """Brighten things moving toward the viewer (relativistic beaming)."""
    show_temporal_doppler: bool = True
    """Show approaching things' animations sped up and receding ones slowed down."""
    sky_zenith: Colour = "#1b2a4a"
    """Sky colour overhead."""
    sky_horizon: Colour = "#c9a27e"
    """Sky colour at the horizon."""
    ground_colour: Colour = "#3a3f35"
    """Base colour of the ground."""
    fog_colour: Colour = "#b9a48c"
    fog_density: NonNegativeReal = 0.01
    """Fog extinction (1/m); 0 is clear air."""
    sun_direction: Vec3 = (0.3, 0.8, 0.2)
    """Direction toward the sun."""
    sun_colour: Colour = "#fff1d6"
    ambient: UnitInterval = 0.25
    """Share of light that comes from everywhere."""
    palette: tuple[Colour, ...] = Field(default=(), max_length=16)
    """Colours the world draws from for things that name none."""

    @model_validator(mode="after")
    def _sun(self) -> Light:
        if sum(component * component for component in self.sun_direction) == 0:
            raise ValueError("sun_direction must not be the zero vector")
        return self
