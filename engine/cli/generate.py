"""``heterocosm generate``: write a world from a prompt, a passage, or a file of prompts.

Also owns the model options shared by ``remix`` and ``variants`` (``add_model_arguments``,
``open_generator``, ``write_world``). torch and the model load only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, fail


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Options choosing the language model and how it generates."""
    group = parser.add_argument_group("language model")
    group.add_argument(
        "--model",
        help="Hugging Face model id, local model folder or .gguf file (default: the embedded "
        "SmolLM2-135M-Instruct); with --server, the server's model name",
    )
    group.add_argument(
        "--server", metavar="URL", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1"
    )
    group.add_argument(
        "--api-key-env",
        metavar="VAR",
        default="HETEROCOSM_API_KEY",
        help="environment variable holding the server's API key (default: HETEROCOSM_API_KEY)",
    )
    group.add_argument("--concurrency", type=int, default=8, help="server requests at once")
    group.add_argument("--timeout", type=float, default=120.0, help="seconds per server request")
    group.add_argument("--retries", type=int, default=3, help="retries of a failed server request")
    group.add_argument(
        "--batch-size",
        type=int,
        help="local, on a GPU: worlds decoded together by model.generate (default 1: one at a "
        "time through the decode loop, faster for small models; a CPU always decodes one)",
    )
    group.add_argument("--threads", type=int, help="local CPU threads (default: idle cores)")
    group.add_argument("--seed", type=int, default=0, help="seed (a local run is reproducible)")
    group.add_argument("--temperature", type=float, default=0.8)
    group.add_argument("--max-repairs", type=int, default=3, help="regenerations of a bad part")
    group.add_argument(
        "--stages",
        default="rules,language,agents",
        help="what to generate: rules, then optionally language and agents",
    )
    group.add_argument("--no-progress", action="store_true", help="no progress bars")
    group.add_argument("--force", action="store_true", help="replace existing output files")


def open_generator(args: argparse.Namespace):  # -> WorldGenerator (imports stay lazy)
    """The world generator the options describe; raises BackendError or ValueError."""
    from generators.backends import open_backend
    from generators.world import WorldGenerator

    if args.seed < 0:
        raise ValueError(f"--seed must be 0 or more, got {args.seed}")
    if not 0 <= args.temperature <= 2:
        raise ValueError(f"--temperature must be between 0 and 2, got {args.temperature}")
    if not 0 <= args.max_repairs <= 10:
        raise ValueError(f"--max-repairs must be between 0 and 10, got {args.max_repairs}")
    stages = tuple(stage.strip() for stage in args.stages.split(",") if stage.strip())
    progress = not args.no_progress
    backend = open_backend(
        args.model,
        server=args.server,
        api_key_env=args.api_key_env,
        concurrency=args.concurrency,
        timeout=args.timeout,
        retries=args.retries,
        batch_size=args.batch_size,
        threads=args.threads,
        progress=progress,
    )
    return WorldGenerator(
        backend,
        max_repairs=args.max_repairs,
        temperature=args.temperature,
        stages=stages,
        progress=progress,
    )


def write_world(path: Path, world, force: bool) -> None:
    """Write a generated world atomically; refuse to replace a file unless ``force``."""
    from engine.fsutil import write_atomic
    from engine.rules import dump_world

    write_atomic(path, dump_world(world), overwrite=force)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate a world with a language model",
        description="Generate a world from a prompt, from a passage of text (--from-passage), or "
        "many from a file of prompts (--batch). Every answer is constrained by a grammar, "
        "validated, and repaired part by part; nothing is written unless it is valid.",
    )
    parser.add_argument("prompt", nargs="?", help="what the world should be like")
    parser.add_argument("--from-passage", metavar="FILE", help="a text whose world to generate")
    parser.add_argument("--batch", metavar="FILE", help="one prompt per line")
    parser.add_argument("--out", metavar="FILE", help="world file to write (.toml)")
    parser.add_argument("--out-dir", metavar="DIR", help="--batch: folder for worlds and log")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sources = [bool(args.prompt), bool(args.from_passage), bool(args.batch)]
    if sum(sources) != 1:
        print(
            "error: give exactly one of PROMPT, --from-passage FILE or --batch FILE",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.batch and not args.out_dir:
        print("error: --batch needs --out-dir DIR", file=sys.stderr)
        return EXIT_USAGE
    if not args.batch and not args.out:
        print("error: give --out FILE for the world to write", file=sys.stderr)
        return EXIT_USAGE
    if args.out and Path(args.out).exists() and not args.force:
        return fail(f"{args.out} already exists; pass --force to replace it")
    from generators.backends import BackendError
    from generators.world import GenerationFailed, check_request, passage_request, prompt_request

    try:
        if args.batch:
            from generators.batch import read_prompts

            prompts = read_prompts(args.batch)
            if not prompts:
                return fail(f"{args.batch} holds no prompts (one per line, # for comments)")
            request = None
        elif args.from_passage:
            passage = Path(args.from_passage).read_text(encoding="utf-8")
            request = passage_request(passage, args.seed)
        else:
            request = prompt_request(args.prompt, args.seed)
        if request is not None:
            check_request(request)
        generator = open_generator(args)
    except (OSError, UnicodeDecodeError) as error:
        return fail(f"cannot read input: {error}")
    except (BackendError, GenerationFailed, ValueError) as error:
        return fail(str(error))
    if args.batch:
        return _run_batch(args, generator, prompts)
    assert request is not None
    outcome = generator.generate([request])[0]
    if outcome.world is None:
        return fail(f"{outcome.error}; nothing was written")
    try:
        write_world(Path(args.out), outcome.world, args.force)
    except (OSError, FileExistsError) as error:
        return fail(f"cannot write {args.out}: {error}")
    print(
        f"{args.out}: {outcome.world.meta.name} ({outcome.tokens} tokens, "
        f"{outcome.attempts} answers, {outcome.seconds:.1f} s)"
    )
    return EXIT_OK


def _run_batch(args: argparse.Namespace, generator, prompts: list[str]) -> int:
    from generators.batch import run_batch

    chunk = getattr(generator.backend, "batch_size", None) or args.concurrency

    def report(entry: dict) -> None:
        status = "ok" if entry["status"] == "ok" else f"FAILED: {entry.get('error')}"
        print(f"[{entry['index'] + 1}/{len(prompts)}] {entry['file']}: {status}", flush=True)

    summary = run_batch(
        generator, prompts, args.out_dir, seed=args.seed, chunk_size=chunk, on_result=report
    )
    print(
        f"{summary.generated} generated, {summary.failed} failed, "
        f"{summary.done_before} already done (log: {Path(args.out_dir) / 'results.jsonl'})"
    )
    return EXIT_OK if summary.failed == 0 else EXIT_INVALID
