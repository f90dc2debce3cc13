"""Stereo maths for the headset: tracking-space poses -> world eyes, scaled with the explorer.

Owns: quaternion -> rotation, placing the runtime's per-eye poses in the world around the
explorer (scale-aware: stereo separation and head motion shrink and grow with the explorer),
per-eye view and asymmetric projection matrices, locomotion speed and scale change from
controller input, and the listener pose the acoustics hear from. Pure numpy; must not touch GL
or OpenXR.

Frames: the runtime's tracking space is metres at human size, y up, -z forward (as our world).
A point ``p`` in tracking space is at ``anchor + R_yaw @ (p * size / HUMAN_HEIGHT)`` in the world,
where ``anchor`` is the explorer's eye position at the tracking origin and ``R_yaw`` the
explorer's turn about +y. A 1.7 m explorer therefore sees the world at 1:1; a 1.7 nm explorer
has eyes 6.3e-11 m apart and walks nanometres per second, so depth stays comfortable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.render.camera import NEAR_PER_SIZE, asymmetric_projection_matrix

HUMAN_HEIGHT = 1.7
"""Explorer size (metres) at which the headset shows the world 1:1 (matches ``explorer_speed``)."""
SCALE_CHANGE_PER_SECOND = math.log(10.0)
"""Full thumbstick deflection changes the explorer's size tenfold per second."""
THUMBSTICK_DEAD_ZONE = 0.15


@dataclass(frozen=True)
class Fov:
    """An eye's field of view as OpenXR gives it: four half-angles in radians (left/down < 0)."""

    left: float
    right: float
    down: float
    up: float


@dataclass(frozen=True)
class TrackedPose:
    """A pose in the runtime's tracking space: position (metres), quaternion (x, y, z, w)."""

    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True)
class ExplorerFrame:
    """Where the explorer's tracking space sits in the world this frame."""

    anchor: tuple[float, float, float]  # world metres of the tracking origin (float64)
    yaw: float = 0.0  # radians about +y, 0 looks toward -z
    size: float = HUMAN_HEIGHT  # explorer height in metres

    @property
    def scale(self) -> float:
        """World metres per tracking-space metre."""
        return self.size / HUMAN_HEIGHT


@dataclass(frozen=True)
class EyeView:
    """One eye ready to render: eye position in float64 and camera-relative matrices."""

    eye: np.ndarray  # (3,) float64 world metres
    rotation: np.ndarray  # (3, 3) float64 camera-to-world (columns: right, up, back)
    view_rotation: np.ndarray  # (4, 4) float32 world directions -> view space, no translation
    projection: np.ndarray  # (4, 4) float32 off-axis, infinite far plane
    fov: Fov
    near: float  # metres

    def view_matrix(self, origin: np.ndarray | None = None) -> np.ndarray:
        """Full view matrix (float32) for positions given relative to ``origin`` (default: 0).

        Prefer ``view_rotation`` with eye-relative positions: it keeps float32 precise far out.
        """
        offset = self.eye - (np.zeros(3) if origin is None else np.asarray(origin, np.float64))
        view = np.eye(4)
        view[:3, :3] = self.rotation.T
        view[:3, 3] = -self.rotation.T @ offset
        return view.astype(np.float32)


@dataclass(frozen=True)
class ListenerPose:
    """Where the acoustics listen from: the head, in world metres, and which way it faces."""

    position: np.ndarray  # (3,) float64
    forward: np.ndarray  # (3,) unit
    up: np.ndarray  # (3,) unit
    size: float  # explorer height in metres (small listeners hear higher)


def quaternion_matrix(orientation: tuple[float, float, float, float]) -> np.ndarray:
    """(3, 3) float64 rotation of a quaternion (x, y, z, w); normalised first."""
    x, y, z, w = (float(value) for value in orientation)
    norm = math.sqrt(x * x + y * y + z * z + w * w)
    if norm == 0.0:
        raise ValueError("a zero quaternion is not a rotation")
    x, y, z, w = x / norm, y / norm, z / norm, w / norm
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def yaw_matrix(yaw: float) -> np.ndarray:
    """(3, 3) rotation by ``yaw`` radians about +y (positive turns -z toward -x, i.e. left)."""
    cos_yaw, sin_yaw = math.cos(yaw), math.sin(yaw)
    return np.array([[cos_yaw, 0.0, sin_yaw], [0.0, 1.0, 0.0], [-sin_yaw, 0.0, cos_yaw]])


