"""The OpenXR bridge against a real runtime: Monado, null compositor, simulated HMD, EGL.

Needs the Monado build from ``scripts/build_monado.sh`` (its manifest at
``${HETEROCOSM_CI_CACHE:-~/.cache/heterocosm-ci}/monado/openxr_monado.json``, or XR_RUNTIME_JSON).
Missing, the tests fail: the xr tier is never skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.xr.lifecycle import SessionState
from engine.xr.session import XrSession, XrSettings
from engine.xr.stereo import HUMAN_HEIGHT, ExplorerFrame
from engine.xr.subtitles import IMAGE_SIZE, SubtitlePanel, place_panel
from engine.xr.test_scene import TestSceneRenderer, grid_scene

pytestmark = pytest.mark.xr

REPOSITORY = Path(__file__).resolve().parent.parent
WORLD = REPOSITORY / "worlds" / "slowlight.toml"
FRAMES = 12
MARKER_DISTANCE = 0.6  # explorer heights / HUMAN_HEIGHT, close enough for a large disparity
EYE_HEIGHT = 1.6
MARKER_HALF_SIZE = 0.012  # small, so its pixel centroid is its projected centre


def monado_manifest() -> Path:
    cache = Path(os.environ.get("HETEROCOSM_CI_CACHE", Path.home() / ".cache" / "heterocosm-ci"))
    return cache / "monado" / "openxr_monado.json"


@pytest.fixture(scope="module", autouse=True)
def monado():
    """Point the OpenXR loader at the cached Monado build, null compositor, EGL surfaceless."""
    manifest = monado_manifest()
    if not manifest.is_file():
        pytest.fail(
            f"the Monado OpenXR runtime is not built: {manifest} is missing. Run "
            "scripts/build_monado.sh as root (it builds Monado from Debian trixie's source "
            "package into that cache) and run the xr tests again."
        )
    wanted = {
        "XR_RUNTIME_JSON": str(manifest),
        "XRT_COMPOSITOR_NULL": "1",
        "EGL_PLATFORM": "surfaceless",
        "XRT_LOG": "warning",
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    yield manifest
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def marker_centroid(image: np.ndarray) -> np.ndarray:
    """(x, y) pixel centre of the red marker in an (H, W, 4) image, bottom row first (GL)."""
    channels = image[:, :, :3].astype(np.int32)
    red = (channels[:, :, 0] > 60) & (channels[:, :, 0] > 3 * channels[:, :, 1:].max(axis=2))
    assert red.sum() > 12, "the red marker is not in the eye's image"
    rows, columns = np.nonzero(red)
    return np.array([columns.mean() + 0.5, rows.mean() + 0.5])


def predicted_pixel(view, point, size) -> np.ndarray:
    relative = np.append(np.asarray(point, np.float64) - view.eye, 1.0)
    clip = view.projection.astype(np.float64) @ view.view_rotation.astype(np.float64) @ relative
    ndc = clip[:2] / clip[3]
    return (ndc + 1.0) / 2.0 * np.asarray(size, np.float64)


def subtitle_image() -> np.ndarray:
    from engine.render.hud import HudState, draw_overlay
    from engine.render.views import Subtitle

    line = Subtitle(speaker="Oru", native="ka tema selu", translation="the light is slow")
    return draw_overlay(HudState(subtitles=(line,), show_hud=False), *IMAGE_SIZE)


def run_test_scene(size: float, subtitles: bool = False) -> dict:
    """Run FRAMES frames of the test scene at explorer ``size``; record every eye's image."""
    factor = size / HUMAN_HEIGHT
    anchor = (0.0, EYE_HEIGHT * factor, 0.0)
    record: dict = {"eyes": [], "tracked": [], "panels": []}
    with XrSession(XrSettings(graphics="egl")) as session:
        scene = TestSceneRenderer(
            session.ctx, grid_scene(EYE_HEIGHT, factor, MARKER_DISTANCE, MARKER_HALF_SIZE)
        )
        panel = SubtitlePanel(session.ctx) if subtitles else None
        if panel is not None:
            panel.set_image(subtitle_image())
        offscreen = None

        def on_frame(frame):
            explorer = ExplorerFrame(anchor=anchor, size=size)
            if frame.should_render:
                record["tracked"].append(frame.views)
                pixels = panel.pixel_size if panel is not None else (1, 1)
                record["panels"].append(place_panel(explorer, frame.head, pixels))
            return explorer

        def draw(framebuffer, view):
            scene.draw(framebuffer, view)
            if panel is not None:
                panel.draw(framebuffer, view, record["panels"][-1])

        def render_eye(target):
            nonlocal offscreen
            draw(target.framebuffer, target.view)
            width, height = target.size
            swapchain_image = np.frombuffer(target.framebuffer.read(components=4), np.uint8)
            if offscreen is None:
                offscreen = session.ctx.simple_framebuffer((width, height), components=4)
            draw(offscreen, target.view)
            reference = np.frombuffer(offscreen.read(components=4), np.uint8)
            record["eyes"].append(
                (
                    target.eye_index,
                    target.view,
                    target.size,
                    swapchain_image.reshape(height, width, 4),
                    reference.reshape(height, width, 4),
                )
            )

        submitted = session.run(on_frame, render_eye, frame_limit=FRAMES)
        record.update(
            submitted=submitted,
            states=list(session.lifecycle.states_seen),
            gl_error=session.ctx.error,
            swapchain_format=session.swapchain_format,
            runtime=session.runtime_name,
        )
        offscreen.release()
        scene.release()
        if panel is not None:
            panel.release()
    record["marker"] = np.array([0.0, EYE_HEIGHT, -MARKER_DISTANCE]) * factor
    return record


