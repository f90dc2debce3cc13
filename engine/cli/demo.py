"""``heterocosm demo [PROMPT]``: from an idea to a world you can see and hear, in one command.

The embedded language model (or ``--model`` / ``--server``) writes a world with its language and
narrating agents; it is validated and saved under ``worlds/generated/`` with its lineage. Then
the world is shown: in a window when a display exists, otherwise as a video (with the world's
sound, the agents' voices and burned-in subtitles) plus its WAV. Last, a summary of what is
strange about the world: its laws, its clocks, its language with a sample sentence and gloss.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from engine.cli import EXIT_OK, fail

DEFAULT_PROMPT = (
    "a misty valley where sound crawls slower than walking, light dawdles, and loud bells "
    "turn time backward; small creatures there speak a soft language"
)
DEFAULT_OUT_DIR = Path("worlds") / "generated"


def register(subparsers: argparse._SubParsersAction) -> None:
    from engine.cli.generate import add_model_arguments

    parser = subparsers.add_parser(
        "demo",
        help="generate a world from an idea and show it (the main job)",
        description="Generate a world (rules, language, narrating agents) from a prompt with the "
        "embedded language model, save it under worlds/generated/, and explore it: a window when "
        "there is a display, otherwise a video with sound and subtitles plus a WAV.",
    )
    parser.add_argument("prompt", nargs="?", default=DEFAULT_PROMPT, help="what the world is like")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="where files go")
    parser.add_argument("--seconds", type=float, default=20.0, help="video length (no display)")
    parser.add_argument("--size", default="1280x720", metavar="WxH", help="video or window size")
    parser.add_argument("--fps", type=int, default=24, help="video frames per second")
    parser.add_argument(
        "--video", action="store_true", help="render a video even when a display exists"
    )
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "world"


def _free_path(folder: Path, stem: str) -> Path:
    """``folder/stem.toml``, or ``stem-2.toml`` ... when taken: a demo never replaces a file."""
    candidate = folder / f"{stem}.toml"
    number = 2
    while candidate.exists() or candidate.with_suffix(".mp4").exists():
        candidate = folder / f"{stem}-{number}.toml"
        number += 1
    return candidate


def run(args: argparse.Namespace) -> int:
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        return fail(f"--size must be WIDTHxHEIGHT such as 1280x720, got {args.size!r}")
    if not 0 < args.seconds <= 600 or not 1 <= args.fps <= 120:
        return fail("--seconds must be in (0, 600] and --fps in [1, 120]")
    started = time.perf_counter()
    world = _generate(args)
    if world is None:
        return 1
    from engine.fsutil import write_atomic
    from engine.rules import dump_world

    path = _free_path(args.out_dir, _slug(world.meta.name))
    write_atomic(path, dump_world(world), overwrite=False)
    print(f"saved {path}", file=sys.stderr)

    from engine.app.window import display_available

    if display_available() and not args.video:
        _print_summary(world, path, None, None)
        from engine.cli.explore import open_window

        return open_window(str(path), world, args.seed, (width, height))
    from engine.app.headless import render_world
    from engine.render.renderer import RenderError
    from engine.render.shaders import ShaderError

    video = path.with_suffix(".mp4")
    wav = path.with_suffix(".wav")
    print(f"rendering {args.seconds:g} s at {width}x{height}, {args.fps} fps", file=sys.stderr)
    try:
        result = render_world(
            world, video, args.seconds, width, height, args.fps, seed=args.seed, audio_copy=wav
        )
    except (RenderError, ShaderError) as error:
        return fail(str(error))
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    _print_summary(world, path, result.video or result.frames_dir, wav if wav.exists() else None)
    print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return EXIT_OK


def _generate(args: argparse.Namespace):  # -> WorldSpec | None
    from engine.cli.generate import open_generator
    from generators.backends import BackendError
    from generators.world import GenerationFailed, check_request, prompt_request

    request = prompt_request(args.prompt, args.seed)
    try:
        check_request(request)
        generator = open_generator(args)
    except (BackendError, GenerationFailed, ValueError) as error:
        fail(str(error))
        return None
    print(f"generating a world from: {args.prompt!r}", file=sys.stderr)
    outcome = generator.generate([request])[0]
    if outcome.world is None:
        fail(f"no valid world: {outcome.error}")
        return None
    return outcome.world


def _print_summary(world, path: Path, shown: Path | None, wav: Path | None) -> None:  # noqa: ANN001
    from engine.rules.describe import describe_strangeness

    print()
    print(f"{world.meta.name}: {world.meta.description}".rstrip(": "))
    for line in describe_strangeness(world) or ["Its physics is close to ours."]:
        print(f"  - {line}")
    for language in world.languages:
        sample = _sample_sentence(world, language)
        if sample is not None:
            print(f"  {language.name}, a sample sentence:")
            print(f"    {sample.romanised}")
            print(f"    {sample.gloss}")
            print(f"    '{sample.english}'")
    print(f"world file: {path}")
    if shown is not None:
        print(f"video:      {shown}")
    if wav is not None:
        print(f"audio:      {wav}")


def _sample_sentence(world, language):  # noqa: ANN001, ANN202
    """A line an agent of this language says (translated), else a fixed sentence."""
    from engine.language import translate

    candidates = [
        line
        for agent in world.agents
        if agent.language == language.name
        for rule in agent.narration
        for line in rule.lines
    ] + ["the river remembers the stone"]
    for sentence in candidates:
        try:
            return translate(language, sentence)
        except ValueError:
            continue
    return None
