"""The scene renderer: draws a ``Snapshot`` into any moderngl framebuffer.

Owns: GPU resources for one world on one context (programs, meshes, instance buffers, the HDR
scene target) and the fixed order of passes in a frame:

1. ground         seeded procedural plane at y = 0, logarithmic depth
2. bodies         instanced meshes per shape; light delay, Doppler colour, beaming, temporal Doppler
3. agents         instanced silhouettes
4. sky            full-screen at depth 1: only where nothing opaque was drawn
5. particles      points from the simulation's GPU buffers (blended, no depth write)
6. post           time-field volumes, scale-band tint, reversed-time look, tone map -> target
7. overlay        HUD / subtitles / errors (an RGBA image from ``engine.render.hud``), if given

Reads a Snapshot and the WorldSpec; never the simulation's internals. Creates GL objects only in
``__init__`` and on first use, with the context passed in; ``release()`` frees them all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.render import relativity
from engine.render.camera import (
    FAR_PER_SIZE,
    NEAR_PER_SIZE,
    Camera,
    gl_bytes,
    split_double,
)
from engine.render.meshes import AGENT_SHAPES, agent_meshes, body_meshes
from engine.render.shaders import load_program
from engine.rules.common import colour_to_rgb
from engine.rules.world import WorldSpec
from engine.sim.snapshot import Snapshot

MINIMUM_GL_VERSION = 330
MAX_TIME_FIELDS = 8
GROUND_OCTAVES = 8
REFERENCE_SIZE = 1.7
"""Explorer height (m) at which the world's fog density applies unchanged."""
INSTANCE_FLOATS = 13  # offset 3, scale 1, colour 3, glow 1, doppler 1, phase 1, yaw 1, pad 2
INSTANCE_FORMAT = "3f 1f 3f 1f 1f 1f 1f 8x/i"
INSTANCE_ATTRIBUTES = (
    "in_offset",
    "in_scale",
    "in_colour",
    "in_glow",
    "in_doppler",
    "in_phase",
    "in_yaw",
)


class RenderError(RuntimeError):
    """An expected rendering failure (no context, GL too old, a GL error): message, no traceback."""


