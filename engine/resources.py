"""Where the files that ship beside the code are found: shaders and example worlds.

In a source checkout or an editable install they sit next to the packages; after ``pip install .``
they are installed as data files under ``<prefix>/share/heterocosm/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _resource_dir(name: str) -> Path:
    for root in (_CHECKOUT, Path(sys.prefix) / "share" / "heterocosm"):
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"heterocosm's {name}/ folder is missing: looked in {_CHECKOUT / name} and "
        f"{Path(sys.prefix) / 'share' / 'heterocosm' / name}; reinstall heterocosm"
    )


def shaders_dir() -> Path:
    """The folder holding the GLSL programs (one file per program, shared parts in include/)."""
    return _resource_dir("shaders")


def worlds_dir() -> Path:
    """The folder holding the example world files."""
    return _resource_dir("worlds")
