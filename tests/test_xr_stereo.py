"""Unit tests of the XR bridge's own logic: stereo maths, scale-aware IPD, locomotion, lifecycle."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.xr.lifecycle import Action, SessionLifecycle, SessionState
from engine.xr.run import XrExplorer, head_yaw_pitch
from engine.xr.session import ControllerInput, XrFrame, XrSettings
from engine.xr.stereo import (
    HUMAN_HEIGHT,
    ExplorerFrame,
    Fov,
    TrackedPose,
    anchor_for_scale_change,
    dead_zone,
    eye_view,
    listener_pose,
    locomotion_velocity,
    quaternion_matrix,
    scaled_size,
    world_point,
)

pytestmark = pytest.mark.unit

HALF_IPD = 0.0315
LEFT_EYE = TrackedPose((-HALF_IPD, 0.0, 0.0))
RIGHT_EYE = TrackedPose((HALF_IPD, 0.0, 0.0))
SYMMETRIC_FOV = Fov(left=-0.75, right=0.75, down=-0.78, up=0.78)


def quaternion_about_y(angle: float) -> tuple[float, float, float, float]:
    return (0.0, math.sin(angle / 2), 0.0, math.cos(angle / 2))


def to_ndc(view, point) -> np.ndarray:
    """Project a world point through an EyeView; returns normalised device coordinates (x, y)."""
    relative = np.append(np.asarray(point, np.float64) - view.eye, 1.0)
    clip = view.projection.astype(np.float64) @ view.view_rotation.astype(np.float64) @ relative
    return clip[:2] / clip[3]


def test_quaternion_matrix_turns_forward_left_for_positive_yaw():
    rotation = quaternion_matrix(quaternion_about_y(math.pi / 2))
    np.testing.assert_allclose(rotation @ [0, 0, -1.0], [-1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-12)


def test_quaternion_matrix_rejects_zero_quaternion():
    with pytest.raises(ValueError, match="zero quaternion"):
        quaternion_matrix((0.0, 0.0, 0.0, 0.0))


@pytest.mark.parametrize(
    "fov",
    [SYMMETRIC_FOV, Fov(left=-0.9, right=0.6, down=-0.85, up=0.7), Fov(-0.2, 1.1, -0.3, 0.4)],
)
def test_asymmetric_fov_edges_map_to_the_edges_of_the_image(fov):
    frame = ExplorerFrame(anchor=(10.0, 2.0, -3.0))
    view = eye_view(frame, TrackedPose((0.0, 0.0, 0.0)), fov)
    distance = 5.0
    for angle, axis, expected in (
        (fov.left, 0, -1.0),
        (fov.right, 0, 1.0),
        (fov.down, 1, -1.0),
        (fov.up, 1, 1.0),
    ):
        offset = [0.0, 0.0, -distance]
        offset[axis] = distance * math.tan(angle)
        ndc = to_ndc(view, np.asarray(frame.anchor) + offset)
        assert ndc[axis] == pytest.approx(expected, abs=1e-5)


def test_asymmetric_fov_puts_the_straight_ahead_direction_off_centre():
    fov = Fov(left=-0.9, right=0.5, down=-0.6, up=0.6)
    view = eye_view(ExplorerFrame(anchor=(0, 0, 0)), TrackedPose((0, 0, 0)), fov)
    ndc = to_ndc(view, (0.0, 0.0, -4.0))
    # Straight ahead sits where tan(0) falls between tan(left) and tan(right).
    expected = 2 * (0 - math.tan(fov.left)) / (math.tan(fov.right) - math.tan(fov.left)) - 1
    assert ndc[0] == pytest.approx(expected, abs=1e-6)
    assert ndc[0] > 0.1


@pytest.mark.parametrize("size", [1.7e-9, 1.7e-3, HUMAN_HEIGHT, 1.7e3, 1.7e5])
def test_stereo_separation_scales_with_the_explorer(size):
    # Far from the origin in explorer heights (float64 keeps ~1e-16 of the anchor's distance).
    factor = size / HUMAN_HEIGHT
    frame = ExplorerFrame(anchor=(1.0e4 * factor, 5.0 * factor, -2.0e4 * factor), size=size)
    left = eye_view(frame, LEFT_EYE, SYMMETRIC_FOV)
    right = eye_view(frame, RIGHT_EYE, SYMMETRIC_FOV)
    separation = float(np.linalg.norm(right.eye - left.eye))
    assert separation == pytest.approx(2 * HALF_IPD * size / HUMAN_HEIGHT, rel=1e-6)
    assert left.near == pytest.approx(right.near)
    assert left.near < separation * 1e3  # the near plane shrinks with the explorer too


@pytest.mark.parametrize("size", [1.7e-6, HUMAN_HEIGHT, 1.7e4])
def test_scaled_world_and_scaled_explorer_give_the_same_parallax(size):
    """A marker at 0.6 explorer-heights looks the same to each eye at every scale (comfort)."""
    factor = size / HUMAN_HEIGHT
    frame = ExplorerFrame(anchor=(0.0, 0.0, 0.0), size=size)
    marker = (0.0, 0.0, -0.6 * factor)
    left = to_ndc(eye_view(frame, LEFT_EYE, SYMMETRIC_FOV), marker)
    right = to_ndc(eye_view(frame, RIGHT_EYE, SYMMETRIC_FOV), marker)
    disparity = left[0] - right[0]
    expected = 2 * HALF_IPD / 0.6 / math.tan(SYMMETRIC_FOV.right)  # in NDC units
    assert disparity == pytest.approx(expected, rel=1e-4)


def test_explorer_yaw_turns_the_tracking_space():
    frame = ExplorerFrame(anchor=(5.0, 0.0, 0.0), yaw=math.pi / 2)
    np.testing.assert_allclose(world_point(frame, (0.0, 0.0, -1.0)), [4.0, 0.0, 0.0], atol=1e-12)
    view = eye_view(frame, TrackedPose((0, 0, 0)), SYMMETRIC_FOV)
    np.testing.assert_allclose(view.rotation @ [0, 0, -1.0], [-1.0, 0.0, 0.0], atol=1e-12)


def test_full_view_matrix_agrees_with_the_rotation_only_path():
    frame = ExplorerFrame(anchor=(3.0, 1.0, 2.0), yaw=0.3, size=3.4)
    view = eye_view(frame, TrackedPose((0.1, 0.2, 0.05), quaternion_about_y(0.4)), SYMMETRIC_FOV)
    point = np.array([4.0, 1.5, -3.0])
    full = view.view_matrix().astype(np.float64) @ np.append(point, 1.0)
    rotation_only = view.view_rotation.astype(np.float64) @ np.append(point - view.eye, 1.0)
    np.testing.assert_allclose(full, rotation_only, atol=1e-5)


def test_listener_follows_the_head_and_scales():
    frame = ExplorerFrame(anchor=(0.0, 1.0, 0.0), yaw=0.0, size=2 * HUMAN_HEIGHT)
    pose = listener_pose(frame, TrackedPose((0.1, 0.0, 0.0), quaternion_about_y(math.pi / 2)))
    np.testing.assert_allclose(pose.position, [0.2, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(pose.forward, [-1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(pose.up, [0.0, 1.0, 0.0], atol=1e-12)
    assert pose.size == 2 * HUMAN_HEIGHT


def test_dead_zone_removes_wobble_and_keeps_full_deflection():
    assert dead_zone(0.1) == 0.0
    assert dead_zone(-1.0) == -1.0
    assert dead_zone(1.5) == 1.0
    assert 0.0 < dead_zone(0.5) < 0.5


@pytest.mark.parametrize("size", [1.7e-9, HUMAN_HEIGHT, 1.7e3])
def test_locomotion_speed_scales_with_size_and_follows_the_head(size):
    frame = ExplorerFrame(anchor=(0, 0, 0), size=size)
    looking_left_and_down = quaternion_about_y(math.pi / 2)
    velocity = locomotion_velocity(frame, looking_left_and_down, (0.0, 1.0), walking_speed=4.0)
    speed = 4.0 * size / HUMAN_HEIGHT
    np.testing.assert_allclose(velocity, [-speed, 0.0, 0.0], rtol=1e-9, atol=1e-12 * speed)
    strafe = locomotion_velocity(frame, (0, 0, 0, 1.0), (1.0, 0.0), walking_speed=4.0)
    np.testing.assert_allclose(strafe / np.linalg.norm(strafe), [1.0, 0.0, 0.0], atol=1e-12)
    diagonal = locomotion_velocity(frame, (0, 0, 0, 1.0), (1.0, 1.0), walking_speed=4.0)
    assert np.linalg.norm(diagonal) == pytest.approx(4.0 * size / HUMAN_HEIGHT)


def test_locomotion_stays_level_when_looking_down():
    pitch_down = (-math.sin(0.6), 0.0, 0.0, math.cos(0.6))  # about +x, negative: look down
    velocity = locomotion_velocity(ExplorerFrame((0, 0, 0)), pitch_down, (0.0, 1.0), 4.0)
    assert velocity[1] == 0.0
    assert velocity[2] == pytest.approx(-4.0)


def test_scale_change_is_exponential_and_clamped():
    assert scaled_size(1.0, 1.0, 1.0, 1e-9, 1e9) == pytest.approx(10.0)
    assert scaled_size(1.0, -1.0, 2.0, 1e-9, 1e9) == pytest.approx(0.01)
    assert scaled_size(1.0, 1.0, 100.0, 1e-9, 50.0) == 50.0
    assert scaled_size(1.0, -1.0, 100.0, 0.5, 50.0) == 0.5
    assert scaled_size(1.0, 0.05, 1.0, 1e-9, 1e9) == 1.0  # inside the dead zone


def test_rescaling_keeps_the_head_in_place():
    frame = ExplorerFrame(anchor=(2.0, 1.0, -1.0), yaw=0.7, size=HUMAN_HEIGHT)
    head = TrackedPose((0.2, 0.1, -0.3))
    new_anchor = anchor_for_scale_change(frame, head, 1e-3)
    rescaled = ExplorerFrame(anchor=tuple(new_anchor), yaw=0.7, size=1e-3)
    np.testing.assert_allclose(
        world_point(rescaled, head.position), world_point(frame, head.position)
    )


def xr_frame(controls: ControllerInput, delta: float = 0.1) -> XrFrame:
    return XrFrame(
        index=1,
        display_time=1.0,
        delta_time=delta,
        should_render=True,
        head=TrackedPose((0.0, 0.0, 0.0)),
        views=(),
        controls=controls,
    )


def test_explorer_moves_scales_and_toggles_time_from_controls():
    explorer = XrExplorer(anchor=np.zeros(3), size=HUMAN_HEIGHT, walking_speed=4.0)
    explorer.apply(xr_frame(ControllerInput(move=(0.0, 1.0), active=True), delta=0.2))
    np.testing.assert_allclose(explorer.anchor, [0.0, 0.0, -0.8], atol=1e-12)
    explorer.apply(xr_frame(ControllerInput(scale=-1.0, time_pressed=True, active=True), 0.25))
    shrink = 10**-0.25  # a tenfold change per second of full deflection
    assert explorer.size == pytest.approx(HUMAN_HEIGHT * shrink)
    assert explorer.paused
    explorer.apply(xr_frame(ControllerInput(time_pressed=True, reverse_pressed=True)))
    assert not explorer.paused and explorer.reversed
    # After shrinking, the same push moves proportionally less far.
    before = explorer.anchor.copy()
    explorer.apply(xr_frame(ControllerInput(move=(0.0, 1.0), active=True), delta=0.2))
    assert np.linalg.norm(explorer.anchor - before) == pytest.approx(0.8 * shrink)


def test_a_stalled_frame_does_not_leap_the_explorer_ahead():
    explorer = XrExplorer(anchor=np.zeros(3), size=HUMAN_HEIGHT, walking_speed=4.0)
    explorer.apply(xr_frame(ControllerInput(move=(0.0, 1.0)), delta=30.0))
    assert np.linalg.norm(explorer.anchor) == pytest.approx(1.0)  # 4 m/s for at most 0.25 s


def test_head_yaw_pitch_matches_the_simulation_convention():
    frame = ExplorerFrame(anchor=(0, 0, 0), yaw=0.5)
    yaw, pitch = head_yaw_pitch(frame, quaternion_about_y(0.25))
    assert yaw == pytest.approx(0.75)
    assert pitch == pytest.approx(0.0, abs=1e-12)
    _, pitch = head_yaw_pitch(frame, (math.sin(0.2), 0.0, 0.0, math.cos(0.2)))
    assert pitch == pytest.approx(0.4)


def test_lifecycle_of_a_normal_session():
    lifecycle = SessionLifecycle()
    actions = [
        lifecycle.on_state_changed(state)
        for state in (
            SessionState.IDLE,
            SessionState.READY,
            SessionState.SYNCHRONIZED,
            SessionState.VISIBLE,
            SessionState.FOCUSED,
        )
    ]
    assert actions == [Action.NOTHING, Action.BEGIN, Action.NOTHING, Action.NOTHING, Action.NOTHING]
    assert lifecycle.running and lifecycle.visible and lifecycle.focused
    assert lifecycle.on_state_changed(SessionState.VISIBLE) is Action.NOTHING
    assert lifecycle.visible and not lifecycle.focused
    assert lifecycle.on_state_changed(SessionState.SYNCHRONIZED) is Action.NOTHING
    assert not lifecycle.visible
    assert lifecycle.on_state_changed(SessionState.STOPPING) is Action.END
    assert not lifecycle.running
    assert lifecycle.on_state_changed(SessionState.IDLE) is Action.NOTHING
    assert lifecycle.on_state_changed(SessionState.EXITING) is Action.EXIT


def test_lifecycle_reports_loss_and_never_begins_twice():
    lifecycle = SessionLifecycle()
    assert lifecycle.on_state_changed(SessionState.READY) is Action.BEGIN
    assert lifecycle.on_state_changed(SessionState.READY) is Action.NOTHING
    assert lifecycle.on_state_changed(SessionState.LOSS_PENDING) is Action.LOST
    assert not lifecycle.running
    stopped_early = SessionLifecycle()
    assert stopped_early.on_state_changed(SessionState.STOPPING) is Action.NOTHING
    assert SessionLifecycle().on_instance_loss() is Action.LOST


def test_settings_reject_unknown_graphics_binding(monkeypatch):
    monkeypatch.setenv("HETEROCOSM_XR_GRAPHICS", "vulkan")
    with pytest.raises(ValueError, match="'auto', 'egl' or 'glx'"):
        XrSettings.from_environment()
    monkeypatch.setenv("HETEROCOSM_XR_GRAPHICS", "egl")
    assert XrSettings.from_environment().graphics == "egl"