@pytest.fixture(scope="module")
def human_run():
    return run_test_scene(HUMAN_HEIGHT)


def test_session_walks_the_states_to_focused_and_shuts_down_cleanly(human_run):
    states = human_run["states"]
    assert "Monado" in human_run["runtime"]
    for expected in (SessionState.READY, SessionState.VISIBLE, SessionState.FOCUSED):
        assert expected in states
    # After we asked to exit: stopping, then idle, then exiting, in that order, nothing after.
    assert states[-3:] == [SessionState.STOPPING, SessionState.IDLE, SessionState.EXITING]
    assert states.index(SessionState.READY) < states.index(SessionState.FOCUSED)


def test_frames_are_submitted_with_both_eyes_rendered(human_run):
    assert human_run["submitted"] >= FRAMES
    eyes = [entry[0] for entry in human_run["eyes"]]
    assert eyes.count(0) == eyes.count(1) >= FRAMES // 2
    assert human_run["gl_error"] == "GL_NO_ERROR"


def test_each_swapchain_image_equals_the_offscreen_render_of_the_same_pose(human_run):
    for eye_index, _view, _size, swapchain_image, reference in human_run["eyes"]:
        assert swapchain_image.shape == reference.shape
        assert np.array_equal(swapchain_image, reference), f"eye {eye_index} differs"
        colours = np.unique(swapchain_image.reshape(-1, 4).view(np.uint32))
        assert len(colours) > 10  # a real picture, not a cleared image


def check_parallax(record: dict) -> float:
    """Marker positions in each eye agree with the projection; returns the last disparity (px)."""
    disparity = 0.0
    eyes = record["eyes"]
    for left, right in zip(eyes[0::2], eyes[1::2], strict=True):
        assert (left[0], right[0]) == (0, 1)
        centres = []
        for _eye_index, view, size, image, _reference in (left, right):
            measured = marker_centroid(image)
            expected = predicted_pixel(view, record["marker"], size)
            np.testing.assert_allclose(measured, expected, atol=1.0)
            centres.append(measured)
        disparity = centres[0][0] - centres[1][0]
    return disparity


def test_the_two_eyes_differ_by_the_expected_parallax(human_run):
    disparity = check_parallax(human_run)
    # The simulated HMD's eyes are ~63 mm apart: at 0.6 m that is well over 10 pixels.
    assert disparity > 10.0
    assert not np.array_equal(human_run["eyes"][-2][3], human_run["eyes"][-1][3])


def test_a_shrunken_explorer_gets_a_scaled_ipd_and_the_same_depth():
    size = 1.7e-6
    record = run_test_scene(size)
    factor = size / HUMAN_HEIGHT
    views = [entry[1] for entry in record["eyes"]]
    tracked = record["tracked"][-1]
    tracked_ipd = np.linalg.norm(np.subtract(tracked[1][0].position, tracked[0][0].position))
    world_ipd = np.linalg.norm(views[-1].eye - views[-2].eye)
    assert tracked_ipd == pytest.approx(0.063, abs=0.01)
    assert world_ipd == pytest.approx(tracked_ipd * factor, rel=1e-6)
    # The marker is a micrometre-scale 0.6 "explorer heights" away: the same comfortable disparity.
    disparity = check_parallax(record)
    assert disparity > 10.0
    assert views[-1].near == pytest.approx(size * 0.01)


