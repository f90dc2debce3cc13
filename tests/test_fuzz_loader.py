"""Fuzzing the world loader and validator: any text gives a valid ``WorldSpec`` or a ``WorldError``.

Owns: hypothesis strategies over world-file text (raw text, TOML-token soup, byte-level and
data-level mutations of the example worlds plus a world with a generated language and agents)
and ``check_world_text``, the oracle shared with ``bench/fuzz.py`` (which runs 10,000+ cases per
target). Also regression tests for crashes the fuzzing found. Touches no engine module.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.rules import LIMITS, WorldError, WorldSpec, dump_world, loads_world
from engine.rules.formatting import format_world_text

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
SOURCE = "fuzz.toml"
# Examples per target in the test suite; bench/fuzz.py runs 10,000+ per target.
CI_EXAMPLES = 150
CI_SETTINGS = settings(
    max_examples=CI_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- seeds: the example worlds and one with a language and agents ---------------------------------


@cache
def seed_texts() -> tuple[str, ...]:
    texts = [path.read_text(encoding="utf-8") for path in sorted((REPO / "worlds").glob("*.toml"))]
    return (*texts, dump_world(world_with_language()))


@cache
def world_with_language() -> WorldSpec:
    from generators.language import generate_language, generate_sound_changes

    language = generate_language(7)
    data = tomllib.loads((REPO / "worlds" / "slowlight.toml").read_text(encoding="utf-8"))
    language_data = language.model_dump(mode="json", exclude_defaults=True)
    language_data["sound_changes"] = generate_sound_changes(language, 1)[:2]
    language_data["lexicon"] = [
        {k: v for k, v in entry.items() if k != "proto"} for entry in language_data["lexicon"]
    ]
    data["languages"] = [language_data]
    data["agents"] = [
        {
            "name": "Warden",
            "language": language.name,
            "movement": {"behaviour": "patrol", "speed": 0.5, "path": [[0, 0, 0], [4, 0, 4]]},
            "narration": [
                {
                    "trigger": "explorer_near",
                    "condition": "distance < 5",
                    "lines": ["the light is slow", "you walk faster than light"],
                    "native_lines": [language.lexicon[0].form],
                },
                {"trigger": "periodic", "every": 20.0, "lines": ["the river sleeps"]},
            ],
        }
    ]
    return WorldSpec.model_validate(data)


@cache
def seed_data() -> tuple[dict[str, Any], ...]:
    return tuple(tomllib.loads(text) for text in seed_texts())


# -- the oracle -----------------------------------------------------------------------------------


def check_world_text(text: str) -> str:
    """Load ``text``; return 'valid' or 'error:<kind>'. Anything else raised is a crash."""
    try:
        world = loads_world(text, SOURCE)
    except WorldError as error:
        assert error.problems, "a WorldError with no problems"
        for problem in error.problems:
            assert problem.source == SOURCE
            assert problem.message.strip(), f"empty message in {problem}"
            assert "Traceback" not in problem.message
            assert problem.line is None or problem.line >= 1
        first = error.problems[0].message
        return "error:syntax" if first.startswith("TOML syntax") else "error:invalid"
    # A valid world must survive the writer unchanged.
    assert loads_world(dump_world(world), "dumped") == world
    return "valid"


def check_format(text: str) -> str:
    """``fmt`` on ``text``: a WorldError, or idempotent formatted text with the same data."""
    try:
        formatted = format_world_text(text, SOURCE)
    except WorldError:
        return "error"
    assert format_world_text(formatted, SOURCE) == formatted, "fmt is not idempotent"
    assert tomllib.loads(formatted) == tomllib.loads(text)
    return "formatted"


# -- strategies -----------------------------------------------------------------------------------

interesting_numbers = st.sampled_from(
    [0, -0.0, 1, -1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 1e308, 5e-324, -1e-300, 1e16]
)
toml_scalars = st.one_of(
    st.integers(),
    interesting_numbers,
    st.floats(),  # NaN and infinities included
    st.text(max_size=30),
    st.text(min_size=4000, max_size=4100, alphabet="ab\n\t"),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.sampled_from(["#ff00ff", "#zzzzzz", "forward", "sphere", "gravity", "p > b / V_V", ""]),
)
toml_values = st.recursive(
    toml_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _places(data: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a nested structure."""
    found: list[tuple[Any, Any]] = []
    pending = [data]
    seen: set[int] = set()  # repeated values are shared, not copied: visit each container once
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        keys = list(item) if isinstance(item, dict) else range(len(item))
        for key in keys:
            found.append((item, key))
            if isinstance(item[key], dict | list):
                pending.append(item[key])
    return found


