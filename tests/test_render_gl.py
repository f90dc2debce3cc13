"""GL tests of the renderer on Mesa llvmpipe through EGL: exact bytes on tiny framebuffers,
shader errors, the Doppler shader against its numpy reference, zoom at both ends of a 1e-9..1e5 m
world, golden images of every example world, and the headless renderer's determinism.

Every test runs with the ``ctx`` fixture, which fails the test on any pending GL error.
Golden images are rewritten only with HETEROCOSM_REGENERATE_GOLDEN=1.
"""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.app.headless import OffscreenView, frame_rgb, render_world
from engine.app.source import WorldSource
from engine.render.camera import Camera
from engine.render.renderer import WHOLE_SCREEN, Renderer, park_framebuffer
from engine.render.shaders import ShaderError, ShaderSource, load_program
from engine.rules import load_world, loads_world
from engine.sim.snapshot import BodyView, ExplorerView, Snapshot, TimeFieldView

pytestmark = pytest.mark.gl

REPO = Path(__file__).resolve().parent.parent
GOLDEN_DIR = REPO / "tests" / "golden"
REGENERATE = os.environ.get("HETEROCOSM_REGENERATE_GOLDEN") == "1"
GOLDEN_SIZE = (192, 108)
GOLDEN_SECONDS = 2.0


@pytest.fixture(scope="module")
def gl_context():  # noqa: ANN201
    import moderngl

    ctx = moderngl.create_standalone_context(backend="egl")
    yield ctx
    ctx.release()


@pytest.fixture
def ctx(gl_context):  # noqa: ANN001, ANN201
    """The module's EGL context; a GL error left pending by a test fails that test."""
    assert gl_context.error == "GL_NO_ERROR"  # also clears anything stale
    yield gl_context
    error = gl_context.error
    assert error == "GL_NO_ERROR", f"GL error left pending: {error}"


BLACK_WORLD = """
[meta]
name = "Black"
[light]
sky_zenith = "#000000"
sky_horizon = "#000000"
fog_colour = "#000000"
ground_colour = "#000000"
sun_colour = "#000000"
ambient = 0.0
[[time.fields]]
name = "well"
region = { shape = "sphere", centre = [0.0, 1.6, 0.0], radius = 2.0 }
rate = 0.5
"""


def empty_snapshot(position=(0.0, 1.6, 10.0), size: float = 1.7, fields=()) -> Snapshot:  # noqa: ANN001
    nothing = np.zeros((0, 3))
    return Snapshot(
        world_time=0.0,
        real_time=0.0,
        time_rate=1.0,
        speed_of_light=3e8,
        speed_of_sound=343.0,
        explorer=ExplorerView(
            position=np.asarray(position, float),
            velocity=np.zeros(3),
            yaw=0.0,
            pitch=0.0,
            size=size,
            band=None,
            local_rate=1.0,
        ),
        bodies=BodyView(
            positions=nothing,
            velocities=nothing,
            apparent_positions=nothing,
            apparent_velocities=nothing,
            radii=np.zeros(0),
            masses=np.zeros(0),
            colours=np.zeros((0, 3), np.float32),
            glow=np.zeros(0, np.float32),
            shapes=np.zeros(0, np.int8),
            group=np.zeros(0, np.int32),
            local_rate=np.zeros(0),
            proper_time=np.zeros(0),
            lorentz_factor=np.zeros(0),
        ),
        time_fields=fields,
    )


def tiny_target(ctx, width: int = 4, height: int = 4):  # noqa: ANN001, ANN201
    return ctx.framebuffer([ctx.renderbuffer((width, height), 4)])


def test_black_world_renders_exact_zeros(ctx) -> None:  # noqa: ANN001
    world = loads_world(
        BLACK_WORLD.replace("[[time.fields]]", "[[unused]]").split("[[unused]]")[0], "black.toml"
    )
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx)
    renderer.render(empty_snapshot(), target)
    assert target.read(components=4) == bytes([0, 0, 0, 255]) * 16
    renderer.release()


