"""Reversed-Z depth: a float depth buffer holding near / distance, set up where moderngl cannot.

Owns: the depth target's float format (GL_DEPTH_COMPONENT32F) and the clip-space convention
(glClipControl to a 0..1 depth range) for the duration of a frame, through GL entry points looked
up with the current context's loader (EGL, GLX or WGL), and the numbers the shaders need to write
and read that depth (``DepthMapping``); also the one clip plane (``ClipDistance``) the sky uses to
skip what the ground covers, and the copy of screen rectangles of a framebuffer into a texture
(``copy_rectangles``: the effects pass needs only its fields' part of the frame), the other
pieces of state and copying moderngl has no switch for.

Why: every vertex shader puts ``near`` in clip z, so after the divide by w (the view distance)
depth is near / distance: 1 at the near plane, toward 0 at infinity, compared with GREATER. In a
float buffer its relative precision is the same at every distance, so nothing fights from 1e-12 m
to 1e12 m, and the depth of a pixel is interpolated by the rasteriser, so no fragment shader
writes gl_FragDepth and hidden fragments are rejected before they are shaded (the logarithmic
depth this replaces had to be written per fragment, which a CPU rasteriser pays for per pixel).

Where glClipControl is missing (GL before 4.5 without ARB_clip_control, e.g. macOS) the same
shaders run with the usual -1..1 range: depth is 0.5 + 0.5 near / distance, still reversed and
still float, with less precision far away. ``DepthMapping`` hides the difference.

Nothing here touches GL at import time; every call takes the moderngl context it works on.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from dataclasses import dataclass

GL_TEXTURE_2D = 0x0DE1
GL_TEXTURE0 = 0x84C0
GL_DEPTH_COMPONENT = 0x1902
GL_FLOAT = 0x1406
GL_DEPTH_COMPONENT32F = 0x8CAC
GL_LOWER_LEFT = 0x8CA1
GL_NEGATIVE_ONE_TO_ONE = 0x935E
GL_ZERO_TO_ONE = 0x935F
GL_CLIP_DISTANCE0 = 0x3000

_VOID = None
_ENUM, _INT, _UINT, _SIZE = ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_int


@dataclass(frozen=True)
class DepthMapping:
    """How depth is written and read back in this context.

    ``ndc_scale`` and ``ndc_offset`` turn a stored depth into NDC z (= near / distance);
    ``far_ndc`` is the NDC z of infinity (what the sky is drawn at, and what depth is cleared to).
    """

    clip_control: bool

    @property
    def ndc_scale(self) -> float:
        return 1.0 if self.clip_control else 2.0

    @property
    def ndc_offset(self) -> float:
        return 0.0 if self.clip_control else -1.0

    @property
    def far_ndc(self) -> float:
        return self.ndc_offset


class _GLFunctions:
    """The few GL entry points moderngl does not expose, for one context."""

    def __init__(self, ctx) -> None:  # noqa: ANN001 - moderngl.Context
        self.enable = _function(b"glEnable", [_ENUM])
        self.disable = _function(b"glDisable", [_ENUM])
        self.active_texture = _function(b"glActiveTexture", [_ENUM])
        self.bind_texture = _function(b"glBindTexture", [_ENUM, _UINT])
        self.tex_image_2d = _function(
            b"glTexImage2D",
            [_ENUM, _INT, _INT, _SIZE, _SIZE, _INT, _ENUM, _ENUM, ctypes.c_void_p],
        )
        has_clip_control = ctx.version_code >= 450 or "GL_ARB_clip_control" in ctx.extensions
        self.clip_control = (
            _function(b"glClipControl", [_ENUM, _ENUM]) if has_clip_control else None
        )
        self.float_depth = None not in (self.active_texture, self.bind_texture, self.tex_image_2d)
        self.copy_tex_sub_image_2d = _function(
            b"glCopyTexSubImage2D", [_ENUM, _INT, _INT, _INT, _INT, _INT, _SIZE, _SIZE]
        )


def gl_functions(ctx) -> _GLFunctions:  # noqa: ANN001 - moderngl.Context
    """The entry points for ``ctx``, looked up once and kept in ``ctx.extra``."""
    extra = ctx.extra if isinstance(ctx.extra, dict) else {}
    functions = extra.get("heterocosm_gl_functions")
    if functions is None:
        functions = _GLFunctions(ctx)
        extra["heterocosm_gl_functions"] = functions
        ctx.extra = extra
    return functions


def depth_mapping(ctx) -> DepthMapping:  # noqa: ANN001 - moderngl.Context
    return DepthMapping(clip_control=gl_functions(ctx).clip_control is not None)


def float_depth_texture(ctx, size: tuple[int, int]):  # noqa: ANN001, ANN201 - moderngl objects
    """A moderngl depth texture whose storage is 32-bit float (24-bit fixed point if the entry
    points cannot be found: reversed-Z then keeps less precision far away)."""
    texture = ctx.depth_texture(size)
    functions = gl_functions(ctx)
    if functions.float_depth:
        # moderngl binds a texture on its default unit before touching it, so this is too.
        functions.active_texture(GL_TEXTURE0 + ctx.default_texture_unit)
        functions.bind_texture(GL_TEXTURE_2D, texture.glo)
        functions.tex_image_2d(
            GL_TEXTURE_2D, 0, GL_DEPTH_COMPONENT32F, size[0], size[1], 0,
            GL_DEPTH_COMPONENT, GL_FLOAT, None,
        )  # fmt: skip
    return texture


def copy_rectangles(
    ctx,  # noqa: ANN001 - moderngl.Context
    texture,  # noqa: ANN001 - moderngl.Texture
    framebuffer,  # noqa: ANN001 - moderngl.Framebuffer
    rectangles: list[tuple[int, int, int, int]],
) -> bool:
    """Copy each (x, y, width, height) rectangle of ``framebuffer``'s first colour attachment to
    the same place in ``texture`` (glCopyTexSubImage2D, which moderngl does not expose; its
    ``copy_framebuffer`` copies whole framebuffers). Binds ``framebuffer``. False, with nothing
    copied, where the entry point cannot be found."""
    functions = gl_functions(ctx)
    if None in (functions.copy_tex_sub_image_2d, functions.active_texture, functions.bind_texture):
        return False
    framebuffer.use()  # the read framebuffer too
    # moderngl binds a texture on its default unit before touching it, so this is too.
    functions.active_texture(GL_TEXTURE0 + ctx.default_texture_unit)
    functions.bind_texture(GL_TEXTURE_2D, texture.glo)
    for x, y, width, height in rectangles:
        functions.copy_tex_sub_image_2d(GL_TEXTURE_2D, 0, x, y, x, y, width, height)
    return True


class ClipDistance:
    """``with ClipDistance(ctx):`` lets vertex shaders cut their triangles along a plane
    (``gl_ClipDistance[0]``), so the cut-off part is never rasterised. Without the entry points
    nothing is cut, which only costs time: callers must not rely on it for what is seen."""

    def __init__(self, ctx) -> None:  # noqa: ANN001 - moderngl.Context
        functions = gl_functions(ctx)
        self.enable, self.disable = functions.enable, functions.disable

    def __enter__(self) -> None:
        if self.enable is not None and self.disable is not None:
            self.enable(GL_CLIP_DISTANCE0)

    def __exit__(self, *exc: object) -> None:
        if self.enable is not None and self.disable is not None:
            self.disable(GL_CLIP_DISTANCE0)


class ZeroToOneDepth:
    """``with ZeroToOneDepth(ctx):`` draws with glClipControl's 0..1 depth range (a no-op where
    it is missing), restoring OpenGL's usual -1..1 afterwards for whoever draws next."""

    def __init__(self, ctx) -> None:  # noqa: ANN001 - moderngl.Context
        self.clip_control = gl_functions(ctx).clip_control

    def __enter__(self) -> None:
        if self.clip_control is not None:
            self.clip_control(GL_LOWER_LEFT, GL_ZERO_TO_ONE)

    def __exit__(self, *exc: object) -> None:
        if self.clip_control is not None:
            self.clip_control(GL_LOWER_LEFT, GL_NEGATIVE_ONE_TO_ONE)


