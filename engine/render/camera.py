"""The camera: where the eye is (float64), which way it looks, and the matrices the GPU receives.

Owns: view and projection matrices, the camera-relative origin and the near plane (from size).
Pure numpy; must not touch GL. Precision strategy: every position sent to the GPU is first made
relative to the eye in float64 and only then cast to float32, so a nanometre explorer standing
100 km from the origin still sees sub-nanometre detail. The view matrix therefore has no
translation. Depth is reversed-Z in a float buffer (``engine.render.depth``: the shaders replace
these matrices' z with the near plane, so depth is near / distance), which keeps depth precision
relative to distance from 1e-12 m to 1e12 m without fighting at either end.

Matrices are numpy (4, 4) float32 in the usual maths layout (column vectors, ``clip = P @ V @ x``);
``gl_bytes`` gives them in the column-major order GLSL expects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NEAR_PER_SIZE = 0.01
"""Near clip plane in explorer heights: at 1.7 m the near plane is 1.7 cm away."""


@dataclass(frozen=True)
class Camera:
    """An eye in the world. ``size`` is the explorer's height in metres and sets the near plane."""

    position: tuple[float, float, float]  # eye, metres, float64
    yaw: float = 0.0  # radians, 0 looks toward -z
    pitch: float = 0.0  # radians, positive looks up
    size: float = 1.7
    vertical_fov: float = math.radians(70.0)

    @property
    def eye(self) -> np.ndarray:
        return np.asarray(self.position, dtype=np.float64)

    @property
    def near(self) -> float:
        return self.size * NEAR_PER_SIZE

    def forward(self) -> np.ndarray:
        """Unit vector the camera looks along (float64)."""
        cos_pitch = math.cos(self.pitch)
        return np.array(
            [-math.sin(self.yaw) * cos_pitch, math.sin(self.pitch), -math.cos(self.yaw) * cos_pitch]
        )

    def view_matrix(self) -> np.ndarray:
        """Rotation only: world directions -> view space (the eye sits at the origin)."""
        return rotation_view_matrix(self.yaw, self.pitch)

    def projection_matrix(self, aspect: float) -> np.ndarray:
        return perspective_matrix(self.vertical_fov, aspect, self.near)


def rotation_view_matrix(yaw: float, pitch: float) -> np.ndarray:
    """View rotation for a camera turned ``yaw`` about +y, then ``pitch`` about its right axis."""
    cos_yaw, sin_yaw = math.cos(yaw), math.sin(yaw)
    cos_pitch, sin_pitch = math.cos(pitch), math.sin(pitch)
    # Camera-to-world rotation: columns are right, up and back (-forward) in world space. Plain
    # floats: this runs every frame, and numpy's call overhead is most of its cost on 3-vectors.
    right = (cos_yaw, 0.0, -sin_yaw)
    forward = (-sin_yaw * cos_pitch, sin_pitch, -cos_yaw * cos_pitch)
    up = (  # right x forward
        right[1] * forward[2] - right[2] * forward[1],
        right[2] * forward[0] - right[0] * forward[2],
        right[0] * forward[1] - right[1] * forward[0],
    )
    return np.array(
        [
            right + (0.0,),
            up + (0.0,),
            (-forward[0], -forward[1], -forward[2], 0.0),
            (0.0, 0.0, 0.0, 1.0),
        ],
        np.float32,
    )


def perspective_matrix(vertical_fov: float, aspect: float, near: float) -> np.ndarray:
    """Perspective with an infinitely far far plane (its near plane is -[2, 3] / 2); the shaders
    turn its depth into reversed-Z (``shaders/include/depth.glsl``)."""
    focal = 1.0 / math.tan(vertical_fov / 2.0)
    projection = np.zeros((4, 4), dtype=np.float64)
    projection[0, 0] = focal / aspect
    projection[1, 1] = focal
    projection[2, 2] = -1.0
    projection[2, 3] = -2.0 * near
    projection[3, 2] = -1.0
    return projection.astype(np.float32)


def asymmetric_projection_matrix(
    left: float, right: float, down: float, up: float, near: float
) -> np.ndarray:
    """Off-axis projection from tangents of the four half-angles (OpenXR's ``XrFovf`` angles).

    ``left`` and ``down`` are negative for the usual headset eye. The far plane is infinite.
    """
    tan_left, tan_right = math.tan(left), math.tan(right)
    tan_down, tan_up = math.tan(down), math.tan(up)
    width, height = tan_right - tan_left, tan_up - tan_down
    projection = np.zeros((4, 4), dtype=np.float64)
    projection[0, 0] = 2.0 / width
    projection[0, 2] = (tan_right + tan_left) / width
    projection[1, 1] = 2.0 / height
    projection[1, 2] = (tan_up + tan_down) / height
    projection[2, 2] = -1.0
    projection[2, 3] = -2.0 * near
    projection[3, 2] = -1.0
    return projection.astype(np.float32)


def split_double(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 -> (high, low) float32 pair whose sum recovers the value to about 1e-14 relative.

    Used for things whose positions already live on the GPU in float32 (particles).
    """
    values = np.asarray(values, dtype=np.float64)
    high = values.astype(np.float32)
    low = (values - high.astype(np.float64)).astype(np.float32)
    return high, low


def gl_bytes(matrix: np.ndarray) -> bytes:
    """A (4, 4) matrix in the column-major float32 layout of a GLSL ``mat4`` uniform."""
    return np.ascontiguousarray(np.asarray(matrix, dtype=np.float32).T).tobytes()


def metres_per_pixel(camera: Camera, viewport_height: int, distance: float) -> float:
    """How many metres one pixel spans, at ``distance`` metres in front of the eye."""
    return 2.0 * distance * math.tan(camera.vertical_fov / 2.0) / max(1, viewport_height)
