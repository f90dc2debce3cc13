"""The OpenXR bridge: the same world in a VR headset, through any OpenXR runtime.

Owns ``engine/xr/``: the session with its OpenGL binding (EGL without a display, GLX on a
desktop), per-eye swapchains as moderngl framebuffers, the session state machine, per-eye poses
and off-axis projections, scale-aware stereo and locomotion, controller actions, the head pose
as the audio listener, and clear errors for a missing runtime, headset or OpenGL support and a
lost session. It renders with ``engine.render`` and simulates with ``engine.sim``; it must not
change either. Nothing is imported from pyopenxr or GL until a session is opened.

Entry point (what ``heterocosm explore FILE --xr`` calls)::

    from engine.xr import run_xr
    exit_code = run_xr("worlds/slowlight.toml")            # until the runtime ends the session
    exit_code = run_xr(path, frame_limit=60)               # tests and benchmarks
    exit_code = run_xr(path, listener=acoustics.set_listener)  # head pose -> ListenerPose

Also ``python -m engine.xr FILE [--frames N]``. Environment: ``XR_RUNTIME_JSON`` picks a runtime
manifest (the OpenXR loader's own variable); ``HETEROCOSM_XR_GRAPHICS=egl|glx`` forces a binding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.xr.run import run_xr

__all__ = ["run_xr"]


def __getattr__(name: str) -> Any:
    if name == "run_xr":  # imported lazily: keeps ``import engine.xr`` free of numpy/GL work
        from engine.xr.run import run_xr

        return run_xr
    raise AttributeError(f"module 'engine.xr' has no attribute {name!r}")