def _function(name: bytes, argtypes: list):  # noqa: ANN202 - a ctypes function or None
    address = _proc_address(name)
    if not address:
        return None
    prototype = ctypes.WINFUNCTYPE if sys.platform == "win32" else ctypes.CFUNCTYPE  # type: ignore[attr-defined]
    return prototype(_VOID, *argtypes)(address)


def _proc_address(name: bytes) -> int | None:
    """The address of GL function ``name`` from the loader of the context current now."""
    for library, current, lookup in _LOADERS:
        loader = _library(library)
        if loader is None:
            continue
        try:
            get_current = getattr(loader, current)
            get_address = getattr(loader, lookup)
        except AttributeError:
            continue
        get_current.restype = ctypes.c_void_p
        get_current.argtypes = []
        if not get_current():
            continue
        get_address.restype = ctypes.c_void_p
        get_address.argtypes = [ctypes.c_char_p]
        address = get_address(name)
        export = getattr(loader, name.decode(), None) if library == "opengl32" else None
        if not address and export is not None:  # WGL: GL 1.1 functions are plain exports
            address = ctypes.cast(export, ctypes.c_void_p).value
        if address:
            return address
    return None


_LOADERS = (
    ("EGL", "eglGetCurrentContext", "eglGetProcAddress"),
    ("GL", "glXGetCurrentContext", "glXGetProcAddressARB"),
    ("opengl32", "wglGetCurrentContext", "wglGetProcAddress"),
)
_LIBRARIES: dict[str, object] = {}


def _library(name: str):  # noqa: ANN202 - a ctypes library or None
    if name not in _LIBRARIES:
        library = None
        path = ctypes.util.find_library(name) or {"EGL": "libEGL.so.1", "GL": "libGL.so.1"}.get(
            name
        )
        if path and (name != "opengl32" or sys.platform == "win32"):
            try:
                library = (ctypes.WinDLL if sys.platform == "win32" else ctypes.CDLL)(path)  # type: ignore[attr-defined]
            except OSError:
                library = None
        _LIBRARIES[name] = library
    return _LIBRARIES[name]
