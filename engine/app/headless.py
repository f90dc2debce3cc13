"""``heterocosm render``: a world rendered offscreen to a video or a folder of frames.

Owns: the offscreen EGL context, the fixed-step frame loop (a manual clock: the same world, seed,
size and frame rate give the same frames, byte for byte), writing frames (PNG) or piping them to
ffmpeg, the world's audio (muxed into the video when ffmpeg exists, a WAV beside the output
otherwise), and the progress bar. Must not touch: the window (no pyglet here), world files.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.app.source import WorldSource
from engine.fsutil import write_atomic, write_atomic_from
from engine.render.camera import Camera
from engine.render.hud import OverlayCache, state_for
from engine.render.renderer import (
    Renderer,
    RenderError,
    camera_from_snapshot,
    park_framebuffer,
)
from engine.rules.world import WorldSpec

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm")
AUDIO_SAMPLE_RATE = 48_000
MAX_FRAMES = 100_000


@dataclass(frozen=True)
class RenderResult:
    video: Path | None
    frames_dir: Path | None
    audio: Path | None
    frames: int
    notes: tuple[str, ...] = ()


def create_offscreen_context():  # noqa: ANN201 - moderngl.Context
    """An EGL context with no window or display; a clear RenderError when there is none."""
    import moderngl

    try:
        # 4.3 first: compute shaders step particle fields on the GPU (NVIDIA's EGL gives
        # exactly the version asked for, and moderngl asks for 3.3 unless told otherwise).
        return moderngl.create_standalone_context(backend="egl", require=430)
    except Exception:  # moderngl raises plain Exception; fall back to what every part needs
        pass
    try:
        return moderngl.create_standalone_context(backend="egl")
    except Exception as error:  # moderngl raises plain Exception for a missing EGL
        raise RenderError(
            f"no offscreen OpenGL context could be made ({error}); install Mesa's EGL "
            "(Debian: apt-get install libegl1 libgl1) or a GPU driver with EGL"
        ) from None


def frame_rgb(framebuffer) -> np.ndarray:  # noqa: ANN001 - moderngl.Framebuffer
    """The framebuffer's pixels as (H, W, 3) uint8, top row first."""
    width, height = framebuffer.size
    data = framebuffer.read(components=3, alignment=1)
    return np.frombuffer(data, np.uint8).reshape(height, width, 3)[::-1]


class OffscreenView:
    """A renderer drawing one world's frames into an offscreen framebuffer of a fixed size."""

    def __init__(self, ctx, world: WorldSpec, width: int, height: int) -> None:  # noqa: ANN001
        self.ctx = ctx
        self.world = world
        self.renderer = Renderer(ctx, world)
        self._colour = ctx.renderbuffer((width, height), 4)
        self.framebuffer = ctx.framebuffer([self._colour])
        self.overlays = OverlayCache()

    def draw(self, snapshot, camera: Camera | None = None, hud: bool = True) -> np.ndarray:  # noqa: ANN001
        """Render ``snapshot`` and return its pixels (H, W, 3) uint8, top row first."""
        width, height = self.framebuffer.size
        camera = camera or camera_from_snapshot(snapshot)
        overlay = None
        if hud:
            state = state_for(self.world.meta.name, snapshot, height, camera.vertical_fov)
            overlay = self.overlays.get(state, width, height)
        self.renderer.render(snapshot, self.framebuffer, camera, overlay)
        return frame_rgb(self.framebuffer)

    def release(self) -> None:
        park_framebuffer(self.ctx)  # never leave a released framebuffer bound
        self.renderer.release()
        self.framebuffer.release()
        self._colour.release()


def world_audio(world: WorldSpec, seconds: float, seed: int | None) -> np.ndarray | None:
    """(N, 2) float32 stereo at AUDIO_SAMPLE_RATE heard from the explorer's start (where the
    camera is): the world's sounds, and its agents' voices when it has agents (the same lines the
    subtitles show); None when ``engine.audio`` is not installed."""
    try:
        from engine.audio import render_world_audio
    except ImportError:
        return None
    if world.agents:
        from engine.agents.offline import narrate_world

        narration = narrate_world(
            world, seconds, seed=seed, audio=True, sample_rate=AUDIO_SAMPLE_RATE
        )
        samples = narration.audio
    else:
        samples, _ = render_world_audio(world, seconds, seed=seed, sample_rate=AUDIO_SAMPLE_RATE)
    return np.asarray(samples, np.float32).reshape(-1, 2)


