"""The OpenXR session: instance, system, OpenGL binding, swapchains, frame loop, submission.

Owns: everything that talks to the OpenXR runtime through pyopenxr. It creates the instance
(with ``XR_KHR_opengl_enable`` and, where there is no display, ``XR_MNDX_egl_enable``), finds the
headset, makes the OpenGL context (EGL surfaceless by default; GLX through a hidden pyglet window
when asked for on a desktop), one swapchain per eye wrapped as moderngl framebuffers, follows the
runtime's session states and frame timing, reads controller actions, and submits one projection
layer per frame. Must not draw the world itself (a ``render_eye`` callback does), nor know about
the simulation. pyopenxr and GL are imported only when a session is opened.

Use: ``with XrSession(XrSettings()) as session: session.run(on_frame, render_eye, frame_limit)``.
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.xr import errors
from engine.xr.lifecycle import Action, SessionLifecycle, SessionState
from engine.xr.mirror import mirror_size
from engine.xr.stereo import ExplorerFrame, EyeView, Fov, TrackedPose, eye_view

GL_RGBA8 = 0x8058
GL_SRGB8_ALPHA8 = 0x8C43
PREFERRED_COLOUR_FORMATS = (GL_RGBA8, GL_SRGB8_ALPHA8)
"""Plain RGBA8 first: the renderer writes display-ready bytes, and they read back unchanged."""
NANOSECONDS = 1e-9
IDLE_POLL_SECONDS = 0.01
"""How long to sleep between event polls while the session is not running (no frames to wait)."""


@dataclass(frozen=True)
class XrSettings:
    """How to open a session. Environment overrides are read once, by ``from_environment``."""

    application_name: str = "heterocosm"
    graphics: str = "auto"
    """'egl' (no display needed), 'glx' (desktop runtimes such as SteamVR), or 'auto': GLX when
    $DISPLAY is set and the runtime lacks XR_MNDX_egl_enable, else EGL.
    Env: HETEROCOSM_XR_GRAPHICS."""
    mirror: bool = False
    """Show the left eye in a desktop window too (needs a display; uses the GLX binding).
    Env: HETEROCOSM_XR_MIRROR=1."""
    reference_space: str = "local"
    """'local' (seated: origin at the starting head pose) or 'stage' (origin on the floor)."""

    @classmethod
    def from_environment(cls, **overrides: Any) -> XrSettings:
        values: dict[str, Any] = {}
        if os.environ.get("HETEROCOSM_XR_GRAPHICS"):
            values["graphics"] = os.environ["HETEROCOSM_XR_GRAPHICS"]
        if os.environ.get("HETEROCOSM_XR_MIRROR"):
            values["mirror"] = os.environ["HETEROCOSM_XR_MIRROR"] not in ("0", "", "no", "false")
        values.update(overrides)
        settings = cls(**values)
        if settings.graphics not in ("auto", "egl", "glx"):
            raise ValueError(f"graphics must be 'auto', 'egl' or 'glx', not {settings.graphics!r}")
        if settings.reference_space not in ("local", "stage"):
            raise ValueError(
                f"reference_space must be 'local' or 'stage', not {settings.reference_space!r}"
            )
        return settings


@dataclass(frozen=True)
class ControllerInput:
    """This frame's controller state; all zero/False when no controller is present."""

    move: tuple[float, float] = (0.0, 0.0)  # left thumbstick: x right, y forward
    scale: float = 0.0  # right thumbstick y: up grows, down shrinks
    time_pressed: bool = False  # time-control button went down this frame
    reverse_pressed: bool = False  # reverse-time button went down this frame
    active: bool = False  # some controller is bound and tracked


@dataclass(frozen=True)
class XrFrame:
    """What the runtime told us about this frame, handed to the per-frame callback."""

    index: int
    display_time: float  # seconds (runtime clock) at which this frame will be shown
    delta_time: float  # seconds since the previous frame's display time (0 for the first)
    should_render: bool
    head: TrackedPose  # in the tracking space (view space origin)
    views: tuple[tuple[TrackedPose, Fov], ...]  # per eye, in the tracking space
    controls: ControllerInput


