"""Every limit in ``engine.rules.limits`` is enforced at load time and named when exceeded.

Owns: one world per limit that goes one past it, loaded through ``loads_world``, and the check
that the error states the limit's value; a test that every field of ``Limits`` has such a case
(a new limit without a test fails here); the up-front memory bound for particles; and bounded
reading of oversized, endless or sparse files. Touches no engine module.
"""

from __future__ import annotations

import dataclasses
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_fuzz_loader import toml_text_of

from engine.rules import LIMITS, Limits, WorldError, load_world, loads_world

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
META = {"name": "limits"}


def _language(**changes: Any) -> dict[str, Any]:
    language: dict[str, Any] = {
        "name": "Tiny",
        "consonants": ["p", "t", "k", "m", "n", "s"],
        "vowels": ["a", "i", "u"],
        "syllables": [{"pattern": "CV"}],
    }
    return language | changes


def _lexicon(count: int) -> list[dict[str, str]]:
    consonants, vowels = "ptkmns", "aiu"
    syllables = [c + v for c in consonants for v in vowels]  # 18 syllables
    forms = (
        a + b + c + d for a in syllables for b in syllables for c in syllables for d in syllables
    )
    return [{"form": next(forms), "gloss": f"thing{i}", "pos": "noun"} for i in range(count)]


def _nested(depth: int) -> dict[str, Any]:
    """A world whose data nests ``depth`` levels (the top table is level 1)."""
    value: Any = 1
    for _ in range(depth - 1):
        value = [value]
    return {"meta": META, "nested": value}


# Limit name -> (world data just over the limit, text the error must contain).
OVER_THE_LIMIT: dict[str, tuple[dict[str, Any] | str, str]] = {
    "file_bytes": ("#" * (LIMITS.file_bytes + 1), f"over {LIMITS.file_bytes} bytes"),
    "nesting_depth": (_nested(LIMITS.nesting_depth + 1), f"at most {LIMITS.nesting_depth}"),
    "name_length": (
        {"meta": {"name": "n" * (LIMITS.name_length + 1)}},
        f"at most {LIMITS.name_length} characters",
    ),
    "text_length": (
        {"meta": META | {"description": "d" * (LIMITS.text_length + 1)}},
        f"at most {LIMITS.text_length} characters",
    ),
    "list_length": (
        {"meta": META, "bodies": [{"name": f"b{i}"} for i in range(LIMITS.list_length + 1)]},
        f"at most {LIMITS.list_length} items",
    ),
    "bodies": (
        {
            "meta": META,
            "bodies": [
                {"name": "a", "count": LIMITS.bodies, "spread": 10.0},
                {"name": "b", "position": [0.0, 5.0, 0.0]},
            ],
        },
        f"{LIMITS.bodies + 1} bodies in all; at most {LIMITS.bodies}",
    ),
    "particles": (
        {
            "meta": META,
            "particles": [
                {"name": "dust", "count": LIMITS.particles},
                {"name": "spores", "count": 1},
            ],
        },
        f"{LIMITS.particles + 1} particles in all; at most {LIMITS.particles}",
    ),
    "agents": (
        {"meta": META, "agents": [{"name": f"a{i}"} for i in range(LIMITS.agents + 1)]},
        f"at most {LIMITS.agents} items",
    ),
    "lexicon_entries": (
        {"meta": META, "languages": [_language(lexicon=_lexicon(LIMITS.lexicon_entries + 1))]},
        f"at most {LIMITS.lexicon_entries} items",
    ),
    "sound_changes": (
        {
            "meta": META,
            "languages": [_language(sound_changes=["p > b / V_V"] * (LIMITS.sound_changes + 1))],
        },
        f"at most {LIMITS.sound_changes} items",
    ),
    "languages": (
        {"meta": META, "languages": [_language(name=f"L{i}") for i in range(LIMITS.languages + 1)]},
        f"at most {LIMITS.languages} items",
    ),
    "narration_rules": (
        {
            "meta": META,
            "agents": [
                {
                    "name": "talker",
                    "narration": [{"trigger": "start", "lines": ["hello"]}]
                    * (LIMITS.narration_rules + 1),
                }
            ],
        },
        f"at most {LIMITS.narration_rules} items",
    ),
    "condition_length": (
        {
            "meta": META,
            "agents": [
                {
                    "name": "talker",
                    "narration": [
                        {
                            "trigger": "start",
                            "lines": ["hello"],
                            "condition": "distance < 5 " + " " * LIMITS.condition_length,
                        }
                    ],
                }
            ],
        },
        f"at most {LIMITS.condition_length} characters",
    ),
}
# Limits enforced outside the loader, with the test that covers them.
ENFORCED_ELSEWHERE = {"particle_bytes": "test_particle_memory_is_bounded_up_front"}


