"""``heterocosm render FILE``: a world rendered offscreen to a video (or PNG frames), with audio."""

from __future__ import annotations

import argparse
import re
import sys

from engine.cli import EXIT_OK, fail


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x720, got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (16 <= width <= 7680 and 16 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"size must be 16x16 .. 7680x4320, got {text}")
    return width, height


def _positive(kind: type, low: float, high: float):  # noqa: ANN202
    def parse(text: str):  # noqa: ANN202
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {text}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render a world to a video offscreen (no display needed)",
        description="Render a world offscreen (EGL) to a video or a folder of PNG frames. The "
        "same world, seed, size and frame rate give the same frames. The world's audio is muxed "
        "into the video when ffmpeg exists; otherwise a WAV is written beside the output.",
    )
    parser.add_argument("file", metavar="FILE", help="world file (.toml)")
    parser.add_argument("--seconds", type=_positive(float, 0.01, 3600), default=5.0)
    parser.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH")
    parser.add_argument("--fps", type=_positive(int, 1, 240), default=30)
    parser.add_argument(
        "--out", required=True, metavar="OUT", help="video file (.mp4 .mkv .mov .webm) or folder"
    )
    parser.add_argument(
        "--seed",
        type=_positive(int, 0, 2**63 - 1),
        default=None,
        help="seed (default: the world's meta.seed)",
    )
    parser.add_argument("--no-hud", action="store_true", help="leave out the HUD overlay")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.rules import WorldError, load_world

    try:
        world = load_world(args.file)
    except WorldError as error:
        print(error, file=sys.stderr)
        return 1
    from engine.app.headless import render_world
    from engine.render.renderer import RenderError
    from engine.render.shaders import ShaderError
    from engine.sim import SimulationError

    width, height = args.size
    try:
        result = render_world(
            world,
            args.out,
            args.seconds,
            width,
            height,
            args.fps,
            seed=args.seed,
            hud=not args.no_hud,
            progress=not args.quiet,
        )
    except (RenderError, ShaderError, SimulationError, OSError) as error:
        return fail(str(error))
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    written = result.video or result.frames_dir
    print(
        f"wrote {result.frames} frames to {written}"
        + (f" and {result.audio}" if result.audio else "")
    )
    return EXIT_OK