def test_time_field_shows_where_it_is(ctx) -> None:  # noqa: ANN001
    world = loads_world(BLACK_WORLD, "black.toml")
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx, 8, 8)
    renderer.render(empty_snapshot(fields=(TimeFieldView("well", 0.5, 0.0),)), target)
    pixels = frame_rgb(target).astype(int)
    # The sphere (radius 2 m, 10 m ahead) covers the centre; the corners see only black sky.
    assert pixels[3:5, 3:5].sum() > 0
    assert pixels[0, 0].sum() == 0 and pixels[7, 7].sum() == 0
    assert pixels[4, 4, 2] > pixels[4, 4, 0]  # a slow field is tinted blue
    renderer.release()


def test_opaque_overlay_is_copied_exactly(ctx) -> None:  # noqa: ANN001
    world = load_world(REPO / "worlds" / "tidal_time.toml")
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx)
    overlay = np.zeros((4, 4, 4), np.uint8)
    overlay[..., 3] = 255
    overlay[0, :, 0] = 200  # top row red
    overlay[3, :, 2] = 100  # bottom row blue
    overlay[:, 0, 1] = 50  # left column a little green
    renderer.render(empty_snapshot(), target, overlay=overlay)
    assert frame_rgb(target).tobytes() == np.ascontiguousarray(overlay[..., :3]).tobytes()
    renderer.release()


def test_same_snapshot_same_bytes(ctx) -> None:  # noqa: ANN001
    world = load_world(REPO / "worlds" / "slowlight.toml")
    source = WorldSource(world)
    source.advance(0.5)
    snapshot = source.snapshot()
    frames = []
    for _ in range(2):
        renderer = Renderer(ctx, world)
        target = tiny_target(ctx, 32, 18)
        renderer.render(snapshot, target)
        frames.append(target.read(components=3))
        renderer.release()
    assert frames[0] == frames[1]


def test_doppler_shader_matches_reference(ctx, tmp_path) -> None:  # noqa: ANN001
    from engine.render import relativity
    from engine.resources import shaders_dir

    (tmp_path / "probe.glsl").write_text(
        "#if defined VERTEX_SHADER\n"
        "in vec2 in_position;\nvoid main() { gl_Position = vec4(in_position, 0.0, 1.0); }\n"
        "#elif defined FRAGMENT_SHADER\n"
        '#include "relativity.glsl"\n'
        "uniform vec3 u_colour;\nuniform float u_doppler;\nout vec4 f_colour;\n"
        "void main() { f_colour = vec4(doppler_shifted(u_colour, u_doppler, true), 1.0); }\n"
        "#endif\n"
    )
    (tmp_path / "include").symlink_to(shaders_dir() / "include")
    program = load_program(ctx, "probe", tmp_path)
    quad = ctx.buffer(np.array([-1, -1, 3, -1, -1, 3], np.float32).tobytes())
    vao = ctx.vertex_array(program, [(quad, "2f", "in_position")])
    texture = ctx.texture((1, 1), 4, dtype="f4")
    target = ctx.framebuffer([texture])
    target.use()
    colour = np.array([0.9, 0.4, 0.2])
    for doppler in (0.5, 0.8, 0.95, 1.0, 1.07, 1.3, 2.5):
        program["u_colour"].value = tuple(colour)
        program["u_doppler"].value = doppler
        vao.render(vertices=3)
        shaded = np.frombuffer(texture.read(), np.float32)[:3]
        expected = relativity.shifted_colour(colour, doppler)
        np.testing.assert_allclose(shaded, expected, rtol=1e-4, atol=1e-5)
    park_framebuffer(ctx)  # the probe target is bound; never release a bound framebuffer
    for resource in (vao, quad, target, texture, program):
        resource.release()


def test_broken_shader_names_file_and_line(ctx, tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "good.glsl").write_text("float good() { return 1.0; }\n")
    (tmp_path / "broken.glsl").write_text(
        "#if defined VERTEX_SHADER\n"
        '#include "good.glsl"\n'
        "void main() { gl_Position = vec4(good()); }\n"
        "#elif defined FRAGMENT_SHADER\n"
        "out vec4 f_colour;\n"
        "void main() { f_colour = undefined_thing; }\n"
        "#endif\n"
    )
    with pytest.raises(ShaderError) as raised:
        load_program(ctx, "broken", tmp_path)
    message = str(raised.value)
    assert f"{tmp_path / 'broken.glsl'}:6:" in message
    assert "undefined_thing" in message
    assert ShaderSource(tmp_path / "broken.glsl", "FRAGMENT_SHADER", tmp_path / "include")


