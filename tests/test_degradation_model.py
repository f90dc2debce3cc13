"""Degradation, not failure: no language model. A clear error; scripted narration still works.

Owns: tests that run the real ``heterocosm narrate`` in child processes, asking for a model that
is not there (offline: a Hugging Face id that cannot be fetched, an empty folder), and then
without one. Marked ``lm``: loading goes through transformers. Touches no engine module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lm

REPO = Path(__file__).resolve().parent.parent
WORLD = REPO / "worlds" / "speakers.toml"


def narrate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", "narrate", "--seconds", "2", *args, str(WORLD)],
        cwd=cwd,
        env=os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("nobody/no-such-model", "error: could not load model 'nobody/no-such-model'"),
        ("empty-folder", "error: model folder 'empty-folder' has no config.json"),
    ],
)
def test_a_missing_model_is_a_clear_error(tmp_path: Path, model: str, message: str) -> None:
    (tmp_path / "empty-folder").mkdir()
    result = narrate("--improvise", model, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr


def test_generate_without_its_model_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine", "generate", "a quiet valley", "--out", "valley.toml"]
        + ["--model", "nobody/no-such-model"],
        cwd=tmp_path,
        env=os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "error: could not load model 'nobody/no-such-model'" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_scripted_narration_needs_no_model(tmp_path: Path) -> None:
    result = narrate(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Keeper" in result.stdout
