"""``heterocosm explore FILE``: walk through a world in a window (hot reload on save)."""

from __future__ import annotations

import argparse
import sys

from engine.cli import EXIT_OK, fail

NO_DISPLAY = (
    "no display: `heterocosm explore` opens a window, and this machine has none (DISPLAY and "
    "WAYLAND_DISPLAY are unset). Render a video offscreen instead:\n"
    "  heterocosm render {file} --seconds 10 --size 1280x720 --out world.mp4"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explore",
        help="walk through a world in a window",
        description="Open a window onto a world: WASD + mouse to move, scroll to change size, "
        "P pause, [ ] speed, R reverse, , . scrub, T subtitles, F1 help. Saving the world file "
        "applies it at once; an invalid edit is shown over the scene and the last good world "
        "keeps running.",
    )
    parser.add_argument("file", metavar="FILE", help="world file (.toml)")
    parser.add_argument("--seed", type=int, default=None, help="seed (default: meta.seed)")
    parser.add_argument("--size", default="1280x720", metavar="WxH", help="window size")
    parser.add_argument(
        "--xr",
        action="store_true",
        help="explore in a VR headset through the OpenXR runtime (XR_RUNTIME_JSON selects one)",
    )
    parser.add_argument(
        "--mirror", action="store_true", help="with --xr: also show the left eye in a window"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.app.window import display_available
    from engine.rules import WorldError, load_world

    try:
        world = load_world(args.file)
    except WorldError as error:
        print(error, file=sys.stderr)
        return 1
    if args.xr:
        from engine.xr import run_xr
        from engine.xr.session import XrSettings

        settings = XrSettings.from_environment(mirror=True) if args.mirror else None
        return run_xr(args.file, seed=args.seed, settings=settings)
    if args.mirror:
        return fail("--mirror only applies with --xr")
    if not display_available():
        return fail(NO_DISPLAY.format(file=args.file))
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        return fail(f"--size must be WIDTHxHEIGHT such as 1280x720, got {args.size!r}")
    return open_window(args.file, world, args.seed, (width, height))


def open_window(file: str, world, seed: int | None, size: tuple[int, int]) -> int:  # noqa: ANN001
    """Explore ``world`` (read from ``file``, which is watched for edits) in a window."""
    from engine.app.window import ExploreApp
    from engine.render.renderer import RenderError
    from engine.render.shaders import ShaderError

    try:
        app = ExploreApp(file, world, seed=seed, size=size)
    except (RenderError, ShaderError) as error:
        return fail(str(error))
    except Exception as error:  # pyglet: no X server behind DISPLAY, no GLX, ...
        if type(error).__module__.startswith("pyglet"):
            return fail(f"could not open a window: {error}")
        raise
    app.run()
    return EXIT_OK
