"""Shared pytest fixtures and the tier rules.

Every test belongs to one tier, marked ``unit``, ``gl``, ``window``, ``lm`` or ``xr``. With
``HETEROCOSM_REQUIRE_ALL_TIERS=1`` (set by scripts/test.sh, so in CI) the run fails if any tier
passed no test or skipped one: a missing dependency fails CI instead of silently shrinking it.

Property and fuzz tests (hypothesis) run derandomized: the same examples every run, so a failure
reproduces and a landing never hangs on chance. New inputs are explored by ``bench/fuzz.py``
(10,000+ random cases a target); what it finds becomes a regression test here.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("heterocosm", derandomize=True)
settings.load_profile("heterocosm")  # before the test modules build their settings on it

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_WORLDS = sorted((REPO / "worlds").glob("*.toml"))
TIERS = ("unit", "gl", "window", "lm", "xr")

_passed: Counter[str] = Counter()
_skipped: Counter[str] = Counter()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


def pytest_configure(config: pytest.Config) -> None:
    if not EXAMPLE_WORLDS:
        raise pytest.UsageError(f"no example worlds found in {REPO / 'worlds'}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = [item.nodeid for item in items if not any(item.get_closest_marker(t) for t in TIERS)]
    if unmarked:
        raise pytest.UsageError(
            f"tests without a tier marker ({', '.join(TIERS)}): {', '.join(unmarked[:5])}"
        )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tier = next((t for t in TIERS if t in report.keywords), None)
    if tier is None:
        return
    if report.skipped:
        _skipped[tier] += 1
    elif report.when == "call" and report.passed:
        _passed[tier] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("HETEROCOSM_REQUIRE_ALL_TIERS") != "1":
        return
    missing = [tier for tier in TIERS if _passed[tier] == 0]
    skipped = [f"{tier} ({_skipped[tier]})" for tier in TIERS if _skipped[tier]]
    if missing or skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = []
        if missing:
            lines.append(f"tiers that passed no test: {', '.join(missing)}")
        if skipped:
            lines.append(f"tiers with skipped tests: {', '.join(skipped)}")
        for line in lines:
            if reporter:
                reporter.ensure_newline()
                reporter.write_line(f"TIER CHECK FAILED: {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    summary = ", ".join(f"{tier} {_passed[tier]}" for tier in TIERS)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line(f"tiers passed: {summary}")
