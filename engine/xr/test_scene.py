"""The XR bridge's own test scene: coloured boxes on a grid, drawn per eye.

Owns: a tiny scene (``Box`` list) and ``TestSceneRenderer``, which draws it into any moderngl
framebuffer from an ``EyeView`` (eye position in float64, rotation-only view matrix, off-axis
projection). It proves the OpenXR session, swapchains, submission and stereo parallax without the
world renderer, and gives the tests a pixel-exact reference. Must not read the simulation or the
world file; the world itself is drawn by ``engine.render``. GL objects are made on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.render.camera import gl_bytes
from engine.render.shaders import load_program
from engine.xr.stereo import EyeView

BACKGROUND = (0.05, 0.06, 0.09, 1.0)
MARKER_COLOUR = (1.0, 0.15, 0.1)


@dataclass(frozen=True)
class Box:
    """An axis-aligned cube in world metres."""

    centre: tuple[float, float, float]
    half_size: float
    colour: tuple[float, float, float]


def grid_scene(
    eye_height: float = 1.6,
    scale: float = 1.0,
    marker_distance: float = 3.0,
    marker_half_size: float = 0.12,
) -> list[Box]:
    """A ground grid of boxes plus one red marker straight ahead (-z) at eye height.

    Everything is multiplied by ``scale`` about the origin, so a scaled explorer (with its anchor
    scaled the same way) sees exactly the same picture.
    """
    boxes = []
    for column in range(-5, 6):
        for row in range(-5, 6):
            colour = (0.3 + 0.06 * (column + 5), 0.35 + 0.05 * (row + 5), 0.8 - 0.05 * (column + 5))
            boxes.append(Box((2.0 * column, 0.0, 2.0 * row), 0.15, colour))
    boxes.append(Box((0.0, eye_height, -marker_distance), marker_half_size, MARKER_COLOUR))
    return [
        Box(
            (scale * box.centre[0], scale * box.centre[1], scale * box.centre[2]),
            box.half_size * scale,
            box.colour,
        )
        for box in boxes
    ]


def _unit_cube() -> np.ndarray:
    """(36, 6) float32 rows of position (-1..1) and outward normal, two triangles per face."""
    rows: list[np.ndarray] = []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            normal = np.zeros(3)
            normal[axis] = sign
            u_axis, v_axis = (axis + 1) % 3, (axis + 2) % 3
            corners = []
            for u, v in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                corner = np.zeros(3)
                corner[axis], corner[u_axis], corner[v_axis] = sign, u, v
                corners.append(corner)
            # Counter-clockwise seen from outside for +sign faces; flip for -sign.
            order = (0, 1, 2, 0, 2, 3) if sign > 0 else (0, 2, 1, 0, 3, 2)
            rows.extend(np.concatenate([corners[index], normal]) for index in order)
    return np.asarray(rows, dtype=np.float32)


class TestSceneRenderer:
    """Draws a list of boxes for one eye; create once per GL context, ``release`` when done."""

    __test__ = False  # not a pytest class, despite the name

    def __init__(self, ctx: Any, boxes: list[Box]) -> None:
        self.ctx = ctx
        self.boxes = boxes
        self._centres = np.array([box.centre for box in boxes], dtype=np.float64)  # (N, 3)
        self._program = load_program(ctx, "xr_test_scene")
        self._cube = ctx.buffer(_unit_cube().tobytes())
        self._instances = ctx.buffer(reserve=len(boxes) * 7 * 4)
        self._vertex_array = ctx.vertex_array(
            self._program,
            [
                (self._cube, "3f 3f", "in_position", "in_normal"),
                (self._instances, "3f 1f 3f/i", "in_centre", "in_half_size", "in_colour"),
            ],
        )
        self._static = np.array(
            [(box.half_size, *box.colour) for box in boxes], dtype=np.float32
        )  # (N, 4)

    def draw(self, framebuffer: Any, view: EyeView) -> None:
        """Clear ``framebuffer`` and draw the boxes as seen from ``view``."""
        import moderngl

        relative = (self._centres - view.eye).astype(np.float32)  # (N, 3), float64 subtraction
        instances = np.concatenate([relative, self._static], axis=1)  # (N, 7)
        self._instances.write(np.ascontiguousarray(instances, dtype=np.float32).tobytes())
        self._program["m_proj"].write(gl_bytes(view.projection))
        self._program["m_view"].write(gl_bytes(view.view_rotation))
        framebuffer.use()
        framebuffer.clear(*BACKGROUND, depth=1.0)
        self.ctx.enable(moderngl.DEPTH_TEST)
        self.ctx.disable(moderngl.CULL_FACE | moderngl.BLEND)
        self._vertex_array.render(moderngl.TRIANGLES, instances=len(self.boxes))

    def release(self) -> None:
        for resource in (self._vertex_array, self._instances, self._cube, self._program):
            resource.release()
