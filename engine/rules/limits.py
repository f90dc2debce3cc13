"""Every size and count limit the engine enforces, in one place.

World files come from strangers and from language models; these limits keep a hostile or
degenerate file from exhausting memory or time. The loader, the simulation, the language runtime
and the agents all read their limits from here, and their error messages name the limit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 2_000_000
    """Largest world file read, in bytes."""
    nesting_depth: int = 12
    """Deepest nesting of tables and arrays in a world file."""
    name_length: int = 80
    """Longest name of a body, field, agent, language or world."""
    text_length: int = 4_000
    """Longest free text (description, prompt, a narration line)."""
    list_length: int = 4_096
    """Longest list in a world file unless a more specific limit applies."""
    bodies: int = 65_536
    """Most bodies (counting every member of a body group) a world may hold on the CPU."""
    particles: int = 4_000_000
    """Most particles across all particle fields."""
    particle_bytes: int = 512 * 1024 * 1024
    """Most memory particle state may take (particles x bytes per particle)."""
    agents: int = 2_048
    """Most agents in a world."""
    lexicon_entries: int = 20_000
    """Most lexicon entries in one language."""
    sound_changes: int = 256
    """Most sound changes in one language."""
    languages: int = 16
    """Most languages in one world."""
    narration_rules: int = 256
    """Most narration rules per agent."""
    condition_length: int = 400
    """Longest agent condition expression, in characters."""


LIMITS = Limits()
