"""Shared pytest fixtures: the example worlds and the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_WORLDS = sorted((REPO / "worlds").glob("*.toml"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


def pytest_configure(config: pytest.Config) -> None:
    if not EXAMPLE_WORLDS:
        raise pytest.UsageError(f"no example worlds found in {REPO / 'worlds'}")
