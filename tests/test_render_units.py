"""Unit tests of the renderer's pure-Python parts: camera maths, colour maths, HUD, shader
source handling and the hot-reload watcher. No GL."""

from __future__ import annotations

import itertools
import math
import os
import time

import numpy as np
import pytest

from engine.app.reload import WorldWatcher
from engine.render import relativity
from engine.render.camera import (
    Camera,
    asymmetric_projection_matrix,
    perspective_matrix,
    split_double,
)
from engine.render.hud import HudState, draw_overlay, format_length, nice_length
from engine.render.shaders import ShaderError, ShaderSource

pytestmark = pytest.mark.unit


def test_view_matrix_maps_forward_to_minus_z() -> None:
    camera = Camera(position=(0.0, 0.0, 0.0), yaw=0.7, pitch=-0.3)
    view = camera.view_matrix().astype(np.float64)
    looked_at = view[:3, :3] @ camera.forward()
    np.testing.assert_allclose(looked_at, [0.0, 0.0, -1.0], atol=1e-6)


def test_symmetric_asymmetric_projection_agree() -> None:
    half = math.radians(35.0)
    aspect = 1.0
    symmetric = perspective_matrix(2 * half, aspect, 0.1)
    asymmetric = asymmetric_projection_matrix(-half, half, -half, half, 0.1)
    np.testing.assert_allclose(symmetric, asymmetric, rtol=1e-6, atol=1e-7)


def test_asymmetric_projection_shifts_centre() -> None:
    projection = asymmetric_projection_matrix(-0.9, 0.5, -0.7, 0.7, 0.1).astype(np.float64)
    # The direction halfway between the left and right edges lands at x = 0 in NDC.
    middle = (math.tan(-0.9) + math.tan(0.5)) / 2.0
    clip = projection @ np.array([middle, 0.0, -1.0, 1.0])
    assert abs(clip[0] / clip[3]) < 1e-6


def test_split_double_recovers_value() -> None:
    values = np.array([12345.678901234, -1e-9, 98765.4321e3])
    high, low = split_double(values)
    recovered = high.astype(np.float64) + low.astype(np.float64)
    np.testing.assert_allclose(recovered, values, rtol=1e-13)


def test_doppler_factor_signs() -> None:
    toward = relativity.doppler_factor(
        np.array([[0.0, 0.0, 1.0]]), np.zeros(3), np.array([[0.0, 0.0, 1.0]]), 2.0
    )[0]
    away = relativity.doppler_factor(
        np.array([[0.0, 0.0, -1.0]]), np.zeros(3), np.array([[0.0, 0.0, 1.0]]), 2.0
    )[0]
    # beta = 0.5: D = sqrt((1 + b) / (1 - b)) approaching, its inverse receding.
    assert toward == pytest.approx(math.sqrt(3.0))
    assert away == pytest.approx(1.0 / math.sqrt(3.0))


def test_colour_shift_identity_bluer_redder() -> None:
    grey = np.array([0.5, 0.5, 0.5])
    np.testing.assert_allclose(relativity.shifted_colour(grey, 1.0), grey)
    blue_shifted = relativity.shifted_colour(grey, 1.1, brighten=False)
    red_shifted = relativity.shifted_colour(grey, 0.9, brighten=False)
    assert blue_shifted[2] > blue_shifted[0]
    assert red_shifted[0] > red_shifted[2]
    brightened = relativity.shifted_colour(grey, 1.1, brighten=True)
    np.testing.assert_allclose(brightened, blue_shifted * 1.1**3)


@pytest.mark.parametrize(
    ("metres", "text"), [(1000.0, "1 km"), (2e-6, "2 µm"), (0.05, "5 cm"), (5e-10, "500 pm")]
)
def test_format_length(metres: float, text: str) -> None:
    assert format_length(metres) == text


def test_nice_length_is_round_and_not_above_target() -> None:
    assert nice_length(0.0073) == 0.005
    assert nice_length(180.0) == 100.0
    assert nice_length(2.0) == 2.0


def test_overlay_shape_and_content() -> None:
    empty = draw_overlay(HudState(show_hud=False), 64, 32)
    assert empty.shape == (32, 64, 4)
    assert empty.dtype == np.uint8
    assert int(empty.sum()) == 0
    hud = draw_overlay(HudState(world_name="Test", error="bad radius"), 320, 180)
    assert hud[..., 3].max() == 255
    # Premultiplied: no colour channel exceeds its alpha.
    assert bool(np.all(hud[..., :3] <= hud[..., 3:4]))


