"""Nothing lost: no module writes a file except through ``engine.fsutil``.

Owns: an ``ast`` scan of engine/ and generators/ for calls that write files (``open`` in a write
mode, ``Path.write_text``/``write_bytes``, ``numpy.save*``, ``shutil.copy*``, renames). Such a
call is allowed only on a temporary that ``write_atomic_from`` hands to a producer, or on an
in-memory buffer or an already opened handle: its target expression must name ``temporary``,
``scratch``, ``buffer`` or ``handle`` (for a rename, the source must: renaming a finished temporary
into place is the atomic step). Everything else must call ``write_atomic``. Append-only logs are
listed in ``APPEND_ONLY_LOGS`` with why a torn last line loses nothing. Touches no engine module;
reads source files only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from ast_names import dotted_name, qualified_names

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
FSUTIL = REPO / "engine" / "fsutil.py"
WRITE_MODES = set("wax+")
WRITING_METHODS = {"write_text", "write_bytes"}
WRITING_FUNCTIONS = {
    "numpy.save",
    "numpy.savez",
    "numpy.savez_compressed",
    "numpy.savetxt",
    "shutil.copy",
    "shutil.copy2",
    "shutil.copyfile",
    "shutil.move",
    "os.rename",
    "os.replace",
}
SAFE_TARGET_WORDS = ("temporary", "scratch", "buffer", "handle")
# file -> why appending there is safe (the reader skips a torn last line; earlier lines stay).
APPEND_ONLY_LOGS = {
    "generators/batch.py": "results.jsonl: one JSON line per world; the resume reader skips "
    "lines that do not parse, so a torn line only makes its worlds be generated again",
}


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def _safe(target: ast.AST | None) -> bool:
    return target is not None and any(
        word in name.lower() for name in _names_in(target) for word in SAFE_TARGET_WORDS
    )


def _mode(call: ast.Call, position: int) -> str:
    mode = next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode is None and len(call.args) > position:
        mode = call.args[position]
    return mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"


def direct_writes(source: str, filename: str) -> list[str]:
    """Each call in ``source`` that writes a file without going through ``engine.fsutil``."""
    tree = ast.parse(source, filename)
    aliases = qualified_names(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted_name(node.func, aliases)
        target = node.args[0] if node.args else None
        what = None
        if name in ("open", "io.open", "wave.open") and set(_mode(node, 1)) & WRITE_MODES:
            what = f"{name}(..., {_mode(node, 1)!r})"
        elif isinstance(node.func, ast.Attribute) and node.func.attr in WRITING_METHODS:
            what, target = f".{node.func.attr}()", node.func.value
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "open":
            if set(_mode(node, 0)) & WRITE_MODES:
                what, target = f".open({_mode(node, 0)!r})", node.func.value
        elif name in WRITING_FUNCTIONS:
            what = f"{name}()"
            if name in ("shutil.copy", "shutil.copy2", "shutil.copyfile"):
                target = node.args[1] if len(node.args) > 1 else None
        if what and what.startswith(".open('a") and filename in APPEND_ONLY_LOGS:
            continue
        if what and not _safe(target):
            found.append(f"{filename}:{node.lineno}: {what} writes a file directly")
    return found


def _source_files() -> list[Path]:
    files = [p for package in ("engine", "generators") for p in (REPO / package).rglob("*.py")]
    return sorted(p for p in files if p != FSUTIL)


def test_every_write_goes_through_fsutil() -> None:
    problems: list[str] = []
    for path in _source_files():
        problems += direct_writes(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert problems == [], "use engine.fsutil.write_atomic(_from):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "open(path, 'w')",
        "open(path, mode='ab')",
        "import wave\nwave.open(str(path), 'wb')",
        "path.write_text(text)",
        "Path(name).write_bytes(data)",
        "path.open('w')",
        "import numpy as np\nnp.savez(path, **arrays)",
        "import os\nos.replace(source, path)",
        "import shutil\nshutil.move(finished, path)",
        "import shutil\nshutil.copy(source, path)",
    ],
)
def test_scan_finds_direct_writes(snippet: str) -> None:
    assert len(direct_writes(snippet, "snippet.py")) == 1


@pytest.mark.parametrize(
    "snippet",
    [
        "open(path)",
        "open(path, 'rb')",
        "path.open()",
        "import wave\nwave.open(buffer, 'wb')",
        "with open(temporary, 'wb') as handle: pass",
        "import wave\nwave.open(str(temporary), 'wb')",
        "segment.export(temporary, format='ogg')",
        "import os\nos.replace(temporary, path)",
        "import numpy as np\nnp.savez(handle, **arrays)",
    ],
)
def test_scan_allows_reads_and_temporaries(snippet: str) -> None:
    assert direct_writes(snippet, "snippet.py") == []
