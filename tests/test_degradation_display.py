"""Degradation, not failure: no display. ``explore`` says so in one clear error; the rest works.

Owns: tests that run the real ``heterocosm`` in a child process with the display variables removed
(or pointing at no server). Touches no engine module; writes only under pytest's temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
WORLD = REPO / "worlds" / "slowlight.toml"


def heterocosm(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def without_display() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(REPO)
    return env


def test_explore_without_a_display_says_so_and_suggests_render(tmp_path: Path) -> None:
    result = heterocosm("explore", str(WORLD), env=without_display(), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no display:"), result.stderr
    assert "heterocosm render" in result.stderr
    assert "Traceback" not in result.stderr


def test_explore_with_a_display_that_does_not_answer(tmp_path: Path) -> None:
    env = without_display() | {"DISPLAY": ":97"}  # no X server listens there
    result = heterocosm("explore", str(WORLD), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: could not open a window"), result.stderr
    assert "Traceback" not in result.stderr


def test_the_rest_works_without_a_display(tmp_path: Path) -> None:
    env = without_display()
    assert heterocosm("check", str(WORLD), env=env, cwd=tmp_path).returncode == 0
    simulated = heterocosm("simulate", "--seconds", "0.2", str(WORLD), env=env, cwd=tmp_path)
    assert simulated.returncode == 0, simulated.stderr
    assert "state hash" in simulated.stdout