def test_shader_includes_and_error_lines_name_files(tmp_path) -> None:  # noqa: ANN001
    include = tmp_path / "include"
    include.mkdir()
    (include / "piece.glsl").write_text("float piece() {\n    return 1.0;\n}\n")
    program = tmp_path / "thing.glsl"
    program.write_text('#if defined VERTEX_SHADER\n#include "piece.glsl"\nvoid main() {}\n#endif\n')
    source = ShaderSource(program, "VERTEX_SHADER", include)
    assert "return 1.0;" in source.text
    assert source.files == [program, include / "piece.glsl"]
    assert source.explain("0:3(5): error: oops") == f"{program}:3: error: oops"
    assert source.explain("1:2(1): error: here") == f"{include / 'piece.glsl'}:2: error: here"
    (tmp_path / "broken.glsl").write_text('#include "missing.glsl"\n')
    with pytest.raises(ShaderError, match="missing.glsl"):
        ShaderSource(tmp_path / "broken.glsl", "VERTEX_SHADER", include)


def test_watcher_reloads_valid_and_reports_invalid(tmp_path, repo_root) -> None:  # noqa: ANN001
    path = tmp_path / "world.toml"
    text = (repo_root / "worlds" / "tidal_time.toml").read_text()
    path.write_text(text)
    watcher = WorldWatcher(path)
    assert watcher.poll() is None
    path.write_text(text.replace('name = "Tidal Time"', 'name = "Tidal Time 2"'))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    result = watcher.poll()
    assert result is not None and result.world is not None
    assert result.world.meta.name == "Tidal Time 2"
    path.write_text(text.replace("rate = 0.5", "rate = 500.0"))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2_000_000))
    result = watcher.poll()
    assert result is not None and result.world is None
    assert "rate" in result.error and "world.toml" in result.error


def test_overlay_rectangles_cover_exactly_the_occupied_tiles() -> None:
    from engine.render.renderer import overlay_rectangles

    overlay = np.zeros((70, 100, 4), np.uint8)
    overlay[5, 40, 3] = 1  # one faint pixel in tile (row 0, column 1)
    overlay[40:45, 0:70, 3] = 200  # a bar across tiles (row 1, columns 0..2)
    overlay[69, 99, 3] = 255  # the bottom right corner, in a partial tile
    rectangles = overlay_rectangles(overlay, tile=32)
    assert sorted(map(tuple, rectangles.tolist())) == [
        (0, 32, 96, 64),
        (32, 0, 64, 32),
        (96, 64, 100, 70),
    ]
    covered = np.zeros((70, 100), bool)
    for x0, y0, x1, y1 in rectangles:
        covered[y0:y1, x0:x1] = True
    assert covered[overlay[..., 3] > 0].all()
    assert overlay_rectangles(np.zeros((10, 10, 4), np.uint8)).shape == (0, 4)


def test_screen_bounds_of_boxes_in_front_behind_and_around() -> None:
    from engine.render.renderer import screen_bounds

    camera = Camera(position=(0.0, 0.0, 0.0), yaw=0.0, pitch=0.0)
    view = np.eye(4)
    view[:3, :3] = camera.view_matrix()[:3, :3]
    view_projection = camera.projection_matrix(16 / 9).astype(np.float64) @ view
    ahead = screen_bounds(view_projection, np.array([0.0, 0.0, -10.0]), np.full(3, 1.0))
    assert ahead is not None
    assert -0.3 < ahead[0] < 0.0 < ahead[2] < 0.3 and ahead[1] < 0.0 < ahead[3]
    left = screen_bounds(view_projection, np.array([-5.0, 0.0, -10.0]), np.full(3, 1.0))
    assert left is not None and left[2] < ahead[0]
    assert screen_bounds(view_projection, np.array([0.0, 0.0, 10.0]), np.full(3, 1.0)) is None
    around = screen_bounds(view_projection, np.zeros(3), np.full(3, 1.0))
    assert around == (-1.0, -1.0, 1.0, 1.0)
    off_screen = screen_bounds(view_projection, np.array([100.0, 0.0, -10.0]), np.full(3, 1.0))
    assert off_screen is None


