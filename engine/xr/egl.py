"""An EGL OpenGL context made by hand, so its handles can be given to the OpenXR runtime.

Owns: creating, making current and destroying one EGL display + config + context (desktop OpenGL,
core profile, no surface: surfaceless where there is no display), and the ``XR_MNDX_egl_enable``
graphics binding built from them. moderngl then attaches to this context with
``moderngl.create_context()``. Must not touch OpenXR sessions or draw anything; nothing happens
at import time (libEGL is opened on first use).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

EGL_DEFAULT_DISPLAY = 0
EGL_NO_CONTEXT = 0
EGL_NONE = 0x3038
EGL_RED_SIZE, EGL_GREEN_SIZE, EGL_BLUE_SIZE, EGL_ALPHA_SIZE = 0x3024, 0x3023, 0x3022, 0x3021
EGL_DEPTH_SIZE = 0x3025
EGL_RENDERABLE_TYPE = 0x3040
EGL_SURFACE_TYPE = 0x3033
EGL_OPENGL_BIT = 0x0008
EGL_OPENGL_API = 0x30A2
EGL_CONTEXT_MAJOR_VERSION = 0x3098
EGL_CONTEXT_MINOR_VERSION = 0x30FB
EGL_CONTEXT_OPENGL_PROFILE_MASK = 0x30FD
EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT = 0x0001
EGL_EXTENSIONS = 0x3055
EGL_PLATFORM_SURFACELESS_MESA = 0x31DD


class EglError(RuntimeError):
    """EGL is missing or refused to give an OpenGL context."""


def _load_egl() -> ctypes.CDLL:
    name = ctypes.util.find_library("EGL") or "libEGL.so.1"
    try:
        library = ctypes.CDLL(name)
    except OSError as error:
        raise EglError(
            f"could not load libEGL ({error}); install it (Debian: apt-get install libegl1 libgl1)"
        ) from error
    pointer, boolean, integer = ctypes.c_void_p, ctypes.c_uint, ctypes.c_int
    signatures = {
        "eglGetDisplay": (pointer, [pointer]),
        "eglInitialize": (boolean, [pointer, ctypes.POINTER(integer), ctypes.POINTER(integer)]),
        "eglTerminate": (boolean, [pointer]),
        "eglQueryString": (ctypes.c_char_p, [pointer, integer]),
        "eglChooseConfig": (
            boolean,
            [
                pointer,
                ctypes.POINTER(integer),
                ctypes.POINTER(pointer),
                integer,
                ctypes.POINTER(integer),
            ],
        ),
        "eglBindAPI": (boolean, [ctypes.c_uint]),
        "eglCreateContext": (pointer, [pointer, pointer, pointer, ctypes.POINTER(integer)]),
        "eglDestroyContext": (boolean, [pointer, pointer]),
        "eglMakeCurrent": (boolean, [pointer, pointer, pointer, pointer]),
        "eglGetError": (integer, []),
        "eglGetProcAddress": (pointer, [ctypes.c_char_p]),
    }
    for function_name, (result_type, argument_types) in signatures.items():
        function = getattr(library, function_name)
        function.restype = result_type
        function.argtypes = argument_types
    return library


@dataclass
class EglContext:
    """Handles of a current EGL OpenGL context (integers, as C pointers)."""

    library: ctypes.CDLL
    display: int
    config: int
    context: int

    def make_current(self) -> None:
        if not self.library.eglMakeCurrent(self.display, None, None, self.context):
            raise EglError(f"eglMakeCurrent failed (EGL error {self.library.eglGetError():#x})")

    def release(self) -> None:
        """Unbind and destroy the context, then let go of the display."""
        if self.context:
            self.library.eglMakeCurrent(self.display, None, None, None)
            self.library.eglDestroyContext(self.display, self.context)
            self.context = 0
        if self.display:
            self.library.eglTerminate(self.display)
            self.display = 0


def create_egl_context() -> EglContext:
    """A desktop OpenGL 3.3+ core context with no surface, made current on this thread.

    The display is Mesa's surfaceless platform when libEGL offers it (no X, no Wayland, no GPU
    needed), otherwise EGL's default display.
    """
    library = _load_egl()
    client_extensions = library.eglQueryString(None, EGL_EXTENSIONS) or b""
    display = None
    if b"EGL_MESA_platform_surfaceless" in client_extensions:
        get_platform_display = ctypes.CFUNCTYPE(
            ctypes.c_void_p, ctypes.c_uint, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)
        )(library.eglGetProcAddress(b"eglGetPlatformDisplayEXT"))
        display = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, None, None)
    if not display:
        display = library.eglGetDisplay(EGL_DEFAULT_DISPLAY)
    if not display or not library.eglInitialize(display, None, None):
        raise EglError(
            f"no EGL display could be initialised (EGL error {library.eglGetError():#x})"
        )

    attributes = [EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_ALPHA_SIZE, 8]
    attributes += [EGL_DEPTH_SIZE, 24, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, 0]
    attributes += [EGL_NONE]
    config = ctypes.c_void_p()
    count = ctypes.c_int()
    attribute_array = (ctypes.c_int * len(attributes))(*attributes)
    if not library.eglChooseConfig(display, attribute_array, ctypes.byref(config), 1, count) or (
        count.value < 1
    ):
        library.eglTerminate(display)
        raise EglError("EGL offers no RGBA8 + depth24 desktop OpenGL configuration")
    if not library.eglBindAPI(EGL_OPENGL_API):
        library.eglTerminate(display)
        raise EglError("this EGL has no desktop OpenGL API")
    context_attributes = [EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3]
    context_attributes += [EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT]
    context_attributes += [EGL_NONE]
    context = library.eglCreateContext(
        display, config, None, (ctypes.c_int * len(context_attributes))(*context_attributes)
    )
    if not context:
        error = library.eglGetError()
        library.eglTerminate(display)
        raise EglError(f"EGL could not create an OpenGL 3.3 core context (EGL error {error:#x})")
    handles = EglContext(library, display, config.value or 0, context)
    handles.make_current()
    return handles


def egl_graphics_binding(egl: EglContext):  # -> xr.GraphicsBindingEGLMNDX
    """The ``XrGraphicsBindingEGLMNDX`` structure naming this context to the runtime."""
    import xr  # pyopenxr: imported here so that importing engine.xr never needs it

    binding = xr.GraphicsBindingEGLMNDX()
    binding.get_proc_address = ctypes.cast(
        egl.library.eglGetProcAddress, xr.PFN_xrEglGetProcAddressMNDX
    )
    binding.display = ctypes.cast(egl.display, type(binding.display))
    binding.config = ctypes.cast(egl.config, type(binding.config))
    binding.context = ctypes.cast(egl.context, type(binding.context))
    return binding
