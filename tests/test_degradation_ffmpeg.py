"""Degradation, not failure: no ffmpeg. WAV still works; OGG/MP3 say they need ffmpeg.

Owns: tests that run the real ``heterocosm listen`` in a child process whose PATH holds no ffmpeg.
Touches no engine module; writes only under pytest's temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
WORLD = REPO / "worlds" / "crawling_sound.toml"


def without_ffmpeg() -> dict[str, str]:
    """The environment with PATH stripped to a folder that has no ffmpeg (nor anything else)."""
    return os.environ | {"PATH": "/nonexistent", "PYTHONPATH": str(REPO)}


def listen(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "listen",
            "--seconds",
            "0.2",
            "--out",
            str(out),
            str(WORLD),
        ],
        cwd=out.parent,
        env=without_ffmpeg(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_wav_needs_no_ffmpeg(tmp_path: Path) -> None:
    result = listen(tmp_path / "heard.wav")
    assert result.returncode == 0, result.stderr
    with wave.open(str(tmp_path / "heard.wav")) as handle:
        assert (handle.getnchannels(), handle.getsampwidth()) == (2, 2)
        assert handle.getnframes() == round(0.2 * handle.getframerate())


@pytest.mark.parametrize("suffix", ["ogg", "mp3"])
def test_compressed_audio_without_ffmpeg_is_a_clear_error(tmp_path: Path, suffix: str) -> None:
    result = listen(tmp_path / f"heard.{suffix}")
    assert result.returncode == 1
    assert f"error: writing .{suffix} needs ffmpeg" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing half-written left behind
