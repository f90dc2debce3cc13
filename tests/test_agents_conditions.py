"""The agents' condition language and the agent section's load-time checks (file and line)."""

from __future__ import annotations

import pytest

from engine.agents.conditions import NAMES, ConditionError, parse_condition
from engine.agents.native import read_native_line
from engine.language.translation import translate
from engine.rules import WorldError, loads_world
from generators.language import generate_language

pytestmark = pytest.mark.unit

ENVIRONMENT = {name: 0.0 for name in NAMES} | {
    "distance": 3.0,
    "age": 12.0,
    "reversed": False,
    "in_time_field": True,
    "explorer_moving": False,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("distance < 5", True),
        ("distance < 5 and reversed", False),
        ("distance > 5 or in_time_field", True),
        ("not reversed and not (distance >= 3.5)", True),
        ("age / 4 == 3", True),
        ("-distance + 2 * 3 != 3", False),
        ("age - 2 * distance <= 6", True),
        ("1e1 > age", False),
        ("true and not false", True),
        ("", True),
    ],
)
def test_conditions_evaluate(source: str, expected: bool) -> None:
    assert parse_condition(source).evaluate(ENVIRONMENT) is expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("distance <", "column 11"),
        ("speed > 1", "unknown name 'speed'"),
        ("distance", "must be true or false"),
        ("1 < 2 < 3", "do not chain"),
        ("reversed + 1", "needs a number"),
        ("distance < 5 and 3", "true/false operand"),
        ("__import__('os').system('x')", "unexpected character"),
        ("(distance < 5", "expected ')'"),
        ("distance < 5 )", "expected and, or"),
        ("not " * 40 + "reversed", "deeper than"),
        ("x" * 500, "at most 400"),
    ],
)
def test_bad_conditions_say_what_is_wrong(source: str, message: str) -> None:
    with pytest.raises(ConditionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_condition(source)


def test_division_by_zero_does_not_fail() -> None:
    assert parse_condition("age / 0 > 1000").evaluate(ENVIRONMENT) is True


LANGUAGE = generate_language(4242)


def _world(agent_toml: str, extra: str = "") -> str:
    from engine.rules import WorldSpec, dump_world

    language = dump_world(
        WorldSpec.model_validate(
            {"meta": {"name": "x"}, "languages": [LANGUAGE.model_dump(exclude_defaults=True)]}
        )
    )
    head = (
        '[meta]\nname = "agents"\n\n'
        '[[time.fields]]\nname = "pool"\nregion = { radius = 2.0 }\n\n'
        '[[bodies]]\nname = "rock"\n\n' + extra
    )
    return head + agent_toml + "\n" + language[language.index("[[languages]]") :]


def _load_error(agent_toml: str) -> str:
    with pytest.raises(WorldError) as caught:
        loads_world(_world(agent_toml), "bad.toml")
    return str(caught.value)


AGENT = f'[[agents]]\nname = "a"\nlanguage = "{LANGUAGE.name}"\n'


def test_a_good_agent_section_loads() -> None:
    native = translate(LANGUAGE, "the river remembers the stone").romanised
    world = loads_world(
        _world(
            AGENT
            + 'movement = { behaviour = "patrol", path = [[0.0, 0.0, 0.0], "rock"] }\n'
            + '[[agents.narration]]\ntrigger = "entered_time_field"\ntime_field = "pool"\n'
            + f'condition = "distance < 5"\nnative_lines = ["{native} | the river remembers"]\n'
        ),
        "good.toml",
    )
    assert world.agents[0].narration[0].time_field == "pool"


@pytest.mark.parametrize(
    ("agent_toml", "line", "message"),
    [
        (AGENT + '[[agents.narration]]\ntrigger = "sunrise"\nlines = ["x"]\n', 5, "trigger"),
        (
            AGENT
            + '[[agents.narration]]\ntrigger = "start"\ncondition = "dist < 3"\nlines = ["a"]\n',
            6,
            "unknown name 'dist'",
        ),
        (
            AGENT + '[[agents.narration]]\ntrigger = "start"\nnative_lines = ["qqxq"]\n',
            6,
            f"{LANGUAGE.name} can form",
        ),
        (
            AGENT + 'movement = { behaviour = "orbit", around = "moon" }\n',
            4,
            "no body named 'moon'",
        ),
        (
            AGENT + 'movement = { behaviour = "patrol", path = [[0.0, 0.0, 0.0], "moon"] }\n',
            4,
            "no body named 'moon'",
        ),
        (
            AGENT + '[[agents.narration]]\ntrigger = "entered_time_field"\ntime_field = "lake"\n'
            'lines = ["the river flows"]\n',
            6,
            "no time field named 'lake'",
        ),
        (
            AGENT + '[[agents.narration]]\ntrigger = "start"\nlines = ["blue"]\n',
            6,
            "cannot translate",
        ),
        (
            '[[agents]]\nname = "a"\n[[agents.narration]]\ntrigger = "start"\n'
            'native_lines = ["ta"]\n',
            0,
            "native_lines are written in the agent's language",
        ),
    ],
)
def test_bad_agents_are_reported_with_file_and_line(
    agent_toml: str, line: int, message: str
) -> None:
    error = _load_error(agent_toml)
    assert "bad.toml" in error
    assert message in error
    if line:  # the agent block starts after the 10 lines of the world's head
        assert f"bad.toml:{10 + line}:" in error, error


def test_native_lines_read_back_romanised_and_ipa() -> None:
    translation = translate(LANGUAGE, "the river remembers the stone")
    from_roman = read_native_line(LANGUAGE, translation.romanised + "!")
    from_ipa = read_native_line(LANGUAGE, translation.text)
    assert [word.ipa for word in from_roman] == [word.ipa for word in from_ipa]
    assert " ".join(word.ipa for word in from_ipa) == translation.text
    assert [word.gloss for word in from_ipa] == translation.gloss.split()