ZOOM_WORLD = """
[meta]
name = "Zoom"
[scale]
min_explorer_size = 1e-9
max_explorer_size = 1e5
explorer_size = {size!r}
explorer_position = [{x!r}, 0.0, {z!r}]
[light]
fog_density = 0.0
[[bodies]]
name = "marker"
shape = "cube"
radius = {radius!r}
colour = "#ff2020"
glow = 1.0
position = [{x!r}, {height!r}, {body_z!r}]
fixed = true
"""


def _marker_centre(pixels: np.ndarray) -> np.ndarray:
    red = (pixels[..., 0].astype(int) - pixels[..., 1].astype(int)) > 80
    assert red.sum() > 20, "the marker is not visible"
    rows, columns = np.nonzero(red)
    return np.array([rows.mean(), columns.mean()])


@pytest.mark.parametrize("size", [1e-9, 1e5])
def test_zoom_ends_do_not_jitter(ctx, size: float) -> None:  # noqa: ANN001
    """A static body 10 explorer-heights ahead, far from the world origin, stays put."""
    x, z = 12_345.678, 9_876.54321
    text = ZOOM_WORLD.format(
        size=size, x=x, z=z, radius=0.6 * size, height=0.93 * size, body_z=z - 10.0 * size
    )
    world = loads_world(text, "zoom.toml")
    source = WorldSource(world)
    view = OffscreenView(ctx, world, 96, 64)
    centres = []
    for _ in range(5):
        source.advance(1.0 / 30.0)
        snapshot = source.snapshot()
        centres.append(_marker_centre(view.draw(snapshot, hud=False)))
    view.release()
    centres = np.array(centres)
    assert np.ptp(centres, axis=0).max() <= 1.0, centres
    # Where float64 maths puts the body on screen, within a pixel.
    camera = Camera(
        tuple(snapshot.explorer.position),
        snapshot.explorer.yaw,
        snapshot.explorer.pitch,
        snapshot.explorer.size,
    )
    relative = snapshot.bodies.positions[0] - camera.eye
    clip = camera.projection_matrix(96 / 64).astype(np.float64) @ np.append(
        camera.view_matrix()[:3, :3].astype(np.float64) @ relative, 1.0
    )
    ndc = clip[:2] / clip[3]
    expected = np.array([(1.0 - ndc[1]) * 32.0 - 0.5, (ndc[0] + 1.0) * 48.0 - 0.5])
    np.testing.assert_allclose(centres[0], expected, atol=1.0)


@pytest.mark.parametrize("path", sorted((REPO / "worlds").glob("*.toml")), ids=lambda p: p.stem)
def test_golden_image(ctx, path: Path) -> None:  # noqa: ANN001
    from PIL import Image

    world = load_world(path)
    source = WorldSource(world, ctx=ctx)  # particles on the GPU, as the headless renderer does
    source.advance(GOLDEN_SECONDS)
    view = OffscreenView(ctx, world, *GOLDEN_SIZE)
    pixels = view.draw(source.snapshot(), hud=False)
    view.release()
    source.release()
    golden = GOLDEN_DIR / f"{path.stem}.png"
    if REGENERATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        Image.fromarray(pixels).save(golden)
        return
    assert golden.is_file(), (
        f"no golden image {golden}; make it with HETEROCOSM_REGENERATE_GOLDEN=1 pytest {__file__}"
    )
    expected = np.asarray(Image.open(golden).convert("RGB"))
    difference = np.abs(pixels.astype(int) - expected.astype(int))
    # Small tolerance: llvmpipe builds differ in the last bits of transcendental functions.
    assert difference.mean() < 1.0, f"mean difference {difference.mean():.3f}"
    assert (difference.max(axis=2) > 24).mean() < 0.005


