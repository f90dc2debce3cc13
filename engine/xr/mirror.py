"""The optional desktop mirror: the left eye's image shown in a window while the headset runs.

Owns: sizing the mirror window from the eye's image and copying each frame's left-eye
swapchain image into the window (a textured full-window quad, before the image is handed back
to the runtime). The window itself is the pyglet window whose GLX context the session uses, so
the mirror exists only with the GLX binding (a desktop with a display). Must not draw the world
or talk to OpenXR. GL objects are made on first use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.render.camera import gl_bytes
from engine.render.shaders import load_program

MAX_MIRROR_SIDE = 960
"""Largest side of the mirror window in pixels; headset images are shrunk to fit."""


def mirror_size(eye_size: tuple[int, int]) -> tuple[int, int]:
    """Window size for an eye image: the same, or shrunk (aspect kept) to MAX_MIRROR_SIDE."""
    width, height = eye_size
    shrink = min(1.0, MAX_MIRROR_SIDE / max(width, height))
    return max(1, round(width * shrink)), max(1, round(height * shrink))


class Mirror:
    """Copies an eye texture onto the current window's framebuffer (``ctx.screen``)."""

    def __init__(self, ctx: Any) -> None:
        import moderngl

        self.ctx = ctx
        self._program = load_program(ctx, "xr_panel")  # a textured quad; identity matrices here
        # Full window in clip space; the eye texture's row 0 is its bottom row (OpenGL).
        corners = np.array(
            [[-1, 1, 0, 0, 1], [1, 1, 0, 1, 1], [1, -1, 0, 1, 0], [-1, -1, 0, 0, 0]],
            dtype=np.float32,
        )[[0, 1, 2, 0, 2, 3]]
        self._vertices = ctx.buffer(corners.tobytes())
        self._vertex_array = ctx.vertex_array(
            self._program, [(self._vertices, "3f 2f", "in_position", "in_texcoord")]
        )
        self._program["m_proj"].write(gl_bytes(np.eye(4)))
        self._program["m_view"].write(gl_bytes(np.eye(4)))
        self._moderngl = moderngl

    def show(self, texture: Any, window_size: tuple[int, int]) -> None:
        """Draw ``texture`` over the whole window (nearest texels when the sizes match)."""
        moderngl = self._moderngl
        screen = self.ctx.screen
        screen.use()
        screen.viewport = (0, 0, *window_size)
        self.ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
        same_size = tuple(texture.size) == tuple(window_size)
        texture.filter = (
            (moderngl.NEAREST, moderngl.NEAREST)
            if same_size
            else (
                moderngl.LINEAR,
                moderngl.LINEAR,
            )
        )
        texture.use(0)
        self._program["u_image"] = 0
        self._vertex_array.render(moderngl.TRIANGLES, vertices=6)

    def release(self) -> None:
        for resource in (self._vertex_array, self._vertices, self._program):
            resource.release()
