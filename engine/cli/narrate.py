"""``heterocosm narrate FILE --seconds S``: run a world's agents and print what they say.

Prints a timestamped transcript (world time, agent, text, gloss, translation) as the lines are
said; ``--out narration.wav`` also writes what the explorer hears (the world and the voices,
through the world's acoustics). ``--improvise [MODEL]`` lets agents marked ``improvise`` speak new
lines from a language model under the language's grammar (the embedded model when no MODEL is
named); this is the only place the agents meet ``generators``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli import EXIT_OK, fail
from engine.rules import WorldError, load_world


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "narrate",
        help="print what a world's agents say (and write the audio)",
        description="Run a world's agents headless; print a transcript, optionally write audio.",
    )
    parser.add_argument("file", metavar="FILE", help="world file (.toml)")
    parser.add_argument(
        "--seconds", type=float, default=30.0, metavar="S", help="real seconds to run (30)"
    )
    parser.add_argument("--out", metavar="AUDIO", help="write the audio heard (.wav; .ogg/.mp3)")
    parser.add_argument("--seed", type=int, help="seed (default: the world's meta.seed)")
    parser.add_argument(
        "--explorer",
        type=float,
        nargs=3,
        metavar=("X", "Y", "Z"),
        help="where the explorer stands, in metres (default: the world's start)",
    )
    parser.add_argument(
        "--improvise",
        nargs="?",
        const="embedded",
        metavar="MODEL",
        help="let improvising agents use a language model (default: the embedded one)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.agents.offline import narrate_world

    if not 0 < args.seconds <= 24 * 3600:
        return fail(f"--seconds must be between 0 and 86400, got {args.seconds}")
    try:
        world = load_world(args.file)
    except WorldError as error:
        print(error, file=sys.stderr)
        return 1
    if not world.agents:
        return fail(f"{args.file}: the world has no [[agents]]; nothing would be said")
    improviser = None
    if args.improvise:
        try:
            improviser = BackendImproviser.load(args.improvise)
        except RuntimeError as error:
            return fail(str(error))

    def show(utterance) -> None:
        print(utterance.transcript_line(), flush=True)

    try:
        narration = narrate_world(
            world,
            args.seconds,
            seed=args.seed,
            explorer_at=tuple(args.explorer) if args.explorer else None,
            audio=bool(args.out),
            improviser=improviser,
            on_utterance=show,
        )
    except ValueError as error:
        return fail(str(error))
    if args.out:
        from engine.audio import write_audio

        if narration.audio is None:
            return fail(f"no audio was rendered, so {args.out} was not written")

        try:
            path = write_audio(args.out, narration.audio, narration.sample_rate)
        except (OSError, ValueError) as error:
            return fail(f"could not write {args.out}: {error}")
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


class BackendImproviser:
    """An ``engine.agents.improvise.Improviser`` over a ``generators`` local backend.

    Asks the backend for a plain-text answer under the language's EBNF grammar (on a CPU its
    grammar-masked decode loop, with jump-forward), so every token keeps the text inside the
    language.
    """

    def __init__(self, backend: Any, max_new_tokens: int = 48, temperature: float = 0.9) -> None:
        self.backend = backend
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature

    @classmethod
    def load(cls, model: str) -> BackendImproviser:
        from generators.backends.base import BackendError
        from generators.backends.local import LocalBackend

        try:
            return cls(LocalBackend(None if model == "embedded" else model, progress=False))
        except BackendError as error:
            raise RuntimeError(str(error)) from None

    def improvise(self, prompt: str, grammar: str, seed: int) -> str | None:
        from generators.backends.base import GenerationRequest

        request = GenerationRequest(
            messages=[{"role": "user", "content": prompt}],
            schema=None,
            grammar=grammar,
            max_tokens=self.max_new_tokens,
            temperature=self.temperature,
            seed=seed,
        )
        result = self.backend.generate([request])[0]
        if result.error is not None and result.tokens == 0:  # the model or grammar failed
            raise RuntimeError(result.error)
        text = result.text
        if result.error is not None:  # cut off at max_new_tokens: drop the unfinished word
            text = text.rsplit(" ", 1)[0] if " " in text.strip() else ""
        return text.strip() or None
