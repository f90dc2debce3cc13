"""The ground's noise, baked once per world into a tiling texture image (pure numpy, no GL).

Owns: ``ground_noise_image(seed)``: four independent octaves of periodic value noise, one per
RGBA channel, the octave in channel k having cells twice as wide as channel k - 1. The ground
shader (``shaders/ground.glsl``) reads it once per pixel, mipmapped, for the fine octaves of
its pattern (the coarse ones are worked out per vertex), instead of hashing noise per pixel,
which a CPU rasteriser cannot afford at 1280x720. Must not touch GL; the renderer uploads it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

NOISE_TEXTURE_SIZE = 512
"""Texels per side; the pattern repeats every NOISE_TEXTURE_SIZE texels."""
FINEST_CELL_TEXELS = 4
"""Cell width of channel 0 (R) in texels; channel k has cells FINEST_CELL_TEXELS * 2**k wide."""
CELLS_PER_PERIOD = NOISE_TEXTURE_SIZE // FINEST_CELL_TEXELS
"""Channel 0 cells per texture repeat: the texture period is this many octave-0 wavelengths."""


def periodic_value_noise(lattice: np.ndarray, size: int) -> np.ndarray:
    """(size, size) float64 smooth value noise interpolating a periodic (n, n) lattice."""
    cells = lattice.shape[0]
    position = (np.arange(size) + 0.5) * (cells / size)  # texel centres in cell units
    index = np.floor(position).astype(int)
    fraction = position - index
    weight = fraction * fraction * (3.0 - 2.0 * fraction)  # smoothstep, as value noise does
    low, high = index % cells, (index + 1) % cells
    rows = lattice[low] * (1.0 - weight)[:, None] + lattice[high] * weight[:, None]  # (size, n)
    return rows[:, low] * (1.0 - weight)[None, :] + rows[:, high] * weight[None, :]


@lru_cache(maxsize=8)
def ground_noise_image(seed: int, size: int = NOISE_TEXTURE_SIZE) -> np.ndarray:
    """(size, size, 4) uint8, read-only: channel k holds value noise with cells
    FINEST_CELL_TEXELS * 2**k texels wide; every channel tiles with period ``size`` and averages
    about 127.5."""
    random = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, 0x6E6F697A]))
    image = np.empty((size, size, 4), np.uint8)
    for channel in range(4):
        cells = max(1, size // (FINEST_CELL_TEXELS * 2**channel))
        noise = periodic_value_noise(random.random((cells, cells)), size)
        image[..., channel] = np.clip(np.rint(noise * 255.0), 0, 255).astype(np.uint8)
    image.setflags(write=False)  # shared between renderers by the cache
    return image
