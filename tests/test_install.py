"""``pip install .`` (not editable) gives a working ``heterocosm`` that finds shaders and worlds."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.unit


def run(command: list[str], cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_wheel_install_works_from_another_directory(tmp_path):
    # Build the wheel exactly as `pip install .` does, then install it, without its
    # dependencies, into a fresh venv that borrows them from this one through a .pth file.
    wheels = tmp_path / "wheels"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(REPO),
        ],
        cwd=tmp_path,
    )
    [wheel] = wheels.glob("heterocosm-*.whl")
    venv = tmp_path / "fresh"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    fresh_site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=tmp_path,
        ).strip()
    )
    (fresh_site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        cwd=tmp_path,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    output = run(
        [str(venv / "bin" / "heterocosm"), "check", str(REPO / "worlds" / "slowlight.toml")],
        cwd=elsewhere,
    )
    assert "ok (Slowlight)" in output
    located = run(
        [
            str(python),
            "-c",
            "from engine.resources import shaders_dir, worlds_dir;"
            "print(shaders_dir()); print(worlds_dir())",
        ],
        cwd=elsewhere,
    ).split()
    assert located == [
        str(venv / "share" / "heterocosm" / "shaders"),
        str(venv / "share" / "heterocosm" / "worlds"),
    ]
    assert (Path(located[1]) / "slowlight.toml").is_file()
    # The installed engine is the wheel's, not this checkout's.
    where = run([str(python), "-c", "import engine; print(engine.__file__)"], cwd=elsewhere)
    assert str(REPO) not in where