@st.composite
def mutated_world_data(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(draw(st.sampled_from(seed_data())))
    for _ in range(draw(st.integers(1, 4))):
        places = _places(data)
        container, key = draw(st.sampled_from(places))
        operation = draw(
            st.sampled_from(["replace", "replace", "delete", "add", "repeat", "extreme"])
        )
        if operation == "replace":
            container[key] = draw(toml_values)
        elif operation == "delete":
            del container[key]
        elif operation == "add":
            target = container[key] if isinstance(container[key], dict) else data
            target[draw(st.text(min_size=1, max_size=12))] = draw(toml_values)
        elif operation == "repeat":
            value = container[key]
            times = draw(st.sampled_from([2, 3, 65, 300, 5000]))
            container[key] = [value] * times
        else:
            value = container[key]
            if isinstance(value, int | float) and not isinstance(value, bool):
                container[key] = draw(interesting_numbers | st.floats())
            elif isinstance(value, str):
                container[key] = value * draw(st.sampled_from([2, 40, 2000]))
            elif isinstance(value, list) and value:
                container[key] = value * draw(st.sampled_from([2, 100, 5000]))
    return data


class _TooBig(Exception):
    """The mutated data would make a file far over the loader's size limit."""


def toml_value(value: Any, budget: list[int]) -> str:
    """One value as inline TOML (tomlkit is quadratic on the big lists the fuzzer makes)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if math.isnan(value):
            text = "nan"
        else:
            text = ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    elif isinstance(value, str):
        text = toml_key(value)
    elif isinstance(value, dict):
        items = (f"{toml_key(k)} = {toml_value(v, budget)}" for k, v in value.items())
        text = "{" + ", ".join(items) + "}"
    elif isinstance(value, list):
        text = "[" + ", ".join(toml_value(item, budget) for item in value) + "]"
    else:
        text = value.isoformat()  # dates and datetimes
    budget[0] -= len(text)
    if budget[0] < 0:
        raise _TooBig
    return text


def toml_key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_text_of(data: dict[str, Any]) -> str:
    """TOML text of mutated data: top-level tables and arrays of tables, inline values below.

    Data that would write far more than the loader accepts becomes one oversized comment.
    """
    budget = [2 * LIMITS.file_bytes]
    try:
        lines = [
            f"{toml_key(k)} = {toml_value(v, budget)}" for k, v in data.items() if not _is_table(v)
        ]
        for key, value in data.items():
            if isinstance(value, dict):
                lines.append(f"\n[{toml_key(key)}]")
                lines += [f"{toml_key(k)} = {toml_value(v, budget)}" for k, v in value.items()]
            elif _is_table(value):
                for item in value:
                    lines.append(f"\n[[{toml_key(key)}]]")
                    lines += [f"{toml_key(k)} = {toml_value(v, budget)}" for k, v in item.items()]
    except _TooBig:
        return "#" + "x" * LIMITS.file_bytes + "\n"
    return "\n".join(lines) + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(i, dict) for i in value)
    )


TOKENS = [
    "[meta]", "[[bodies]]", "[[physics.laws]]", "[light]", "[acoustics]", "[[languages]]",
    "[[agents]]", "[[agents.narration]]", "[time]", "[[time.fields]]", "[scale]", "[[particles]]",
    "name", "kind", "count", "radius", "speed_of_light", "speed_of_sound", "exponent", "seed",
    "position", "velocity", "sound_changes", "lexicon", "condition", "region", "meta.name",
    " = ", "=", "\n", "\n", " ", ".", ",", "[", "]", "{", "}", '"', "'", '"""', "'''", "#", "\\",
    "\\u0000", "\\U0010ffff", "1", "-1", "1e999", "nan", "inf", "-inf", "0x7f", "0o7", "0b1",
    "1_000", "3.5", "true", "false", "1979-05-27T07:32:00Z", "07:32:00", '"x"', "'y'", "\x00",
    "\r\n", "\t", "é", "∅", "🜁", "\ud800",
]  # fmt: skip
token_soup = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


@st.composite
def mutated_world_text(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(seed_texts()))
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        operation = draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if operation == "delete":
            text = text[:start] + text[end:]
        elif operation == "insert":
            text = text[:start] + draw(token_soup | st.text(max_size=10)) + text[start:]
        else:
            text = text[:end] + text[start:end] * draw(st.integers(1, 50)) + text[end:]
    return text


# Each target: a strategy of world-file text. bench/fuzz.py runs FUZZ_TARGETS at 10,000+ cases.
LOADER_TARGETS = {
    "loader/raw-text": st.text(max_size=2000),
    "loader/token-soup": token_soup,
    "loader/mutated-text": mutated_world_text(),
    "loader/mutated-data": mutated_world_data().map(toml_text_of),
}
FUZZ_TARGETS = {name: (strategy, check_world_text) for name, strategy in LOADER_TARGETS.items()}
FUZZ_TARGETS["fmt/mutated-text"] = (mutated_world_text() | token_soup, check_format)


# -- tests ----------------------------------------------------------------------------------------


def test_the_seed_worlds_are_valid() -> None:
    assert [check_world_text(text) for text in seed_texts()] == ["valid"] * len(seed_texts())


@pytest.mark.parametrize("target", sorted(LOADER_TARGETS))
def test_loader_fuzz(target: str) -> None:
    @CI_SETTINGS
    @given(LOADER_TARGETS[target])
    def run(text: str) -> None:
        check_world_text(text)

    run()


@CI_SETTINGS
@given(FUZZ_TARGETS["fmt/mutated-text"][0])
def test_fmt_fuzz(text: str) -> None:
    check_format(text)


# -- regressions found by fuzzing -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 5000 + "]" * 5000,  # tomllib's recursion: RecursionError
        "x = " + "{a=" * 3000 + "1" + "}" * 3000,
        "a" + ".a" * 3000 + " = 1",  # the loader's own depth count recursed
        "[" + ".".join(["a"] * 3000) + "]",
    ],
    ids=["deep-arrays", "deep-inline-tables", "deep-dotted-key", "deep-table-header"],
)
def test_deep_nesting_is_a_clear_error(text: str) -> None:
    with pytest.raises(WorldError, match="nest.*at most 12"):
        loads_world(text, SOURCE)


def test_nan_is_refused_by_name() -> None:
    text = (REPO / "worlds" / "slowlight.toml").read_text(encoding="utf-8")
    text = text.replace("speed_of_light = ", "speed_of_light = nan #", 1)
    with pytest.raises(WorldError, match="finite"):
        loads_world(text, SOURCE)
    assert math.isnan(tomllib.loads(text)["light"]["speed_of_light"])