def test_overlapping_fields_are_grouped_and_regions_have_margins() -> None:
    from engine.render.renderer import FieldInView, overlapping_groups, pixel_region

    def field(distance: float, bounds: tuple[float, float, float, float]) -> FieldInView:
        return FieldInView(distance, np.zeros(3), np.ones(3), False, 1.0, 0.0, bounds)

    near, far, apart = (
        field(1.0, (-0.5, -0.5, 0.0, 0.0)),
        field(2.0, (-0.1, -0.1, 0.3, 0.2)),
        field(3.0, (0.6, 0.6, 0.9, 0.9)),
    )
    groups = overlapping_groups([far, apart, near])
    assert len(groups) == 2
    together = next(group for group in groups if len(group[0]) == 2)
    assert [member.distance for member in together[0]] == [1.0, 2.0]  # nearest first
    assert together[1] == (-0.5, -0.5, 0.3, 0.2)
    assert pixel_region((-1.0, -1.0, 1.0, 1.0), (64, 32)) == (0, 0, 64, 32)
    assert pixel_region((0.0, 0.0, 0.5, 0.5), (64, 32)) == (31, 15, 18, 10)
    assert pixel_region((0.9, 0.9, 1.0, 1.0), (64, 32)) == (59, 29, 5, 3)  # clipped to the frame


def test_screen_grid_spans_the_frame() -> None:
    from engine.render.renderer import screen_grid_points

    points, triangles = screen_grid_points(100, 50, step=32)
    xs, ys = np.unique(points[:, 0]), np.unique(points[:, 1])
    np.testing.assert_allclose(xs, [-1.0, -0.36, 0.28, 0.92, 1.0], atol=1e-6)
    np.testing.assert_allclose(ys, [-1.0, 0.28, 1.0], atol=1e-6)
    assert triangles.shape == (2 * 4 * 2, 3)
    assert triangles.max() == len(points) - 1
    # Every triangle has positive area: no degenerate pieces at the edges.
    corners = points[triangles]
    first, second = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
    area = first[:, 0] * second[:, 1] - first[:, 1] * second[:, 0]
    assert (np.abs(area) > 0).all()
    assert area.sum() == pytest.approx(2 * 4.0)  # twice the NDC square's area


def test_ground_noise_tiles_and_follows_the_seed() -> None:
    from engine.render.noise import ground_noise_image

    image = ground_noise_image(3, size=64)
    assert image.shape == (64, 64, 4) and image.dtype == np.uint8
    assert not image.flags.writeable
    assert np.array_equal(image, ground_noise_image(3, size=64))
    assert not np.array_equal(image, ground_noise_image(4, size=64))
    values = image.astype(float)
    # It tiles: the jump across the wrap is no bigger than between neighbouring texels.
    inside = np.abs(np.diff(values, axis=1)).max(axis=(0, 1))
    across = np.abs(values[:, 0] - values[:, -1]).max(axis=0)
    assert (across <= inside + 1).all()
    # Coarser channels vary more slowly.
    steps = np.abs(np.diff(values, axis=1)).mean(axis=(0, 1))
    assert steps[0] > steps[1] > steps[2] > steps[3]
    assert (np.abs(values.mean(axis=(0, 1)) - 127.5) < 40).all()


def test_body_meshes_are_wound_outward() -> None:
    from engine.render.meshes import BODY_BOUNDING_RADIUS, body_meshes, cube, wound_outward

    for mesh in body_meshes() + body_meshes("medium") + body_meshes("coarse"):
        triangles = mesh.reshape(-1, 3, 6)
        positions = triangles[:, :, :3]
        facing = np.cross(positions[:, 1] - positions[:, 0], positions[:, 2] - positions[:, 0])
        area = np.linalg.norm(facing, axis=1)
        agreement = (facing * triangles[:, :, 3:].sum(axis=1)).sum(axis=1)
        assert (agreement[area > 1e-9] > 0).all()
        assert np.linalg.norm(positions, axis=2).max() <= BODY_BOUNDING_RADIUS + 1e-6
    flipped = cube().reshape(-1, 3, 6)[:, [0, 2, 1]].reshape(-1, 6)
    np.testing.assert_array_equal(wound_outward(flipped), cube())


