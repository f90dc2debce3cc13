"""The ``[meta]`` section: what a world is called, which seed makes it, and where it came from.

Lineage records enough to trace and regenerate a generated world: its parents, the prompt (or a
digest of the passage), the model and the generator settings.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from engine.rules.common import Name, Prose, Rules

FORMAT_VERSION = 1
"""The world-file format this engine reads and writes."""

# A generator setting: a short scalar value (numbers, text, flags).
SettingValue = Annotated[str, Field(max_length=200)] | int | float | bool


class Lineage(Rules):
    """Where a world came from. Hand-written worlds leave it empty."""

    parents: tuple[Name, ...] = Field(default=(), max_length=16)
    """Names (or file names) of the worlds this one was derived from (remix, variant)."""
    prompt: Prose = ""
    """The prompt the world was generated from."""
    passage_sha256: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")
    """SHA-256 of the passage of text the world was generated from, if any."""
    model: Annotated[str, Field(max_length=200)] = ""
    """The language model that wrote it (Hugging Face id, path or server model name)."""
    generator: Annotated[str, Field(max_length=80)] = ""
    """Which generator stage and version produced it, e.g. "heterocosm.generate 0.1"."""
    settings: dict[Annotated[str, Field(max_length=40)], SettingValue] = Field(
        default_factory=dict, max_length=32
    )
    """Generator settings (seed, temperature, ...), enough to regenerate the world."""


class Meta(Rules):
    """Identity of a world."""

    name: Name
    """The world's name, shown in the window title and the HUD."""
    description: Prose = ""
    """A sentence or two on what is strange about this world."""
    format_version: int = Field(default=FORMAT_VERSION, ge=1, le=FORMAT_VERSION)
    """World-file format version (this engine reads version 1)."""
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    """Seed for everything random in the world (scatter, terrain, coined words)."""
    lineage: Lineage = Lineage()
    """Where the world came from."""