def write_wav(path: Path, samples: np.ndarray) -> Path:
    """16-bit stereo WAV, written atomically."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")

    def produce(temporary: Path) -> None:
        with wave.open(str(temporary), "wb") as handle:
            handle.setnchannels(2)
            handle.setsampwidth(2)
            handle.setframerate(AUDIO_SAMPLE_RATE)
            handle.writeframes(pcm.tobytes())

    return write_atomic_from(path, produce)


def _png_bytes(pixels: np.ndarray) -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def render_world(
    world: WorldSpec,
    out: str | Path,
    seconds: float,
    width: int,
    height: int,
    fps: int,
    seed: int | None = None,
    hud: bool = True,
    progress: bool = True,
    ffmpeg: str | None = None,
    audio_copy: str | Path | None = None,
) -> RenderResult:
    """Render ``seconds`` of ``world`` to ``out`` (a video file, or a folder for PNG frames).

    ``audio_copy`` also writes the soundtrack there as a WAV file (the demo keeps one beside
    its video)."""
    frames = max(1, int(math.ceil(seconds * fps)))
    if frames > MAX_FRAMES:
        raise RenderError(f"{frames} frames asked for; at most {MAX_FRAMES} per render")
    out = Path(out)
    ffmpeg = ffmpeg if ffmpeg is not None else shutil.which("ffmpeg")
    notes: list[str] = []
    wants_video = out.suffix.lower() in VIDEO_SUFFIXES
    frames_dir: Path | None = None
    if not wants_video:
        frames_dir = out
    elif not ffmpeg:
        frames_dir = out.with_name(out.stem + "_frames")
        notes.append(f"ffmpeg was not found: wrote PNG frames to {frames_dir}/ instead of {out}")
    audio = world_audio(world, frames / fps, seed)
    if audio is None:
        notes.append("no audio: the acoustics engine (engine.audio) is not installed")
    elif audio_copy is not None:
        write_wav(Path(audio_copy), audio)

    ctx = create_offscreen_context()
    view = OffscreenView(ctx, world, width, height)
    source = WorldSource(world, seed=seed, ctx=ctx)
    from tqdm import tqdm

    bar = tqdm(total=frames, unit="frame", desc="rendering", file=sys.stderr, disable=not progress)
    audio_path: Path | None = None
    try:
        if frames_dir is not None:
            frames_dir.mkdir(parents=True, exist_ok=True)
            for index in range(frames):
                if index:
                    source.advance(1.0 / fps)
                pixels = view.draw(source.snapshot(), hud=hud)
                write_atomic(frames_dir / f"frame_{index:05d}.png", _png_bytes(pixels))
                bar.update(1)
            if audio is not None:
                audio_path = write_wav(
                    (frames_dir / "audio.wav") if not wants_video else out.with_suffix(".wav"),
                    audio,
                )
            return RenderResult(None, frames_dir, audio_path, frames, tuple(notes))

        def produce(temporary: Path) -> None:
            assert ffmpeg  # a video is encoded only where ffmpeg was found
            command = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24"]
            command += ["-s", f"{width}x{height}", "-r", str(fps), "-i", "pipe:0"]
            audio_file = None
            if audio is not None:
                audio_file = write_wav(temporary.with_name(temporary.name + ".wav"), audio)
                command += ["-i", str(audio_file), "-c:a", "aac", "-b:a", "160k", "-shortest"]
            command += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18"]
            command += ["-pix_fmt", "yuv420p", str(temporary)]
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
            )
            try:
                assert process.stdin is not None
                for index in range(frames):
                    if index:
                        source.advance(1.0 / fps)
                    process.stdin.write(view.draw(source.snapshot(), hud=hud).tobytes())
                    bar.update(1)
                process.stdin.close()
                errors = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
                if process.wait() != 0:
                    raise RenderError(f"ffmpeg failed to encode {out}: {errors.strip()[-600:]}")
            except BrokenPipeError:
                errors = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
                process.wait()
                raise RenderError(f"ffmpeg stopped early: {errors.strip()[-600:]}") from None
            finally:
                if audio_file is not None and audio_file.exists():
                    audio_file.unlink()

        write_atomic_from(out, produce)
        return RenderResult(out, None, None, frames, tuple(notes))
    finally:
        bar.close()
        source.release()
        view.release()
        ctx.release()