def panel_box(eye_record: tuple, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel bounding box (low, high) of the panel as projected into one eye."""
    _eye_index, view, size, _image, _reference = eye_record
    projected = np.array([predicted_pixel(view, corner, size) for corner in corners])
    return np.floor(projected.min(axis=0)).astype(int), np.ceil(projected.max(axis=0)).astype(int)


def text_mask(image: np.ndarray) -> np.ndarray:
    """Light subtitle text; the scene behind the panel is darkened below this brightness."""
    return (image[:, :, :3].astype(np.int32).sum(axis=2) > 320).astype(np.float64)


def measured_disparity(left: tuple, right: tuple, corners: np.ndarray) -> int:
    """Horizontal shift (px) that best lays the right eye's text onto the left eye's."""
    (left_low, left_high), (right_low, right_high) = (panel_box(e, corners) for e in (left, right))
    low = np.maximum(np.minimum(left_low, right_low) - 4, 0)
    high = np.maximum(left_high, right_high) + 4
    left_text = text_mask(left[3])[low[1] : high[1], low[0] : high[0]]
    right_text = text_mask(right[3])[low[1] : high[1], low[0] : high[0]]
    assert left_text.sum() > 20 and right_text.sum() > 20, "no subtitle text on the panel"
    best = None
    for shift in range(0, 25):
        for rise in (-2, -1, 0, 1, 2):
            moved = np.roll(np.roll(right_text, shift, axis=1), rise, axis=0)
            mismatch = float(np.abs(left_text - moved).sum())
            if best is None or mismatch < best[0]:
                best = (mismatch, shift)
    return best[1]


def test_subtitles_float_in_the_world_with_stereo_depth():
    record = run_test_scene(HUMAN_HEIGHT, subtitles=True)
    eyes = record["eyes"]
    for _eye_index, _view, _size, swapchain_image, reference in eyes:
        assert np.array_equal(swapchain_image, reference)
    left, right = eyes[-2], eyes[-1]
    corners = record["panels"][-1].corners
    centre = corners.mean(axis=0)
    # Both eyes see the same panel 1.6 m away, so the text is shifted between them by that
    # distance's parallax (a screen-fixed overlay would not move at all).
    expected = (
        predicted_pixel(left[1], centre, left[2])[0]
        - predicted_pixel(right[1], centre, right[2])[0]
    )
    assert expected > 4.0
    assert measured_disparity(left, right, corners) == pytest.approx(expected, abs=1.0)


def test_a_world_renders_in_the_headset_like_offscreen_and_drives_the_listener():
    from engine.xr.run import run_xr

    listened = []
    compared = []

    def after_eye(drawn):
        # The snapshot the renderer and the acoustics read has its explorer at the head.
        np.testing.assert_allclose(drawn.snapshot.explorer.position, listened[-1].position)
        width, height = drawn.target.size
        swapchain_image = drawn.target.framebuffer.read(components=4)
        ctx = drawn.renderer.ctx
        offscreen = ctx.simple_framebuffer((width, height), components=4)
        drawn.renderer.draw(drawn.snapshot, offscreen, drawn.eye)
        compared.append(swapchain_image == offscreen.read(components=4))
        offscreen.release()

    exit_code = run_xr(WORLD, frame_limit=4, listener=listened.append, after_eye=after_eye)
    assert exit_code == 0
    assert len(compared) >= 8 and all(compared)
    assert listened, "the head pose never reached the listener"
    first = listened[0]
    assert np.isfinite(first.position).all()
    assert first.forward @ first.forward == pytest.approx(1.0)


CONTROLLER_PROBE = """
import json
from engine.xr.session import XrSession, XrSettings
from engine.xr.stereo import ExplorerFrame
seen = []
with XrSession(XrSettings(graphics="egl")) as session:
    profiles = session._actions.profiles_accepted
    def on_frame(frame):
        seen.append(frame.controls)
        return ExplorerFrame(anchor=(0.0, 0.0, 0.0))
    session.run(on_frame, lambda target: None, frame_limit=8)
print(json.dumps({"profiles": profiles, "active": [c.active for c in seen]}))
"""


def test_controllers_when_present_are_bound_and_read():
    """Monado's simulated 'simple' controllers (read at start-up, hence a fresh process)."""
    import json

    environment = dict(os.environ, SIMULATED_ENABLE="1", SIMULATED_LEFT="simple")
    environment["SIMULATED_RIGHT"] = "simple"
    result = subprocess.run(
        [sys.executable, "-c", CONTROLLER_PROBE],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPOSITORY,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "/interaction_profiles/khr/simple_controller" in report["profiles"]
    assert "/interaction_profiles/oculus/touch_controller" in report["profiles"]
    assert any(report["active"]), "the simple controllers never became active"


def run_module(*arguments: str, runtime_json: str | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    if runtime_json is not None:
        environment["XR_RUNTIME_JSON"] = runtime_json
    return subprocess.run(
        [sys.executable, "-m", "engine.xr", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPOSITORY,
        timeout=120,
    )


def test_a_desktop_glx_session_under_xvfb_submits_frames():
    """The GLX binding desktop runtimes such as SteamVR need (Xlib), here on Xvfb."""
    environment = dict(os.environ, HETEROCOSM_XR_GRAPHICS="glx")
    environment.pop("EGL_PLATFORM", None)
    environment.pop("DISPLAY", None)
    result = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 640x480x24"]
        + [sys.executable, "-m", "engine.xr", str(WORLD), "--frames", "3"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPOSITORY,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "per eye (glx)" in result.stderr
    assert "session ended after" in result.stderr
    frames = int(result.stderr.split("session ended after ")[1].split()[0])
    assert frames >= 3


MIRROR_PROBE = """
import json
import numpy as np
from engine.xr.session import XrSession, XrSettings
from engine.xr.stereo import ExplorerFrame
from engine.xr.test_scene import TestSceneRenderer, grid_scene
checks = []
with XrSession(XrSettings(mirror=True)) as session:
    scene = TestSceneRenderer(session.ctx, grid_scene())
    left = {}
    def render_eye(target):
        if target.eye_index == 1 and "image" in left:  # the mirror got the left eye by now
            shown = session.ctx.screen.read(viewport=(0, 0, *target.size), components=4)
            checks.append(shown == left["image"])
        scene.draw(target.framebuffer, target.view)
        if target.eye_index == 0:
            left["image"] = target.framebuffer.read(components=4)
    session.run(lambda frame: ExplorerFrame(anchor=(0.0, 1.6, 0.0)), render_eye, frame_limit=5)
    print(json.dumps({"api": session.graphics_api, "checks": checks,
                      "window": [session._glx_window.width, session._glx_window.height]}))
    scene.release()
"""


def test_the_desktop_mirror_window_shows_the_left_eye():
    import json

    environment = dict(os.environ)
    environment.pop("EGL_PLATFORM", None)
    environment.pop("DISPLAY", None)
    result = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 640x480x24", sys.executable, "-c", MIRROR_PROBE],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPOSITORY,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["api"] == "glx"
    assert report["window"] == [320, 240]  # the simulated HMD's eye size, shown 1:1
    assert len(report["checks"]) >= 3 and all(report["checks"])


def test_a_mirror_without_a_display_is_a_clear_error(monkeypatch):
    from engine.xr.errors import XrError

    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(XrError, match="mirror needs a display"):
        with XrSession(XrSettings(mirror=True)):
            pass


def test_a_missing_runtime_gives_a_clear_error_and_exit_code_1(tmp_path):
    result = run_module(str(WORLD), "--frames", "1", runtime_json=str(tmp_path / "none.json"))
    assert result.returncode == 1
    assert "error: no OpenXR runtime is available" in result.stderr
    assert "none.json, which does not exist" in result.stderr
    assert "scripts/build_monado.sh" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_runtime_manifest_whose_library_is_missing_is_a_missing_runtime(tmp_path):
    manifest = tmp_path / "broken.json"
    manifest.write_text(
        '{"file_format_version": "1.0.0", "runtime": {"name": "Gone", '
        f'"library_path": "{tmp_path / "libgone.so"}"}}}}'
    )
    result = run_module(str(WORLD), "--frames", "1", runtime_json=str(manifest))
    assert result.returncode == 1
    assert "error: no OpenXR runtime is available" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_world_file_is_reported_before_the_headset_starts(tmp_path):
    world = tmp_path / "bad.toml"
    world.write_text("[meta]\nname = 'x'\nformat = 99\n")
    result = run_module(str(world), "--frames", "1")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert str(world) in result.stderr
    assert "Traceback" not in result.stderr
