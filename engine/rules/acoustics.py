"""The ``[acoustics]`` section: how sound travels in the world's medium and changes on the way.

Any speed of sound is legal, slower than walking included. Amplitude falls as
``(reference_distance / distance) ** attenuation_exponent``; each absorption band removes
``db_per_metre`` at its frequency; sound drifts in pitch and tilts in spectrum per metre travelled;
media regions carry sound at another speed.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from engine.rules.common import Name, NonNegativeReal, PositiveReal, Real, Region, Rules


class AbsorptionBand(Rules):
    """Loss per metre at one frequency (interpolated between bands on a log-frequency axis)."""

    frequency_hz: PositiveReal = Field(le=48_000)
    db_per_metre: NonNegativeReal = Field(le=100)


class Reverb(Rules):
    """A diffuse tail sized from the world."""

    room_size: PositiveReal = 30.0
    """Typical distance (m) to reflecting surfaces; sets the pre-delay and echo density."""
    decay_seconds: NonNegativeReal = Field(default=1.0, le=60)
    """RT60: time for the tail to fall by 60 dB (0 = no reverb)."""
    wet: Real = Field(default=0.2, ge=0, le=1)
    """Share of the reverberant signal in the mix."""


class Medium(Rules):
    """A region where sound travels at another speed."""

    name: Name
    region: Region
    speed_of_sound: PositiveReal


class Acoustics(Rules):
    """The world's medium for sound."""

    speed_of_sound: PositiveReal = 343.0
    """Speed of sound (m/s). 3 m/s means you see a bell struck long before you hear it."""
    attenuation_exponent: Real = Field(default=1.0, ge=0, le=4)
    """Amplitude falls as distance^-exponent (1 = inverse-square intensity, 0 = no loss)."""
    reference_distance: PositiveReal = 1.0
    """Distance (m) at which a source's loudness_db is measured."""
    absorption: tuple[AbsorptionBand, ...] = Field(default=(), max_length=32)
    """Frequency-dependent loss, one entry per band."""
    doppler_strength: Real = Field(default=1.0, ge=0, le=4)
    """Scale on the Doppler shift (0 = none, 1 = physical)."""
    pitch_drift_semitones_per_metre: Real = Field(default=0.0, ge=-1, le=1)
    """Pitch change per metre travelled (semitones); positive rises."""
    spectral_tilt_db_per_octave_per_metre: Real = Field(default=0.0, ge=-1, le=1)
    """Spectral tilt per metre travelled (dB per octave above 1 kHz); negative dulls."""
    reverb: Reverb = Reverb()
    media: tuple[Medium, ...] = Field(default=(), max_length=32)
    hearing_min_hz: PositiveReal = 20.0
    """Lowest frequency the explorer hears at their starting size."""
    hearing_max_hz: PositiveReal = 20_000.0
    """Highest frequency the explorer hears at their starting size."""

    @model_validator(mode="after")
    def _consistent(self) -> Acoustics:
        if self.hearing_min_hz >= self.hearing_max_hz:
            raise ValueError("hearing_min_hz must be below hearing_max_hz")
        frequencies = [band.frequency_hz for band in self.absorption]
        if frequencies != sorted(set(frequencies)):
            raise ValueError(
                f"absorption bands must be in rising frequency without repeats, got {frequencies}"
            )
        return self
