"""Subtitles in the headset: the HUD's subtitle image on a panel placed in the world.

Owns: where the subtitle panel floats (in front of the head, level, a little below the eyes, at
a distance and size that scale with the explorer so it reads the same at every scale) and
drawing that panel into each eye. Both eyes see the same panel, so it has true stereo depth
instead of sitting at the screen surface. The image itself comes from ``engine.render.hud``
(this module must not set text), and the panel is drawn after ``engine.render`` has drawn the
world, without depth, so subtitles are never hidden. GL objects are made on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.render.camera import gl_bytes
from engine.render.shaders import load_program
from engine.xr.stereo import (
    ExplorerFrame,
    EyeView,
    TrackedPose,
    quaternion_matrix,
    world_point,
    yaw_matrix,
)

PANEL_DISTANCE = 1.6
"""Metres in front of the head at human size (comfortable reading distance in most headsets)."""
PANEL_DROP = 0.45
"""Metres below eye level at human size: below the line of sight, like cinema subtitles."""
IMAGE_SIZE = (1920, 960)
"""Pixels of the HUD image the subtitles are drawn into (its text is then about 32 px tall)."""
METRES_PER_PIXEL = 0.0025
"""Panel metres per image pixel at human size: a 32 px line is 8 cm tall at 1.6 m, about 3
degrees, which stays readable on headsets with modest resolution."""
CROP_MARGIN = 8
"""Pixels kept around the subtitle's own panel when the HUD image is cropped to it."""


@dataclass(frozen=True)
class PanelPlacement:
    """The panel's four corners in world metres (float64), top-left first, clockwise."""

    corners: np.ndarray  # (4, 3) float64: top-left, top-right, bottom-right, bottom-left


def crop_to_content(image: np.ndarray) -> np.ndarray:
    """The part of an (H, W, 4) RGBA image that is not fully transparent, with a small margin."""
    rows, columns = np.nonzero(image[:, :, 3])
    if len(rows) == 0:
        return image[:1, :1]
    top, bottom = max(0, rows.min() - CROP_MARGIN), min(image.shape[0], rows.max() + CROP_MARGIN)
    left = max(0, columns.min() - CROP_MARGIN)
    right = min(image.shape[1], columns.max() + CROP_MARGIN)
    return image[top:bottom, left:right]


def place_panel(
    frame: ExplorerFrame, head: TrackedPose, pixel_size: tuple[int, int]
) -> PanelPlacement:
    """In front of where the head looks (level), below eye height, facing the head.

    ``pixel_size`` is the subtitle image's (width, height); the panel keeps its aspect.
    """
    rotation = yaw_matrix(frame.yaw) @ quaternion_matrix(head.orientation)
    forward = rotation @ np.array([0.0, 0.0, -1.0])
    forward[1] = 0.0
    length = float(np.linalg.norm(forward))
    forward = forward / length if length > 1e-6 else yaw_matrix(frame.yaw) @ [0.0, 0.0, -1.0]
    right = np.array([-forward[2], 0.0, forward[0]])
    up = np.array([0.0, 1.0, 0.0])
    scale = frame.scale
    centre = (
        world_point(frame, head.position)
        + forward * PANEL_DISTANCE * scale
        - up * PANEL_DROP * scale
    )
    half_width = pixel_size[0] * METRES_PER_PIXEL * scale / 2.0
    half_height = pixel_size[1] * METRES_PER_PIXEL * scale / 2.0
    corners = np.array(
        [
            centre - right * half_width + up * half_height,
            centre + right * half_width + up * half_height,
            centre + right * half_width - up * half_height,
            centre - right * half_width - up * half_height,
        ]
    )
    return PanelPlacement(corners)


class SubtitlePanel:
    """Draws an (H, W, 4) premultiplied RGBA image (top row first) on a placed panel."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self._program = load_program(ctx, "xr_panel")
        self._vertices = ctx.buffer(reserve=6 * 5 * 4)
        self._vertex_array = ctx.vertex_array(
            self._program, [(self._vertices, "3f 2f", "in_position", "in_texcoord")]
        )
        self._texture: Any = None
        self._image_id: int | None = None

    @property
    def pixel_size(self) -> tuple[int, int]:
        """(width, height) of the image on the panel, after cropping."""
        return (0, 0) if self._texture is None else self._texture.size

    def set_image(self, image: np.ndarray) -> None:
        """Show a HUD image's subtitles: cropped to what is drawn, uploaded when it changed."""
        if self._image_id == id(image) and self._texture is not None:
            return
        self._image_id = id(image)
        image = crop_to_content(image)
        height, width = image.shape[:2]
        if self._texture is None or self._texture.size != (width, height):
            if self._texture is not None:
                self._texture.release()
            self._texture = self.ctx.texture((width, height), 4)
        self._texture.write(np.ascontiguousarray(image, dtype=np.uint8).tobytes())
        self._texture.build_mipmaps()

    def draw(self, framebuffer: Any, view: EyeView, placement: PanelPlacement) -> None:
        """Draw the current image over whatever ``framebuffer`` holds, seen from ``view``."""
        import moderngl

        if self._texture is None:
            return
        corners = (placement.corners - view.eye).astype(np.float32)  # (4, 3) eye-relative
        texcoords = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float32)
        rows = np.concatenate([corners, texcoords], axis=1)[[0, 1, 2, 0, 2, 3]]  # (6, 5)
        self._vertices.write(np.ascontiguousarray(rows).tobytes())
        self._program["m_proj"].write(gl_bytes(view.projection))
        self._program["m_view"].write(gl_bytes(view.view_rotation))
        framebuffer.use()
        self.ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA  # premultiplied
        self._texture.filter = moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR
        self._texture.use(0)
        self._program["u_image"] = 0
        self._vertex_array.render(moderngl.TRIANGLES, vertices=6)
        self.ctx.disable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.DEFAULT_BLENDING

    def release(self) -> None:
        for resource in (self._vertex_array, self._vertices, self._program, self._texture):
            if resource is not None:
                resource.release()
        self._texture = None
