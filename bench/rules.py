"""Benchmark: load + validate each example world, against bare TOML parsing of the same text.

Prints the median time per world and its ratio to ``tomllib.loads`` alone (the baseline, measured
in the same run), and the largest world's figure against the 50 ms target.
"""

from __future__ import annotations

import statistics
import time
import tomllib
from pathlib import Path

from engine.rules import loads_world

WORLDS = sorted((Path(__file__).resolve().parent.parent / "worlds").glob("*.toml"))


def median_seconds(function, repeats: int = 30) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    print(f"{'world':<24}{'bytes':>8}{'load+validate':>16}{'tomllib only':>15}{'ratio':>8}")
    largest = max(WORLDS, key=lambda path: path.stat().st_size)
    for path in WORLDS:
        text = path.read_text(encoding="utf-8")
        full = median_seconds(lambda text=text, name=str(path): loads_world(text, name))
        parse = median_seconds(lambda text=text: tomllib.loads(text))
        print(
            f"{path.stem:<24}{len(text):>8}{full * 1e3:>13.2f} ms{parse * 1e3:>12.2f} ms"
            f"{full / parse:>8.1f}"
        )
        if path == largest:
            largest_ms = full * 1e3
    # Cold start: the first load in a fresh process also builds pydantic's validators.
    print(f"largest ({largest.stem}): {largest_ms:.2f} ms per load+validate (target < 50 ms)")


if __name__ == "__main__":
    main()
