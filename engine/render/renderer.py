"""The scene renderer: draws a ``Snapshot`` into any moderngl framebuffer.

Owns: GPU resources for one world on one context (programs, meshes, instance buffers, the baked
ground noise and fine pattern, the screen grid, the depth target) and the fixed order of passes
in a frame:

1. bodies         instanced meshes per shape; light delay, Doppler colour, beaming, temporal
                  Doppler (per instance, on the CPU); light and fog per vertex, stripes per pixel
2. agents         instanced silhouettes (the same program)
3. ground         seeded plane at y = 0: noise octaves each a fixed pattern of its wavelength
                  (only their weights follow the explorer's size, so a zoom never pops);
                  coarse noise, light, fog and display transform per vertex of the screen
                  grid; fine noise (one texel fetched, from the mipmap
                  level the pixel's footprint calls for) and grid lines per pixel; triangles
                  spanning too much fog (near the horizon, ``fog_varies``) drawn by a variant
                  that fogs per pixel; after the near things, so it is not shaded under them
4. sky            the screen grid at infinity, shaded per vertex, cut by a clip plane just under
                  the ground's far edge and depth-tested, so only what nothing covers is drawn;
                  the sun's disc on its own small quad
5. particles      points from the simulation's GPU buffers (blended, no depth write)
6. effects        time-field volumes and the reversed-time look, only over the part of the frame
                  that shows them (skipped when nothing needs them), compiled for the case at hand
7. overlay        HUD / subtitles / errors (an RGBA image from ``engine.render.hud``), blended over
                  just the parts of the image that hold something; uploaded only when it changes

Depth is reversed-Z in a float buffer (``engine.render.depth``): written by the rasteriser, never
by a fragment shader, so hidden fragments are rejected before they are shaded. Every pass shades
straight to display colours (``shaders/include/display.glsl``: band tint, tone map with gamma,
vignette), so there is no full-screen HDR copy to resolve: on a CPU rasteriser (Mesa llvmpipe)
each full-screen pass costs as much as the scene. For the same reason the ground and the sky,
which cover every pixel, do their smooth work per vertex of a grid with a vertex every
GRID_PIXELS pixels (``ScreenGrid``) and little per pixel, and what is the same for a whole body
is worked out once per body on the CPU. Targets made of colour attachments (offscreen, OpenXR
swapchains) are drawn into directly with our own depth attached; any other framebuffer (a
window's) gets the scene through one copy.

The CPU side of a frame (on a GPU, most of its time) is kept small: what every pass shares is one
std140 uniform block (``shaders/include/frame.glsl``), packed into one array and uploaded once a
frame; other uniforms are written only when their value changed; what is the same all frame
(the view-projection's inverse, the scale band) is worked out once; the ground's fog split is
redone only when the view's rotation, the eye's height or the fog changed; where the time fields
lie on screen (their regions and outlines) only when the eye moved or turned; and small vectors
are done in plain floats or with few numpy calls. None of this changes a pixel.

Reads a Snapshot and the WorldSpec; never the simulation's internals. Creates GL objects only in
``__init__`` and on first use, with the context passed in; ``release()`` frees them all.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.render import relativity
from engine.render.camera import (
    NEAR_PER_SIZE,
    Camera,
    split_double,
)
from engine.render.depth import (
    ClipDistance,
    ZeroToOneDepth,
    copy_rectangles,
    depth_mapping,
    float_depth_texture,
)
from engine.render.meshes import (
    AGENT_SHAPES,
    BODY_BOUNDING_RADIUS,
    MESH_DETAILS,
    agent_meshes,
    body_meshes,
)
from engine.render.noise import (
    CELLS_PER_PERIOD,
    FINE_ATLAS_SIZE,
    FINE_LEVELS,
    FINE_TEXTURE_SIZE,
    OCTAVE_LATTICE_CELLS,
    fine_noise_atlas,
    ground_noise_image,
    octave_key,
    octave_mean,
)
from engine.render.shaders import load_program
from engine.render.views import agents_in, particle_fields_in
from engine.rules.common import colour_to_rgb
from engine.rules.scale import Scale, ScaleBand
from engine.rules.world import WorldSpec
from engine.sim.snapshot import Snapshot, TimeFieldView, point3

if TYPE_CHECKING:
    import moderngl

MINIMUM_GL_VERSION = 330
MAX_TIME_FIELDS = 8
GROUND_OCTAVES = 8
FINE_WEIGHT_STEPS = 32
"""Steps per doubling of the explorer's size at which the ground's fine pattern is baked again
(about 1 ms; ``fine_noise_atlas`` keeps the bakes): the fine octaves' shares of it (not their
sum, which is set each frame) are taken at the nearest step, which moves the ground's brightness
by under 0.4 %, less than a display level, so a continuous zoom shows no step."""
HANDOVER_SPAN = 0.25
"""Part of a doubling of size over which the coarsest fine octave is handed from the vertices to
the fine pattern (``fine_handover``): far away, where the vertices cannot draw it, the ground
lacks that octave until the handover ends (over a whole doubling the far ground's contrast was
7-12 % lower at 1280x720; over a quarter it is as before)."""
HANDOVER_STEPS = 128
"""Steps of the handed part (0..1) at which the fine pattern is baked again. It moves the
heaviest octave's share, fast: at FINE_WEIGHT_STEPS steps per doubling each new bake doubled a
slow zoom's frame-to-frame change; at these the nearest step still moves the brightness by under
0.4 % (``fine_shares``)."""
PATCH_WAVELENGTH = 2.7
"""The ground's broad colour patches are this many times the wavelengths of its octaves 7 and 8
(2.7 x 8 to 2.7 x 32 explorer heights), cross-faded from one to the other over a doubling."""
GRID_PIXELS = 32
GRID_PHASE = 0.52
"""Offset of log10(size) at which the ground's finer metric grid has faded out: at 1.7 m the
1 m grid shows at 0.38 and the 10 m grid at 0.92."""
GROUND_EXTENT_PER_SIZE = 2.0e4
"""The ground plane ends this many explorer heights from the eye."""
SKY_MARGIN = 0.02
"""Sine of the angle the sky reaches below the ground's far edge (the ground covers it there)."""
"""Pixels between neighbouring vertices of the screen grid the ground and the sky are drawn on
(and so the sparsest sampling of what the ground and sky shade per vertex)."""
FRAME_BINDING = 0
"""The uniform block binding point of the Frame block (``shaders/include/frame.glsl``)."""
FRAME_LAYOUT = {  # name -> (first float, number of floats) in the std140 Frame block
    "m_proj": (0, 16),
    "m_view": (16, 16),
    "m_inverse_view_proj": (32, 16),
    "u_viewport": (48, 4),
    "u_colour_scale": (52, 3),
    "u_depth_near": (55, 1),
    "u_sky_zenith": (56, 3),
    "u_fog_density": (59, 1),
    "u_sky_horizon": (60, 3),
    "u_seed_offset": (63, 1),
    "u_fog_colour": (64, 3),
    "u_ambient": (67, 1),
    "u_sun_direction": (68, 3),
    "u_reversed": (71, 1),
    "u_sun_colour": (72, 3),
    "u_time": (75, 1),
    "u_depth_ndc": (76, 2),
}
FRAME_FLOATS = 80  # the block's size: std140 rounds it up to a multiple of 4 floats
MAX_WRAPPED_TARGETS = 8  # direct targets remembered (an OpenXR swapchain has 3 images per eye)
EXPOSURE = 1.0
BAND_SPEED = 2.4
"""Radians per second (on a body's seen clock) at which the stripes drift over its surface."""
SUN_REACH = math.tan(math.radians(12.0))
"""Tangent of the half angle of the quad the sun is shaded on per pixel: out to where its glow
is soft enough for the sky's per-vertex shading."""
REFERENCE_SIZE = 1.7
"""Explorer height (m) at which the world's fog density applies unchanged."""
INSTANCE_FLOATS = 11  # offset 3, scale 1, colour 3, glow 1, band 1, turn 2
INSTANCE_FORMAT = "3f 1f 3f 1f 1f 2f/i"
INSTANCE_ATTRIBUTES = ("in_offset", "in_scale", "in_colour", "in_glow", "in_band", "in_turn")
AGENT_SHAPE_CODES = {shape: code for code, shape in enumerate(AGENT_SHAPES)}


class RenderError(RuntimeError):
    """An expected rendering failure (no context, GL too old, a GL error): message, no traceback."""


def linear_rgb(colour: str) -> np.ndarray:
    """'#rrggbb' (sRGB) -> linear RGB float32 (3,)."""
    return np.power(np.asarray(colour_to_rgb(colour), np.float32), 2.2)


@functools.lru_cache(maxsize=64)
def colour_scale(tint: str | None) -> tuple[float, float, float]:
    """The display transform's colour scale (``u_colour_scale``): the exposure, in a scale band
    with a tint 35% of the way to 1.6 x the tint."""
    scale = np.full(3, EXPOSURE, np.float64)
    if tint:
        scale *= 0.65 + 0.35 * 1.6 * linear_rgb(tint)
    red, green, blue = scale.tolist()
    return (red, green, blue)


BAND_TINT_FADE_DOUBLINGS = 0.25
"""A band's tint fades in and out over this many doublings of size either side of its edge."""


def band_colour_scale(scale: Scale, explorer_size: float) -> tuple[float, float, float]:
    """``colour_scale`` for an explorer of this size, cross-faded at the bands' edges: the mean
    of the colour scale over log2 sizes within ``BAND_TINT_FADE_DOUBLINGS`` of this one, so a
    zoom across an edge changes the tint smoothly instead of in one frame."""
    centre = math.log2(explorer_size)
    low, high = centre - BAND_TINT_FADE_DOUBLINGS, centre + BAND_TINT_FADE_DOUBLINGS
    edges = sorted(
        math.log2(edge)
        for band in scale.bands
        for edge in (band.min_size, band.max_size)
        if low < math.log2(edge) < high
    )
    if not edges:  # the usual case: well inside one band (or none)
        band = scale.band_at(explorer_size)
        return colour_scale(band.tint if band is not None else None)
    total = np.zeros(3)
    cuts = [low, *edges, high]
    for start, end in itertools.pairwise(cuts):
        band = scale.band_at(2.0 ** (0.5 * (start + end)))
        total += (end - start) * np.array(colour_scale(band.tint if band is not None else None))
    red, green, blue = (total / (high - low)).tolist()
    return (red, green, blue)


@functools.lru_cache(maxsize=1024)
def linear_rgb_tuple(colour: str) -> tuple[float, float, float]:
    """``linear_rgb`` as three floats, remembered: agents' and particle fields' colours are
    looked up every frame."""
    red, green, blue = linear_rgb(colour).tolist()
    return (red, green, blue)