def test_headless_render_is_deterministic(tmp_path) -> None:
    world = load_world(REPO / "worlds" / "slowlight.toml")
    for name in ("a", "b"):
        render_world(
            world, tmp_path / name, seconds=0.1, width=48, height=32, fps=30, progress=False
        )
    first = sorted((tmp_path / "a").glob("frame_*.png"))
    second = sorted((tmp_path / "b").glob("frame_*.png"))
    assert len(first) == 3
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert (tmp_path / "a" / "audio.wav").read_bytes() == (
        tmp_path / "b" / "audio.wav"
    ).read_bytes()


def test_without_ffmpeg_frames_and_wav_beside(tmp_path) -> None:
    world = load_world(REPO / "worlds" / "tidal_time.toml")
    result = render_world(
        world,
        tmp_path / "clip.mp4",
        seconds=0.1,
        width=32,
        height=32,
        fps=20,
        progress=False,
        ffmpeg="",
    )
    assert result.video is None and not (tmp_path / "clip.mp4").exists()
    assert result.frames_dir == tmp_path / "clip_frames"
    assert len(list(result.frames_dir.glob("frame_*.png"))) == 2
    assert result.audio == tmp_path / "clip.wav" and result.audio.stat().st_size > 44
    assert any("ffmpeg" in note for note in result.notes)


def test_render_command_writes_video(tmp_path) -> None:
    out = tmp_path / "clip.mp4"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "render",
            str(REPO / "worlds" / "tidal_time.toml"),
            "--seconds",
            "0.2",
            "--size",
            "64x48",
            "--fps",
            "10",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "rendering" in result.stderr  # the progress bar
    data = out.read_bytes()
    assert data[4:8] == b"ftyp"
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_type,nb_read_frames,width,height",
            "-of",
            "csv=p=0",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    streams = sorted(probe.stdout.split())
    assert len(streams) == 2 and streams[0].startswith("audio")  # the world's sound, muxed in
    assert streams[1] == "video,64,48,2"


