"""Pairwise gravity with any exponent and sign: direct sum and a particle-mesh grid.

Owns: the force kernels for ``[[physics.laws]] kind = "gravity"`` and their potential energy.
Must not touch: the rest of the state, clocks, GL, audio.

The law: a pair at distance r feels F = strength * m1 * m2 * r_eff^exponent along the line
joining them (attractive when strength > 0), with r_eff = sqrt(r^2 + softening^2). Written as
an acceleration on body i:  a_i = strength * sum_j m_j (x_j - x_i) r_eff^(exponent - 1).
Its potential is U = -strength m1 m2 r_eff^(exponent + 1) / (exponent + 1) with the sign chosen
so that F = -dU/dr points the stated way (log r_eff for exponent -1).

Up to ``DIRECT_SUM_LIMIT`` bodies the sum is exact (compiled with numba, one core; the
inverse-square case is a vectorised loop over every ordered pair, other exponents visit each pair
once). Above it a particle-mesh method spreads mass onto a grid (cloud-in-cell), convolves it
with the force kernel by FFT on a zero-padded grid (no periodic images) and reads the field back
at each body: cost grows as N + M^3 log M instead of N^2, at the price of forces smoothed over
one grid cell. Both are deterministic functions of positions, so the leapfrog built on them stays
time-reversible.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import scipy.fft  # type: ignore[import-untyped]

DIRECT_SUM_LIMIT = 4096
"""Most bodies for which gravity is summed pair by pair; above it the grid method is used."""
GRID_CELLS = 32
"""Grid cells per side of the particle-mesh method (the FFT grid is twice that, zero-padded)."""


# Reassociation lets LLVM vectorise the inner sums; no "nnan"/"ninf" flags, so 0 and inf stay
# well defined. Results are deterministic for a given machine and build, not across SIMD widths.
_FAST = {"reassoc", "contract", "arcp", "nsz"}


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy")
def _direct_inverse_square(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    masses: np.ndarray,
    strength: float,
    softening_squared: float,
    out_x: np.ndarray,
    out_y: np.ndarray,
    out_z: np.ndarray,
) -> None:
    # Every ordered pair, not each pair once: twice the arithmetic, but the inner loop is a pure
    # reduction over contiguous arrays that vectorises, which beats the scatter of a symmetric loop.
    count = x.shape[0]
    for i in range(count):
        xi = x[i]
        yi = y[i]
        zi = z[i]
        ax = 0.0
        ay = 0.0
        az = 0.0
        for j in range(count):
            dx = x[j] - xi
            dy = y[j] - yi
            dz = z[j] - zi
            r2 = dx * dx + dy * dy + dz * dz + softening_squared
            # Coincident point masses (the body itself included) have no direction: no force.
            nonzero = 1.0 if r2 > 0.0 else 0.0
            r2 = r2 + (1.0 - nonzero)
            factor = nonzero * masses[j] / (r2 * math.sqrt(r2))
            ax += dx * factor
            ay += dy * factor
            az += dz * factor
        out_x[i] += strength * ax
        out_y[i] += strength * ay
        out_z[i] += strength * az


@numba.njit(cache=True, error_model="numpy")
def _direct_any_exponent(
    positions: np.ndarray,
    masses: np.ndarray,
    strength: float,
    power: float,
    softening_squared: float,
    out: np.ndarray,
) -> None:
    # power = (exponent - 1) / 2, applied to r_eff^2
    count = positions.shape[0]
    for i in range(count):
        xi = positions[i, 0]
        yi = positions[i, 1]
        zi = positions[i, 2]
        mi = masses[i]
        ax = 0.0
        ay = 0.0
        az = 0.0
        for j in range(i + 1, count):
            dx = positions[j, 0] - xi
            dy = positions[j, 1] - yi
            dz = positions[j, 2] - zi
            r2 = dx * dx + dy * dy + dz * dz + softening_squared
            if r2 == 0.0:
                continue
            factor = strength * r2**power
            mj = masses[j]
            ax += dx * mj * factor
            ay += dy * mj * factor
            az += dz * mj * factor
            out[j, 0] -= dx * mi * factor
            out[j, 1] -= dy * mi * factor
            out[j, 2] -= dz * mi * factor
        out[i, 0] += ax
        out[i, 1] += ay
        out[i, 2] += az


@numba.njit(cache=True, fastmath=False)
def _direct_potential(
    positions: np.ndarray,
    masses: np.ndarray,
    strength: float,
    exponent: float,
    softening_squared: float,
) -> float:
    count = positions.shape[0]
    total = 0.0
    for i in range(count):
        for j in range(i + 1, count):
            dx = positions[j, 0] - positions[i, 0]
            dy = positions[j, 1] - positions[i, 1]
            dz = positions[j, 2] - positions[i, 2]
            r2 = dx * dx + dy * dy + dz * dz + softening_squared
            if r2 == 0.0:
                continue
            if exponent == -1.0:
                shape = 0.5 * math.log(r2)
            else:
                shape = r2 ** (0.5 * (exponent + 1.0)) / (exponent + 1.0)
            total += strength * masses[i] * masses[j] * shape
    return total


def add_direct(
    positions: np.ndarray,
    masses: np.ndarray,
    strength: float,
    exponent: float,
    softening: float,
    out: np.ndarray,
) -> None:
    """Add the exact pairwise acceleration (N, 3) of one gravity law to ``out``."""
    softening_squared = softening * softening
    if exponent == -2.0:
        x, y, z = (np.ascontiguousarray(positions[:, axis]) for axis in range(3))
        accelerations = np.zeros((3, positions.shape[0]))
        _direct_inverse_square(x, y, z, masses, strength, softening_squared, *accelerations)
        out += accelerations.T
    else:
        _direct_any_exponent(
            positions, masses, strength, 0.5 * (exponent - 1.0), softening_squared, out
        )


def potential_energy(
    positions: np.ndarray, masses: np.ndarray, strength: float, exponent: float, softening: float
) -> float:
    """Total potential energy (J) of one gravity law, summed exactly over pairs."""
    # dU/dr = strength m1 m2 r^exponent: with strength > 0 the energy rises with distance.
    return float(_direct_potential(positions, masses, strength, exponent, softening * softening))


class GridGravity:
    """Particle-mesh gravity for many bodies: O(N + M^3 log M) per evaluation.

    The grid covers the bodies' bounding box; its cell size is rounded up to a power of two so
    the FFT of the force kernel is reused while the bodies stay about the same size of cloud.
    """

    def __init__(self, cells: int = GRID_CELLS) -> None:
        self.cells = cells
        self._kernel_cache: dict[tuple[float, float, float, float], list[np.ndarray]] = {}

    def add(
        self,
        positions: np.ndarray,
        masses: np.ndarray,
        strength: float,
        exponent: float,
        softening: float,
        out: np.ndarray,
    ) -> None:
        """Add the grid-approximated acceleration (N, 3) of one gravity law to ``out``."""
        cells = self.cells
        low = positions.min(axis=0)
        extent = float((positions.max(axis=0) - low).max())
        cell = 2.0 ** math.ceil(math.log2(max(extent, 1e-300) / (cells - 2)))
        origin = np.floor(low / cell) * cell - cell  # one empty cell of margin below
        kernel_spectra = self._kernel(cell, strength, exponent, softening)

        # Cloud-in-cell: each body's mass goes to the 8 grid points around it.
        scaled = (positions - origin) / cell  # (N, 3) in cell units
        base = np.floor(scaled).astype(np.int64)
        frac = scaled - base
        padded = 2 * cells
        density = np.zeros(padded**3)
        corners = []
        for corner in range(8):
            offset = np.array([(corner >> 2) & 1, (corner >> 1) & 1, corner & 1])
            weight = np.prod(np.where(offset == 1, frac, 1.0 - frac), axis=1)  # (N,)
            index = base + offset
            flat = (index[:, 0] * padded + index[:, 1]) * padded + index[:, 2]
            corners.append((flat, weight))
            density += np.bincount(flat, weights=masses * weight, minlength=padded**3)
        density_spectrum = scipy.fft.rfftn(density.reshape(padded, padded, padded), workers=1)
        for axis in range(3):
            field = scipy.fft.irfftn(
                density_spectrum * kernel_spectra[axis], s=(padded,) * 3, workers=1
            ).ravel()
            for flat, weight in corners:
                out[:, axis] += field[flat] * weight

    def _kernel(
        self, cell: float, strength: float, exponent: float, softening: float
    ) -> list[np.ndarray]:
        key = (cell, strength, exponent, softening)
        cached = self._kernel_cache.get(key)
        if cached is not None:
            return cached
        padded = 2 * self.cells
        # Separations on the padded grid, wrapped so index k > padded/2 means a negative offset.
        steps = np.fft.fftfreq(padded, d=1.0 / padded) * cell  # (padded,)
        dx, dy, dz = np.meshgrid(steps, steps, steps, indexing="ij")
        # A body is smeared over one cell: soften by at least a cell so the kernel stays finite.
        r2 = dx * dx + dy * dy + dz * dz + max(softening, cell) ** 2
        factor = strength * r2 ** (0.5 * (exponent - 1.0))
        # a(x) = sum_y rho(y) K(y - x) is a correlation; as a convolution its kernel is -K(d).
        spectra = [scipy.fft.rfftn(-component * factor, workers=1) for component in (dx, dy, dz)]
        if len(self._kernel_cache) > 8:
            self._kernel_cache.clear()
        self._kernel_cache[key] = spectra
        return spectra