@dataclass(frozen=True)
class Eye:
    """Where the frame is seen from: float64 position, rotation-only view and the projection."""

    position: np.ndarray  # (3,) float64 metres
    rotation_view: np.ndarray  # (4, 4) float32, no translation
    projection: np.ndarray  # (4, 4) float32
    size: float  # explorer height (m): sets depth range, ground detail, fog floor
    velocity: np.ndarray  # (3,) m/s

    @staticmethod
    def from_camera(camera: Camera, aspect: float, velocity: np.ndarray | None = None) -> Eye:
        return Eye(
            position=camera.eye,
            rotation_view=camera.view_matrix(),
            projection=camera.projection_matrix(aspect),
            size=camera.size,
            velocity=np.zeros(3) if velocity is None else np.asarray(velocity, np.float64),
        )

    @staticmethod
    def from_view(
        view: np.ndarray, projection: np.ndarray, size: float, velocity: np.ndarray | None = None
    ) -> Eye:
        """From a full world->view matrix (rotation and translation, float64 for precision)."""
        view = np.asarray(view, np.float64)
        rotation = view[:3, :3]
        position = -rotation.T @ view[:3, 3]
        rotation_view = np.eye(4)
        rotation_view[:3, :3] = rotation
        return Eye(
            position=position,
            rotation_view=rotation_view.astype(np.float32),
            projection=np.asarray(projection, np.float32),
            size=size,
            velocity=np.zeros(3) if velocity is None else np.asarray(velocity, np.float64),
        )


def active_bytes(member) -> int:  # noqa: ANN001 - moderngl.Uniform (its stub lacks element_size)
    """Bytes of a uniform (array) the driver kept: a compiler may drop the elements past the
    last one a shader reads (Mesa's does, NVIDIA's does not), and a write must be exactly as
    long as what is kept."""
    return member.array_length * member.element_size


