"""Degradation, not failure: no OpenXR runtime (so no headset). One clear error, no traceback.

Owns: a test that runs the real ``heterocosm explore --xr`` in a child process whose
XR_RUNTIME_JSON names a runtime manifest that does not exist. Marked ``xr``: it needs the OpenXR
loader from pyopenxr, though not Monado. Touches no engine module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xr

REPO = Path(__file__).resolve().parent.parent


def test_no_runtime_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-runtime.json"
    env = os.environ | {"XR_RUNTIME_JSON": str(missing), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "explore",
            "--xr",
            str(REPO / "worlds" / "slowlight.toml"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: no OpenXR runtime is available")
    assert str(missing) in errors[0] and "which does not exist" in errors[0]
    assert "Traceback" not in result.stderr