def test_sphere_screen_bounds_hold_the_sphere_tightly() -> None:
    from engine.render.renderer import screen_bounds, sphere_screen_bounds

    camera = Camera(position=(0.0, 0.0, 0.0), yaw=0.3, pitch=-0.2)
    projection = camera.projection_matrix(16 / 9).astype(np.float64)
    rotation = np.eye(4)
    rotation[:3, :3] = camera.view_matrix()[:3, :3]
    random = np.random.default_rng(1)
    directions = random.normal(size=(2000, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    for _ in range(300):
        centre = random.normal(size=3) * 8.0
        radius = abs(random.normal()) * 3.0 + 0.1
        if np.linalg.norm(centre) <= radius:
            continue
        bounds = sphere_screen_bounds(projection, rotation, centre, radius)
        clip = np.c_[centre + directions * radius, np.ones(len(directions))]
        clip = clip @ (projection @ rotation).T
        in_front = clip[:, 3] > 1e-6
        ndc = clip[in_front, :2] / clip[in_front, 3:4]
        on_screen = ndc[(np.abs(ndc) <= 1.0).all(axis=1)]
        if bounds is None:
            assert len(on_screen) == 0
            continue
        assert (on_screen >= np.array(bounds[:2]) - 1e-9).all()
        assert (on_screen <= np.array(bounds[2:]) + 1e-9).all()
    ahead = np.array([0.0, 0.0, -11.0])
    tight = sphere_screen_bounds(projection, rotation, ahead, 4.0)
    loose = screen_bounds(projection @ rotation, ahead, np.full(3, 4.0))
    assert tight is not None and loose is not None
    area = (tight[2] - tight[0]) * (tight[3] - tight[1])
    assert area < 0.7 * (loose[2] - loose[0]) * (loose[3] - loose[1])


def test_vectorised_doppler_colours_match_the_reference() -> None:
    """The per-instance colours the renderer uploads equal the per-colour reference (which the
    GLSL version is tested against) for every band the shift can move a colour into."""
    random = np.random.default_rng(7)
    colours = random.random((40, 3))
    doppler = np.exp(random.normal(0.0, 0.6, 40))  # from deep red shift to strong blue shift
    for shift, brighten in ((True, True), (True, False), (False, True), (False, False)):
        got = relativity.shifted_colours(colours, doppler, shift=shift, brighten=brighten)
        for colour, factor, row in zip(colours, doppler, got, strict=True):
            expected = relativity.shifted_colour(colour, factor, brighten) if shift else colour
            if not shift and brighten:
                expected = colour * min(factor**3, relativity.MAX_BRIGHTENING)
            np.testing.assert_allclose(row, expected, rtol=1e-12, atol=1e-15)


def test_time_field_tints_by_rate() -> None:
    from engine.render.renderer import rate_tint

    violet, ice, slow, fast = rate_tint(-1.0), rate_tint(0.0), rate_tint(0.5), rate_tint(3.0)
    assert violet[2] > violet[1] and violet[0] > violet[1]  # backward: violet
    assert ice[2] >= ice[1] > 0.9  # frozen: pale ice
    assert slow[2] > slow[0]  # slow: blue
    assert fast[0] > fast[2]  # fast: orange to red
    # Continuous within each kind of clock: slow tints meet at 1, fast ones saturate at 5.
    np.testing.assert_allclose(rate_tint(0.999999), (0.55, 0.8, 1.0), atol=1e-5)
    assert rate_tint(5.0) == rate_tint(50.0)


def test_field_bounds_are_cut_at_the_ground() -> None:
    """A dome's screen rectangle loses what the ground hides; a field wholly under the ground
    has none; with the eye under the ground nothing is cut."""
    from engine.render.renderer import (
        Eye,
        above_ground_box,
        cut_bounds,
        screen_bounds,
        sphere_screen_bounds,
    )

    def above_ground_bounds(bounds, centre, half_size, eye, view_projection):  # noqa: ANN001, ANN202
        # As the renderer's field layout composes them (it projects the boxes in one batch).
        shows, above = above_ground_box(centre, half_size, eye)
        if not shows:
            return None
        if above is None:
            return bounds
        return cut_bounds(bounds, screen_bounds(view_projection, *above))

    camera = Camera(position=(0.0, 1.6, 0.0))
    eye = Eye.from_camera(camera, 16 / 9)
    view_projection = eye.projection.astype(np.float64) @ eye.rotation_view.astype(np.float64)
    dome = np.array([0.0, -1.6, -20.0])  # a sphere centred on the ground, 20 m ahead
    half = np.full(3, 5.0)
    full = sphere_screen_bounds(eye.projection, eye.rotation_view, dome, 5.0)
    cut = above_ground_bounds(full, dome, half, eye, view_projection)
    assert cut is not None and cut[1] > full[1] + 0.05  # its lower part is gone
    assert (cut[0], cut[2], cut[3]) == (full[0], full[2], full[3])
    buried = np.array([0.0, -10.0, -20.0])
    assert above_ground_bounds(full, buried, half, eye, view_projection) is None
    under = Eye.from_camera(Camera(position=(0.0, -1.0, 0.0)), 16 / 9)
    assert above_ground_bounds(full, buried, half, under, view_projection) == full


def test_ground_distances_follow_the_rays_and_end_at_the_edge() -> None:
    """Each NDC point's distance to the ground point it sees, as ground.glsl places it: a ray
    down at slope t meets the ground height / t away across; rays at or above the horizon end at
    the plane's edge."""
    from engine.render.renderer import ground_distances

    projection = perspective_matrix(math.radians(60.0), 1.0, 0.1).astype(np.float64)
    focal = projection[1, 1]  # view-space slope of NDC y is y / focal
    points = np.array([[0.0, -0.5], [0.0, -1.0], [0.0, 0.0], [0.0, 0.5]], np.float32)
    height, extent = 2.0, 1000.0
    distances = ground_distances(points, np.linalg.inv(projection), height, extent)
    for y, distance in zip((0.5, 1.0), distances[:2], strict=True):
        across = height * focal / y
        assert distance == pytest.approx(math.hypot(across, height), rel=1e-6)
    np.testing.assert_allclose(distances[2:], math.hypot(extent, height), rtol=1e-6)


def test_fog_varies_picks_triangles_that_span_much_fog() -> None:
    from engine.render.renderer import FOG_SPAN, fog_varies

    distances = np.array([10.0, 11.0, 12.0, 400.0])
    triangles = np.array([[0, 1, 2], [1, 2, 3]])
    density = FOG_SPAN / 100.0  # 100 m of fog depth is the limit
    assert fog_varies(triangles, distances, density).tolist() == [False, True]
    assert not fog_varies(triangles, distances, 0.0).any()  # no fog: all per vertex


def test_field_outlines_hold_every_ray_that_meets_the_field() -> None:
    """Pixels outside a field's outline polygon cannot see the field (their rays miss it), the
    polygon is much smaller than the screen, and there is none with the eye in the field."""
    from engine.render.renderer import Eye, FieldInView, field_looks, field_outline

    camera = Camera(position=np.array([0.0, 1.6, 0.0]), yaw=0.3, pitch=-0.1, size=1.7)
    eye = Eye.from_camera(camera, 16 / 9)
    view_projection = eye.projection.astype(np.float64) @ eye.rotation_view.astype(np.float64)
    inverse = np.linalg.inv(view_projection)
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 161), np.linspace(-1, 1, 91)), -1)
    ndc = grid.reshape(-1, 2)
    far = np.concatenate([ndc, np.zeros((len(ndc), 1)), np.ones((len(ndc), 1))], 1) @ inverse.T
    rays = far[:, :3] / far[:, 3:4]
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)

    def inside(polygon: np.ndarray) -> np.ndarray:  # counter-clockwise or clockwise, convex
        edges = np.roll(polygon, -1, axis=0) - polygon
        cross = edges[:, 0][None] * (ndc[:, 1:2] - polygon[:, 1][None]) - edges[:, 1][None] * (
            ndc[:, 0:1] - polygon[:, 0][None]
        )
        return (cross >= 0).all(axis=1) | (cross <= 0).all(axis=1)

    sphere = FieldInView(9.0, np.array([-3.0, 0.5, -8.0]), np.full(3, 2.0), False, 0.5, 0.0, ())
    box = FieldInView(9.0, np.array([2.0, -0.5, -7.0]), np.array([1.0, 2.0, 0.5]), True, 0.0, 0, ())
    centre, radius = sphere.centre, 2.0
    along = rays @ centre
    meets_sphere = (along > 0) & (np.linalg.norm(centre) ** 2 - along**2 <= radius**2)
    low, high = box.centre - box.half_size, box.centre + box.half_size
    with np.errstate(divide="ignore"):
        t0, t1 = low / rays, high / rays
    meets_box = np.minimum(t0, t1).max(axis=1) <= np.maximum(t0, t1).min(axis=1)
    for field, meets in ((sphere, meets_sphere), (box, meets_box)):
        polygon = field_outline(field, eye.projection, eye.rotation_view)
        assert polygon is not None
        held = inside(polygon)
        assert meets.sum() > 50
        assert not (meets & ~held).any()  # no ray that meets the field is left outside
        assert held.sum() < 1.5 * meets.sum()  # and the polygon is tight
    eye_inside = FieldInView(1.0, np.array([0.5, 0.0, -0.5]), np.full(3, 2.0), False, 0.5, 0, ())
    assert field_outline(eye_inside, eye.projection, eye.rotation_view) is None
    behind = FieldInView(1.0, np.array([0.0, 0.0, 3.0]), np.full(3, 2.5), True, 0.5, 0.0, ())
    assert field_outline(behind, eye.projection, eye.rotation_view) is None
    assert field_looks([sphere, box, FieldInView(1, centre, centre, True, -1, 0, ())]) == (
        0b110,
        0b100,
        0b010,
    )


