"""What can go wrong between heterocosm and a headset, each with a message that says how to fix it.

Owns: the ``XrError`` family and its user-facing messages. The CLI prints ``error: <message>``
and exits 1 for any of them, never a traceback. Must not import pyopenxr or GL.
"""

from __future__ import annotations

RUNTIME_HINT = (
    "install an OpenXR runtime and make it the active one (SteamVR: 'Set as OpenXR runtime' in its "
    "settings; Monado: install monado and run monado-service; Meta Quest: the Meta Horizon Link "
    "app), or point XR_RUNTIME_JSON at a runtime manifest (scripts/build_monado.sh builds Monado "
    "with a simulated headset)"
)


class XrError(RuntimeError):
    """Any expected OpenXR failure; ``str(error)`` is the whole message for the user."""


class NoRuntimeError(XrError):
    """No OpenXR runtime (or no loader) is installed or active."""


class NoHeadsetError(XrError):
    """A runtime answered, but it has no head-mounted display connected."""


class NoOpenGLError(XrError):
    """The runtime cannot take OpenGL frames (no XR_KHR_opengl_enable, or no usable binding)."""


class SessionLostError(XrError):
    """The runtime lost the session (headset unplugged, runtime stopped or crashed) mid-run."""


def no_runtime(detail: str) -> NoRuntimeError:
    return NoRuntimeError(f"no OpenXR runtime is available ({detail}); {RUNTIME_HINT}")


def no_headset(runtime_name: str) -> NoHeadsetError:
    return NoHeadsetError(
        f"the OpenXR runtime '{runtime_name}' found no headset; connect and switch on the headset "
        "(and start its companion app, such as SteamVR or Meta Horizon Link), then try again"
    )


def no_opengl(runtime_name: str, detail: str) -> NoOpenGLError:
    return NoOpenGLError(
        f"the OpenXR runtime '{runtime_name}' cannot take OpenGL frames ({detail}); heterocosm "
        "renders with OpenGL: use a runtime with XR_KHR_opengl_enable (SteamVR, Monado; "
        "without a display also XR_MNDX_egl_enable, which Monado has)"
    )


def session_lost(runtime_name: str, frames: int) -> SessionLostError:
    return SessionLostError(
        f"the OpenXR runtime '{runtime_name}' lost the session after {frames} frames (headset "
        "unplugged or runtime stopped); reconnect the headset, restart the runtime and run again"
    )