def test_render_command_rejects_bad_input(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[meta]\nname = "x"\n[light]\nfog_density = -1.0\n')
    result = subprocess.run(
        [sys.executable, "-m", "engine", "render", str(bad), "--out", str(tmp_path / "x.mp4")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 1
    assert "fog_density" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "engine", "render", str(bad), "--size", "big", "--out", "x.mp4"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 2 and "WIDTHxHEIGHT" in result.stderr


def test_explore_without_display_says_how_to_render(tmp_path) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-m", "engine", "explore", str(REPO / "worlds" / "slowlight.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=environment,
    )
    assert result.returncode == 1
    assert "no display" in result.stderr and "heterocosm render" in result.stderr


_ = io  # keep the import list honest for readers: PNG bytes are compared as files above


GREY_FIELD_WORLD = """
[meta]
name = "Grey"
[light]
fog_density = 0.0
[[time.fields]]
name = "left"
region = { shape = "sphere", centre = [-6.0, 1.6, 0.0], radius = 1.5 }
rate = 0.25
"""


def test_time_field_changes_only_its_part_of_the_frame(ctx) -> None:  # noqa: ANN001
    """The effects pass is scissored to the field's screen rectangle: elsewhere the frame is
    exactly the frame without the field."""
    world = loads_world(GREY_FIELD_WORLD, "grey.toml")
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx, 64, 32)
    frames = []
    for fields in ((), (TimeFieldView("left", 0.25, 1.0),)):
        renderer.render(empty_snapshot(fields=fields), target)
        frames.append(frame_rgb(target).astype(int))
    renderer.release()
    without, with_field = frames
    changed = np.abs(with_field - without).max(axis=2) > 0
    assert changed[:, :20].sum() > 10  # the field, 10 m ahead and 6 m left, is seen
    assert not changed[:, 32:].any()  # the right half is not touched at all


def test_draw_keeps_to_the_viewport(ctx) -> None:  # noqa: ANN001
    """Drawing into the right half of a target (as for one eye of a side-by-side frame) leaves
    the left half as it was, and the right half matches a frame of that size on its own."""
    world = load_world(REPO / "worlds" / "tidal_time.toml")
    source = WorldSource(world)
    source.advance(0.5)
    snapshot = source.snapshot()
    renderer = Renderer(ctx, world)
    wide = tiny_target(ctx, 64, 24)
    wide.clear(7 / 255, 7 / 255, 7 / 255, 1.0)
    wide.viewport = (32, 0, 32, 24)
    overlay = np.zeros((24, 32, 4), np.uint8)
    overlay[2:6, 2:12] = (200, 100, 50, 255)
    renderer.render(snapshot, wide, overlay=overlay)
    wide.viewport = (0, 0, 64, 24)
    pixels = frame_rgb(wide).astype(int)
    assert (pixels[:, :32] == 7).all()
    alone = tiny_target(ctx, 32, 24)
    renderer.render(snapshot, alone, overlay=overlay)
    expected = frame_rgb(alone).astype(int)
    renderer.release()
    assert np.abs(pixels[:, 32:] - expected).max() <= 1
    assert (pixels[2:6, 34:44] == (200, 100, 50)).all()  # the overlay, in the viewport


def test_overlay_shows_changes(ctx) -> None:  # noqa: ANN001
    """A read-only overlay passed again is not uploaded again; a new one, or a writable one
    changed in place, shows its new content."""
    world = loads_world(BLACK_WORLD.split("[[time.fields]]")[0], "black.toml")
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx, 8, 8)
    overlay = np.zeros((8, 8, 4), np.uint8)
    overlay[0, 0] = (255, 0, 0, 255)
    renderer.render(empty_snapshot(), target, overlay=overlay)
    assert tuple(frame_rgb(target)[0, 0]) == (255, 0, 0)
    overlay[0, 0] = (0, 255, 0, 255)  # writable: changed in place
    overlay[7, 7] = (0, 0, 255, 255)
    renderer.render(empty_snapshot(), target, overlay=overlay)
    assert tuple(frame_rgb(target)[0, 0]) == (0, 255, 0)
    assert tuple(frame_rgb(target)[7, 7]) == (0, 0, 255)
    frozen = overlay.copy()
    frozen[0, 0] = (9, 9, 9, 255)
    frozen.setflags(write=False)
    for _ in range(2):
        renderer.render(empty_snapshot(), target, overlay=frozen)
        assert tuple(frame_rgb(target)[0, 0]) == (9, 9, 9)
    renderer.release()


FAR_PAIR_WORLD = """
[meta]
name = "Far pair"
[scale]
min_explorer_size = 1.0
max_explorer_size = 1e4
explorer_size = 1000.0
[light]
fog_density = 0.0
[[bodies]]
name = "near"
shape = "cube"
radius = 200000.0
colour = "#ff0000"
position = [0.0, 210000.0, -1000000.0]
fixed = true
[[bodies]]
name = "behind"
shape = "cube"
radius = 200000.0
colour = "#0000ff"
position = [0.0, 210000.0, -1000020.0]
fixed = true
"""


@pytest.mark.parametrize("order", ["near first", "near last"])
def test_far_bodies_keep_their_order(ctx, order: str) -> None:  # noqa: ANN001
    """Two cubes 800 km away (80,000 near-plane distances) whose faces are 20 m (2.5e-5 of the
    distance) apart: the nearer hides the farther whichever is drawn first (a float reversed-Z
    depth resolves them; 24-bit fixed-point depth could not)."""
    text = FAR_PAIR_WORLD
    if order == "near last":  # swap the bodies' order in the file, so in the instance buffer
        first, second = text.split("[[bodies]]")[1:]
        text = text.split("[[bodies]]")[0] + "[[bodies]]" + second + "[[bodies]]" + first
    world = loads_world(text, "far.toml")
    source = WorldSource(world)
    view = OffscreenView(ctx, world, 32, 32)
    pixels = view.draw(source.snapshot(), hud=False).astype(int)
    view.release()
    seen = pixels[8:12, 14:18]  # the cubes stand above the horizon, the ground hides nothing
    assert (seen[..., 0] > seen[..., 2] + 40).all(), seen.tolist()


