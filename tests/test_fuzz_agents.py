"""Fuzzing the agents' condition language: a parsed condition or a ``ConditionError``, never more.

Owns: hypothesis strategies over condition text (grammar-token soup, deep nesting, arbitrary
text) and environments (NaN, infinities, huge values), and ``check_condition``, the oracle that
``bench/fuzz.py`` runs at 10,000+ cases. Touches no engine module.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.agents.conditions import (
    BOOLEAN_NAMES,
    NAMES,
    NUMBER_NAMES,
    ConditionError,
    parse_condition,
)
from engine.rules import LIMITS

pytestmark = pytest.mark.unit

CI_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

GRAMMAR = [
    "and", "or", "not", "true", "false", "(", ")", "<", "<=", ">", ">=", "==", "!=", "+", "-",
    "*", "/", "0", "1", "5", "2.5", ".5", "1e308", "1e309", "9" * 400, "1e-400", " ", "=",
    "!", "&&", "||", "__import__", "os", "lambda", "[", "]", "'", '"', ";", "\n", "\x00", "é",
    *NAMES,
]  # fmt: skip
condition_soup = st.lists(st.sampled_from(GRAMMAR), max_size=60).map(" ".join)
deep_condition = st.integers(1, 300).map(lambda depth: "(" * depth + "distance < 5" + ")" * depth)
negations = st.integers(1, 200).map(lambda count: "not " * count + "reversed")
long_sums = st.integers(1, 200).map(lambda count: " + ".join(["age"] * count) + " > 1")
condition_text = st.one_of(
    condition_soup, deep_condition, negations, long_sums, st.text(max_size=LIMITS.condition_length)
)
number_values = st.floats() | st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324])
environments = st.fixed_dictionaries(
    {
        **{name: number_values for name in NUMBER_NAMES},
        **{name: st.booleans() for name in BOOLEAN_NAMES},
    }
)


def check_condition(case: tuple[str, dict[str, float | bool]]) -> str:
    """Parse a condition; if it parses, evaluate it on an environment (NaN and inf included)."""
    text, environment = case
    try:
        condition = parse_condition(text)
    except ConditionError as error:
        assert str(error).strip(), f"empty message for {text!r}"
        return "error"
    assert condition.names <= set(NAMES)
    assert isinstance(condition.evaluate(environment), bool)
    return "parsed"


FUZZ_TARGETS = {"agents/condition": (st.tuples(condition_text, environments), check_condition)}


@CI_SETTINGS
@given(FUZZ_TARGETS["agents/condition"][0])
def test_condition_fuzz(case: tuple[str, dict[str, float | bool]]) -> None:
    check_condition(case)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "distance.__class__",
        "open('x')",
        "lambda: 1",
        "(" * 400 + "reversed" + ")" * 400,
        "x" * (LIMITS.condition_length + 1),
    ],
)
def test_hostile_conditions_are_refused(text: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(text)


def test_nan_environment_gives_a_boolean() -> None:
    condition = parse_condition("distance / age < 5 or explorer_speed * 2 >= 1")
    values = {name: math.nan for name in NUMBER_NAMES} | dict.fromkeys(BOOLEAN_NAMES, False)
    assert condition.evaluate(values) is False