def linear_rgb(colour: str) -> np.ndarray:
    """'#rrggbb' (sRGB) -> linear RGB float32 (3,)."""
    return np.power(np.asarray(colour_to_rgb(colour), np.float32), 2.2)


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
        self._programs = {
            name: load_program(ctx, name)
            for name in ("sky", "ground", "bodies", "particles", "post", "hud")
        }
        self._empty_vao = ctx.vertex_array(self._programs["sky"], [])
        self._ground_vao = ctx.vertex_array(self._programs["ground"], [])
        self._post_vao = ctx.vertex_array(self._programs["post"], [])
        self._hud_vao = ctx.vertex_array(self._programs["hud"], [])
        self._body_meshes = [self._mesh_buffer(mesh) for mesh in body_meshes()]
        self._agent_meshes = [self._mesh_buffer(mesh) for mesh in agent_meshes()]
        self._instance_buffers: dict[tuple[str, int], object] = {}
        self._instance_vaos: dict[tuple[str, int], object] = {}
        self._particle_buffers: dict[int, object] = {}
        self._target_size: tuple[int, int] | None = None
        self._scene_colour = self._scene_depth = self._scene_fbo = None
        self._overlay_texture = None
        self.set_world(world)

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
        self._fields_by_name = {field.name: field for field in world.time.fields}

    # ------------------------------------------------------------------ frame
    def render(
        self,
        snapshot: Snapshot,
        framebuffer,  # noqa: ANN001 - moderngl.Framebuffer
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
        framebuffer,  # noqa: ANN001 - moderngl.Framebuffer
        eye: Eye,
        overlay: np.ndarray | None = None,
    ) -> None:
        """Draw ``snapshot`` from ``eye`` into ``framebuffer`` (its viewport), overlay on top.

        ``overlay`` is an (H, W, 4) uint8 premultiplied RGBA image, top row first, or None.
        """
        ctx = self.ctx
        x, y, width, height = framebuffer.viewport
        self._ensure_target(width, height)
        view_projection = eye.projection.astype(np.float64) @ eye.rotation_view.astype(np.float64)
        inverse_view_projection = np.linalg.inv(view_projection).astype(np.float32)
        common = {
            "m_proj": gl_bytes(eye.projection),
            "m_view": gl_bytes(eye.rotation_view),
            "m_inverse_view_proj": gl_bytes(inverse_view_projection),
            "u_depth_range": (eye.size * NEAR_PER_SIZE * 0.5, eye.size * FAR_PER_SIZE),
            "u_fog_density": self._fog_density(eye.size),
            "u_seed_offset": self._seed_offset,
            **self._atmosphere,
        }

        scene = self._scene_fbo
        scene.use()
        ctx.disable(ctx.BLEND)
        ctx.disable(ctx.CULL_FACE)
        scene.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
        ctx.enable(ctx.DEPTH_TEST)
        ctx.depth_func = "<"
        self._draw_ground(common, eye)
        self._draw_bodies(snapshot, common, eye)
        self._draw_agents(snapshot, common, eye)
        # The sky after the opaque passes: at depth 1 it fills only what they left empty.
        ctx.depth_func = "<="
        ctx.depth_mask = False
        self._apply(self._programs["sky"], common)
        self._empty_vao.render(mode=ctx.TRIANGLES, vertices=3)
        ctx.depth_mask = True
        ctx.depth_func = "<"
        self._draw_particles(snapshot, common, eye, height)
        ctx.disable(ctx.DEPTH_TEST)

        framebuffer.use()
        ctx.disable(ctx.BLEND)
        self._draw_post(snapshot, common, eye)
        if overlay is not None:
            self._draw_overlay(overlay)
        ctx.disable(ctx.BLEND)

    # ------------------------------------------------------------------ passes
    def _fog_density(self, size: float) -> float:
        # The world's fog applies at human size; giants see through thinner air (or the world
        # would vanish at kilometre scale), and every scale keeps a horizon a few thousand
        # body-heights away.
        density = self.world.light.fog_density / max(1.0, size / REFERENCE_SIZE)
        return float(max(density, 1.0 / (size * 3000.0)))

    def _draw_ground(self, common: dict, eye: Eye) -> None:
        program = self._programs["ground"]
        size = eye.size
        level = math.log2(size)
        base = math.floor(level) - 4
        eye_xz = eye.position[[0, 2]]
        offsets, wavelengths, weights = [], [], []
        for k in range(GROUND_OCTAVES):
            wavelength = 2.0 ** (base + k)
            offset = np.mod(eye_xz / wavelength, 256.0)
            relative_level = (base + k) - level  # in (-5, 3]: weight vanishes at both ends
            weight = (
                math.sin(math.pi * (relative_level + 4.0) / 7.0) ** 2
                if -4 < relative_level < 3
                else 0.0
            )
            offsets.extend(offset.astype(np.float32))
            wavelengths.append(wavelength)
            weights.append(weight)
        decade = math.log10(size)
        grid_offsets, spacings, grid_weights = [], [], []
        for k in range(3):
            exponent = math.floor(decade) + k
            spacing = 10.0**exponent
            relative_level = exponent - decade  # in (-1, 2]
            grid_offsets.extend(np.mod(eye_xz / spacing, 1.0).astype(np.float32))
            spacings.append(spacing)
            grid_weights.append(math.sin(math.pi * (relative_level + 1.0) / 3.0) ** 2)
        self._apply(
            program,
            {
                **common,
                "u_eye_height": float(eye.position[1]),
                "u_extent": float(size * 2.0e4),
                "u_ground_colour": self._ground_colour,
                "u_octave_offset": np.asarray(offsets, np.float32),
                "u_octave_wavelength": np.asarray(wavelengths, np.float32),
                "u_octave_weight": np.asarray(weights, np.float32),
                "u_grid_offset": np.asarray(grid_offsets, np.float32),
                "u_grid_spacing": np.asarray(spacings, np.float32),
                "u_grid_weight": np.asarray(grid_weights, np.float32),
            },
        )
        if eye.position[1] > 0.0:
            self._ground_vao.render(mode=self.ctx.TRIANGLE_STRIP, vertices=4)

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
        distances = np.linalg.norm(relative, axis=1)
        speed_of_light = snapshot.speed_of_light
        doppler = relativity.doppler_factor(velocities, eye.velocity, -relative, speed_of_light)
        local_rate = np.asarray(bodies.local_rate, np.float64)
        phase = np.asarray(bodies.proper_time, np.float64)
        if light.show_temporal_doppler:
            # A clock seen by light that left it distance/c ago: as the distance shrinks the seen
            # clock runs fast, as it grows it runs slow (temporal Doppler), to first order.
            phase = phase - distances / speed_of_light * local_rate
        rows = np.zeros((count, INSTANCE_FLOATS), np.float32)
        rows[:, 0:3] = relative.astype(np.float32)
        rows[:, 3] = bodies.radii
        rows[:, 4:7] = np.power(np.clip(bodies.colours, 0.0, None), 2.2)
        rows[:, 7] = bodies.glow
        rows[:, 8] = doppler
        rows[:, 9] = np.mod(phase, 3600.0)  # long-running clocks stay precise in float32
        rows[:, 10] = np.mod(phase * 0.35, 2.0 * math.pi)  # slow spin, on the seen clock
        return rows, np.asarray(bodies.shapes)

    def _draw_instances(
        self, kind: str, meshes: Sequence[tuple[object, int]], rows: np.ndarray, codes: np.ndarray
    ) -> None:
        program = self._programs["bodies"]
        for code, (mesh_buffer, vertex_count) in enumerate(meshes):
            selected = rows[codes == code]
            if len(selected) == 0:
                continue
            key = (kind, code)
            data = np.ascontiguousarray(selected, np.float32).tobytes()
            buffer = self._instance_buffers.get(key)
            if buffer is None or buffer.size < len(data):
                if buffer is not None:
                    buffer.release()
                    self._instance_vaos.pop(key).release()
                buffer = self.ctx.buffer(reserve=max(len(data), 4096), dynamic=True)
                self._instance_buffers[key] = buffer
                self._instance_vaos[key] = self.ctx.vertex_array(
                    program,
                    [
                        (mesh_buffer, "3f 3f", "in_position", "in_normal"),
                        (buffer, INSTANCE_FORMAT, *INSTANCE_ATTRIBUTES),
                    ],
                )
            buffer.write(data)
            self._instance_vaos[key].render(
                mode=self.ctx.TRIANGLES, vertices=vertex_count, instances=len(selected)
            )

    def _draw_bodies(self, snapshot: Snapshot, common: dict, eye: Eye) -> None:
        rows, codes = self._body_instances(snapshot, eye)
        if len(rows) == 0:
            return
        light = self.world.light
        self._apply(
            self._programs["bodies"],
            {
                **common,
                "u_doppler_colour": light.show_doppler_colour,
                "u_brightening": light.show_brightening,
                "u_silhouette": 0.0,
            },
        )
        self._draw_instances("bodies", self._body_meshes, rows, codes)

    def _draw_agents(self, snapshot: Snapshot, common: dict, eye: Eye) -> None:
        agents = list(snapshot.extras.get("agents", ()) or ())
        if not agents:
            return
        rows = np.zeros((len(agents), INSTANCE_FLOATS), np.float32)
        codes = np.zeros(len(agents), np.int8)
        positions = np.array([agent.position for agent in agents], np.float64)
        velocities = np.array([agent.velocity for agent in agents], np.float64)
        relative = positions - eye.position
        rows[:, 0:3] = relative.astype(np.float32)
        rows[:, 3] = [agent.size for agent in agents]
        rows[:, 4:7] = [linear_rgb(agent.colour) for agent in agents]
        rows[:, 7] = [0.35 if agent.speaking else 0.0 for agent in agents]
        rows[:, 8] = relativity.doppler_factor(
            velocities, eye.velocity, -relative, snapshot.speed_of_light
        )
        rows[:, 9] = [np.mod(agent.proper_time, 3600.0) for agent in agents]
        # Meshes face -z; a heading of 0 faces -z too, so the yaw is the heading.
        rows[:, 10] = [agent.heading for agent in agents]
        codes[:] = [
            AGENT_SHAPES.index(agent.shape) if agent.shape in AGENT_SHAPES else 0
            for agent in agents
        ]
        light = self.world.light
        self._apply(
            self._programs["bodies"],
            {
                **common,
                "u_doppler_colour": light.show_doppler_colour,
                "u_brightening": light.show_brightening,
                "u_silhouette": 0.85,
            },
        )
        self._draw_instances("agents", self._agent_meshes, rows, codes)

    def _draw_particles(self, snapshot: Snapshot, common: dict, eye: Eye, height: int) -> None:
        fields = list(snapshot.extras.get("particles", ()) or ())
        band = self.world.scale.band_at(eye.size)
        if not fields or (band is not None and not band.show_particles):
            return
        ctx = self.ctx
        program = self._programs["particles"]
        pixels_per_radian = height * 0.5 * float(eye.projection[1, 1])
        ctx.enable(ctx.BLEND | ctx.PROGRAM_POINT_SIZE)
        ctx.blend_func = ctx.SRC_ALPHA, ctx.ONE
        ctx.depth_mask = False
        try:
            for index, field in enumerate(fields):
                buffer = field.buffer
                if buffer is None:
                    data = np.asarray(field.positions, np.float32)
                    if data.shape[1] == 3:
                        data = np.concatenate([data, np.ones((len(data), 1), np.float32)], 1)
                    payload = np.ascontiguousarray(data).tobytes()
                    buffer = self._particle_buffers.get(index)
                    if buffer is None or buffer.size < len(payload):
                        if buffer is not None:
                            buffer.release()
                        buffer = ctx.buffer(reserve=max(len(payload), 16), dynamic=True)
                        self._particle_buffers[index] = buffer
                    buffer.write(payload)
                # The eye relative to the field's float64 origin, as a float32 pair.
                eye_high, eye_low = split_double(eye.position - np.asarray(field.origin))
                self._apply(
                    program,
                    {
                        **common,
                        "u_eye_high": tuple(float(v) for v in eye_high),
                        "u_eye_low": tuple(float(v) for v in eye_low),
                        "u_size": float(field.size),
                        "u_pixels_per_radian": pixels_per_radian,
                        "u_phase_rate": float(field.local_rate) * 2.0,
                        "u_time": float(snapshot.world_time % 3600.0),
                        "u_colour": tuple(linear_rgb(field.colour)),
                    },
                )
                vao = ctx.vertex_array(program, [(buffer, "4f", "in_particle")])
                vao.render(mode=ctx.POINTS, vertices=int(field.count))
                vao.release()
        finally:
            ctx.depth_mask = True
            ctx.disable(ctx.BLEND | ctx.PROGRAM_POINT_SIZE)

    def _time_field_uniforms(self, snapshot: Snapshot, eye: Eye) -> dict:
        fields = []
        for view in snapshot.time_fields:
            spec = self._fields_by_name.get(view.name)
            if spec is None:
                continue
            region = spec.region
            centre = np.asarray(region.centre, np.float64) - eye.position
            if region.shape == "box":
                half = np.asarray(region.size, np.float64) / 2.0
            else:
                half = np.full(3, region.radius, np.float64)
            fields.append((float(np.linalg.norm(centre)), centre, half, region.shape, view))
        fields.sort(key=lambda item: item[0])
        fields = fields[:MAX_TIME_FIELDS]
        centres = np.zeros((MAX_TIME_FIELDS, 3), np.float32)
        halves = np.ones((MAX_TIME_FIELDS, 3), np.float32)
        is_box = [0] * MAX_TIME_FIELDS
        rates = [1.0] * MAX_TIME_FIELDS
        times = [0.0] * MAX_TIME_FIELDS
        for index, (_, centre, half, shape, view) in enumerate(fields):
            centres[index] = centre
            halves[index] = half
            is_box[index] = 1 if shape == "box" else 0
            rates[index] = float(view.rate)
            times[index] = float(math.fmod(view.local_time, 3600.0))
        return {
            "u_field_count": len(fields),
            "u_field_centre": centres,
            "u_field_half_size": halves,
            "u_field_is_box": np.asarray(is_box, np.int32),
            "u_field_rate": np.asarray(rates, np.float32),
            "u_field_time": np.asarray(times, np.float32),
        }

    def _draw_post(self, snapshot: Snapshot, common: dict, eye: Eye) -> None:
        program = self._programs["post"]
        band = self.world.scale.band_at(eye.size)
        tint = linear_rgb(band.tint) if band is not None and band.tint else np.ones(3, np.float32)
        reversed_time = snapshot.explorer.local_rate < 0.0 or snapshot.time_rate < 0.0
        forward = -eye.rotation_view[2, :3].astype(np.float64)
        self._scene_colour.use(location=0)
        self._scene_depth.use(location=1)
        self._apply(
            program,
            {
                **common,
                **self._time_field_uniforms(snapshot, eye),
                "u_scene": 0,
                "u_depth": 1,
                "u_view_forward": tuple(float(v) for v in forward),
                "u_band_tint": tuple(float(v) for v in tint),
                "u_band_tint_amount": 0.35 if band is not None and band.tint else 0.0,
                "u_reversed": 1.0 if reversed_time else 0.0,
                "u_time": float(snapshot.real_time % 3600.0),
                "u_exposure": 1.0,
            },
        )
        self._post_vao.render(mode=self.ctx.TRIANGLES, vertices=3)

    def _draw_overlay(self, overlay: np.ndarray) -> None:
        ctx = self.ctx
        height, width = overlay.shape[:2]
        texture = self._overlay_texture
        if texture is None or texture.size != (width, height):
            if texture is not None:
                texture.release()
            texture = ctx.texture((width, height), 4)
            texture.filter = (ctx.LINEAR, ctx.LINEAR)
            self._overlay_texture = texture
        texture.write(np.ascontiguousarray(overlay, np.uint8).tobytes())
        texture.use(location=0)
        self._apply(self._programs["hud"], {"u_overlay": 0})
        ctx.enable(ctx.BLEND)
        ctx.blend_func = ctx.ONE, ctx.ONE_MINUS_SRC_ALPHA
        self._hud_vao.render(mode=ctx.TRIANGLES, vertices=3)
        ctx.disable(ctx.BLEND)

    # ------------------------------------------------------------------ resources
    def _ensure_target(self, width: int, height: int) -> None:
        if self._target_size == (width, height):
            return
        self._release_target()
        ctx = self.ctx
        self._scene_colour = ctx.texture((width, height), 4, dtype="f2")
        self._scene_depth = ctx.depth_texture((width, height))
        self._scene_depth.compare_func = ""  # sample depth values, not shadow comparisons
        for texture in (self._scene_colour, self._scene_depth):
            texture.filter = (ctx.NEAREST, ctx.NEAREST)
            texture.repeat_x = texture.repeat_y = False
        self._scene_fbo = ctx.framebuffer([self._scene_colour], self._scene_depth)
        self._target_size = (width, height)

    def _release_target(self) -> None:
        if self._scene_fbo is not None:
            park_framebuffer(self.ctx)
        for resource in (self._scene_fbo, self._scene_colour, self._scene_depth):
            if resource is not None:
                resource.release()
        self._scene_fbo = self._scene_colour = self._scene_depth = None
        self._target_size = None

    @staticmethod
    def _apply(program, values: dict) -> None:  # noqa: ANN001 - moderngl.Program
        for name, value in values.items():
            member = program.get(name, None)
            if member is None:
                continue  # optimised out, or not used by this pass
            if isinstance(value, np.ndarray):
                member.write(np.ascontiguousarray(value).tobytes())
            elif isinstance(value, bytes):
                member.write(value)
            else:
                member.value = value

    def release(self) -> None:
        """Free every GL object this renderer made."""
        self._release_target()
        for resource in (
            *self._instance_vaos.values(),
            *self._instance_buffers.values(),
            *self._particle_buffers.values(),
            *(buffer for buffer, _ in self._body_meshes),
            *(buffer for buffer, _ in self._agent_meshes),
            self._empty_vao,
            self._ground_vao,
            self._post_vao,
            self._hud_vao,
            self._overlay_texture,
            *self._programs.values(),
        ):
            if resource is not None:
                resource.release()
        self._instance_vaos.clear()
        self._instance_buffers.clear()
        self._particle_buffers.clear()
        self._overlay_texture = None


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
        position=tuple(float(v) for v in explorer.position),
        yaw=float(explorer.yaw),
        pitch=float(explorer.pitch),
        size=float(explorer.size),
    )