def test_render_leaves_the_usual_depth_range(ctx) -> None:  # noqa: ANN001
    """The renderer draws with a 0..1 clip depth range and gives back OpenGL's usual -1..1: a
    triangle at NDC z = -0.5 drawn afterwards by someone else is not clipped away."""
    world = loads_world(BLACK_WORLD.split("[[time.fields]]")[0], "black.toml")
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx)
    renderer.render(empty_snapshot(), target)
    program = ctx.program(
        vertex_shader="#version 330 core\nin vec2 in_position;\n"
        "void main() { gl_Position = vec4(in_position, -0.5, 1.0); }\n",
        fragment_shader="#version 330 core\nout vec4 f_colour;\n"
        "void main() { f_colour = vec4(1.0); }\n",
    )
    quad = ctx.buffer(np.array([-1, -1, 3, -1, -1, 3], np.float32).tobytes())
    vao = ctx.vertex_array(program, [(quad, "2f", "in_position")])
    target.use()
    vao.render(vertices=3)
    assert target.read(components=4) == bytes([255, 255, 255, 255]) * 16
    park_framebuffer(ctx)
    for resource in (vao, quad, program, target):
        resource.release()
    renderer.release()


SUN_WORLD = """
[meta]
name = "Sun ahead"
[light]
sun_direction = [0.0, 0.1, -1.0]
sun_colour = "#ffe0a0"
sky_zenith = "#203060"
sky_horizon = "#405070"
"""


def test_sun_disc_is_sharp_and_its_quad_seamless(ctx) -> None:  # noqa: ANN001
    """The sun's disc, shaded per pixel on its own quad, is a bright spot where the sun is; the
    quad blends into the per-vertex sky around it without a visible edge."""
    world = loads_world(SUN_WORLD, "sun.toml")
    view = OffscreenView(ctx, world, 640, 360)
    brightness = view.draw(empty_snapshot(position=(0.0, 1.6, 0.0)), hud=False).astype(int)
    brightness = brightness.sum(axis=2)
    view.release()
    camera = Camera((0.0, 1.6, 0.0))
    clip = camera.projection_matrix(640 / 360).astype(np.float64) @ np.array([0, 0.1, -1, 0])
    column = round((clip[0] / clip[3] + 1.0) * 320.0 - 0.5)
    row = round((1.0 - clip[1] / clip[3]) * 180.0 - 0.5)
    assert brightness[row, column] >= 700  # the disc: near white
    assert brightness[row, column + 20] < brightness[row, column] - 100  # outside the disc
    # Rows above the sun cross the quad's left and right edges (about 54 pixels from the sun):
    # neighbouring pixels differ little anywhere along them.
    for above in (20, 40):
        assert np.abs(np.diff(brightness[row - above])).max() <= 10


def test_field_outlines_shade_what_the_whole_rectangle_shaded(ctx) -> None:  # noqa: ANN001
    """Drawing each field's effects only over its outline polygon gives the frame that shading
    its whole screen rectangle gives (tidal_time: two domes and a frozen box)."""
    world = load_world(REPO / "worlds" / "tidal_time.toml")
    source = WorldSource(world)
    source.advance(1.0)
    snapshot = source.snapshot()
    assert len(snapshot.time_fields) == 3
    frames = []
    for whole_rectangles in (False, True):
        renderer = Renderer(ctx, world)
        if whole_rectangles:  # every group drawn as one triangle over the screen, scissored

            def whole(groups, eye, reversed_time, renderer=renderer):  # noqa: ANN001, ANN202
                renderer._outline_buffer.write(WHOLE_SCREEN.astype(np.float32).tobytes())
                return [(0, 3)] * len(groups)

            renderer._write_outlines = whole
        target = tiny_target(ctx, 160, 90)
        renderer.render(snapshot, target)
        frames.append(frame_rgb(target).astype(int))
        renderer.release()
    source.release()
    outlined, rectangles = frames
    assert np.abs(outlined - rectangles).max() <= 1
    assert (np.abs(outlined - rectangles).max(axis=2) > 0).mean() < 0.002