def world_point(frame: ExplorerFrame, tracked_position: tuple[float, float, float]) -> np.ndarray:
    """A tracking-space position (metres at human size) in world metres (float64)."""
    offset = np.asarray(tracked_position, dtype=np.float64) * frame.scale
    return np.asarray(frame.anchor, dtype=np.float64) + yaw_matrix(frame.yaw) @ offset


def eye_view(frame: ExplorerFrame, pose: TrackedPose, fov: Fov) -> EyeView:
    """One eye of the runtime's ``xrLocateViews`` answer, placed in the world."""
    rotation = yaw_matrix(frame.yaw) @ quaternion_matrix(pose.orientation)
    view_rotation = np.eye(4)
    view_rotation[:3, :3] = rotation.T
    near = frame.size * NEAR_PER_SIZE
    return EyeView(
        eye=world_point(frame, pose.position),
        rotation=rotation,
        view_rotation=view_rotation.astype(np.float32),
        projection=asymmetric_projection_matrix(fov.left, fov.right, fov.down, fov.up, near),
        fov=fov,
        near=near,
    )


def listener_pose(frame: ExplorerFrame, head: TrackedPose) -> ListenerPose:
    """The audio listener at the head: acoustics follow the headset, scaled with the explorer."""
    rotation = yaw_matrix(frame.yaw) @ quaternion_matrix(head.orientation)
    return ListenerPose(
        position=world_point(frame, head.position),
        forward=rotation @ np.array([0.0, 0.0, -1.0]),
        up=rotation @ np.array([0.0, 1.0, 0.0]),
        size=frame.size,
    )


def dead_zone(value: float, threshold: float = THUMBSTICK_DEAD_ZONE) -> float:
    """Thumbstick axis with the resting wobble removed, rescaled so full deflection stays 1."""
    magnitude = abs(value)
    if magnitude <= threshold:
        return 0.0
    return math.copysign(min(1.0, (magnitude - threshold) / (1.0 - threshold)), value)


def locomotion_velocity(
    frame: ExplorerFrame,
    head_orientation: tuple[float, float, float, float],
    stick: tuple[float, float],
    walking_speed: float,
) -> np.ndarray:
    """World velocity (m/s, float64) from the move thumbstick, along where the head looks.

    ``walking_speed`` is the world's ``explorer_speed`` (m/s at human size); it scales with the
    explorer, so crossing your own height takes the same time at every size. Movement stays level.
    """
    right_input, forward_input = dead_zone(stick[0]), dead_zone(stick[1])
    if right_input == 0.0 and forward_input == 0.0:
        return np.zeros(3)
    rotation = yaw_matrix(frame.yaw) @ quaternion_matrix(head_orientation)
    forward = rotation @ np.array([0.0, 0.0, -1.0])
    forward[1] = 0.0
    length = float(np.linalg.norm(forward))
    # Looking straight up or down: fall back to the body's own facing.
    forward = forward / length if length > 1e-6 else yaw_matrix(frame.yaw) @ np.array([0, 0, -1.0])
    right = np.array([-forward[2], 0.0, forward[0]])
    direction = forward * forward_input + right * right_input
    norm = float(np.linalg.norm(direction))
    if norm > 1.0:
        direction /= norm
    return direction * walking_speed * frame.scale


def scaled_size(size: float, stick_y: float, dt: float, min_size: float, max_size: float) -> float:
    """Explorer size after ``dt`` seconds of pushing the scale thumbstick (up grows, down shrinks).

    Change is exponential (a fixed factor per second), so nanometres and kilometres are equally
    quick to reach, and the result is kept inside the world's allowed range.
    """
    factor = math.exp(SCALE_CHANGE_PER_SECOND * dead_zone(stick_y) * dt)
    return min(max_size, max(min_size, size * factor))


def anchor_for_scale_change(frame: ExplorerFrame, head: TrackedPose, new_size: float) -> np.ndarray:
    """New anchor so that the head stays where it is in the world while the explorer rescales."""
    head_world = world_point(frame, head.position)
    rescaled = ExplorerFrame(anchor=frame.anchor, yaw=frame.yaw, size=new_size)
    return head_world - (world_point(rescaled, head.position) - np.asarray(frame.anchor, float))
