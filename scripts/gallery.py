"""Render a still and a few seconds of audio for every world in worlds/ (the README's pictures).

Usage: python scripts/gallery.py [--out docs/gallery] [--size 960x540] [--at 3] [--seconds 6]
Writes <world>.png (the frame at --at seconds) and <world>.ogg (the first --seconds of what the
explorer hears; .wav when ffmpeg is missing) for each world, and a short clip of one world
(--clip-world, default speakers) as docs/clip.mp4 with its audio docs/clip.ogg.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.app.headless import render_world, world_audio  # noqa: E402
from engine.audio import write_audio  # noqa: E402
from engine.fsutil import write_atomic  # noqa: E402
from engine.rules import load_world  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "gallery")
    parser.add_argument("--size", default="960x540")
    parser.add_argument("--at", type=float, default=3.0, help="seconds into the world")
    parser.add_argument("--seconds", type=float, default=12.0, help="seconds of audio")
    parser.add_argument("--clip-world", default="speakers")
    parser.add_argument("--clip-seconds", type=float, default=8.0)
    parser.add_argument("--only", nargs="*", help="world names to render (default: all)")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    audio_suffix = ".ogg" if shutil.which("ffmpeg") else ".wav"
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO / "worlds").glob("*.toml")):
        if args.only and path.stem not in args.only:
            continue
        world = load_world(path)
        with tempfile.TemporaryDirectory() as folder:
            fps = 4
            render_world(world, Path(folder), args.at, width, height, fps, progress=False)
            frames = sorted(Path(folder).glob("frame_*.png"))
            write_atomic(args.out / f"{path.stem}.png", frames[-1].read_bytes())
        audio = world_audio(world, args.seconds, None)
        if audio is not None:
            write_audio(args.out / f"{path.stem}{audio_suffix}", audio, 48_000)
        print(f"{path.stem}: still and {args.seconds:g} s of audio", flush=True)
    clip_world = REPO / "worlds" / f"{args.clip_world}.toml"
    if clip_world.exists() and (not args.only or args.clip_world in args.only):
        docs = args.out.parent
        render_world(
            load_world(clip_world),
            docs / "clip.mp4",
            args.clip_seconds,
            640,
            360,
            24,
            progress=False,
            audio_copy=docs / "clip.wav",
        )
        if audio_suffix == ".ogg":
            from scipy.io import wavfile

            wav = docs / "clip.wav"
            rate, pcm = wavfile.read(wav)
            write_audio(docs / "clip.ogg", pcm.astype("float32") / 32768.0, rate)
            wav.unlink()
        print(f"clip: {docs / 'clip.mp4'}")


if __name__ == "__main__":
    main()