def test_uniform_arrays_the_compiler_shortened_take_their_kept_part(ctx) -> None:  # noqa: ANN001
    # A shader reading only the first two of four elements: Mesa keeps two, NVIDIA keeps four,
    # and a write of another length fails with "invalid uniform size".
    program = ctx.program(
        vertex_shader="""#version 330 core
uniform vec3 u_values[4];
out vec3 v_sum;
void main() { v_sum = u_values[0] + u_values[1]; gl_Position = vec4(0.0, 0.0, 0.0, 1.0); }""",
        fragment_shader="""#version 330 core
in vec3 v_sum;
out vec4 f_colour;
void main() { f_colour = vec4(v_sum, 1.0); }""",
    )
    member = program["u_values"]
    kept = member.array_length
    assert kept in (2, 4)
    renderer = Renderer(ctx, loads_world(BLACK_WORLD, "black.toml"))
    values = np.arange(12, dtype=np.float32).reshape(4, 3)
    renderer._apply(program, {"u_values": values})
    assert np.asarray(member.value, np.float32).reshape(-1, 3).tolist() == values[:kept].tolist()
    renderer.release()
    program.release()


def test_a_renderer_reused_over_changing_frames_draws_what_fresh_ones_draw(ctx) -> None:  # noqa: ANN001
    """What the renderer keeps from frame to frame (uniforms it skips, the Frame block written
    only on change, the ground's uniforms and triangle order, instance buffers) never leaves a
    frame stale: one renderer drawing frames that move, turn, zoom and come back draws each
    exactly as a fresh renderer does (tidal_time: bodies, ground, time fields)."""
    world = load_world(REPO / "worlds" / "tidal_time.toml")
    source = WorldSource(world)
    source.advance(1.0)
    first = source.snapshot()
    source.advance(0.5)
    later = source.snapshot()
    start = Camera(position=(0.0, 1.7, 12.0), yaw=0.2, pitch=-0.05)
    frames = [
        (first, start),
        (later, Camera(position=(0.0, 1.7, 12.0), yaw=0.9, pitch=0.1)),  # turned, time moved on
        (later, Camera(position=(3.0, 2.5, 6.0), yaw=0.9, pitch=0.1, size=8.0)),  # moved, grown
        (later, Camera(position=(3.0, 60.0, 6.0), yaw=0.9, pitch=0.1, size=8.0)),  # risen
        (first, start),  # back to the first frame
    ]
    reused = Renderer(ctx, world)
    target = tiny_target(ctx, 160, 90)
    for snapshot, camera in frames:
        reused.render(snapshot, target, camera)
        drawn = target.read(components=4)
        fresh = Renderer(ctx, world)
        fresh.render(snapshot, target, camera)
        assert drawn == target.read(components=4)
        fresh.release()
    reused.release()
    source.release()


def test_a_still_eye_draws_each_frames_time_fields_as_a_fresh_renderer(ctx) -> None:  # noqa: ANN001
    """The effects pass keeps where its fields lie on screen while the eye stays put; the
    fields' clocks and the time's direction still come from each frame: frames seen from one
    place as time runs on, reverses and runs on again are drawn as a fresh renderer draws them
    (tidal_time: two domes and a frozen box, all on screen)."""
    import dataclasses

    world = load_world(REPO / "worlds" / "tidal_time.toml")
    source = WorldSource(world)
    camera = Camera(position=(0.0, 1.7, 12.0), yaw=0.2, pitch=-0.05)
    snapshots = []
    for step in (1.0, 0.7, 0.7):
        source.advance(step)
        snapshots.append(source.snapshot())
    snapshots.insert(2, dataclasses.replace(snapshots[1], time_rate=-1.0))
    reused = Renderer(ctx, world)
    target = tiny_target(ctx, 160, 90)
    drawn = []
    for snapshot in snapshots:
        reused.render(snapshot, target, camera)
        drawn.append(target.read(components=4))
        fresh = Renderer(ctx, world)
        fresh.render(snapshot, target, camera)
        assert drawn[-1] == target.read(components=4)
        fresh.release()
    assert len(set(drawn)) == len(drawn)  # every frame differs: the clocks show
    reused.release()
    source.release()


