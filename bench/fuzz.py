"""The long fuzz run: every fuzz target at 10,000+ cases, counting outcomes and crashes.

Owns: running the targets that ``tests/test_fuzz_*.py`` define (each module's ``FUZZ_TARGETS``:
name -> (hypothesis strategy, check returning an outcome label)) far longer than CI does, plus an
optional coverage-guided atheris run over the loader's raw bytes. A check that raises is a crash:
its input is printed so it can become a regression test. Touches no engine state and writes
files only inside a temporary directory.

    .venv/bin/python bench/fuzz.py                     # all targets, 10,000 cases each
    .venv/bin/python bench/fuzz.py --cases 500 loader  # targets whose name contains "loader"
    .venv/bin/python bench/fuzz.py --atheris 20000     # also 20,000 atheris runs on the loader

Exit status 1 if any target crashed.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
FUZZ_MODULES = sorted(path.stem for path in TESTS.glob("test_fuzz_*.py"))
CRASH_EXAMPLES_KEPT = 3
CHUNK_CASES = 500


def collect_targets() -> dict[str, tuple[Any, Callable[[Any], str]]]:
    sys.path.insert(0, str(TESTS))
    targets: dict[str, tuple[Any, Callable[[Any], str]]] = {}
    for module_name in FUZZ_MODULES:
        targets.update(importlib.import_module(module_name).FUZZ_TARGETS)
    return targets


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_target(strategy: Any, check: Callable[[Any], str], cases: int) -> dict[str, Any]:
    """Run ``cases`` cases in chunks, each a fresh hypothesis run with its own seed: one long run
    keeps every choice it made (its data tree), which grew to gigabytes over 10,000 big cases."""
    outcomes: Counter[str] = Counter()
    crashes: list[str] = []

    def one_case(value: Any) -> None:
        try:
            outcomes[check(value)] += 1
        except Exception as error:  # noqa: BLE001 - every unexpected exception is a finding
            outcomes[f"CRASH {type(error).__name__}"] += 1
            if len(crashes) < CRASH_EXAMPLES_KEPT:
                last = traceback.format_exc().strip().splitlines()[-3:]
                crashes.append(f"input {value!r:.400}\n      " + "\n      ".join(last))

    started = time.perf_counter()
    for chunk in range(math.ceil(cases / CHUNK_CASES)):
        size = min(CHUNK_CASES, cases - chunk * CHUNK_CASES)
        before = sum(outcomes.values())
        settings(
            max_examples=size,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(seed(chunk)(given(strategy)(one_case)))()
        if sum(outcomes.values()) == before:
            break  # the strategy has nothing new to give
    return {
        "outcomes": outcomes,
        "crashes": crashes,
        "seconds": time.perf_counter() - started,
    }


ATHERIS_TARGET = r"""
import sys
import atheris

with atheris.instrument_imports():
    from engine.rules import WorldError, loads_world

def one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    try:
        loads_world(text, "atheris.toml")
    except WorldError:
        pass

atheris.Setup(sys.argv, one_input)
atheris.Fuzz()
"""


def run_atheris(runs: int, corpus: Path) -> int:
    """Coverage-guided fuzzing of the loader from the example worlds; returns its exit status."""
    corpus.mkdir(parents=True, exist_ok=True)
    for world in sorted((REPO / "worlds").glob("*.toml")):
        (corpus / world.name).write_bytes(world.read_bytes())
    command = [
        sys.executable,
        "-c",
        ATHERIS_TARGET,
        f"-runs={runs}",
        "-max_len=8192",
        "-timeout=20",
        "-rss_limit_mb=4096",
        f"-artifact_prefix={corpus}/",
        str(corpus),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    done = [line for line in result.stderr.splitlines() if line.startswith("#") and "DONE" in line]
    summary = done[-1] if done else result.stderr.strip().splitlines()[-1:]
    print(f"atheris/loader: {runs} runs in {seconds:.0f} s, exit {result.returncode}: {summary}")
    if result.returncode != 0:
        print("\n".join(result.stderr.strip().splitlines()[-30:]))
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("filter", nargs="*", help="run only targets whose name contains one")
    parser.add_argument("--cases", type=int, default=10_000, help="cases per target")
    parser.add_argument("--atheris", type=int, default=0, metavar="RUNS", help="atheris runs")
    args = parser.parse_args()
    targets = {
        name: target
        for name, target in collect_targets().items()
        if not args.filter or any(part in name for part in args.filter)
    }
    print(f"fuzzing {len(targets)} targets, {args.cases} cases each (hypothesis)")
    print(f"{'target':28} {'cases':>7} {'s':>6} {'cases/s':>8} {'RSS MiB':>8}  outcomes")
    crashed = False
    for name, (strategy, check) in targets.items():
        result = run_target(strategy, check, args.cases)
        outcomes: Counter[str] = result["outcomes"]
        total = sum(outcomes.values())
        rate = total / result["seconds"] if result["seconds"] else 0.0
        shown = ", ".join(f"{label} {count}" for label, count in outcomes.most_common())
        print(
            f"{name:28} {total:7d} {result['seconds']:6.0f} {rate:8.1f} {rss_mib():8.0f}  {shown}",
            flush=True,
        )
        for crash in result["crashes"]:
            crashed = True
            print(f"    {crash}")
    if args.atheris:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="heterocosm-atheris-") as folder:
            crashed |= run_atheris(args.atheris, Path(folder)) != 0
    print("CRASHES FOUND" if crashed else "no crashes")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
