"""What finite light does to what the eye sees: Doppler factor, colour shift, brightening.

Owns: the colour maths, as a per-colour reference (``shifted_colour``), the vectorised form the
renderer applies to every body and agent once a frame (``shifted_colours``: the result is the
same for all of an instance's vertices, so it is not worked out per vertex on the GPU), and the
same maths for shaders in ``shaders/include/relativity.glsl``; tests compare all three. Pure
numpy; must not touch GL. Light delay itself
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
    # Called for every body every frame: plain ufunc reductions, not np.linalg.norm / np.sum
    # (the same arithmetic, less call overhead).
    relative = np.atleast_2d(np.asarray(source_velocity, np.float64)) - np.asarray(
        observer_velocity, np.float64
    )
    direction = np.atleast_2d(np.asarray(to_observer, np.float64))
    lengths = np.sqrt(np.add.reduce(direction * direction, axis=1, keepdims=True))
    direction = direction / np.maximum(lengths, 1e-300)
    beta = relative / c
    beta_squared = np.minimum(np.add.reduce(beta * beta, axis=1), 0.999999)
    gamma = 1.0 / np.sqrt(1.0 - beta_squared)
    approach = np.add.reduce(beta * direction, axis=1)
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


def _deposits(wavelengths: np.ndarray) -> np.ndarray:
    """``_deposit`` for an array of wavelengths: shape (..., 3)."""
    red, green, blue = BAND_CENTRES_NM.tolist()
    wavelengths = np.asarray(wavelengths, np.float64)
    at_least_red = wavelengths >= red
    at_least_green = wavelengths >= green
    at_least_blue = wavelengths >= blue
    to_red = (wavelengths - green) / (red - green)
    to_green = (wavelengths - blue) / (green - blue)
    # Beyond red or blue light fades with its distance from the outer band (one exp for both).
    beyond = np.where(at_least_red, wavelengths - red, blue - wavelengths)
    fade = np.exp(-((beyond / FADE_WIDTH_NM) ** 2))
    weights = np.empty((*wavelengths.shape, 3))
    weights[..., 0] = np.where(at_least_red, fade, np.where(at_least_green, to_red, 0.0))
    weights[..., 1] = np.where(
        at_least_red,
        0.0,
        np.where(at_least_green, 1.0 - to_red, np.where(at_least_blue, to_green, 0.0)),
    )
    weights[..., 2] = np.where(at_least_green, 0.0, np.where(at_least_blue, 1.0 - to_green, fade))
    return weights


def shifted_colours(
    rgb: np.ndarray, doppler: np.ndarray, shift: bool = True, brighten: bool = True
) -> np.ndarray:
    """``shifted_colour`` for many sources at once: (N, 3) colours, (N,) Doppler factors.

    ``shift`` False keeps the hue (only the brightening, if ``brighten``, applies).
    """
    rgb = np.asarray(rgb, np.float64).reshape(-1, 3)
    factors = np.asarray(doppler, np.float64).reshape(-1)
    colours = rgb
    if shift:
        weights = _deposits(BAND_CENTRES_NM[None, :] / factors[:, None])  # (N, band, observed)
        colours = np.einsum("nb,nbo->no", rgb, weights)
    if brighten:
        colours = colours * np.minimum(factors**3, MAX_BRIGHTENING)[:, None]
    return colours