def test_every_limit_has_a_case() -> None:
    names = {field.name for field in dataclasses.fields(Limits)}
    assert names == set(OVER_THE_LIMIT) | set(ENFORCED_ELSEWHERE)


@pytest.mark.parametrize("limit", sorted(OVER_THE_LIMIT))
def test_exceeding_a_limit_is_refused_and_named(limit: str) -> None:
    world, expected = OVER_THE_LIMIT[limit]
    text = world if isinstance(world, str) else toml_text_of(world)
    with pytest.raises(WorldError) as caught:
        loads_world(text, "over.toml")
    assert expected in str(caught.value), str(caught.value)[:500]


def test_at_the_limit_is_accepted() -> None:
    loads_world(toml_text_of({"meta": {"name": "n" * LIMITS.name_length}}), "ok.toml")
    with pytest.raises(WorldError) as caught:  # refused for its unknown key, not its depth
        loads_world(toml_text_of(_nested(LIMITS.nesting_depth)), "ok.toml")
    assert "nested" in str(caught.value) and "unknown key" in str(caught.value)
    assert "levels deep" not in str(caught.value)


def test_particle_memory_is_bounded_up_front() -> None:
    """The loader's particle count keeps particle state within ``particle_bytes`` before any
    allocation; the simulation checks the product again when it builds the fields."""
    from engine.sim.particles import BYTES_PER_PARTICLE

    assert LIMITS.particles * BYTES_PER_PARTICLE <= LIMITS.particle_bytes


def _limit_memory() -> None:
    limit = 3 * 1024**3  # a runaway read fails with MemoryError instead of eating the machine
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _heterocosm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_memory,
    )


@pytest.fixture
def sparse_file(tmp_path: Path) -> Path:
    """A 4 GiB file of NUL bytes that takes no disk space."""
    path = tmp_path / "sparse.toml"
    with path.open("wb") as handle:
        handle.truncate(4 * 1024**3)
    return path


def test_load_reads_no_more_than_the_limit_of_a_huge_file(sparse_file: Path) -> None:
    with pytest.raises(WorldError, match=f"at most {LIMITS.file_bytes} are accepted"):
        load_world(sparse_file)
    result = _heterocosm("check", str(sparse_file), cwd=sparse_file.parent)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr


def test_fmt_reads_no_more_than_the_limit_of_a_huge_file(sparse_file: Path) -> None:
    """Regression: ``fmt`` read the whole file before the size check, so a 4 GiB file
    exhausted memory. Now it reads through the loader's bounded reader, as ``check`` does."""
    result = _heterocosm("fmt", str(sparse_file), cwd=sparse_file.parent)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-800:]
    assert f"{LIMITS.file_bytes}" in result.stderr


def test_security_md_lists_every_limit_with_its_value() -> None:
    text = (REPO / "SECURITY.md").read_text(encoding="utf-8")
    for field in dataclasses.fields(Limits):
        value = getattr(LIMITS, field.name)
        assert f"| `{field.name}` | {value:,} |" in text, f"SECURITY.md: {field.name} = {value:,}"