def test_zooming_past_a_fine_pattern_bake_moves_the_ground_by_at_most_a_level(ctx) -> None:  # noqa: ANN001
    """The ground's fine pattern is baked again at FINE_WEIGHT_STEPS steps per doubling of the
    explorer's size (the octaves' shares at the nearest step): a size just either side of
    where the nearest step changes bakes it anew, and draws the ground within a display level
    of the other, so a continuous zoom shows no step."""
    from engine.render.renderer import FINE_WEIGHT_STEPS

    world = loads_world('[meta]\nname = "Plain"\n[light]\nground_colour = "#8a8f75"\n')
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx, 160, 90)
    step_edge = 2.0 ** ((5 + 0.5) / FINE_WEIGHT_STEPS)  # the nearest step turns from 5 to 6
    frames, bakes = [], []
    for size in (step_edge * (1.0 - 1e-7), step_edge * (1.0 + 1e-7)):
        camera = Camera(position=(0.3, 1.6, 0.2), yaw=0.4, pitch=-0.5, size=size)
        renderer.render(empty_snapshot(position=(0.3, 1.6, 0.2), size=size), target, camera)
        frames.append(np.frombuffer(target.read(components=3), np.uint8).astype(int))
        bakes.append(renderer._fine_baked)
    renderer.release()
    assert bakes[0] != bakes[1]
    assert np.abs(frames[0] - frames[1]).max() <= 1


def test_zooming_through_a_doubling_changes_the_ground_no_more_than_zooming_beside_it(ctx) -> None:  # noqa: ANN001
    """Each ground octave is a fixed pattern of its wavelength, only its weight follows the
    explorer's size: so a zoom through a doubling of size (where octaves change roles: per
    pixel or per vertex, which is the finest) changes the frame about as much as the same zoom
    step just before or after it. (When the octaves' patterns followed their roles, the ground
    jumped there: about 60 times the change of the steps beside it.)"""
    world = loads_world('[meta]\nname = "Plain"\n[light]\nground_colour = "#8a8f75"\n')
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx, 160, 90)
    for doubling in (-7, 1):
        frames = []
        for offset in (-1.5, -0.5, 0.5, 1.5):  # 1/256 of a doubling apart, the edge in the middle
            size = 2.0 ** (doubling + offset / 256.0)
            position = (0.3 * size, 0.93 * size, 0.2 * size)  # the eye at the explorer's height
            camera = Camera(position=position, yaw=0.4, pitch=-0.5, size=size)
            renderer.render(empty_snapshot(position=position, size=size), target, camera)
            frames.append(np.frombuffer(target.read(components=3), np.uint8).astype(int))
        before, across, after = (np.abs(b - a).mean() for a, b in itertools.pairwise(frames))
        assert 0.0 < across <= 2.0 * max(before, after), (doubling, before, across, after)
    renderer.release()


def test_the_handed_over_octave_is_the_pattern_the_vertices_drew(ctx, monkeypatch) -> None:  # noqa: ANN001
    """Over a doubling of size the coarsest fine octave is handed from the vertices (hashed in
    the shader) to the baked fine pattern (hashed in numpy, engine/render/noise.py): both must
    draw the same pattern. Looking down, where the vertices resolve it, the ground is the same
    drawn either way, to the vertices' interpolation (about 1 level; with another lattice for
    the vertices, as a shader hash that disagreed with numpy's would give, it differs by 16)."""
    import engine.render.renderer as renderer_module

    world = loads_world('[meta]\nname = "Plain"\n[light]\nground_colour = "#8a8f75"\n')
    renderer = Renderer(ctx, world)
    target = tiny_target(ctx, 640, 360)
    size = 2.0**0.1
    position = (0.3, 0.93 * size, 0.2)
    camera = Camera(position=position, yaw=0.4, pitch=-1.3, size=size)
    frames = []
    for handed in (0.0, 1.0):  # drawn by the vertices, then by the fine pattern
        monkeypatch.setattr(renderer_module, "fine_handover", lambda fraction, h=handed: h)
        renderer.render(empty_snapshot(position=position, size=size), target, camera)
        frames.append(np.frombuffer(target.read(components=3), np.uint8).astype(int))
    renderer.release()
    assert np.abs(frames[0] - frames[1]).mean() < 2.5
