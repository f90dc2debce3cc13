"""A real pyglet window under Xvfb (started here): its frame matches the offscreen render of the
same frame, and hot reload applies a saved edit within a second, showing an invalid edit over
the scene while the last good world keeps running.

The window runs in a child process (GLX), the offscreen render here (EGL): DESIGN.md records
that EGL then GLX in one process crashes under Xvfb.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.window

REPO = Path(__file__).resolve().parent.parent
WORLD = REPO / "worlds" / "tidal_time.toml"
SIZE = (160, 96)
FRAMES = 6
FRAME_SECONDS = 1.0 / 30.0
START_PITCH = -0.05  # ExploreApp's starting pitch


def probe(world_path: str, out_dir: str) -> None:
    """Child process: open the window, draw frames, then edit the world file twice."""
    sys.path.insert(0, str(REPO))
    from engine.app.window import ExploreApp
    from engine.rules import load_world

    out = Path(out_dir)
    path = Path(world_path)
    app = ExploreApp(path, load_world(path), size=SIZE)
    for _ in range(FRAMES):
        app.tick(FRAME_SECONDS)
    np.save(out / "window.npy", app.screenshot())
    results: dict[str, object] = {"start_pitch": app.pitch, "start_yaw": app.yaw}

    text = path.read_text()
    edited = text.replace('name = "Tidal Time"', 'name = "Tidal Red"').replace(
        'sky_zenith = "#023047"', 'sky_zenith = "#ff0000"'
    )
    path.write_text(edited)
    started = time.monotonic()
    while app.world.meta.name != "Tidal Red" and time.monotonic() - started < 3.0:
        app.tick(1.0 / 60.0)
    results["reload_seconds"] = time.monotonic() - started
    results["reloaded_name"] = app.world.meta.name
    np.save(out / "reloaded.npy", app.screenshot())

    path.write_text(edited.replace("fog_density = 0.01", "fog_density = -3.0"))
    started = time.monotonic()
    while app.error is None and time.monotonic() - started < 3.0:
        app.tick(1.0 / 60.0)
    results["error_seconds"] = time.monotonic() - started
    results["error"] = app.error
    results["name_after_error"] = app.world.meta.name
    np.save(out / "error.npy", app.screenshot())
    (out / "results.json").write_text(json.dumps(results))
    app.close()


@pytest.fixture(scope="module")
def xvfb_display():  # noqa: ANN201
    executable = shutil.which("Xvfb")
    assert executable, "Xvfb is not installed (Debian: apt-get install xvfb xauth)"
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [
            executable,
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            "640x480x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not report a display number"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def test_window_matches_offscreen_and_hot_reloads(xvfb_display: str, tmp_path: Path) -> None:
    world_copy = tmp_path / "world.toml"
    shutil.copy(WORLD, world_copy)
    environment = dict(os.environ, DISPLAY=xvfb_display)
    environment.pop("WAYLAND_DISPLAY", None)
    child = subprocess.run(
        [sys.executable, __file__, str(world_copy), str(tmp_path)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())

    # The same frame, rendered offscreen through EGL in this process.
    from engine.app.headless import OffscreenView, create_offscreen_context
    from engine.app.source import WorldSource
    from engine.rules import load_world

    world = load_world(WORLD)
    ctx = create_offscreen_context()
    view = OffscreenView(ctx, world, *SIZE)
    source = WorldSource(world, ctx=ctx)
    source.simulation.set_explorer_velocity((0.0, 0.0, 0.0))
    source.simulation.set_explorer_orientation(results["start_yaw"], results["start_pitch"])
    for _ in range(FRAMES):
        source.advance(FRAME_SECONDS)
    offscreen = view.draw(source.snapshot()).astype(int)
    view.release()
    source.release()
    ctx.release()
    window = np.load(tmp_path / "window.npy").astype(int)
    assert window.shape == offscreen.shape
    difference = np.abs(window - offscreen)
    assert difference.mean() < 0.5, f"mean difference {difference.mean():.3f}"
    assert (difference.max(axis=2) > 8).mean() < 0.005

    assert results["reloaded_name"] == "Tidal Red"
    assert results["reload_seconds"] < 1.0
    reloaded = np.load(tmp_path / "reloaded.npy").astype(int)
    top_before, top_after = window[2:10].mean(axis=(0, 1)), reloaded[2:10].mean(axis=(0, 1))
    assert top_after[0] - top_after[2] > top_before[0] - top_before[2] + 20  # the sky went red

    assert results["error"] and "fog_density" in results["error"]
    assert results["error_seconds"] < 1.0
    assert results["name_after_error"] == "Tidal Red"  # the last good world keeps running
    shown = np.load(tmp_path / "error.npy").astype(int)
    assert np.abs(shown - reloaded).mean() > 1.0  # the error is drawn over the scene


if __name__ == "__main__":
    probe(sys.argv[1], sys.argv[2])
