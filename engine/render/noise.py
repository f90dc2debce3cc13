"""The ground's noise, baked into tiling texture images (pure numpy, no GL).

Owns the ground's octave lattices and two bakes:

- ``ground_noise_image(seed)``: four octaves of periodic value noise (one seeded set of lattices,
  the octave k + 1 lattice having half the cells of octave k's) in the four RGBA channels, 512
  texels a side. The effects pass (``shaders/post.glsl``) reads two of its channels for the time
  fields' shimmer.
- ``octave_lattice(seed, octave)``: the ground's octave of wavelength 2**octave metres, a fixed
  function of where on the ground it is: value noise over a periodic lattice of
  OCTAVE_LATTICE_CELLS cells a side, whose values are an integer hash of (seed, octave, cell)
  that ``shaders/ground.glsl`` computes the same way for the coarse octaves it draws per vertex.
  So an octave looks the same at every size of the explorer; only its weight changes with the
  size (no pop at a doubling, when the octaves move from one role to the next).
- ``fine_noise_atlas(seed, first_octave, shares)``: the ground's fine pattern: four consecutive
  octaves from ``first_octave`` already summed with the explorer's shares into one value, as a
  mipmap chain laid side by side in one image (``FINE_ATLAS_SIZE``), whose texels each hold the
  four values around a texel's corner (R, G: this row, this and the next column; B, A: the next
  row). The image repeats every CELLS_PER_PERIOD cells of the first octave (so the first octave's
  lattice repeats 8 times in it, the fourth's once). The ground fetches one texel per pixel, from
  the level its footprint calls for, and interpolates it itself: on a CPU rasteriser (llvmpipe) a
  bilinear, mipmapped, four-channel sampler read cost more than the rest of the ground's pixel
  work, and one fetch from a single-level image a third of that.

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
"""Texels per side of the fine pattern's finest level (its first octave's cells 2 texels wide:
linear interpolation between its samples is within a few per cent of the smooth cell, on an
octave that weighs under a tenth of the pattern)."""
FINE_OCTAVES = 4
"""Octaves summed in the fine pattern."""
OCTAVE_LATTICE_CELLS = 16
"""Cells a side of every ground octave's periodic lattice: the fine pattern repeats every
CELLS_PER_PERIOD cells of its first octave, and the same octave is its fourth two doublings of
size later, so its lattice must repeat within CELLS_PER_PERIOD >> (FINE_OCTAVES - 1) cells."""
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


def _mix32(values: np.ndarray) -> np.ndarray:
    """An integer hash of uint32 values (shaders/ground.glsl's ``mix32``: the same bits)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x7FEB352D)
    values = values ^ (values >> np.uint32(15))
    values = values * np.uint32(0x846CA68B)
    return values ^ (values >> np.uint32(16))


@lru_cache(maxsize=256)
def octave_key(seed: int, octave: int) -> int:
    """The hash key of the ground's octave of wavelength 2**octave m for a world's seed (the
    shader hashes key + cell index): a uint32."""
    seeded = _mix32(np.array([int(seed) & 0xFFFFFFFF], np.uint32))
    mixed = seeded + np.uint32((int(octave) * 0x9E3779B9) & 0xFFFFFFFF)
    return int(_mix32(mixed)[0])


def octave_lattice(seed: int, octave: int) -> np.ndarray:
    """(OCTAVE_LATTICE_CELLS, OCTAVE_LATTICE_CELLS) float64 values in [0, 1) of the ground's
    octave of wavelength 2**octave m, [z cell, x cell]: the top 24 bits of the hash of
    ``octave_key`` + z * OCTAVE_LATTICE_CELLS + x, as the shader makes them."""
    cells = OCTAVE_LATTICE_CELLS
    index = np.arange(cells * cells, dtype=np.uint32)
    hashed = _mix32(index + np.uint32(octave_key(seed, octave)))
    return ((hashed >> np.uint32(8)).astype(np.float64) / 16777216.0).reshape(cells, cells)


@lru_cache(maxsize=256)
def octave_mean(seed: int, octave: int) -> float:
    """The mean of ``octave_lattice`` (and so of its value noise): the ground subtracts it, not
    0.5, so no octave moves the ground's brightness as it fades in or out (a 256-value lattice's
    mean strays from 0.5 by about 0.02)."""
    return float(octave_lattice(seed, octave).mean())


@lru_cache(maxsize=2 * FINE_OCTAVES * FINE_OCTAVES)  # a zoom's doubling or two of octaves
def _octave_levels(seed: int, octave: int, repeats: int) -> tuple[np.ndarray, ...]:
    """One octave minus its mean (``octave_mean``), repeated ``repeats`` times across
    FINE_TEXTURE_SIZE texels, and every coarser mipmap level (means of 2 x 2 texels):
    FINE_LEVELS (n, n) float32 arrays, read-only."""
    lattice = octave_lattice(seed, octave)
    tile = periodic_value_noise(lattice - lattice.mean(), FINE_TEXTURE_SIZE // repeats)
    level: np.ndarray = np.tile(tile, (repeats, repeats)).astype(np.float32)
    levels = [level]
    while level.shape[0] > 1:
        pairs = level[0::2] + level[1::2]  # rows
        level = 0.25 * (pairs[:, 0::2] + pairs[:, 1::2])
        levels.append(level)
    for level in levels:
        level.setflags(write=False)
    return tuple(levels)


def fine_octave_repeats(index: int) -> int:
    """How often the fine pattern's octave ``index`` (0: its first, finest) repeats across it."""
    return CELLS_PER_PERIOD // (OCTAVE_LATTICE_CELLS << index)


@lru_cache(maxsize=40)  # a zoom's worth of steps (512 KiB each)
def fine_noise_atlas(seed: int, first_octave: int, shares: tuple[float, ...]) -> bytes:
    """The fine pattern sum_i shares[i] * (octave_i - its mean), octave_i the ground octave of
    wavelength 2**(first_octave + i) m (``octave_lattice``; ``shares`` adding up to 1, so the sum
    lies in about -0.5..0.5), over CELLS_PER_PERIOD cells of the first octave, stored as
    round((sum + 0.5) * 255), every level of its mipmap chain where ``fine_level_origin`` puts
    it: the bytes of a (height, width, 4) uint8 image, FINE_ATLAS_SIZE. Each texel holds the
    pattern at itself (R), the next column (G), the next row (B) and both (A), wrapping at its
    level's edges: what a bilinear read between texel centres needs, in one fetch."""
    octaves = [
        _octave_levels(seed, first_octave + index, fine_octave_repeats(index))
        for index in range(FINE_OCTAVES)
    ]
    width, height = FINE_ATLAS_SIZE
    atlas = np.zeros((height, width, 4), np.uint8)
    for level in range(FINE_LEVELS):
        mixed = sum(
            np.float32(share) * levels[level] for share, levels in zip(shares, octaves, strict=True)
        )
        values = np.clip(np.rint((mixed + 0.5) * 255.0), 0, 255).astype(np.uint8)
        right = np.roll(values, -1, axis=1)
        column, row = fine_level_origin(level)
        size = values.shape[0]
        place = atlas[row : row + size, column : column + size]
        place[..., 0], place[..., 1] = values, right
        place[..., 2], place[..., 3] = np.roll(values, -1, axis=0), np.roll(right, -1, axis=0)
    return atlas.tobytes()
