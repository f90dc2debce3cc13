"""The simulation's own error type.

Owns: ``SimulationError``, raised for states or parameters the simulation cannot run (unstable
laws, non-finite states, counts above the limits). Must not touch anything else.
"""

from __future__ import annotations


class SimulationError(ValueError):
    """A world the simulation cannot run as asked; the message names the law and the values."""
