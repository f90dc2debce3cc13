"""Degradation, not failure: rendering with no ffmpeg, and with no OpenGL driver at all.

Owns: tests that run the real ``heterocosm render`` (EGL offscreen) in child processes: with PATH
stripped of ffmpeg it must write PNG frames and a WAV beside them and say so; with EGL finding no
driver it must print one clear error. Touches no engine module; writes only under tmp folders.
"""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

pytestmark = pytest.mark.gl

REPO = Path(__file__).resolve().parent.parent
WORLD = REPO / "worlds" / "slowlight.toml"
RENDER = ["render", "--seconds", "0.2", "--fps", "10", "--size", "64x48", "--quiet"]


def render(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *RENDER, "--out", str(out), str(WORLD)],
        cwd=out.parent,
        env=env | {"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_render_without_ffmpeg_writes_frames_and_wav_beside(tmp_path: Path) -> None:
    result = render(tmp_path / "world.mp4", os.environ | {"PATH": "/nonexistent"})
    assert result.returncode == 0, result.stderr
    assert "ffmpeg was not found" in result.stderr, result.stderr
    assert not (tmp_path / "world.mp4").exists()
    frames = sorted((tmp_path / "world_frames").glob("*.png"))
    assert len(frames) == 2, frames
    with wave.open(str(tmp_path / "world.wav")) as handle:
        assert handle.getnchannels() == 2 and handle.getnframes() > 0


def test_render_without_any_opengl_driver_is_a_clear_error(tmp_path: Path) -> None:
    # glvnd reads its EGL vendor list from here: a missing file means no driver at all, as on a
    # machine without Mesa or a GPU driver.
    env = os.environ | {"__EGL_VENDOR_LIBRARY_FILENAMES": str(tmp_path / "no-vendor.json")}
    result = render(tmp_path / "world.mp4", env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no offscreen OpenGL context could be made"), (
        result.stderr
    )
    assert "apt-get install libegl1" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
