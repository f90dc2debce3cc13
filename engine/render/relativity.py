"""What finite light does to what the eye sees: Doppler factor, colour shift, brightening.

Owns: the reference (numpy) version of the colour maths that ``shaders/include/relativity.glsl``
runs per body on the GPU; tests compare the two. Pure numpy; must not touch GL. Light delay itself
(where a body is seen) is computed by the simulation (``BodyView.apparent_positions``).

Colour model: an RGB colour is read as three narrow spectral bands at ``BAND_CENTRES_NM``. Light
received with Doppler factor D arrives at wavelengths divided by D (D > 1 approaching: bluer).
Each shifted band is shared between the two observed bands it falls between (linear in
wavelength); beyond the outer bands it fades as it leaves the visible range. D = 1 is exactly the
identity, and no colour ever goes negative.
"""

from __future__ import annotations

import numpy as np

BAND_CENTRES_NM = np.array([610.0, 550.0, 465.0])  # red, green, blue
FADE_WIDTH_NM = 90.0
"""How fast light fades as it is shifted out of the visible range (nm)."""
MAX_BRIGHTENING = 8.0
"""Beaming brightens by D**3; capped so a near-light-speed approach does not blind the frame."""


def doppler_factor(
    source_velocity: np.ndarray, observer_velocity: np.ndarray, to_observer: np.ndarray, c: float
) -> np.ndarray:
    """Relativistic Doppler factor D = 1 / (gamma (1 - beta . n)) for each source (N,).

    ``to_observer`` is (N, 3): direction from source to observer (need not be unit length).
    Velocities are (N, 3) or (3,) m/s; the relative velocity is used (a first-order composition).
    """
    relative = np.atleast_2d(np.asarray(source_velocity, np.float64)) - np.asarray(
        observer_velocity, np.float64
    )
    direction = np.atleast_2d(np.asarray(to_observer, np.float64))
    lengths = np.linalg.norm(direction, axis=1, keepdims=True)
    direction = direction / np.maximum(lengths, 1e-300)
    beta = relative / c
    beta_squared = np.minimum(np.sum(beta * beta, axis=1), 0.999999)
    gamma = 1.0 / np.sqrt(1.0 - beta_squared)
    approach = np.sum(beta * direction, axis=1)
    return 1.0 / (gamma * (1.0 - approach))


def _deposit(wavelength: float) -> np.ndarray:
    """(3,) weights of the observed red, green, blue bands for light arriving at ``wavelength``."""
    red, green, blue = BAND_CENTRES_NM
    weights = np.zeros(3)
    if wavelength >= red:
        weights[0] = np.exp(-(((wavelength - red) / FADE_WIDTH_NM) ** 2))
    elif wavelength >= green:
        share = (wavelength - green) / (red - green)
        weights[0], weights[1] = share, 1.0 - share
    elif wavelength >= blue:
        share = (wavelength - blue) / (green - blue)
        weights[1], weights[2] = share, 1.0 - share
    else:
        weights[2] = np.exp(-(((blue - wavelength) / FADE_WIDTH_NM) ** 2))
    return weights


def shifted_colour(rgb: np.ndarray, doppler: float, brighten: bool = True) -> np.ndarray:
    """The colour an observer sees of a source of colour ``rgb`` (3,) at Doppler factor D."""
    colour = np.zeros(3)
    for band, intensity in enumerate(np.asarray(rgb, np.float64)):
        colour += intensity * _deposit(BAND_CENTRES_NM[band] / doppler)
    if brighten:
        colour = colour * min(doppler**3, MAX_BRIGHTENING)
    return colour