class Renderer:
    """Draws snapshots of one world. ``set_world`` swaps the world (hot reload) in place."""

    def __init__(self, ctx, world: WorldSpec) -> None:  # noqa: ANN001 - moderngl.Context
        version = getattr(ctx, "version_code", 0)
        if version < MINIMUM_GL_VERSION:
            raise RenderError(
                f"OpenGL {version // 100}.{version % 100 // 10} found; "
                "heterocosm needs OpenGL 3.3 or newer"
            )
        self.ctx = ctx
        self.world = world
        self._depth_mapping = depth_mapping(ctx)
        self._programs = {
            name: self._load_program(name)
            for name in ("sky", "sun", "ground", "bodies", "particles", "hud", "copy")
        }
        # The effects pass in the variants a frame needs, compiled on first use:
        # (number of time fields, reversed time) -> (program, vertex array).
        self._effects: dict[tuple, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        # The effects pass's polygons for a frame (NDC x, y; triangle fans), written once a frame.
        self._outline_buffer = ctx.buffer(reserve=OUTLINE_BUFFER_VERTICES * 8)
        # The ground where its fog varies too much across a triangle to be interpolated.
        self._programs["ground_pixel_fog"] = self._load_program("ground", ["PIXEL_FOG"])
        self._grid: ScreenGrid | None = None
        self._ground_values: dict | None = None  # the ground programs' uniforms as last set
        # Each program's uniforms as last set: program -> name -> [member, value] (``_apply``).
        self._uniforms: dict[object, dict[str, list]] = {}
        # The Frame uniform block (``shaders/include/frame.glsl``): what every pass shares,
        # packed into one array and written to one buffer once a frame, when it changed.
        self._frame_data = np.zeros(FRAME_FLOATS, np.float32)
        self._frame_payload = b""
        self._frame_buffer = ctx.buffer(reserve=FRAME_FLOATS * 4)
        self._noise_texture: moderngl.Texture | None = None
        self._noise_seed: int | None = None
        self._fine_texture: moderngl.Texture | None = None
        self._fine_baked: tuple | None = None  # (seed, first octave, shares) of the fine texture
        self._sun_vao = ctx.vertex_array(self._programs["sun"], [])
        self._copy_vao = ctx.vertex_array(self._programs["copy"], [])
        self._body_meshes = {  # by level of detail
            detail: [self._mesh_buffer(mesh) for mesh in body_meshes(detail)]
            for detail in MESH_DETAILS
        }
        self._agent_meshes = [self._mesh_buffer(mesh) for mesh in agent_meshes()]
        # Every instanced draw a frame may make: (instance buffer key, mesh), in drawing order;
        # bodies by detail, then by shape code (each detail has a mesh for every shape).
        self._body_shapes = len(self._body_meshes[MESH_DETAILS[0]])
        self._body_draws = [
            ((f"bodies {detail}", code), mesh)
            for detail in MESH_DETAILS
            for code, mesh in enumerate(self._body_meshes[detail])
        ]
        self._agent_draws = [
            (("agents", code), mesh) for code, mesh in enumerate(self._agent_meshes)
        ]
        self._instance_buffers: dict[tuple[str, int], moderngl.Buffer] = {}
        self._instance_vaos: dict[tuple[str, int], moderngl.VertexArray] = {}
        self._particle_buffers: dict[int, moderngl.Buffer] = {}
        # index -> (buffer, vao)
        self._particle_vaos: dict[int, tuple[moderngl.Buffer, moderngl.VertexArray]] = {}
        # The depth (and, for targets we cannot attach it to, colour) that scenes are drawn with.
        self._depth_size: tuple[int, int] | None = None
        self._depth: moderngl.Texture | None = None
        # attachments -> (framebuffer, attachments)
        self._wrapped: dict[tuple[int, ...], tuple[moderngl.Framebuffer, tuple]] = {}
        self._last_target: tuple[object, object] = (None, None)  # target -> ``_wrapped_target``
        self._own_size: tuple[int, int] | None = None
        self._own_colour: moderngl.Texture | None = None
        self._own_fbo: moderngl.Framebuffer | None = None
        self._frame_copy = None  # the frame under the effects pass, when drawing directly
        # The overlay: its texture is rewritten only when a different image arrives.
        self._overlay_texture: moderngl.Texture | None = None
        self._overlay_source: np.ndarray | None = None
        self._overlay_buffer: moderngl.Buffer | None = None
        self._overlay_vao: moderngl.VertexArray | None = None
        self._overlay_vertices = 0
        self.pass_times: dict[str, list[float]] | None = None
        """Set to a dict to record each pass's seconds (glFinish-bracketed; slows frames)."""
        self.set_world(world)

    def _load_program(self, name: str, defines: Sequence[str] = ()) -> moderngl.Program:
        """``shaders/<name>.glsl`` compiled, its Frame block (if it reads one) bound to the
        buffer ``_write_frame_block`` fills."""
        program = load_program(self.ctx, name, defines=defines)
        block = program.get("Frame", None)
        if block is not None:
            block.binding = FRAME_BINDING
        return program

    def _mesh_buffer(self, mesh: np.ndarray) -> tuple[object, int]:
        return self.ctx.buffer(np.ascontiguousarray(mesh, np.float32).tobytes()), len(mesh)

    # ------------------------------------------------------------------ world
    def set_world(self, world: WorldSpec) -> None:
        """Use another world's look (colours, fog, sun, fields, bands) from the next frame."""
        self.world = world
        light = world.light
        sun = np.asarray(light.sun_direction, np.float64)
        self._atmosphere = {
            "u_sky_zenith": tuple(linear_rgb(light.sky_zenith)),
            "u_sky_horizon": tuple(linear_rgb(light.sky_horizon)),
            "u_fog_colour": tuple(linear_rgb(light.fog_colour)),
            "u_sun_direction": tuple((sun / np.linalg.norm(sun)).astype(np.float32)),
            "u_sun_colour": tuple(linear_rgb(light.sun_colour) * 1.6),
            "u_ambient": float(light.ambient),
        }
        self._ground_colour = tuple(linear_rgb(light.ground_colour))
        # The seed moves every noise pattern; keep it small so float32 hashing stays exact.
        self._seed_offset = float((world.meta.seed * 0.6180339887) % 1.0) * 0.5
        # The Frame block's values that stay the same for this world (``draw`` adds the rest).
        self._pack_frame(
            {
                **self._atmosphere,
                "u_seed_offset": self._seed_offset,
                "u_depth_ndc": (self._depth_mapping.ndc_scale, self._depth_mapping.ndc_offset),
            }
        )
        # Each time field's region as the effects pass needs it: centre (m, float64), half
        # edge lengths of a box around it, whether it is a box.
        self._field_regions = {
            field.name: (
                np.asarray(field.region.centre, np.float64),
                np.asarray(field.region.size, np.float64) / 2.0
                if field.region.shape == "box"
                else np.full(3, field.region.radius, np.float64),
                field.region.shape == "box",
            )
            for field in world.time.fields
        }
        self._field_layout_key: tuple | None = None  # see _field_layout
        self._field_layout_value: tuple[list, list[tuple[int, int]], list[dict]] = ([], [], [])

    # ------------------------------------------------------------------ frame
    def render(
        self,
        snapshot: Snapshot,
        framebuffer: moderngl.Framebuffer,
        camera: Camera | None = None,
        overlay: np.ndarray | None = None,
    ) -> None:
        """Draw ``snapshot`` seen by ``camera`` (default: the explorer's own eye)."""
        width, height = framebuffer.viewport[2], framebuffer.viewport[3]
        camera = camera or camera_from_snapshot(snapshot)
        eye = Eye.from_camera(camera, width / max(1, height), snapshot.explorer.velocity)
        self.draw(snapshot, framebuffer, eye, overlay)

    def draw(
        self,
        snapshot: Snapshot,
        framebuffer: moderngl.Framebuffer,
        eye: Eye,
        overlay: np.ndarray | None = None,
    ) -> None:
        """Draw ``snapshot`` from ``eye`` into ``framebuffer`` (its viewport), overlay on top.

        ``overlay`` is an (H, W, 4) uint8 premultiplied RGBA image, top row first, or None. A
        read-only array (``hud.OverlayCache`` returns them) passed again is not uploaded again.
        """
        ctx = self.ctx
        x, y, width, height = framebuffer.viewport
        if overlay is not None and (
            overlay is not self._overlay_source or overlay.flags.writeable
        ):  # a new image (or one that may have changed in place)
            self._upload_overlay(overlay)
        scene = self._wrapped_target(framebuffer)
        direct = scene is not None
        if scene is None:
            scene = self._own_target(width, height)
        viewport = (x, y, width, height) if direct else (0, 0, width, height)
        # Worked out once a frame and handed to the passes that need them.
        view_projection = eye.projection.astype(np.float64) @ eye.rotation_view.astype(np.float64)
        inverse_view_projection = np.linalg.inv(view_projection)
        band = self.world.scale.band_at(eye.size)
        reversed_time = snapshot.explorer.local_rate < 0.0 or snapshot.time_rate < 0.0
        # The projection's near plane (its z row is -1, -2 near): reversed-Z puts it at depth 1.
        near = float(-eye.projection[2, 3]) * 0.5
        if not near > 0.0:
            near = eye.size * NEAR_PER_SIZE
        # The Frame block's values that change from frame to frame (FRAME_LAYOUT; matrices
        # column-major, as GLSL reads them; ``set_world`` packed the others).
        common = {
            "m_proj": eye.projection.T.ravel(),
            "m_view": eye.rotation_view.T.ravel(),
            "m_inverse_view_proj": inverse_view_projection.T.ravel(),
            "u_depth_near": near,
            "u_fog_density": self._fog_density(eye.size),
            "u_viewport": tuple(float(v) for v in viewport),
            "u_colour_scale": band_colour_scale(self.world.scale, eye.size),
            "u_reversed": 1.0 if reversed_time else 0.0,
            "u_time": float(snapshot.real_time % 3600.0),
        }
        self._pack_frame(common)
        self._write_frame_block()
        scene.viewport = viewport
        scene.use()
        ctx.disable(ctx.BLEND)
        ctx.disable(ctx.CULL_FACE)
        with ZeroToOneDepth(ctx):
            self._draw_scene(snapshot, scene, common, eye, viewport, inverse_view_projection, band)
        ctx.disable(ctx.DEPTH_TEST)
        ctx.depth_func = "<"

        with self._timed("effects"):
            regions, fans, shapes = self._field_layout(
                snapshot, eye, view_projection, (width, height), reversed_time
            )
            if direct:
                source, origin = None, (x, y)  # a copy of the target, made if needed
            else:  # our own frame goes to the target first; the effects redraw parts of it
                assert self._own_colour is not None  # drawn there just now
                source, origin = self._own_colour, (0, 0)
                framebuffer.use()
                self._own_colour.use(location=0)
                self._apply(self._programs["copy"], {"u_scene": 0, "u_viewport_origin": (x, y)})
                self._copy_vao.render(mode=ctx.TRIANGLES, vertices=3)
            if regions and source is None:  # only the regions' pixels are read
                source = self._copy_of(
                    scene,
                    framebuffer.size,
                    [(x + rx, y + ry, rw, rh) for _, (rx, ry, rw, rh) in regions],
                )
            framebuffer.use()
            forward = tuple((-eye.rotation_view[2, :3].astype(np.float64)).tolist())
            if regions:  # what every region's draw reads, bound once
                assert source is not None and self._depth is not None  # the scene was drawn
                source.use(location=0)
                self._depth.use(location=1)
                self._noise().use(location=2)
            try:
                for (group, region), fan, shape in zip(regions, fans, shapes, strict=True):
                    group = [field.at(snapshot.time_fields[field.view]) for field in group]
                    self._draw_effects(common, group, shape, forward, origin, region, fan)
            finally:
                ctx.scissor = None
        if overlay is not None:
            with self._timed("overlay"):
                self._draw_overlay(overlay)
        ctx.disable(ctx.BLEND)

    def _draw_scene(
        self,
        snapshot: Snapshot,
        scene,  # noqa: ANN001 - moderngl.Framebuffer, bound
        common: dict,
        eye: Eye,
        viewport: tuple[int, int, int, int],
        inverse_view_projection: np.ndarray,
        band: ScaleBand | None,
    ) -> None:
        """The passes under the depth test: ground, bodies, agents, sky, particles."""
        ctx = self.ctx
        width, height = viewport[2], viewport[3]
        scene.clear(0.0, 0.0, 0.0, 1.0, depth=0.0, viewport=viewport)  # depth 0: infinity
        ctx.enable(ctx.DEPTH_TEST)
        ctx.depth_func = ">"  # reversed-Z: nearer is greater
        # Near things first: the ground, behind most of them, is then not shaded where they are.
        with self._timed("bodies"):
            self._draw_bodies(snapshot, common, eye)
        with self._timed("agents"):
            self._draw_agents(snapshot, common, eye)
        with self._timed("ground"):
            grid = self._screen_grid(width, height)
            self._draw_ground(common, eye, grid, inverse_view_projection)
        # The sky after the opaque passes: at infinity (depth 0) it fills only what they left empty.
        with self._timed("sky"):
            ctx.depth_func = ">="
            ctx.depth_mask = False
            self._apply(self._programs["sky"], {"u_sky_floor": self._sky_floor(eye)})
            with ClipDistance(ctx):
                grid.sky.render(mode=ctx.TRIANGLES)
            self._draw_sun(common)
            ctx.depth_mask = True
            ctx.depth_func = ">"
        with self._timed("particles"):
            self._draw_particles(snapshot, common, eye, height, band)

    def _timed(self, name: str):  # noqa: ANN202 - a context manager
        if self.pass_times is None:
            return _NOT_TIMED
        return _PassTimer(self.ctx, self.pass_times, name)

    # ------------------------------------------------------------------ passes
    def _fog_density(self, size: float) -> float:
        # The world's fog applies at human size; giants see through thinner air (or the world
        # would vanish at kilometre scale), and every scale keeps a horizon a few thousand
        # body-heights away.
        density = self.world.light.fog_density / max(1.0, size / REFERENCE_SIZE)
        return float(max(density, 1.0 / (size * 3000.0)))

    def _noise(self) -> moderngl.Texture:
        """The world's baked noise (four octaves, RGBA) that the time fields' shimmer reads, made
        again only when the seed changes."""
        seed = int(self.world.meta.seed)
        if self._noise_texture is None or self._noise_seed != seed:
            if self._noise_texture is not None:
                self._noise_texture.release()
            image = ground_noise_image(seed)
            texture = self.ctx.texture(image.shape[1::-1], 4, np.ascontiguousarray(image).tobytes())
            texture.build_mipmaps()
            # One mip level per read (not two, blended): the noise hides the level changes.
            texture.filter = (self.ctx.LINEAR_MIPMAP_NEAREST, self.ctx.LINEAR)
            texture.repeat_x = texture.repeat_y = True
            self._noise_texture, self._noise_seed = texture, seed
        return self._noise_texture

    def _fine_noise(self, first_octave: int, shares: tuple[float, ...]) -> moderngl.Texture:
        """The ground's fine pattern for the world's seed, its first octave (wavelength
        2**first_octave m) and the octaves' ``shares`` (adding up to 1): the packed mipmap chain
        of ``fine_noise_atlas``, side by side in one image (read with texelFetch, no filtering),
        written again only when one of those changed."""
        baked = (int(self.world.meta.seed), first_octave, shares)
        texture = self._fine_texture
        if texture is None:
            texture = self.ctx.texture(FINE_ATLAS_SIZE, 4)
            texture.filter = (self.ctx.NEAREST, self.ctx.NEAREST)
            self._fine_texture = texture
        if baked != self._fine_baked:
            texture.write(fine_noise_atlas(*baked))
            self._fine_baked = baked
        return texture

    def _draw_ground(
        self,
        common: dict,
        eye: Eye,
        grid,  # noqa: ANN001 - ScreenGrid
        inverse_view_projection: np.ndarray,
    ) -> None:
        if eye.position[1] <= 0.0:
            return  # below the ground: it faces away
        program = self._programs["ground"]
        size = eye.size
        level = math.log2(size)
        whole = math.floor(level)
        base = whole - 4  # octave k (0..7) has the wavelength 2**(base + k) m
        seed = int(self.world.meta.seed)
        # Plain floats for these few 2-vectors: numpy's call overhead would be most of their cost
        # (Python's % is numpy's mod, and float32() rounds as astype does).
        eye_x, eye_z = float(eye.position[0]), float(eye.position[2])
        weights = [octave_weight((base + k) - level) for k in range(GROUND_OCTAVES)]
        total = max(sum(weights), 1e-6)
        # Octaves 1..4 are read per pixel from the baked fine pattern (octave 1 its finest),
        # octaves 4..7 per vertex: octave 4 is handed from the vertices to the pattern early in
        # each doubling (``fine_handover``), the same pattern either way.
        handed = fine_handover(level - whole)
        shares = fine_shares(level)
        fine_amount = (sum(weights[1:4]) + handed * weights[4]) / total
        vertex_weights = [(1.0 - handed) * weights[4], *weights[5:8]]
        vertex_octaves = range(base + 4, base + 8)
        octave_keys, octave_means = vertex_octave_lattices(seed, base + 4)
        wavelengths = [2.0**octave for octave in vertex_octaves]
        # (octave, x or z): the eye in cells of each octave, mod its lattice's period.
        cells = OCTAVE_LATTICE_CELLS
        offsets = [(eye_x / w % cells, eye_z / w % cells) for w in wavelengths]
        # The broad patches: octaves 7 and 8's wavelengths x 2.7, cross-faded over a doubling.
        patch_wavelengths = [PATCH_WAVELENGTH * 2.0 ** (whole + k) for k in range(3, 5)]
        patch_offsets = [(eye_x / w % 256.0, eye_z / w % 256.0) for w in patch_wavelengths]
        turn = (level - whole) * math.pi / 2.0
        fine_period = 2.0 ** (base + 1) * CELLS_PER_PERIOD
        decade = math.log10(size)
        # Two metric grids a decade apart: as the explorer grows the finer fades out and the
        # coarser in, and at the next decade the pair moves up one (continuous while zooming).
        phase = decade + GRID_PHASE
        fade = (phase - math.floor(phase)) * math.pi / 2.0
        spacings = [10.0 ** (math.floor(phase) + k) for k in range(2)]
        grid_offsets = [
            ((eye_x / spacing + 0.5) % 1.0, (eye_z / spacing + 0.5) % 1.0) for spacing in spacings
        ]
        grid_weights = (math.cos(fade), math.sin(fade))
        radians_per_pixel = 2.0 / (common["u_viewport"][3] * float(eye.projection[1, 1]))
        extent = float(size * GROUND_EXTENT_PER_SIZE)
        values = {
            "u_eye_height": float(eye.position[1]),
            "u_extent": extent,
            "u_vertex_angle": GRID_PIXELS * radians_per_pixel,
            "u_pixel_angle": radians_per_pixel,
            "u_ground_colour": self._ground_colour,
            "u_octave_offset": np.array(offsets, np.float32).tobytes(),
            "u_octave_wavelength": np.array(wavelengths, np.float32).tobytes(),
            "u_octave_weight": (np.array(vertex_weights, np.float32) / np.float32(total)).tobytes(),
            "u_octave_key": octave_keys,
            "u_octave_mean": octave_means,
            "u_patch_offset": np.array(patch_offsets, np.float32).tobytes(),
            "u_patch_wavelength": np.array(patch_wavelengths, np.float32).tobytes(),
            "u_patch_weight": (math.cos(turn), math.sin(turn)),
            "u_noise": 0,
            "u_fine_offset": (eye_x / fine_period % 1.0, eye_z / fine_period % 1.0),
            "u_fine_frequency": 1.0 / fine_period,
            "u_fine_texels": FINE_TEXTURE_SIZE / fine_period,
            "u_fine_top_level": FINE_LEVELS - 1,
            "u_fine_size": FINE_TEXTURE_SIZE,
            "u_fine_amount": fine_amount,
            "u_grid_offset": np.array(grid_offsets, np.float32).tobytes(),
            "u_grid_frequency": (1.0 / np.array(spacings, np.float32)).tobytes(),
            "u_grid_spacing_vertex": tuple(spacings),
            "u_grid_weight_vertex": grid_weights,
        }
        # They depend on where the eye is, not where it looks: often the same as last frame.
        if values != self._ground_values:
            self._apply(program, values)
            self._apply(self._programs["ground_pixel_fog"], values)
            self._ground_values = values
        self._fine_noise(base + 1, shares).use(location=0)
        # Triangles whose fog can be interpolated from their vertices first, the rest after. The
        # split depends on where the eye looks, its height, the extent and the fog, not on where
        # it stands: worked out again only when one of those changed.
        height, fog_density = float(eye.position[1]), common["u_fog_density"]
        split_from = (inverse_view_projection.tobytes(), height, extent, fog_density)
        if split_from != grid.split_from:
            distances = ground_distances(grid.points_clip, inverse_view_projection, height, extent)
            grid.order_ground(fog_varies(grid.triangles, distances, fog_density))
            grid.split_from = split_from
        smooth = grid.smooth
        if smooth:
            grid.ground.render(mode=self.ctx.TRIANGLES, vertices=3 * smooth)
        rest = len(grid.triangles) - smooth
        if rest:
            grid.ground_pixel_fog.render(
                mode=self.ctx.TRIANGLES, vertices=3 * rest, first=3 * smooth
            )

    @staticmethod
    def _sky_floor(eye: Eye) -> float:
        """Sine of the angle below the horizon down to which the sky must be drawn: a little under
        the ground's far edge (everything, when the eye is below the ground and it is not drawn)."""
        height = float(eye.position[1])
        if height <= 0.0:
            return 2.0
        return height / math.hypot(height, eye.size * GROUND_EXTENT_PER_SIZE) + SKY_MARGIN

    def _draw_sun(self, common: dict) -> None:
        """The sun's disc and the glow around it, per pixel, blended into the sky."""
        ctx = self.ctx
        self._apply(self._programs["sun"], {"u_sun_reach": SUN_REACH})
        ctx.enable(ctx.BLEND)
        ctx.blend_func = ctx.ONE, ctx.ONE_MINUS_SRC_ALPHA
        self._sun_vao.render(mode=ctx.TRIANGLE_STRIP, vertices=4)
        ctx.disable(ctx.BLEND)

    def _body_instances(self, snapshot: Snapshot, eye: Eye) -> tuple[np.ndarray, np.ndarray]:
        """(N, INSTANCE_FLOATS) float32 instance rows and (N,) shape codes."""
        bodies = snapshot.bodies
        count = len(bodies.radii)
        if count == 0:
            return np.zeros((0, INSTANCE_FLOATS), np.float32), np.zeros(0, np.int8)
        light = self.world.light
        if light.show_light_delay:
            positions, velocities = bodies.apparent_positions, bodies.apparent_velocities
        else:
            positions, velocities = bodies.positions, bodies.velocities
        relative = positions - eye.position  # float64
        distances = np.sqrt(np.add.reduce(relative * relative, axis=1))
        speed_of_light = snapshot.speed_of_light
        doppler = relativity.doppler_factor(velocities, eye.velocity, -relative, speed_of_light)
        local_rate = np.asarray(bodies.local_rate, np.float64)
        phase = np.asarray(bodies.proper_time, np.float64)
        if light.show_temporal_doppler:
            # A clock seen by light that left it distance/c ago: as the distance shrinks the seen
            # clock runs fast, as it grows it runs slow (temporal Doppler), to first order.
            phase = phase - distances / speed_of_light * local_rate
        rows = self._instance_rows(
            relative,
            scale=bodies.radii,
            colour=np.power(np.maximum(bodies.colours, 0.0), 2.2),
            glow=bodies.glow,
            doppler=doppler,
            phase=phase,
            yaw=phase * 0.35,  # slow spin, on the seen clock
        )
        return rows, np.asarray(bodies.shapes)

    def _instance_rows(
        self,
        relative: np.ndarray,
        scale: np.ndarray,
        colour: np.ndarray,
        glow: np.ndarray,
        doppler: np.ndarray,
        phase: np.ndarray,
        yaw: np.ndarray,
    ) -> np.ndarray:
        """(N, INSTANCE_FLOATS) float32 rows for ``shaders/bodies.glsl``: what is the same for
        all of an instance's vertices is worked out here, once, not per vertex. ``relative`` is
        (N, 3) metres from the eye (float64), ``colour`` (N, 3) linear, ``doppler`` the Doppler
        factor of the light reaching the eye, ``phase`` the animation clock as seen (s)."""
        light = self.world.light
        phase = np.asarray(phase, np.float64)
        yaw = np.asarray(yaw, np.float64)
        rows = np.empty((len(phase), INSTANCE_FLOATS), np.float32)
        rows[:, 0:3] = relative
        rows[:, 3] = scale
        rows[:, 4:7] = relativity.shifted_colours(
            colour, doppler, shift=light.show_doppler_colour, brighten=light.show_brightening
        )
        rows[:, 7] = np.asarray(glow) * (0.75 + 0.25 * np.sin(phase * 3.0))  # pulsing
        # The stripes drift over the surface on the seen clock: their phase in turns.
        rows[:, 8] = np.mod(0.25 - phase * (BAND_SPEED / (2.0 * math.pi)), 1.0)
        rows[:, 9] = np.cos(yaw)
        rows[:, 10] = np.sin(yaw)
        return rows

    def _draw_instances(
        self,
        draws: Sequence[tuple[tuple[str, int], tuple[object, int]]],
        rows: np.ndarray,
        groups: np.ndarray,
    ) -> None:
        """Draw instance ``rows`` (N, INSTANCE_FLOATS) float32, row i with the mesh of
        ``draws[groups[i]]`` ((buffer key, (mesh buffer, vertex count))): one instanced draw per
        group in use, in group order, its rows in their given order from its own buffer."""
        program = self._programs["bodies"]
        order = np.argsort(groups, kind="stable")  # stable: each group's rows keep their order
        grouped = rows[order]
        counts = np.bincount(groups, minlength=len(draws)).tolist()
        start = 0
        for (key, (mesh_buffer, vertex_count)), count in zip(draws, counts, strict=False):
            if count == 0:
                continue
            selected = grouped[start : start + count]
            start += count
            buffer = self._instance_buffers.get(key)
            if buffer is None or buffer.size < selected.nbytes:
                if buffer is not None:
                    buffer.release()
                    self._instance_vaos.pop(key).release()
                buffer = self.ctx.buffer(reserve=max(selected.nbytes, 4096), dynamic=True)
                self._instance_buffers[key] = buffer
                self._instance_vaos[key] = self.ctx.vertex_array(
                    program,
                    [
                        (mesh_buffer, "3f 3f", "in_position", "in_normal"),
                        (buffer, INSTANCE_FORMAT, *INSTANCE_ATTRIBUTES),
                    ],
                )
            buffer.write(selected)  # a contiguous block of ``grouped``
            self._instance_vaos[key].render(
                mode=self.ctx.TRIANGLES, vertices=vertex_count, instances=count
            )

    def _draw_bodies(self, snapshot: Snapshot, common: dict, eye: Eye) -> None:
        rows, codes = self._body_instances(snapshot, eye)
        if len(rows) == 0:
            return
        self._apply(self._programs["bodies"], {"u_silhouette": 0.0})
        # Body meshes are closed and wound outward: skip back faces, unless the eye is inside
        # a body (then its inside is what there is to see).
        offsets = rows[:, 0:3].astype(np.float64)
        distances = np.sqrt(np.add.reduce(offsets * offsets, axis=1))
        reach = rows[:, 3].astype(np.float64) * BODY_BOUNDING_RADIUS + eye.size * NEAR_PER_SIZE
        cull = not bool((distances <= reach).any())
        if cull:
            self.ctx.enable(self.ctx.CULL_FACE)
            self.ctx.cull_face = "back"
        details = body_details(rows[:, 3], distances, pixels_per_radian(eye, common))
        try:
            # Drawn by detail, then by shape (``self._body_draws``' order).
            self._draw_instances(self._body_draws, rows, details * self._body_shapes + codes)
        finally:
            self.ctx.disable(self.ctx.CULL_FACE)

    def _draw_agents(self, snapshot: Snapshot, common: dict, eye: Eye) -> None:
        agents = agents_in(snapshot.extras)
        if not agents:
            return
        positions = np.array([agent.position for agent in agents], np.float64)
        velocities = np.array([agent.velocity for agent in agents], np.float64)
        relative = positions - eye.position
        rows = self._instance_rows(
            relative,
            scale=np.array([agent.size for agent in agents]),
            colour=np.array([linear_rgb_tuple(agent.colour) for agent in agents]),
            glow=np.array([0.35 if agent.speaking else 0.0 for agent in agents]),
            doppler=relativity.doppler_factor(
                velocities, eye.velocity, -relative, snapshot.speed_of_light
            ),
            phase=np.array([agent.proper_time for agent in agents]),
            # Meshes face -z; a heading of 0 faces -z too, so the yaw is the heading.
            yaw=np.array([agent.heading for agent in agents]),
        )
        codes = np.array([AGENT_SHAPE_CODES.get(agent.shape, 0) for agent in agents], np.int8)
        self._apply(self._programs["bodies"], {"u_silhouette": 0.85})
        self._draw_instances(self._agent_draws, rows, codes)

    def _draw_particles(
        self, snapshot: Snapshot, common: dict, eye: Eye, height: int, band: ScaleBand | None
    ) -> None:
        fields = particle_fields_in(snapshot.extras)
        if not fields or (band is not None and not band.show_particles):
            return
        ctx = self.ctx
        program = self._programs["particles"]
        pixels_per_radian = height * 0.5 * float(eye.projection[1, 1])
        ctx.enable(ctx.BLEND | ctx.PROGRAM_POINT_SIZE)
        # frame' = (1 - frame) x light + frame: light added to display values, saturating.
        ctx.blend_func = ctx.ONE_MINUS_DST_COLOR, ctx.ONE
        ctx.depth_mask = False
        try:
            for index, field in enumerate(fields):
                buffer = field.buffer
                if buffer is None:
                    data = np.asarray(field.positions, np.float32)
                    if data.shape[1] == 3:
                        data = np.concatenate([data, np.ones((len(data), 1), np.float32)], 1)
                    payload = np.ascontiguousarray(data)
                    buffer = self._particle_buffers.get(index)
                    if buffer is None or buffer.size < payload.nbytes:
                        if buffer is not None:
                            buffer.release()
                        buffer = ctx.buffer(reserve=max(payload.nbytes, 16), dynamic=True)
                        self._particle_buffers[index] = buffer
                    buffer.write(payload)
                # The eye relative to the field's float64 origin, as a float32 pair.
                eye_high, eye_low = split_double(eye.position - np.asarray(field.origin))
                self._apply(
                    program,
                    {
                        "u_eye_high": tuple(eye_high.tolist()),
                        "u_eye_low": tuple(eye_low.tolist()),
                        "u_size": float(field.size),
                        "u_pixels_per_radian": pixels_per_radian,
                        "u_phase_rate": float(field.local_rate) * 2.0,
                        "u_world_time": float(snapshot.world_time % 3600.0),
                        "u_colour": linear_rgb_tuple(field.colour),
                    },
                )
                cached = self._particle_vaos.get(index)
                if cached is None or cached[0] is not buffer:
                    if cached is not None:
                        cached[1].release()
                    # Holding the buffer keeps its id from being reused by another one.
                    cached = (buffer, ctx.vertex_array(program, [(buffer, "4f", "in_particle")]))
                    self._particle_vaos[index] = cached
                cached[1].render(mode=ctx.POINTS, vertices=int(field.count))
        finally:
            ctx.depth_mask = True
            ctx.disable(ctx.BLEND | ctx.PROGRAM_POINT_SIZE)

    def _field_layout(
        self,
        snapshot: Snapshot,
        eye: Eye,
        view_projection: np.ndarray,
        size: tuple[int, int],
        reversed_time: bool,
    ) -> tuple[list, list[tuple[int, int]], list[dict]]:
        """Where the effects pass draws: [(group of fields, pixel region)], each group's
        polygon in the outline buffer (first vertex, count) and its fields' shape uniforms
        (``_field_shapes``). It depends only on where the eye is
        and looks, the fields present, the frame's size and the time's direction (the regions do
        not move), so it is worked out again, and the outlines written, only when one changed;
        the fields' clocks are read each frame (``FieldInView.at``)."""
        key = (
            eye.position.tobytes(),
            eye.rotation_view.tobytes(),
            eye.projection.tobytes(),
            eye.size,
            tuple(view.name for view in snapshot.time_fields),
            size,
            reversed_time,
        )
        if key == self._field_layout_key:
            return self._field_layout_value
        fields = self._fields_in_view(snapshot, eye, view_projection)
        if reversed_time:  # the reversed-time look covers the whole frame
            regions = [(fields, (0, 0, size[0], size[1]))]
        else:
            # Fields whose screen rectangles overlap are drawn together (each sees the
            # others' effect); apart, each pixel pays only for the fields that may cover it.
            regions = []
            for group, bounds in overlapping_groups(fields):
                region = pixel_region(bounds, size)
                if region is not None:
                    regions.append((group, region))
        fans = self._write_outlines([group for group, _ in regions], eye, reversed_time)
        shapes = [self._field_shapes(group) for group, _ in regions]
        self._field_layout_key, self._field_layout_value = key, (regions, fans, shapes)
        return regions, fans, shapes

    def _fields_in_view(
        self, snapshot: Snapshot, eye: Eye, view_projection: np.ndarray
    ) -> list[FieldInView]:
        """The (at most MAX_TIME_FIELDS) nearest time fields on screen, nearest first."""
        # Spheres have their own exact bounds (those off screen go no further); the boxes whose
        # screen rectangles are needed are projected in one batch.
        found = []  # [index, view, centre, half, is_box, bounds]
        for index, view in enumerate(snapshot.time_fields):
            region = self._field_regions.get(view.name)
            if region is None:
                continue
            world_centre, half, is_box = region
            centre = world_centre - eye.position
            bounds = None
            if not is_box:
                bounds = sphere_screen_bounds(
                    eye.projection, eye.rotation_view, centre, float(half[0])
                )
                if bounds is None:
                    continue  # wholly behind the eye or off screen
            found.append([index, view, centre, half, is_box, bounds])
        # One batch: box fields' own boxes, and the parts above the ground of every field
        # that is not yet known to be off screen.
        boxes: list[tuple[np.ndarray, np.ndarray]] = []
        plans = []  # (entry, index of its own box or -1, index of its part above or -1)
        for entry in found:
            shows, above = above_ground_box(entry[2], entry[3], eye)
            if not shows:
                continue  # wholly under the ground
            own = -1
            if entry[4]:
                own = len(boxes)
                boxes.append((entry[2], entry[3]))
            if above is not None:
                boxes.append(above)
            plans.append((entry, own, len(boxes) - 1 if above is not None else -1))
        projected = all_screen_bounds(view_projection, boxes)
        on_screen = []
        for entry, own, above_index in plans:
            if own >= 0:
                entry[5] = projected[own]
            if entry[5] is not None and above_index >= 0:
                entry[5] = cut_bounds(entry[5], projected[above_index])
            on_screen.append(entry)
        fields = [
            FieldInView(
                distance=math.sqrt(float(centre @ centre)),
                centre=centre,
                half_size=half,
                is_box=is_box,
                rate=float(view.rate),
                local_time=float(math.fmod(view.local_time, 3600.0)),
                bounds=bounds,
                view=index,
            )
            for index, view, centre, half, is_box, bounds in on_screen
            if bounds is not None  # None: behind the eye, off screen or under the ground
        ]
        fields.sort(key=lambda field: field.distance)
        return fields[:MAX_TIME_FIELDS]

    @staticmethod
    def _field_shapes(fields: Sequence[FieldInView]) -> dict:
        """The fields' uniform arrays that depend only on where they are and the eye is, one
        entry per field (the program's arrays are as long)."""
        return {
            "u_field_centre": np.array([field.centre for field in fields], np.float32).tobytes(),
            "u_field_half_size": np.array(
                [field.half_size for field in fields], np.float32
            ).tobytes(),
        }

    @staticmethod
    def _field_clocks(fields: Sequence[FieldInView]) -> dict:
        """The fields' uniform arrays that follow their clocks, one entry per field."""
        return {
            "u_field_time": np.array([field.local_time for field in fields], np.float32).tobytes(),
            "u_field_tint": np.array(
                [rate_tint(field.rate) for field in fields], np.float32
            ).tobytes(),
        }

    def _draw_effects(
        self,
        common: dict,
        fields: Sequence[FieldInView],
        shapes: dict,
        forward: tuple[float, float, float],
        source_origin: tuple[int, int],
        region: tuple[int, int, int, int] | None,
        fan: tuple[int, int],
    ) -> None:
        """Redraw ``region`` of the bound target (None: all of it) with the time fields and the
        reversed-time fringe applied, over the polygon at ``fan`` (first vertex, count) of the
        outline buffer; ``shapes`` are the fields' ``_field_shapes``, the frame's copy, depth
        and noise are bound on units 0, 1 and 2, and ``forward`` is the eye's view direction.
        Leaves the scissor set."""
        program, vertex_array = self._effects_program(
            len(fields), common["u_reversed"] > 0.0, field_looks(fields)
        )
        self._apply(
            program,
            {
                **shapes,
                **self._field_clocks(fields),
                "u_scene": 0,
                "u_depth": 1,
                "u_noise": 2,
                "u_source_origin": source_origin,
                "u_view_forward": forward,
            },
        )
        if region is not None:
            x, y = int(common["u_viewport"][0]), int(common["u_viewport"][1])
            self.ctx.scissor = (x + region[0], y + region[1], region[2], region[3])
        else:
            self.ctx.scissor = None
        vertex_array.render(mode=self.ctx.TRIANGLE_FAN, first=fan[0], vertices=fan[1])

    def _write_outlines(
        self, groups: Sequence[Sequence[FieldInView]], eye: Eye, reversed_time: bool
    ) -> list[tuple[int, int]]:
        """Write each group's polygon to the outline buffer and return where each lies (first
        vertex, count): the field's outline on screen for a group of one field (pixels outside
        it cannot see the field, so they are not shaded at all), else a triangle over the
        whole screen (the scissor keeps it to the group's region)."""
        polygons = []
        for group in groups:
            outline = None
            if len(group) == 1 and not reversed_time:
                outline = field_outline(group[0], eye.projection, eye.rotation_view)
            polygons.append(WHOLE_SCREEN if outline is None else outline)
        fans, first = [], 0
        for polygon in polygons:
            fans.append((first, len(polygon)))
            first += len(polygon)
        if first:
            vertices = np.concatenate(polygons).astype(np.float32)
            self._outline_buffer.orphan(max(first, OUTLINE_BUFFER_VERTICES) * 8)
            self._outline_buffer.write(vertices.tobytes())
        return fans

    def _effects_program(
        self, fields: int, reversed_time: bool, looks: tuple[int, int, int] = (0, 0, 0)
    ) -> tuple:
        """The effects pass compiled for what it must show (``shaders/post.glsl``'s variants):
        ``fields`` time fields (0..MAX_TIME_FIELDS), their ``looks`` (``field_looks``: known
        when compiling, so no pixel pays for a look its fields do not have), reversed time or
        not."""
        key = (fields, reversed_time, looks)
        if key not in self._effects:
            defines = []
            if fields:
                boxes, backward, frozen = looks
                defines = [
                    f"TIME_FIELDS {fields}",
                    f"BOX_FIELDS {boxes}",
                    f"BACKWARD_FIELDS {backward}",
                    f"FROZEN_FIELDS {frozen}",
                ]
            if reversed_time:
                defines.append("REVERSED_TIME")
            program = self._load_program("post", defines)
            vertex_array = self.ctx.vertex_array(
                program, [(self._outline_buffer, "2f", "in_position")]
            )
            self._effects[key] = (program, vertex_array)
        return self._effects[key]

    def _draw_overlay(self, overlay: np.ndarray) -> None:
        ctx = self.ctx
        if self._overlay_vertices == 0:
            return
        assert self._overlay_texture is not None and self._overlay_vao is not None  # uploaded
        self._overlay_texture.use(location=0)
        height, width = overlay.shape[:2]
        self._apply(self._programs["hud"], {"u_overlay": 0, "u_overlay_size": (width, height)})
        ctx.enable(ctx.BLEND)
        ctx.blend_func = ctx.ONE, ctx.ONE_MINUS_SRC_ALPHA
        self._overlay_vao.render(mode=ctx.TRIANGLES, vertices=self._overlay_vertices)
        ctx.disable(ctx.BLEND)

    def _upload_overlay(self, overlay: np.ndarray) -> None:
        """The overlay into its texture, and quads over just the parts of it that show.

        Only those parts are uploaded (the rest of the texture is never sampled), before the
        frame's first draw: a texture written while a queued frame reads it makes the CPU
        rasteriser finish that frame first."""
        ctx = self.ctx
        height, width = overlay.shape[:2]
        texture = self._overlay_texture
        if texture is None or texture.size != (width, height):
            if texture is not None:
                texture.release()
            texture = ctx.texture((width, height), 4)
            texture.filter = (ctx.LINEAR, ctx.LINEAR)
            self._overlay_texture = texture
        rectangles = overlay_rectangles(overlay)  # (N, 4) x0, y0, x1, y1 pixels, top row first
        for left, top, right, bottom in rectangles.tolist():
            part = np.ascontiguousarray(overlay[top:bottom, left:right], np.uint8)
            texture.write(part.tobytes(), viewport=(left, top, right - left, bottom - top))
        x0, y0, x1, y1 = (rectangles[:, i : i + 1] for i in range(4))
        corners = np.concatenate([x0, y0, x1, y0, x1, y1, x0, y0, x1, y1, x0, y1], axis=1)
        data = np.ascontiguousarray(corners, np.float32).tobytes()  # (N, 6 vertices x 2)
        if self._overlay_buffer is None or self._overlay_buffer.size < len(data):
            if self._overlay_buffer is not None and self._overlay_vao is not None:
                self._overlay_vao.release()
                self._overlay_buffer.release()
            self._overlay_buffer = ctx.buffer(reserve=max(len(data), 4096), dynamic=True)
            self._overlay_vao = ctx.vertex_array(
                self._programs["hud"], [(self._overlay_buffer, "2f", "in_pixel")]
            )
        if data:
            self._overlay_buffer.write(data)
        self._overlay_vertices = 6 * len(rectangles)
        self._overlay_source = overlay  # held, so a new image can never reuse its id

    # ------------------------------------------------------------------ resources
    def _screen_grid(self, width: int, height: int) -> ScreenGrid:
        if self._grid is None or self._grid.size != (width, height):
            if self._grid is not None:
                self._grid.release()
            self._grid = ScreenGrid(
                self.ctx,
                (width, height),
                (self._programs["ground"], self._programs["ground_pixel_fog"]),
                self._programs["sky"],
            )
        return self._grid

    def _wrapped_target(self, framebuffer):  # noqa: ANN001, ANN202 - moderngl.Framebuffer
        """A framebuffer with ``framebuffer``'s colour attachments and our depth texture, so the
        scene is drawn straight into the target; None when that cannot be done (a window's
        default framebuffer, multisampled targets). The answer for the last target is kept (a
        framebuffer's attachments never change, and holding it keeps its id from being reused)."""
        if framebuffer is self._last_target[0]:
            return self._last_target[1]
        attachments = tuple(getattr(framebuffer, "color_attachments", None) or ())
        size = tuple(framebuffer.size)
        if (
            not attachments
            or getattr(framebuffer, "samples", 0)
            or any(tuple(attachment.size) != size for attachment in attachments)
            or any(getattr(attachment, "samples", 0) for attachment in attachments)
        ):
            self._last_target = (framebuffer, None)
            return None
        self._ensure_depth(size)
        key = tuple(id(attachment) for attachment in attachments)
        cached = self._wrapped.get(key)
        if cached is None:
            if len(self._wrapped) >= MAX_WRAPPED_TARGETS:
                park_framebuffer(self.ctx)
                oldest = next(iter(self._wrapped))
                self._wrapped.pop(oldest)[0].release()
            # Holding the attachments keeps their ids from being reused by other objects.
            cached = (self.ctx.framebuffer(list(attachments), self._depth), attachments)
            self._wrapped[key] = cached
        self._last_target = (framebuffer, cached[0])
        return cached[0]

    def _own_target(self, width: int, height: int) -> moderngl.Framebuffer:
        """Our own colour + depth, copied to targets we cannot attach our depth to."""
        self._ensure_depth((width, height))
        if self._own_size != (width, height) or self._own_fbo is None:
            self._release_own()
            ctx = self.ctx
            self._own_colour = ctx.texture((width, height), 4)
            self._own_colour.filter = (ctx.NEAREST, ctx.NEAREST)
            self._own_fbo = ctx.framebuffer([self._own_colour], self._depth)
            self._own_size = (width, height)
        return self._own_fbo

    def _copy_of(
        self,
        framebuffer: moderngl.Framebuffer,
        size: tuple[int, int],
        rectangles: list[tuple[int, int, int, int]],
    ) -> moderngl.Texture:
        """A texture of ``size`` holding ``framebuffer``'s colour in ``rectangles`` (x, y, width,
        height, all copied before anything is drawn over them); elsewhere it holds stale pixels."""
        copy = self._frame_copy
        if copy is None or copy.size != tuple(size):
            if copy is not None:
                copy.release()
            copy = self.ctx.texture(tuple(size), 4)
            copy.filter = (self.ctx.NEAREST, self.ctx.NEAREST)
            self._frame_copy = copy
        if not copy_rectangles(self.ctx, copy, framebuffer, rectangles):
            self.ctx.copy_framebuffer(copy, framebuffer)  # no glCopyTexSubImage2D: all of it
        return copy

    def _ensure_depth(self, size: tuple[int, int]) -> None:
        size = (int(size[0]), int(size[1]))
        if self._depth_size == size and self._depth is not None:
            return
        self._release_targets()
        ctx = self.ctx
        self._depth = float_depth_texture(ctx, size)
        self._depth.compare_func = ""  # sample depth values, not shadow comparisons
        self._depth.filter = (ctx.NEAREST, ctx.NEAREST)
        self._depth.repeat_x = self._depth.repeat_y = False
        self._depth_size = size

    def _release_own(self) -> None:
        if self._own_fbo is not None:
            park_framebuffer(self.ctx)
        for resource in (self._own_fbo, self._own_colour):
            if resource is not None:
                resource.release()
        self._own_fbo = self._own_colour = None
        self._own_size = None

    def _release_targets(self) -> None:
        """Everything sized to a target: the depth and every framebuffer that uses it."""
        if self._wrapped or self._own_fbo is not None:
            park_framebuffer(self.ctx)
        for fbo, _ in self._wrapped.values():
            fbo.release()
        self._wrapped.clear()
        self._last_target = (None, None)
        self._release_own()
        for resource in (self._depth, self._frame_copy):
            if resource is not None:
                resource.release()
        self._depth = self._frame_copy = None
        self._depth_size = None

    def _apply(self, program, values: dict) -> None:  # noqa: ANN001 - moderngl.Program
        """Set ``program``'s uniforms from ``values`` (names it does not use are skipped),
        writing only those whose value changed since this renderer last set them: most stay the
        same from frame to frame, and each write is a Python call and a GL call. (What every
        pass shares is in the Frame block: ``_write_frame_block``.)"""
        uniforms = self._uniforms.get(program)
        if uniforms is None:
            uniforms = self._uniforms[program] = {}
        for name, value in values.items():
            self._set_uniform(program, uniforms, name, value)

    def _pack_frame(self, values: dict) -> None:
        """Put Frame block members (name -> float, floats or a flat array) where FRAME_LAYOUT
        says, in the array ``_write_frame_block`` uploads."""
        data = self._frame_data
        for name, value in values.items():
            first, count = FRAME_LAYOUT[name]
            data[first : first + count] = value

    def _write_frame_block(self) -> None:
        """Upload the packed Frame block to its buffer when it changed (orphaned first, so a
        frame still being drawn from the old values is not waited for), and bind it for this
        frame's programs."""
        payload = self._frame_data.tobytes()
        if payload != self._frame_payload:
            self._frame_buffer.orphan()
            self._frame_buffer.write(payload)
            self._frame_payload = payload
        self._frame_buffer.bind_to_uniform_block(FRAME_BINDING)

    @staticmethod
    def _set_uniform(program, uniforms: dict, name: str, value: object) -> None:  # noqa: ANN001
        """Write one uniform of ``program`` unless ``uniforms`` (its last values) has it already."""
        if isinstance(value, np.ndarray):
            value = np.ascontiguousarray(value).tobytes()
        entry = uniforms.get(name)
        if entry is None:  # [member or None (optimised out, or unused by this pass), last]
            entry = uniforms[name] = [program.get(name, None), _UNSET]
        member, last = entry
        if member is None or (type(last) is type(value) and last == value):
            return
        if isinstance(value, bytes):
            member.write(value[: active_bytes(member)])
        else:
            member.value = value
        entry[1] = value

    def release(self) -> None:
        """Free every GL object this renderer made."""
        self._release_targets()
        for resource in (
            *self._instance_vaos.values(),
            *self._instance_buffers.values(),
            *(vao for _, vao in self._particle_vaos.values()),
            *self._particle_buffers.values(),
            *(buffer for meshes in self._body_meshes.values() for buffer, _ in meshes),
            *(buffer for buffer, _ in self._agent_meshes),
            *(resource for pair in self._effects.values() for resource in pair),
            self._outline_buffer,
            self._frame_buffer,
            self._sun_vao,
            self._copy_vao,
            self._overlay_vao,
            self._overlay_buffer,
            self._overlay_texture,
            *self._programs.values(),
        ):
            if resource is not None:
                resource.release()
        self._uniforms.clear()
        self._ground_values = None
        self._frame_payload = b""
        self._instance_vaos.clear()
        self._instance_buffers.clear()
        self._particle_vaos.clear()
        self._particle_buffers.clear()
        self._overlay_texture = self._overlay_vao = self._overlay_buffer = None
        self._overlay_source = None
        if self._grid is not None:
            self._grid.release()
            self._grid = None
        if self._noise_texture is not None:
            self._noise_texture.release()
            self._noise_texture = None
        if self._fine_texture is not None:
            self._fine_texture.release()
            self._fine_texture = None
            self._fine_baked = None


FROZEN_RATE = 0.02
"""Clock rates from 0 up to this look frozen (ice) in the effects pass."""


def rate_tint(rate: float) -> tuple[float, float, float]:
    """The colour a time field is tinted with, by its clock rate: violet backward, ice frozen,
    blue slow, orange to red fast."""
    if rate < 0.0:
        return (0.85, 0.25, 1.0)
    if rate < FROZEN_RATE:
        return (0.75, 0.92, 1.0)
    if rate < 1.0:
        start, end, share = (0.2, 0.55, 1.0), (0.55, 0.8, 1.0), rate  # slow: blue
    else:
        start, end = (1.0, 0.75, 0.3), (1.0, 0.35, 0.15)  # fast: orange to red
        share = min(max((rate - 1.0) / 4.0, 0.0), 1.0)
    red, green, blue = (a + (b - a) * share for a, b in zip(start, end, strict=True))
    return (red, green, blue)


DETAIL_BELOW_PIXELS = (24.0, 8.0)
"""Bodies whose bounding radius on screen is under these many pixels are drawn with the
"medium" and the "coarse" meshes (MESH_DETAILS): their polygon edges stay within half a pixel
of the smooth outline."""


def pixels_per_radian(eye: Eye, common: dict) -> float:
    """Pixels per radian at the centre of the frame being drawn."""
    return float(common["u_viewport"][3]) * 0.5 * float(eye.projection[1, 1])


def body_details(radii: np.ndarray, distances: np.ndarray, pixels_per_radian: float) -> np.ndarray:
    """(N,) int: for each body (radius, distance from the eye in metres), the index in
    MESH_DETAILS of the meshes it is drawn with, by its size on screen."""
    radii = np.asarray(radii, np.float64)
    distances = np.maximum(np.asarray(distances, np.float64), 1e-300)
    pixels = radii * BODY_BOUNDING_RADIUS / distances * pixels_per_radian
    medium_below, coarse_below = DETAIL_BELOW_PIXELS
    # 0 (full), 1 (medium) or 2 (coarse): how many of the limits the body is under.
    return np.add(pixels < medium_below, pixels < coarse_below, dtype=np.int64)


def octave_weight(relative_level: float) -> float:
    """The ground's weight (before normalising) of the noise octave whose wavelength is
    2**relative_level explorer heights: it vanishes at both ends of (-4, 3), so octaves come and
    go smoothly as the explorer changes size."""
    if not -4 < relative_level < 3:
        return 0.0
    return math.sin(math.pi * (relative_level + 4.0) / 7.0) ** 2


@functools.lru_cache(maxsize=16)
def vertex_octave_lattices(seed: int, first_octave: int) -> tuple[bytes, bytes]:
    """The ground's per-vertex octaves' lattice keys (uint32) and means (float32), from the one
    of wavelength 2**first_octave m on: the bytes of its ``u_octave_key`` and ``u_octave_mean``."""
    octaves = range(first_octave, first_octave + 4)
    keys = np.array([octave_key(seed, octave) for octave in octaves], np.uint32)
    means = np.array([octave_mean(seed, octave) for octave in octaves], np.float32)
    return keys.tobytes(), means.tobytes()


def fine_handover(fraction: float) -> float:
    """How much of the coarsest fine octave (the ground's octave 4, 2**(4 - fraction) times
    finer than the explorer) the fine pattern draws, the vertices the rest, as the explorer's
    size grows through a doubling (``fraction``: 0..1 of it). It comes from the vertices at 0 and
    is the fine pattern's from HANDOVER_SPAN on (the next doubling makes it octave 3, wholly
    fine): so the octave never changes hands at once. The vertices fade it out where they are
    too sparse for it, so far away it comes in over the span; a short span keeps the ground's
    contrast there."""
    return min(1.0, fraction / HANDOVER_SPAN)


@functools.lru_cache(maxsize=4 * (FINE_WEIGHT_STEPS + HANDOVER_STEPS))
def _fine_shares_at(step: int, handed_step: int) -> tuple[float, float, float, float]:
    fraction = step / FINE_WEIGHT_STEPS
    weights = [octave_weight(k - 4 - fraction) for k in range(1, 5)]
    weights[3] *= handed_step / HANDOVER_STEPS
    total = sum(weights)
    first, second, third, fourth = (weight / total for weight in weights)
    return first, second, third, fourth


def fine_shares(level: float) -> tuple[float, float, float, float]:
    """The ground's fine octaves' (1..4) shares of their sum (octave 4's handed part,
    ``fine_handover``, only), for an explorer of size 2**level: the octaves' weights at the
    nearest of FINE_WEIGHT_STEPS steps per doubling, the handed part at the nearest of
    HANDOVER_STEPS: what the fine pattern is baked with. They depend only on level's fractional
    part (octave k's relative level is k - 4 - it)."""
    fraction = level - math.floor(level)
    handed = fine_handover(fraction)
    return _fine_shares_at(round(fraction * FINE_WEIGHT_STEPS), round(handed * HANDOVER_STEPS))


def screen_grid_points(width: int, height: int, step: int = GRID_PIXELS) -> tuple:
    """(V, 2) float32 NDC points every ``step`` pixels over a frame (edges included) and the
    (T, 3) uint32 vertex indices of the triangles between them."""
    xs = np.minimum(np.arange(0, width + step, step), width) / width * 2.0 - 1.0
    ys = np.minimum(np.arange(0, height + step, step), height) / height * 2.0 - 1.0
    xs, ys = np.unique(xs), np.unique(ys)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(np.float32)
    columns = len(xs)
    corner = (np.arange(len(ys) - 1)[:, None] * columns + np.arange(columns - 1)[None, :]).ravel()
    quads = np.stack([corner, corner + 1, corner + columns + 1, corner + columns], axis=1)
    triangles = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    return points, triangles.astype(np.uint32)


FOG_SPAN = 0.25
"""Most fog optical depth (fog density x distance) that a ground triangle may span and still be
fogged per vertex: interpolating exp(-x) linearly over a span x errs by up to about x^2 / 8."""


def ground_distances(
    points: np.ndarray, inverse_view_projection: np.ndarray, eye_height: float, extent: float
) -> np.ndarray:
    """(V,) distances (m) from the eye to the ground point each NDC point of ``points`` sees, as
    shaders/ground.glsl places it: rays above the horizon (or beyond the plane's edge, ``extent``
    metres away across) end at the edge. ``points`` are (V, 2) NDC x, y, or the same points
    already as (V, 4) clip points on the far plane (``far_clip_points``)."""
    if points.shape[1] == 2:
        points = far_clip_points(points)
    far = points @ np.asarray(inverse_view_projection, np.float64).T
    direction = far[:, :3] / far[:, 3:4]
    direction /= np.sqrt(np.add.reduce(direction * direction, axis=1, keepdims=True))
    across = np.maximum(np.hypot(direction[:, 0], direction[:, 2]), 1e-6)
    downward = direction[:, 1] < 0.0
    along = np.divide(eye_height, -direction[:, 1], out=np.full(len(far), np.inf), where=downward)
    along = np.minimum(along, extent / across)
    return np.hypot(across * along, eye_height)


def far_clip_points(points: np.ndarray) -> np.ndarray:
    """(V, 2) NDC x, y -> (V, 4) float64 clip points x, y, 0, 1 (NDC z 0 is infinitely far)."""
    clip = np.zeros((len(points), 4))
    clip[:, :2] = points
    clip[:, 3] = 1.0
    return clip


def fog_varies(triangles: np.ndarray, distances: np.ndarray, fog_density: float) -> np.ndarray:
    """(T,) bool: the triangles (vertex indices) over which the fog's optical depth changes by
    more than FOG_SPAN, so that it must be worked out per pixel."""
    depths = distances[triangles] * fog_density
    return (depths.max(axis=1) - depths.min(axis=1)) > FOG_SPAN


_UNSET = object()  # a uniform not yet set by ``Renderer._apply``
_NOT_TIMED = contextlib.nullcontext()  # ``Renderer._timed`` when pass times are not recorded


class ScreenGrid:
    """The screen grid's buffers and the vertex arrays of the programs drawn over it. Its triangles
    can be reordered (``order_ground``) so the ground can draw two ranges with two programs."""

    def __init__(self, ctx, size: tuple[int, int], ground: tuple, sky) -> None:  # noqa: ANN001
        points, triangles = screen_grid_points(*size)
        self.size = size
        self.points_clip = far_clip_points(points)  # for ``ground_distances``, every frame
        self.triangles = triangles
        self._last = np.zeros(len(triangles), bool)  # the split the index buffer holds
        self.smooth = len(triangles)  # how many triangles come before that split
        self.split_from: tuple | None = None  # what the renderer worked the split out from
        self.points = ctx.buffer(points.tobytes())
        self.indices = ctx.buffer(triangles.tobytes())
        self.ground, self.ground_pixel_fog = (
            ctx.vertex_array(program, [(self.points, "2f", "in_ndc")], self.indices, 4)
            for program in ground
        )
        self.sky = ctx.vertex_array(sky, [(self.points, "2f", "in_ndc")], self.indices, 4)

    def order_ground(self, last: np.ndarray) -> int:
        """Put the triangles where ``last`` is set after the others (each part keeping its order,
        near rows first) and return how many come first. The sky draws them all, in any order."""
        if not np.array_equal(last, self._last):  # the same split gives the same order
            order = np.concatenate([self.triangles[~last], self.triangles[last]])
            self.indices.write(order)
            self._last = last
        self.smooth = len(last) - int(np.count_nonzero(last))
        return self.smooth

    def release(self) -> None:
        for resource in (self.ground, self.ground_pixel_fog, self.sky, self.points, self.indices):
            resource.release()


class _PassTimer:
    """Adds a pass's wall time, between two glFinish calls, to ``times[name]`` (if times)."""

    def __init__(self, ctx, times: dict[str, list[float]] | None, name: str) -> None:  # noqa: ANN001
        self.ctx, self.times, self.name = ctx, times, name
        self.start = 0.0

    def __enter__(self) -> None:
        if self.times is not None:
            self.ctx.finish()
            self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        if self.times is not None:
            self.ctx.finish()
            self.times.setdefault(self.name, []).append(time.perf_counter() - self.start)


@dataclass(frozen=True)
class FieldInView:
    """A time field on screen, as the effects pass needs it."""

    distance: float  # eye to centre (m)
    centre: np.ndarray  # (3,) relative to the eye (m)
    half_size: np.ndarray  # (3,) boxes: half edge lengths; spheres: (r, r, r)
    is_box: bool
    rate: float
    local_time: float  # the field's clock, wrapped to an hour
    bounds: tuple[float, float, float, float]  # NDC x0, y0, x1, y1 it may cover
    view: int = 0  # its index in the snapshot's time_fields

    def at(self, view: TimeFieldView) -> FieldInView:
        """This field with the clock of ``view`` (the same field in another snapshot)."""
        return FieldInView(
            self.distance,
            self.centre,
            self.half_size,
            self.is_box,
            float(view.rate),
            float(math.fmod(view.local_time, 3600.0)),
            self.bounds,
            self.view,
        )


def above_ground_box(
    centre: np.ndarray, half_size: np.ndarray, eye: Eye
) -> tuple[bool, tuple[np.ndarray, np.ndarray] | None]:
    """Whether any of a field (centre relative to the eye, half edge lengths of a box around
    it) may show above the ground, and the box (centre, half edge lengths) of its part above
    the ground when the ground hides the rest (None: the ground hides none of it)."""
    height = float(eye.position[1])
    reach = math.hypot(float(centre[0]), float(centre[2])) + float(max(half_size[0], half_size[2]))
    ground = -height  # the ground's y relative to the eye
    bottom, top = float(centre[1] - half_size[1]), float(centre[1] + half_size[1])
    if height <= 0.0 or reach >= eye.size * GROUND_EXTENT_PER_SIZE or bottom >= ground:
        return True, None
    if top <= ground:
        return False, None
    above_centre = np.array([centre[0], 0.5 * (ground + top), centre[2]], np.float64)
    above_half = np.array([half_size[0], 0.5 * (top - ground), half_size[2]], np.float64)
    return True, (above_centre, above_half)


def cut_bounds(
    bounds: tuple[float, float, float, float],
    above: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float] | None:
    """``bounds`` cut to the rectangle ``above`` (None: empty); None when nothing is left."""
    if above is None:
        return None
    cut = (
        max(bounds[0], above[0]),
        max(bounds[1], above[1]),
        min(bounds[2], above[2]),
        min(bounds[3], above[3]),
    )
    return cut if cut[0] < cut[2] and cut[1] < cut[3] else None


def overlapping_groups(
    fields: Sequence[FieldInView],
) -> list[tuple[list[FieldInView], tuple[float, float, float, float]]]:
    """The fields in groups whose screen rectangles overlap (nearest first in each), each
    group with the rectangle covering it; rectangles of different groups do not overlap."""
    groups = [([field], field.bounds) for field in fields]
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                a, b = groups[i][1], groups[j][1]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    members = sorted(groups[i][0] + groups[j][0], key=lambda f: f.distance)
                    union = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    groups[i] = (members, union)
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    return groups


def pixel_region(
    bounds: tuple[float, float, float, float], size: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """Pixels (x, y, width, height in a viewport of ``size``) covering NDC ``bounds``, with a
    pixel of margin (the bounds are of a box, rasterised at pixel centres); None if empty."""
    width, height = size
    left = max(0, math.floor((bounds[0] + 1.0) * 0.5 * width) - 1)
    bottom = max(0, math.floor((bounds[1] + 1.0) * 0.5 * height) - 1)
    right = min(width, math.ceil((bounds[2] + 1.0) * 0.5 * width) + 1)
    top = min(height, math.ceil((bounds[3] + 1.0) * 0.5 * height) + 1)
    if right <= left or top <= bottom:
        return None
    return (left, bottom, right - left, top - bottom)


def screen_bounds(
    view_projection: np.ndarray, centre: np.ndarray, half_size: np.ndarray
) -> tuple[float, float, float, float] | None:
    """NDC rectangle (x0, y0, x1, y1) covering a box (centre relative to the eye, half edge
    lengths), clipped to the screen; the whole screen when the box reaches behind the eye plane;
    None when it is wholly behind the eye or off screen."""
    corners = np.ones((8, 4))
    corners[:, :3] = centre + _BOX_CORNERS * half_size
    clip = corners @ view_projection.T  # (8, 4)
    # Called for fields every frame: ufunc reductions, which skip the array methods' overhead.
    in_front = clip[:, 3] > 1e-9 * max(1.0, float(np.maximum.reduce(np.abs(clip[:, 3]))))
    if not np.logical_or.reduce(in_front):
        return None
    if not np.logical_and.reduce(in_front):
        return (-1.0, -1.0, 1.0, 1.0)
    ndc = clip[:, :2] / clip[:, 3:4]
    low_x, low_y = np.maximum(np.minimum.reduce(ndc, axis=0), -1.0).tolist()
    high_x, high_y = np.minimum(np.maximum.reduce(ndc, axis=0), 1.0).tolist()
    if high_x <= low_x or high_y <= low_y:
        return None
    return (low_x, low_y, high_x, high_y)


def all_screen_bounds(
    view_projection: np.ndarray, boxes: Sequence[tuple[np.ndarray, np.ndarray]]
) -> list[tuple[float, float, float, float] | None]:
    """``screen_bounds`` of each box (centre, half edge lengths): a single box on its own,
    more in one batch (``boxes_screen_bounds``, which gives the same bounds)."""
    if not boxes:
        return []
    if len(boxes) == 1:
        return [screen_bounds(view_projection, *boxes[0])]
    return boxes_screen_bounds(view_projection, boxes)


def boxes_screen_bounds(
    view_projection: np.ndarray, boxes: Sequence[tuple[np.ndarray, np.ndarray]]
) -> list[tuple[float, float, float, float] | None]:
    """``screen_bounds`` of each box (centre, half edge lengths), equal to it bit for bit, with
    all the boxes projected in one set of numpy calls."""
    count = len(boxes)
    centres = np.array([centre for centre, _ in boxes], np.float64)[:, None, :]
    halves = np.array([half for _, half in boxes], np.float64)[:, None, :]
    corners = np.ones((count, 8, 4))
    corners[:, :, :3] = centres + _BOX_CORNERS * halves
    clip = (corners.reshape(count * 8, 4) @ view_projection.T).reshape(count, 8, 4)
    w = clip[:, :, 3]
    floor = 1e-9 * np.maximum(np.maximum.reduce(np.abs(w), axis=1), 1.0)
    in_front = w > floor[:, None]
    any_in_front = np.logical_or.reduce(in_front, axis=1).tolist()
    all_in_front = np.logical_and.reduce(in_front, axis=1)
    # Boxes partly behind the eye are not divided (their w may be 0); their rows go unused.
    ndc = clip[:, :, :2] / np.where(all_in_front[:, None], w, 1.0)[:, :, None]
    lows = np.maximum(np.minimum.reduce(ndc, axis=1), -1.0).tolist()
    highs = np.minimum(np.maximum.reduce(ndc, axis=1), 1.0).tolist()
    bounds: list[tuple[float, float, float, float] | None] = []
    for shows, whole, (low_x, low_y), (high_x, high_y) in zip(
        any_in_front, all_in_front.tolist(), lows, highs, strict=True
    ):
        if not shows or (whole and (high_x <= low_x or high_y <= low_y)):
            bounds.append(None)
        elif not whole:
            bounds.append((-1.0, -1.0, 1.0, 1.0))
        else:
            bounds.append((low_x, low_y, high_x, high_y))
    return bounds


def sphere_screen_bounds(
    projection: np.ndarray, rotation_view: np.ndarray, centre: np.ndarray, radius: float
) -> tuple[float, float, float, float] | None:
    """NDC rectangle (x0, y0, x1, y1) exactly covering a sphere (centre relative to the eye),
    clipped to the screen: tighter than its bounding box's (up to 3x less area to shade). None
    when the sphere is wholly behind the eye or off screen."""
    projection = np.asarray(projection, np.float64)
    x, y, z = np.asarray(rotation_view, np.float64)[:3, :3] @ np.asarray(centre, np.float64)
    if z > radius:
        return None  # wholly behind the eye
    bounds = []
    for across, scale, shift in (
        (x, projection[0, 0], projection[0, 2]),
        (y, projection[1, 1], projection[1, 2]),
    ):
        # The planes through the eye tangent to the sphere, seen edge on: angles from forward.
        reach = math.hypot(across, z)
        if reach <= radius:
            bounds.append((-1.0, 1.0))  # the eye is between them: this axis is unbounded
            continue
        middle = math.atan2(across, -z)
        half_angle = math.asin(radius / reach)
        ends = []
        for angle, unbounded in ((middle - half_angle, -1.0), (middle + half_angle, 1.0)):
            if abs(angle) >= math.pi / 2:
                ends.append(unbounded * math.inf)
            else:
                ends.append(scale * math.tan(angle) - shift)  # x / -z to NDC
        bounds.append((max(ends[0], -1.0), min(ends[1], 1.0)))
    (x0, x1), (y0, y1) = bounds
    if x1 <= x0 or y1 <= y0:
        return None
    return (float(x0), float(y0), float(x1), float(y1))


def field_looks(fields: Sequence[FieldInView]) -> tuple[int, int, int]:
    """Bit masks (bit i: ``fields[i]``) of the fields that are boxes, whose clocks run
    backward, and that are frozen: what the effects pass is compiled for."""
    boxes = backward = frozen = 0
    for index, field in enumerate(fields):
        boxes |= int(field.is_box) << index
        backward |= int(field.rate < 0.0) << index
        frozen |= int(0.0 <= field.rate < FROZEN_RATE) << index
    return boxes, backward, frozen


OUTLINE_SIDES = 24  # of the polygon around a sphere's outline on screen
OUTLINE_BUFFER_VERTICES = MAX_TIME_FIELDS * OUTLINE_SIDES
WHOLE_SCREEN = np.array([(-1.0, -1.0), (3.0, -1.0), (-1.0, 3.0)])  # one triangle (NDC)
_OUTLINE_ANGLES = np.arange(OUTLINE_SIDES)[:, None] * (2.0 * math.pi / OUTLINE_SIDES)
_OUTLINE_COS, _OUTLINE_SIN = np.cos(_OUTLINE_ANGLES), np.sin(_OUTLINE_ANGLES)
_BOX_CORNERS = np.array([(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
_BOX_CORNERS_AND_ONE = np.concatenate([_BOX_CORNERS, np.ones((8, 1))], axis=1)
_OUTLINE_BASIS = np.concatenate([np.ones((OUTLINE_SIDES, 1)), _OUTLINE_COS, _OUTLINE_SIN], axis=1)


def field_outline(
    field: FieldInView, projection: np.ndarray, rotation_view: np.ndarray
) -> np.ndarray | None:
    """A convex polygon (N, 2) in NDC that holds every pixel whose ray meets ``field``, or None
    when the eye is in or next to it or the field reaches behind the eye plane (the caller
    then shades the field's whole screen rectangle). A sphere's polygon is the projection of a
    regular polygon around the circle where the eye's lines of sight touch it; a box's is the
    convex hull of its projected corners."""
    # Called for every field a frame the eye moves, so the geometry is done in plain floats and
    # folded into one small matrix: the polygon's clip coordinates are then a single product.
    projection = np.asarray(projection, np.float64)
    rotation = np.asarray(rotation_view, np.float64)[:3, :3]
    half_size = np.asarray(field.half_size, np.float64)
    if field.is_box:
        centre, half = np.asarray(field.centre, np.float64).tolist(), half_size.tolist()
        if all(abs(c) <= h * 1.01 for c, h in zip(centre, half, strict=True)):
            return None  # the eye is in the box
        # clip = (corner signs * half) @ (P R)^T + P R centre + P's translation column
        turned = projection[:, :3] @ rotation  # (4, 3)
        fold = np.empty((4, 4))
        fold[:3] = turned.T * half_size[:, None]
        fold[3] = turned @ np.asarray(field.centre, np.float64) + projection[:, 3]
        clip = _BOX_CORNERS_AND_ONE @ fold
    else:
        (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = rotation.tolist()
        cx, cy, cz = np.asarray(field.centre, np.float64).tolist()
        x = r00 * cx + r01 * cy + r02 * cz  # the centre in view space
        y = r10 * cx + r11 * cy + r12 * cz
        z = r20 * cx + r21 * cy + r22 * cz
        radius = float(half_size[0])
        distance = math.sqrt(x * x + y * y + z * z)
        if distance <= radius * 1.01:
            return None
        # The circle of contact: its centre on the axis, its radius from the right triangle
        # eye - sphere centre - contact point.
        shrink = 1.0 - (radius / distance) ** 2
        reach = radius * math.sqrt(distance**2 - radius**2) / distance
        reach *= 1.001 / math.cos(math.pi / OUTLINE_SIDES)  # the polygon around the circle
        # Two unit vectors across the axis: u is axis x (y or x), v is axis x u.
        ax, ay, az = x / distance, y / distance, z / distance
        ux, uy, uz = (-az, 0.0, ax) if abs(ay) < 0.9 else (0.0, az, -ay)
        length = math.sqrt(ux * ux + uy * uy + uz * uz)
        ux, uy, uz = ux / length, uy / length, uz / length
        vx, vy, vz = ay * uz - az * uy, az * ux - ax * uz, ax * uy - ay * ux
        # Points are middle + reach (cos u + sin v): rows for (1, cos, sin), then projected.
        fold = (
            np.array(
                (
                    (x * shrink, y * shrink, z * shrink),
                    (reach * ux, reach * uy, reach * uz),
                    (reach * vx, reach * vy, reach * vz),
                )
            )
            @ projection[:, :3].T
        )
        fold[0] += projection[:, 3]
        clip = _OUTLINE_BASIS @ fold
    w = clip[:, 3]
    if float(np.minimum.reduce(w)) <= 1e-6 * max(1.0, float(np.maximum.reduce(np.abs(w)))):
        return None  # part of it is behind the eye plane: its projection is not bounded
    ndc = clip[:, :2] / clip[:, 3:4]
    if field.is_box:
        ndc = convex_hull(ndc)
    return ndc


def convex_hull(points: np.ndarray) -> np.ndarray:
    """The convex hull of 2-D ``points``, counter-clockwise (Andrew's monotone chain)."""
    ordered = sorted(map(tuple, np.asarray(points, np.float64).tolist()))

    def half(sequence: list) -> list:
        chain: list = []
        for point in sequence:
            while (
                len(chain) >= 2
                and (
                    (chain[-1][0] - chain[-2][0]) * (point[1] - chain[-2][1])
                    - (chain[-1][1] - chain[-2][1]) * (point[0] - chain[-2][0])
                )
                <= 0.0
            ):
                chain.pop()
            chain.append(point)
        return chain

    lower, upper = half(ordered), half(ordered[::-1])
    return np.array(lower[:-1] + upper[:-1], np.float64)


OVERLAY_TILE = 32
"""Pixels per side of the tiles the overlay is cut into to find its visible parts."""


def overlay_rectangles(overlay: np.ndarray, tile: int = OVERLAY_TILE) -> np.ndarray:
    """(N, 4) int: x0, y0, x1, y1 (pixels, top row first, end exclusive) of rectangles covering
    every pixel of ``overlay`` (H, W, 4 premultiplied RGBA) that is not fully transparent: runs
    of tiles along each row of tiles, so a HUD is blended over its text, not the whole frame."""
    height, width = overlay.shape[:2]
    rows, columns = -(-height // tile), -(-width // tile)
    alpha = np.zeros((rows * tile, columns * tile), bool)
    alpha[:height, :width] = overlay[..., 3] != 0
    tiles = alpha.reshape(rows, tile, columns, tile)
    occupied = np.asarray(tiles.any(axis=(1, 3)))  # (rows, columns)
    rectangles = []
    for row in range(rows):
        line = np.concatenate([[False], occupied[row], [False]])
        changes = np.flatnonzero(line[1:] != line[:-1])  # run starts and ends, alternating
        for start, end in zip(changes[::2], changes[1::2], strict=True):
            rectangles.append(
                (
                    start * tile,
                    row * tile,
                    min(end * tile, width),
                    min((row + 1) * tile, height),
                )
            )
    return np.asarray(rectangles, np.int64).reshape(-1, 4)


def park_framebuffer(ctx) -> None:  # noqa: ANN001 - moderngl.Context
    """Bind a 1x1 framebuffer kept for the context's lifetime, so that a framebuffer about to be
    released is not the bound one: moderngl restores the bound framebuffer after creating the
    next one, and restoring a released one (or a surfaceless EGL default) is a GL error."""
    extra = ctx.extra if isinstance(ctx.extra, dict) else {}
    parking = extra.get("heterocosm_parking")
    if parking is None:
        parking = ctx.framebuffer([ctx.renderbuffer((1, 1), 4)])
        extra["heterocosm_parking"] = parking
        ctx.extra = extra
    parking.use()


def camera_from_snapshot(snapshot: Snapshot) -> Camera:
    """The explorer's own eye."""
    explorer = snapshot.explorer
    return Camera(
        position=point3(explorer.position),
        yaw=float(explorer.yaw),
        pitch=float(explorer.pitch),
        size=float(explorer.size),
    )