@dataclass(frozen=True)
class FrameTiming:
    """Seconds one frame spent waiting on the runtime and doing our own work (bench/xr.py)."""

    waiting: float  # xrWaitFrame + xrBeginFrame: the runtime's pacing
    working: float  # from xrBeginFrame's return to xrEndFrame's: our CPU (and llvmpipe) work
    rendered: bool


@dataclass
class EyeTarget:
    """One eye's render target for this frame: a swapchain image as a moderngl framebuffer."""

    eye_index: int  # 0 left, 1 right
    framebuffer: Any  # moderngl.Framebuffer over the acquired swapchain image
    size: tuple[int, int]
    view: EyeView


@dataclass
class _EyeSwapchain:
    handle: Any
    size: tuple[int, int]
    framebuffers: list[Any] = field(default_factory=list)
    textures: list[Any] = field(default_factory=list)
    depth: Any = None


class XrSession:
    """One OpenXR session with OpenGL; open with ``with``, run frames, and it closes itself."""

    def __init__(self, settings: XrSettings | None = None) -> None:
        self.settings = settings or XrSettings.from_environment()
        self.lifecycle = SessionLifecycle()
        self.runtime_name = "unknown"
        self.system_name = "unknown"
        self.graphics_api = ""
        self.swapchain_format = 0
        self.recommended_sizes: list[tuple[int, int]] = []
        self.frames_submitted = 0
        self.timings: list[FrameTiming] = []
        self.ctx: Any = None  # moderngl.Context
        self._xr: Any = None
        self._instance: Any = None
        self._system_id: Any = None
        self._session: Any = None
        self._space: Any = None
        self._view_space: Any = None
        self._eyes: list[_EyeSwapchain] = []
        self._egl: Any = None
        self._glx_window: Any = None
        self._actions: Any = None
        self._mirror: Any = None
        self._binding: Any = None  # the graphics binding the runtime holds a pointer to
        self._previous_display_time: float | None = None

    # -- opening -----------------------------------------------------------------------------

    def __enter__(self) -> XrSession:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> None:
        """Instance, headset, OpenGL context, session, spaces, swapchains and actions."""
        try:
            import xr  # pyopenxr
        except ImportError as error:
            raise errors.no_runtime(
                f"the Python package pyopenxr is missing: pip install 'heterocosm[xr]' ({error})"
            ) from error
        self._xr = xr
        self._create_instance()
        self._find_headset()
        self._create_graphics_context()
        self._create_session()
        self._create_swapchains()
        from engine.xr.controls import ControllerActions

        self._actions = ControllerActions(xr, self._instance, self._session)
        if self.settings.mirror:
            from engine.xr.mirror import Mirror

            self._mirror = Mirror(self.ctx)

    def _create_instance(self) -> None:
        xr = self._xr
        try:
            available = {
                extension.extension_name.decode()
                if isinstance(extension.extension_name, bytes)
                else str(extension.extension_name)
                for extension in xr.enumerate_instance_extension_properties()
            }
        except xr.XrException as error:  # the loader found no runtime, or it would not load
            raise errors.no_runtime(_runtime_detail(error)) from error
        if xr.KHR_OPENGL_ENABLE_EXTENSION_NAME not in available:
            raise errors.no_opengl(
                _active_runtime_name(), f"it lacks {xr.KHR_OPENGL_ENABLE_EXTENSION_NAME}"
            )
        has_egl = xr.MNDX_EGL_ENABLE_EXTENSION_NAME in available
        graphics = self.settings.graphics
        if self.settings.mirror:
            if not os.environ.get("DISPLAY"):
                raise errors.XrError(
                    "the desktop mirror needs a display and $DISPLAY is unset; run on a desktop "
                    "or leave the mirror out"
                )
            if graphics == "egl":
                raise errors.XrError("the desktop mirror needs the GLX binding, not EGL")
            graphics = "glx"
        if graphics == "auto":
            graphics = "glx" if os.environ.get("DISPLAY") and not has_egl else "egl"
        if graphics == "egl" and not has_egl:
            raise errors.no_opengl(
                _active_runtime_name(),
                f"it lacks {xr.MNDX_EGL_ENABLE_EXTENSION_NAME}, needed without a display; run "
                "on a desktop with $DISPLAY set so GLX can be used",
            )
        self.graphics_api = graphics
        extensions = [xr.KHR_OPENGL_ENABLE_EXTENSION_NAME]
        if graphics == "egl":
            extensions.append(xr.MNDX_EGL_ENABLE_EXTENSION_NAME)
        create_info = xr.InstanceCreateInfo(
            application_info=xr.ApplicationInfo(
                application_name=self.settings.application_name,
                engine_name="heterocosm",
                api_version=xr.Version(1, 0, 0),
            ),
            enabled_extension_names=extensions,
        )
        try:
            self._instance = xr.create_instance(create_info)
        except xr.XrException as error:
            raise errors.no_runtime(_runtime_detail(error)) from error
        properties = xr.get_instance_properties(self._instance)
        self.runtime_name = _text(properties.runtime_name)

    def _find_headset(self) -> None:
        xr = self._xr
        try:
            self._system_id = xr.get_system(
                self._instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY)
            )
        except xr.XrException as error:
            raise errors.no_headset(self.runtime_name) from error
        self.system_name = _text(
            xr.get_system_properties(self._instance, self._system_id).system_name
        )
        configurations = xr.enumerate_view_configurations(self._instance, self._system_id)
        if xr.ViewConfigurationType.PRIMARY_STEREO not in list(configurations):
            raise errors.no_headset(self.runtime_name)
        views = xr.enumerate_view_configuration_views(
            self._instance, self._system_id, xr.ViewConfigurationType.PRIMARY_STEREO
        )
        self.recommended_sizes = [
            (view.recommended_image_rect_width, view.recommended_image_rect_height)
            for view in views
        ]

    def _create_graphics_context(self) -> None:
        import moderngl

        xr = self._xr
        # The runtime requires this query before a session is created.
        requirements = xr.get_opengl_graphics_requirements_khr(self._instance, self._system_id)
        if self.graphics_api == "egl":
            from engine.xr.egl import EglError, create_egl_context

            try:
                self._egl = create_egl_context()
            except EglError as error:
                raise errors.no_opengl(self.runtime_name, str(error)) from error
        else:
            try:
                self._glx_window = _glx_window(
                    visible=self.settings.mirror, size=mirror_size(self.recommended_sizes[0])
                )
            except Exception as error:  # pyglet raises several types for a missing X or GLX
                raise errors.no_opengl(
                    self.runtime_name,
                    f"no GLX context on display {os.environ.get('DISPLAY')!r}: {error}",
                ) from error
        try:
            self.ctx = moderngl.create_context(require=330)
        except Exception as error:  # moderngl.Error, or none current
            raise errors.no_opengl(self.runtime_name, f"OpenGL 3.3 is needed: {error}") from error
        version = (self.ctx.version_code // 100, (self.ctx.version_code // 10) % 10)
        minimum = _unpack_version(requirements.min_api_version_supported)
        if version < minimum[:2]:
            raise errors.no_opengl(
                self.runtime_name,
                f"it needs OpenGL {minimum[0]}.{minimum[1]}, this driver gives {version[0]}."
                f"{version[1]}",
            )

    def _graphics_binding(self) -> Any:
        if self.graphics_api == "egl":
            from engine.xr.egl import egl_graphics_binding

            return egl_graphics_binding(self._egl)
        return _glx_graphics_binding(self._xr, self._glx_window)

    def _create_session(self) -> None:
        xr = self._xr
        self._binding = self._graphics_binding()  # kept alive: the runtime reads it by pointer
        try:
            self._session = xr.create_session(
                self._instance,
                xr.SessionCreateInfo(
                    system_id=self._system_id,
                    next=ctypes.cast(ctypes.pointer(self._binding), ctypes.c_void_p),
                ),
            )
        except xr.XrException as error:
            raise errors.no_opengl(
                self.runtime_name,
                f"xrCreateSession refused the {self.graphics_api} binding: "
                f"{_runtime_detail(error)}",
            ) from error
        space_type = (
            xr.ReferenceSpaceType.STAGE
            if self.settings.reference_space == "stage"
            else xr.ReferenceSpaceType.LOCAL
        )
        self._space = xr.create_reference_space(
            self._session, xr.ReferenceSpaceCreateInfo(reference_space_type=space_type)
        )
        self._view_space = xr.create_reference_space(
            self._session,
            xr.ReferenceSpaceCreateInfo(reference_space_type=xr.ReferenceSpaceType.VIEW),
        )

    def _create_swapchains(self) -> None:
        xr = self._xr
        offered = list(xr.enumerate_swapchain_formats(self._session))
        chosen = next((f for f in PREFERRED_COLOUR_FORMATS if f in offered), None)
        if chosen is None:
            raise errors.no_opengl(
                self.runtime_name,
                f"it offers no RGBA8 swapchain format (offered: {[hex(f) for f in offered]})",
            )
        self.swapchain_format = chosen
        for width, height in self.recommended_sizes:
            handle = xr.create_swapchain(
                self._session,
                xr.SwapchainCreateInfo(
                    usage_flags=xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT
                    | xr.SwapchainUsageFlags.SAMPLED_BIT
                    | xr.SwapchainUsageFlags.TRANSFER_SRC_BIT,
                    format=chosen,
                    sample_count=1,
                    width=width,
                    height=height,
                    face_count=1,
                    array_size=1,
                    mip_count=1,
                ),
            )
            eye = _EyeSwapchain(handle=handle, size=(width, height))
            eye.depth = self.ctx.depth_renderbuffer((width, height))
            for image in xr.enumerate_swapchain_images(handle, xr.SwapchainImageOpenGLKHR):
                texture = self.ctx.external_texture(image.image, (width, height), 4, 0, "f1")
                eye.textures.append(texture)
                eye.framebuffers.append(
                    self.ctx.framebuffer(color_attachments=[texture], depth_attachment=eye.depth)
                )
            self._eyes.append(eye)

    # -- running -----------------------------------------------------------------------------

    def request_exit(self) -> None:
        """Ask the runtime to end the session; the loop ends when it reaches EXITING."""
        if self.lifecycle.running and not self.lifecycle.exit_requested:
            self.lifecycle.exit_requested = True
            self._xr.request_exit_session(self._session)

    def run(
        self,
        on_frame: Callable[[XrFrame], ExplorerFrame],
        render_eye: Callable[[EyeTarget], None],
        frame_limit: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """Run frames until the runtime exits the session (or ``frame_limit`` frames submitted).

        ``on_frame`` sees each frame's poses and controls and returns where the explorer is;
        ``render_eye`` draws one eye into its target. Returns the number of frames submitted.
        Raises ``SessionLostError`` if the runtime loses the session.
        """
        xr = self._xr
        lost = (
            xr.SessionLossPending,
            xr.exception.SessionLostError,
            xr.exception.InstanceLostError,
        )
        try:
            while True:
                if self._poll_events():
                    break
                if not self.lifecycle.running:
                    time.sleep(IDLE_POLL_SECONDS)
                    continue
                stop = (frame_limit is not None and self.frames_submitted >= frame_limit) or (
                    should_stop is not None and should_stop()
                )
                if stop:
                    self.request_exit()
                self._run_frame(on_frame, render_eye)
        except lost as error:  # any call may report it: the session cannot be used any more
            self.lifecycle.running = False
            raise errors.session_lost(self.runtime_name, self.frames_submitted) from error
        return self.frames_submitted

    def _poll_events(self) -> bool:
        """Handle every pending event; True when the loop must end."""
        xr = self._xr
        while True:
            try:
                event = xr.poll_event(self._instance)
            except xr.EventUnavailable:
                return False
            kind = xr.StructureType(event.type)
            if kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                self.lifecycle.on_instance_loss()
                raise errors.session_lost(self.runtime_name, self.frames_submitted)
            if kind != xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                continue
            changed = ctypes.cast(
                ctypes.byref(event), ctypes.POINTER(xr.EventDataSessionStateChanged)
            ).contents
            action = self.lifecycle.on_state_changed(SessionState(int(changed.state)))
            if action is Action.BEGIN:
                xr.begin_session(
                    self._session,
                    xr.SessionBeginInfo(
                        primary_view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO
                    ),
                )
            elif action is Action.END:
                xr.end_session(self._session)
            elif action is Action.EXIT:
                return True
            elif action is Action.LOST:
                raise errors.session_lost(self.runtime_name, self.frames_submitted)

    def _run_frame(
        self, on_frame: Callable[[XrFrame], ExplorerFrame], render_eye: Callable[[EyeTarget], None]
    ) -> None:
        xr = self._xr
        wait_started = time.perf_counter()
        frame_state = xr.wait_frame(self._session)
        try:
            xr.begin_frame(self._session)
        except xr.FrameDiscarded:  # the previous frame was dropped; this one has begun
            pass
        work_started = time.perf_counter()
        display_time = frame_state.predicted_display_time
        seconds = display_time * NANOSECONDS
        delta = (
            0.0 if self._previous_display_time is None else seconds - self._previous_display_time
        )
        self._previous_display_time = seconds
        controls = self._actions.read(self._space, display_time, self.lifecycle.focused)
        should_render = bool(frame_state.should_render) and self.lifecycle.visible
        layers = []
        if should_render:
            view_state, views = xr.locate_views(
                self._session,
                xr.ViewLocateInfo(
                    view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO,
                    display_time=display_time,
                    space=self._space,
                ),
            )
            head_location = xr.locate_space(self._view_space, self._space, display_time)
            tracked_views = tuple((_tracked_pose(view.pose), _fov(view.fov)) for view in views)
            frame = XrFrame(
                index=self.frames_submitted,
                display_time=seconds,
                delta_time=delta,
                should_render=True,
                head=_tracked_pose(head_location.pose),
                views=tracked_views,
                controls=controls,
            )
            explorer = on_frame(frame)
            projection_views = []
            for eye_index, (view, (pose, fov)) in enumerate(zip(views, tracked_views, strict=True)):
                eye = self._eyes[eye_index]
                image_index = xr.acquire_swapchain_image(eye.handle, xr.SwapchainImageAcquireInfo())
                xr.wait_swapchain_image(
                    eye.handle, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION)
                )
                render_eye(
                    EyeTarget(
                        eye_index=eye_index,
                        framebuffer=eye.framebuffers[image_index],
                        size=eye.size,
                        view=eye_view(explorer, pose, fov),
                    )
                )
                if self._mirror is not None and eye_index == 0:  # copy before handing it back
                    window = self._glx_window
                    self._mirror.show(eye.textures[image_index], (window.width, window.height))
                xr.release_swapchain_image(eye.handle, xr.SwapchainImageReleaseInfo())
                projection_views.append(
                    xr.CompositionLayerProjectionView(
                        pose=view.pose,
                        fov=view.fov,
                        sub_image=xr.SwapchainSubImage(
                            swapchain=eye.handle,
                            image_rect=xr.Rect2Di(extent=xr.Extent2Di(*eye.size)),
                        ),
                    )
                )
            layer = xr.CompositionLayerProjection(space=self._space, views=projection_views)
            layers.append(ctypes.byref(layer))
        else:
            on_frame(
                XrFrame(
                    index=self.frames_submitted,
                    display_time=seconds,
                    delta_time=delta,
                    should_render=False,
                    head=TrackedPose((0.0, 0.0, 0.0)),
                    views=(),
                    controls=controls,
                )
            )
        xr.end_frame(
            self._session,
            xr.FrameEndInfo(
                display_time=display_time,
                environment_blend_mode=xr.EnvironmentBlendMode.OPAQUE,
                layers=layers,
            ),
        )
        self.frames_submitted += 1
        if self._mirror is not None:
            self._glx_window.flip()
            self._glx_window.dispatch_events()
            if self._glx_window.has_exit:  # the mirror window was closed: end the session
                self.request_exit()
        finished = time.perf_counter()
        self.timings.append(
            FrameTiming(work_started - wait_started, finished - work_started, should_render)
        )

    # -- closing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Release GL objects, swapchains, spaces, the session, the instance and the context.

        Best effort after a lost session: a runtime call that fails here is skipped, so the
        error the user sees is the one that ended the session.
        """
        xr = self._xr
        for eye in self._eyes:
            for resource in (*eye.framebuffers, *eye.textures, eye.depth):
                if resource is not None:
                    resource.release()
            _quietly(xr, xr.destroy_swapchain if xr else None, eye.handle)
        self._eyes = []
        if self._mirror is not None:
            self._mirror.release()
            self._mirror = None
        if self._actions is not None:
            _quietly(xr, self._actions.release)
            self._actions = None
        for space_name in ("_view_space", "_space"):
            space = getattr(self, space_name)
            if space is not None:
                _quietly(xr, xr.destroy_space, space)
                setattr(self, space_name, None)
        if self._session is not None:
            if self.lifecycle.running:  # interrupted mid-run: end it before destroying
                _quietly(xr, xr.end_session, self._session)
                self.lifecycle.running = False
            _quietly(xr, xr.destroy_session, self._session)
            self._session = None
        if self.ctx is not None:
            self.ctx.release()
            self.ctx = None
        if self._instance is not None:
            _quietly(xr, xr.destroy_instance, self._instance)
            self._instance = None
        if self._egl is not None:
            self._egl.release()
            self._egl = None
        if self._glx_window is not None:
            self._glx_window.close()
            self._glx_window = None


def _quietly(xr: Any, function: Callable[..., object] | None, *arguments: object) -> None:
    """Call a runtime clean-up function, ignoring the runtime's own errors."""
    if function is None:
        return
    try:
        function(*arguments)
    except xr.XrException:
        pass


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _unpack_version(version: int) -> tuple[int, int, int]:
    """An ``XrVersion`` (major 16 bits, minor 16 bits, patch 32 bits) as a tuple."""
    version = int(version)
    return (version >> 48) & 0xFFFF, (version >> 32) & 0xFFFF, version & 0xFFFFFFFF


def _tracked_pose(pose: Any) -> TrackedPose:
    return TrackedPose(
        position=(pose.position.x, pose.position.y, pose.position.z),
        orientation=(
            pose.orientation.x,
            pose.orientation.y,
            pose.orientation.z,
            pose.orientation.w,
        ),
    )


def _fov(fov: Any) -> Fov:
    return Fov(left=fov.angle_left, right=fov.angle_right, down=fov.angle_down, up=fov.angle_up)


def _active_runtime_name() -> str:
    manifest = os.environ.get("XR_RUNTIME_JSON")
    return f"runtime at {manifest}" if manifest else "the active runtime"


def _runtime_detail(error: BaseException) -> str:
    manifest = os.environ.get("XR_RUNTIME_JSON")
    name = type(error).__name__.removesuffix("Error") or "error"
    where = (
        f"XR_RUNTIME_JSON={manifest}"
        + ("" if os.path.isfile(manifest) else ", which does not exist")
        if manifest
        else "no XR_RUNTIME_JSON set and no active runtime registered"
    )
    return f"OpenXR loader said {name}; {where}"


def _glx_window(visible: bool, size: tuple[int, int]) -> Any:
    """A pyglet window whose GLX context becomes current (desktop runtimes need GLX).

    Hidden unless it is the mirror. pyglet's GL error checks are off: moderngl reading the
    window's framebuffer would otherwise trip them.
    """
    import pyglet

    pyglet.options["debug_gl"] = False
    config = pyglet.gl.Config(  # type: ignore[abstract]  # the platform's subclass at run time
        double_buffer=True, depth_size=24, major_version=3, minor_version=3, forward_compatible=True
    )
    window = pyglet.window.Window(
        width=size[0],
        height=size[1],
        visible=visible,
        config=config,
        caption="heterocosm: headset mirror (left eye)",
    )
    window.switch_to()
    return window


def _glx_graphics_binding(xr: Any, window: Any) -> Any:
    """``XrGraphicsBindingOpenGLXlibKHR`` from a pyglet xlib window's display and context."""
    context = window.context
    binding = xr.GraphicsBindingOpenGLXlibKHR()
    binding.x_display = ctypes.cast(context.x_display, type(binding.x_display))
    binding.visualid = int(window.config.get_visual_info().visualid)
    binding.glx_fbconfig = ctypes.cast(window.config.fbconfig, type(binding.glx_fbconfig))
    binding.glx_drawable = int(context.glx_window)
    binding.glx_context = ctypes.cast(context.glx_context, type(binding.glx_context))
    return binding
