"""Batch generation: many prompts -> many world files, resumable, one log line per world.

Owns: reading a prompts file, naming output files, skipping work already done, writing each world
atomically as soon as its chunk finishes, and the results log (``results.jsonl``: one JSON object
per line with index, prompt, file, status, seconds, attempts, tokens, error). A failure is logged
and the batch goes on. Chunks go to the generator together, so a local backend batches them and
a server backend runs them concurrently. Must not touch: models or prompts' content.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.fsutil import write_atomic
from engine.rules import WorldError, dump_world, load_world
from generators.world import WorldGenerator, prompt_request

RESULTS_LOG = "results.jsonl"


@dataclass
class BatchSummary:
    done_before: int = 0
    generated: int = 0
    failed: int = 0


def read_prompts(path: str | Path) -> list[str]:
    """One prompt per line; blank lines and lines starting with # are skipped."""
    text = Path(path).read_text(encoding="utf-8")
    prompts = [line.strip() for line in text.splitlines()]
    return [prompt for prompt in prompts if prompt and not prompt.startswith("#")]


def slug(text: str, length: int = 40) -> str:
    """A file-name-safe short form of ``text``."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:length].strip("-") or "world"


def output_name(index: int, prompt: str) -> str:
    return f"{index + 1:04d}-{slug(prompt)}.toml"


def completed_indices(out_dir: Path) -> set[int]:
    """Items the log records as done whose file still exists and still loads."""
    log = out_dir / RESULTS_LOG
    done: set[int] = set()
    if not log.is_file():
        return done
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by an interrupted run
        if not isinstance(entry, dict) or entry.get("status") != "ok":
            continue
        path = out_dir / str(entry.get("file", ""))
        try:
            load_world(path)
        except (WorldError, OSError):
            continue
        if isinstance(entry.get("index"), int):
            done.add(entry["index"])
    return done


def run_batch(
    generator: WorldGenerator,
    prompts: list[str],
    out_dir: str | Path,
    *,
    seed: int = 0,
    chunk_size: int = 1,
    on_result: Callable[[dict], None] | None = None,
) -> BatchSummary:
    """Generate every prompt not already done into ``out_dir``; returns counts."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    done = completed_indices(folder)
    summary = BatchSummary(done_before=len(done & set(range(len(prompts)))))
    todo = [index for index in range(len(prompts)) if index not in done]
    for start in range(0, len(todo), max(1, chunk_size)):
        chunk = todo[start : start + max(1, chunk_size)]
        started = time.perf_counter()
        outcomes = generator.generate([prompt_request(prompts[i], seed + i) for i in chunk])
        for index, outcome in zip(chunk, outcomes, strict=True):
            file_name = output_name(index, prompts[index])
            entry = {
                "index": index,
                "prompt": prompts[index],
                "file": file_name,
                "seconds": round(time.perf_counter() - started, 2),
                "attempts": outcome.attempts,
                "tokens": outcome.tokens,
            }
            if outcome.world is not None:
                write_atomic(folder / file_name, dump_world(outcome.world))
                entry["status"] = "ok"
                summary.generated += 1
            else:
                entry["status"] = "failed"
                entry["error"] = outcome.error
                summary.failed += 1
            with (folder / RESULTS_LOG).open("a", encoding="utf-8") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            if on_result is not None:
                on_result(entry)
    return summary