def test_view_rotation_from_plain_floats_is_the_cross_product_form() -> None:
    # rotation_view_matrix builds its rows from floats; it must equal, bit for bit, the numpy
    # form it replaced (right, right x forward, -forward), or every frame would move a little.
    from engine.render.camera import rotation_view_matrix

    for yaw, pitch in ((0.0, 0.0), (0.7, -0.3), (-2.9, 1.2), (3.1, -1.5), (12.0, 0.4)):
        cos_yaw, sin_yaw = math.cos(yaw), math.sin(yaw)
        right = np.array([cos_yaw, 0.0, -sin_yaw])
        forward = np.array(
            [-sin_yaw * math.cos(pitch), math.sin(pitch), -cos_yaw * math.cos(pitch)]
        )
        expected = np.eye(4)
        expected[0, :3] = right
        expected[1, :3] = np.cross(right, forward)
        expected[2, :3] = -forward
        got = rotation_view_matrix(yaw, pitch)
        assert got.dtype == np.float32
        assert got.tobytes() == expected.astype(np.float32).tobytes()


def test_frame_layout_follows_std140_for_the_frame_block() -> None:
    # FRAME_LAYOUT (where the renderer packs each shared uniform) must match the std140 offsets
    # of shaders/include/frame.glsl's members, in order: a mismatch shifts every value.
    import re

    from engine.render.renderer import FRAME_FLOATS, FRAME_LAYOUT
    from engine.resources import shaders_dir

    text = (shaders_dir() / "include" / "frame.glsl").read_text(encoding="utf-8")
    block = text[text.index("uniform Frame {") : text.index("};")]
    members = re.findall(r"^\s*(mat4|vec4|vec3|vec2|float)\s+(\w+);", block, re.M)
    sizes = {"mat4": (16, 4), "vec4": (4, 4), "vec3": (3, 4), "vec2": (2, 2), "float": (1, 1)}
    offset, layout = 0, {}
    for kind, name in members:
        size, alignment = sizes[kind]  # floats; std140 aligns vec3 like vec4, mat4 by column
        offset = -(-offset // alignment) * alignment
        layout[name] = (offset, size)
        offset += size
    assert list(layout) == list(FRAME_LAYOUT)
    assert layout == FRAME_LAYOUT
    assert FRAME_FLOATS == -(-offset // 4) * 4


def test_remembered_colours_equal_the_computed_ones() -> None:
    from engine.render.renderer import EXPOSURE, colour_scale, linear_rgb, linear_rgb_tuple

    for colour in ("#000000", "#ffcf9e", "#9ee6ff", "#123456"):
        assert linear_rgb_tuple(colour) == tuple(linear_rgb(colour).tolist())
        scale = np.full(3, EXPOSURE) * (0.65 + 0.35 * 1.6 * linear_rgb(colour))
        assert colour_scale(colour) == tuple(scale.tolist())
    assert colour_scale(None) == (EXPOSURE,) * 3


def test_boxes_projected_together_are_bounded_as_each_alone() -> None:
    """The effects pass projects all the boxes it needs in one batch: each box's bounds must be,
    bit for bit, what ``screen_bounds`` gives it alone (in front, off screen, behind, around)."""
    from engine.render.renderer import Eye, boxes_screen_bounds, screen_bounds

    rng = np.random.default_rng(7)
    kinds = set()
    for _ in range(60):
        camera = Camera(
            position=rng.normal(size=3) * 3.0,
            yaw=float(rng.uniform(-math.pi, math.pi)),
            pitch=float(rng.uniform(-1.2, 1.2)),
            size=1.7,
        )
        eye = Eye.from_camera(camera, float(rng.uniform(0.6, 2.4)))
        view_projection = eye.projection.astype(np.float64) @ eye.rotation_view.astype(np.float64)
        boxes = [
            (rng.normal(size=3) * 10.0 ** rng.uniform(0, 2), rng.uniform(0.1, 6.0, 3))
            for _ in range(int(rng.integers(2, 7)))
        ]
        alone = [screen_bounds(view_projection, centre, half) for centre, half in boxes]
        assert boxes_screen_bounds(view_projection, boxes) == alone
        kinds |= {
            "none" if b is None else "whole" if b == (-1.0, -1.0, 1.0, 1.0) else "cut"
            for b in alone
        }
    assert kinds == {"none", "whole", "cut"}


def test_fine_noise_atlas_holds_each_texels_corners_of_the_weighted_octaves() -> None:
    from engine.render.noise import (
        FINE_ATLAS_SIZE,
        FINE_LEVELS,
        FINE_TEXTURE_SIZE,
        fine_level_origin,
        fine_noise_atlas,
        fine_octave_repeats,
        octave_lattice,
        periodic_value_noise,
    )

    weights = (0.1, 0.2, 0.3, 0.4)
    width, height = FINE_ATLAS_SIZE
    atlas = np.frombuffer(fine_noise_atlas(5, -3, weights), np.uint8).reshape(height, width, 4)
    assert FINE_TEXTURE_SIZE >> (FINE_LEVELS - 1) == 1
    packed = []
    covered = np.zeros((height, width), bool)
    for level in range(FINE_LEVELS):
        column, row = fine_level_origin(level)
        size = FINE_TEXTURE_SIZE >> level
        assert not covered[row : row + size, column : column + size].any()  # no overlaps
        covered[row : row + size, column : column + size] = True
        packed.append(atlas[row : row + size, column : column + size])
    # Level 0: the octaves from the first one's (each its wavelength's own lattice, repeated to
    # fill the pattern: the finest 8 times, the coarsest once), summed with the weights.
    octaves = []
    for index in range(4):
        repeats = fine_octave_repeats(index)
        lattice = octave_lattice(5, -3 + index)
        tile = periodic_value_noise(lattice, FINE_TEXTURE_SIZE // repeats) - lattice.mean() + 0.5
        octaves.append(np.tile(tile, (repeats, repeats)))
    assert [fine_octave_repeats(index) for index in range(4)] == [8, 4, 2, 1]
    pattern = sum(w * (octave - 0.5) for w, octave in zip(weights, octaves, strict=True)) + 0.5
    assert np.abs(packed[0][..., 0] - pattern * 255.0).max() <= 0.5 + 1e-4  # float32 sums
    # Every level: G, B, A are R at the next column, the next row and both, wrapping around
    # within the level.
    for texels in packed:
        values = texels[..., 0]
        assert np.array_equal(texels[..., 1], np.roll(values, -1, axis=1))
        assert np.array_equal(texels[..., 2], np.roll(values, -1, axis=0))
        assert np.array_equal(texels[..., 3], np.roll(values, (-1, -1), axis=(0, 1)))
    # Each coarser level is the mean of 2 x 2 texels of the one below (to rounding).
    for finer, coarser in itertools.pairwise(packed):
        pairs = finer[..., 0].astype(float)
        means = 0.25 * (
            pairs[0::2, 0::2] + pairs[1::2, 0::2] + pairs[0::2, 1::2] + pairs[1::2, 1::2]
        )
        assert np.abs(coarser[..., 0] - means).max() <= 1.0
    assert abs(float(packed[-1][0, 0, 0]) - 127.5) < 3.0  # the 1 x 1 level: the mean
    assert fine_noise_atlas(6, -3, weights) != fine_noise_atlas(5, -3, weights)  # the seed moves it


def test_fine_shares_are_the_fine_octaves_weights_at_the_nearest_step() -> None:
    from engine.render.renderer import (
        FINE_WEIGHT_STEPS,
        GROUND_OCTAVES,
        fine_handover,
        fine_shares,
        octave_weight,
    )

    worst = 0.0
    # Six doublings, and one's handover (where octave 4's share moves fast) more closely.
    levels = np.concatenate([np.linspace(-3.0, 3.0, 1201), np.linspace(1.0, 1.25, 513)])
    for level in levels:
        base = math.floor(level) - 4
        weights = np.array([octave_weight(base + k - level) for k in range(GROUND_OCTAVES)])
        fine = weights[1:5] / weights.sum()
        fine[3] *= fine_handover(level - math.floor(level))  # the rest of octave 4: per vertex
        shares = np.array(fine_shares(float(level)))
        assert shares.sum() == pytest.approx(1.0)
        step = (level - math.floor(level)) * FINE_WEIGHT_STEPS
        if abs(step - round(step)) < 1e-9:  # on a step: exactly the shares
            np.testing.assert_allclose(shares, fine / fine.sum(), rtol=1e-12)
        # The colour is scaled by 1 + 1.6 * sum * (pattern - 0.5), the pattern's octaves in 0..1:
        # the nearest step moves it by at most this.
        worst = max(worst, 1.6 * fine.sum() * 0.5 * np.abs(shares - fine / fine.sum()).sum())
    assert 0.0 < worst < 0.004  # 0.4 %: under a display level


def test_an_octave_is_the_same_pattern_in_every_place_of_the_fine_pattern() -> None:
    """The ground's octaves are fixed patterns of their wavelength (``octave_lattice``): one
    doubling of size later the fine pattern starts an octave further on, covers twice the ground
    and holds each octave one place finer, and the octave there is the same pattern. The finer
    pattern's level 1 (2 x 2 means) has the texels of the coarser one's level 0 over the same
    ground: they agree to that filtering (which blurs the finest place's 2 texels a cell most),
    where another pattern would differ by its whole contrast."""
    from engine.render.noise import (
        FINE_ATLAS_SIZE,
        FINE_TEXTURE_SIZE,
        fine_level_origin,
        fine_noise_atlas,
        octave_lattice,
    )

    width, height = FINE_ATLAS_SIZE

    def level(first_octave: int, place: int, level: int) -> np.ndarray:
        shares = tuple(1.0 if index == place else 0.0 for index in range(4))
        atlas = np.frombuffer(fine_noise_atlas(9, first_octave, shares), np.uint8)
        column, row = fine_level_origin(level)
        size = FINE_TEXTURE_SIZE >> level
        values = atlas.reshape(height, width, 4)[row : row + size, column : column + size, 0]
        return values.astype(float)

    half = FINE_TEXTURE_SIZE // 2
    for place, tolerance in ((1, 0.1), (2, 0.03), (3, 0.01)):  # octave -3 + place
        finer = level(-3, place, 1)
        coarser = level(-2, place - 1, 0)[:half, :half]
        contrast = np.abs(finer - finer.mean()).mean()
        assert contrast > 30.0
        assert np.abs(finer - coarser).mean() < tolerance * contrast
        another = level(-2, place, 0)[:half, :half]  # the next octave: another pattern
        assert np.abs(finer - another).mean() > 0.5 * contrast
    assert not np.array_equal(octave_lattice(9, 0), octave_lattice(9, 1))
    assert not np.array_equal(octave_lattice(9, 0), octave_lattice(10, 0))


def test_band_tint_cross_fades_at_band_edges() -> None:
    """Zooming across a band edge changes the colour scale smoothly: each band's own scale well
    inside it, the mean of both at the edge, and small even steps in between (no jump)."""
    from engine.render.renderer import BAND_TINT_FADE_DOUBLINGS, band_colour_scale, colour_scale
    from engine.rules.scale import Scale, ScaleBand

    scale = Scale(
        min_explorer_size=1e-6,
        max_explorer_size=10.0,
        explorer_size=1.0,
        bands=(
            ScaleBand(name="small", min_size=1e-6, max_size=1e-3, tint="#ff4020"),
            ScaleBand(name="middle", min_size=1e-3, max_size=1.0, tint="#2060ff"),
        ),
    )
    small, middle, untinted = colour_scale("#ff4020"), colour_scale("#2060ff"), colour_scale(None)
    far = 2.0 ** (2 * BAND_TINT_FADE_DOUBLINGS)
    assert band_colour_scale(scale, 1e-3 / far) == small
    assert band_colour_scale(scale, 1e-3 * far) == middle
    assert band_colour_scale(scale, 1.0 * far) == untinted
    np.testing.assert_allclose(band_colour_scale(scale, 1e-3), np.add(small, middle) / 2)
    np.testing.assert_allclose(band_colour_scale(scale, 1.0), np.add(middle, untinted) / 2)
    sizes = 1e-3 * 2.0 ** np.linspace(-1.0, 1.0, 201)
    scales = np.array([band_colour_scale(scale, float(size)) for size in sizes])
    jump = np.abs(np.subtract(middle, small)).max()
    steps = np.abs(np.diff(scales, axis=0)).max(axis=1)
    # A fade over 2 x 0.25 doublings, sampled every 0.01 doubling: about 1/50 of the jump a step.
    assert steps.max() <= jump / 40
    assert steps.max() > 0.0
