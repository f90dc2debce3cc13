"""Hot reload: notice that a world file changed and load it again, keeping the last good world.

Owns: polling one file's modification time and size (cheap, works on every platform and editor,
including editors that replace the file by renaming) and re-validating it. Must not touch: GL,
the simulation (the app decides what to rebuild).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.rules import WorldError, WorldSpec, load_world

POLL_SECONDS = 0.2
"""How often the window checks the file; a saved edit shows within this plus one load."""


@dataclass(frozen=True)
class ReloadResult:
    world: WorldSpec | None  # the new world, when the edit is valid
    error: str | None  # what is wrong with the edit, when it is not


class WorldWatcher:
    """Watches a world file; ``poll`` returns a ReloadResult when the file changed, else None."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._signature = self._read_signature()

    def _read_signature(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self.path)
        except OSError:
            return None
        return status.st_mtime_ns, status.st_size

    def poll(self) -> ReloadResult | None:
        signature = self._read_signature()
        if signature == self._signature:
            return None
        self._signature = signature
        if signature is None:
            return ReloadResult(None, f"{self.path}: the file is gone (deleted or being saved)")
        try:
            return ReloadResult(load_world(self.path), None)
        except WorldError as error:
            return ReloadResult(None, str(error))
