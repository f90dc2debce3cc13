"""The ground's noise, baked into tiling texture images (pure numpy, no GL).

Owns two bakes of the same four octaves of periodic value noise (one seeded set of lattices, the
octave k + 1 lattice having half the cells of octave k's):

- ``ground_noise_image(seed)``: the octaves in the four RGBA channels, 512 texels a side. The
  effects pass (``shaders/post.glsl``) reads two of its channels for the time fields' shimmer.
- ``fine_noise_atlas(seed, weights)``: the ground's fine pattern (``shaders/ground.glsl``): the
  four octaves already summed with the explorer's weights into one value, as a mipmap chain laid
  side by side in one image (``FINE_ATLAS_SIZE``), whose texels each hold the four values around
  a texel's corner (R, G: this row, this and the next column; B, A: the next row). The ground
  fetches one texel per pixel, from the level its footprint calls for, and interpolates it
  itself: on a CPU rasteriser (llvmpipe) a bilinear, mipmapped, four-channel sampler read cost
  more than the rest of the ground's pixel work, and one fetch from a single-level image a third
  of that (a fetch from a real mipmap level, chosen per pixel, 8 % more).

Must not touch GL; the renderer uploads both.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

NOISE_TEXTURE_SIZE = 512
"""Texels per side of ``ground_noise_image``: it repeats every NOISE_TEXTURE_SIZE texels."""
FINEST_CELL_TEXELS = 4
"""Cell width of channel 0 (R) in texels; channel k has cells FINEST_CELL_TEXELS * 2**k wide."""
CELLS_PER_PERIOD = NOISE_TEXTURE_SIZE // FINEST_CELL_TEXELS
"""Octave 0 cells per texture repeat: the texture period is this many octave-0 wavelengths (the
same in both bakes)."""
FINE_TEXTURE_SIZE = 256
"""Texels per side of the fine pattern's finest level (octave 0 cells 2 texels wide: linear
interpolation between its samples is within a few per cent of the smooth cell, on an octave
that weighs under a twentieth of the pattern)."""
FINE_LEVELS = FINE_TEXTURE_SIZE.bit_length()
"""Mipmap levels of the fine pattern, 256 x 256 down to 1 x 1."""
FINE_ATLAS_SIZE = (FINE_TEXTURE_SIZE * 2, FINE_TEXTURE_SIZE)
"""Width, height of the image holding every level in a row along its top: level k, n =
FINE_TEXTURE_SIZE >> k texels a side, from column 2 FINE_TEXTURE_SIZE - 2 n (level 0 at 0,
level 1 right of it, and so on: one subtraction per pixel finds a level)."""


def fine_level_origin(level: int) -> tuple[int, int]:
    """(column, row) of a fine pattern level's first texel in the atlas."""
    return 2 * FINE_TEXTURE_SIZE - 2 * (FINE_TEXTURE_SIZE >> level), 0


@lru_cache(maxsize=8)
def octave_lattices(seed: int, finest_cells: int = CELLS_PER_PERIOD) -> tuple[np.ndarray, ...]:
    """The four octaves' periodic lattices of random values in [0, 1), octave k with
    max(1, finest_cells >> k) cells a side: float64, read-only."""
    random = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, 0x6E6F697A]))
    lattices = []
    for octave in range(4):
        lattice = random.random((max(1, finest_cells >> octave),) * 2)
        lattice.setflags(write=False)
        lattices.append(lattice)
    return tuple(lattices)


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
    image = np.empty((size, size, 4), np.uint8)
    for channel, lattice in enumerate(octave_lattices(seed, size // FINEST_CELL_TEXELS)):
        noise = periodic_value_noise(lattice, size)
        image[..., channel] = np.clip(np.rint(noise * 255.0), 0, 255).astype(np.uint8)
    image.setflags(write=False)  # shared between renderers by the cache
    return image


@lru_cache(maxsize=4)
def _fine_octave_levels(seed: int) -> tuple[np.ndarray, ...]:
    """The four octaves (each minus its mean 0.5) at FINE_TEXTURE_SIZE, and every coarser mipmap
    level (means of 2 x 2 texels): FINE_LEVELS arrays (n, n, 4) float32, read-only."""
    octaves = np.stack(
        [periodic_value_noise(lattice, FINE_TEXTURE_SIZE) for lattice in octave_lattices(seed)],
        axis=-1,
    )
    level: np.ndarray = (octaves - 0.5).astype(np.float32)
    levels = [level]
    while level.shape[0] > 1:
        pairs = level[0::2] + level[1::2]  # rows
        level = 0.25 * (pairs[:, 0::2] + pairs[:, 1::2])
        levels.append(level)
    for level in levels:
        level.setflags(write=False)
    return tuple(levels)


@lru_cache(maxsize=40)  # a zoom's worth of steps (512 KiB each)
def fine_noise_atlas(seed: int, weights: tuple[float, float, float, float]) -> bytes:
    """The fine pattern sum_k weights[k] * (octave_k - 0.5) (``weights`` adding up to 1, so the
    sum lies in -0.5..0.5), stored as round((sum + 0.5) * 255), every level of its mipmap chain
    where ``fine_level_origin`` puts it: the bytes of a (height, width, 4) uint8 image,
    FINE_ATLAS_SIZE. Each texel holds the pattern at itself (R), the next column (G), the next
    row (B) and both (A), wrapping at its level's edges: what a bilinear read between texel
    centres needs, in one fetch."""
    mixing = np.asarray(weights, np.float32)
    width, height = FINE_ATLAS_SIZE
    atlas = np.zeros((height, width, 4), np.uint8)
    for level, octaves in enumerate(_fine_octave_levels(seed)):
        values = np.clip(np.rint((octaves @ mixing + 0.5) * 255.0), 0, 255).astype(np.uint8)
        right = np.roll(values, -1, axis=1)
        column, row = fine_level_origin(level)
        size = values.shape[0]
        place = atlas[row : row + size, column : column + size]
        place[..., 0], place[..., 1] = values, right
        place[..., 2], place[..., 3] = np.roll(values, -1, axis=0), np.roll(right, -1, axis=0)
    return atlas.tobytes()
