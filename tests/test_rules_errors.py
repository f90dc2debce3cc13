"""Each class of bad world file gets a message naming file, line, column, key path and value."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE_WORLDS

from engine.rules import LIMITS, WorldError, load_world, loads_world

pytestmark = pytest.mark.unit


def problems_of(text: str) -> list[str]:
    with pytest.raises(WorldError) as caught:
        loads_world(text, "w.toml")
    return [str(problem) for problem in caught.value.problems]


def test_out_of_range_names_position_path_value_and_range():
    text = '[meta]\nname = "x"\n\n[[physics.laws]]\nkind = "gravity"\n    exponent = 9\n'
    assert problems_of(text) == ["w.toml:6:5: physics.laws[0].exponent: must be at most 4, got 9"]


def test_toml_syntax_error_is_positioned():
    assert problems_of('[meta]\nname = "x"\nseed = = 3\n') == [
        "w.toml:3:8: TOML syntax error: invalid value"
    ]


def test_unknown_key_lists_accepted_keys():
    [message] = problems_of('[meta]\nname = "x"\n[light]\nspeed_of_lite = 3.0\n')
    assert message.startswith("w.toml:4:1: light.speed_of_lite: unknown key; accepted keys here: ")
    assert "speed_of_light" in message


def test_missing_required_key():
    assert problems_of("[meta]\nseed = 1\n") == ["w.toml:1:1: meta.name: is required"]


def test_wrong_type():
    assert problems_of('[meta]\nname = "x"\nseed = "seven"\n') == [
        "w.toml:3:1: meta.seed: must be a whole number, got 'seven'"
    ]


def test_bad_choice_lists_choices():
    [message] = problems_of('[meta]\nname = "x"\n[time]\ndirection = "sideways"\n')
    assert message == (
        "w.toml:4:1: time.direction: must be one of 'forward', 'backward' or 'oscillating', "
        "got 'sideways'"
    )


def test_unknown_law_kind():
    [message] = problems_of('[meta]\nname = "x"\n[[physics.laws]]\nkind = "magic"\n')
    assert message.startswith("w.toml:3:1: physics.laws[0]: kind must be one of ")
    assert "'magic'" in message


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_infinity_are_refused(value):
    [message] = problems_of(f'[meta]\nname = "x"\n[[bodies]]\nname = "b"\nmass = {value}\n')
    assert message.startswith("w.toml:5:1: bodies[0].mass: must be a finite number")


def test_nan_inside_inline_vector_points_at_the_element():
    [message] = problems_of('[meta]\nname = "x"\n[[bodies]]\nname = "b"\nposition = [1, nan, 2]\n')
    assert message.startswith("w.toml:5:16: bodies[0].position[1]: must be a finite number")


def test_bad_colour():
    assert problems_of('[meta]\nname = "x"\n[light]\nfog_colour = "red"\n') == [
        "w.toml:4:1: light.fog_colour: must be a colour written #rrggbb, got 'red'"
    ]


def test_nothing_starts_faster_than_light():
    text = (
        '[meta]\nname = "x"\n[light]\nspeed_of_light = 3.0\n'
        '[[bodies]]\nname = "b"\nvelocity = [5.0, 0.0, 0.0]\n'
    )
    assert problems_of(text) == [
        "w.toml:7:1: bodies[0].velocity: starts at up to 5 m/s, not below the world's speed of "
        "light (3 m/s, light.speed_of_light)"
    ]


def test_spring_to_a_missing_body():
    text = (
        '[meta]\nname = "x"\n[[physics.laws]]\nkind = "spring"\nbetween = ["a", "zz"]\n'
        '[[bodies]]\nname = "a"\n'
    )
    assert problems_of(text) == [
        "w.toml:5:17: physics.laws[0].between[1]: no body named 'zz'; bodies are ['a']"
    ]


def test_overlapping_scale_bands():
    text = (
        '[meta]\nname = "x"\n[scale]\n'
        '[[scale.bands]]\nname = "a"\nmin_size = 1.0\nmax_size = 10.0\n'
        '[[scale.bands]]\nname = "b"\nmin_size = 5.0\nmax_size = 50.0\n'
    )
    [message] = problems_of(text)
    assert message.startswith("w.toml:3:1: scale: ")
    assert "scale bands 'a' (1.0..10.0 m) and 'b' (5.0..50.0 m) overlap" in message


def test_agent_with_unknown_language():
    text = '[meta]\nname = "x"\n[[agents]]\nname = "a"\nlanguage = "Klingon"\n'
    assert problems_of(text) == [
        "w.toml:5:1: agents[0].language: no language named 'Klingon'; languages are []"
    ]


def test_all_errors_are_reported_in_one_run():
    text = (
        '[meta]\nname = "x"\nseed = -1\n[light]\nfog_colour = "red"\nambient = 2.0\n'
        "[acoustics]\nspeed_of_sound = 0\n"
    )
    problems = problems_of(text)
    assert [problem.split(": ")[1] for problem in problems] == [
        "meta.seed",
        "light.fog_colour",
        "light.ambient",
        "acoustics.speed_of_sound",
    ]


def test_file_too_large_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * LIMITS.file_bytes + "\n")
    with pytest.raises(WorldError, match=r"big.toml: file is \d+ bytes; at most 2000000"):
        load_world(path)


def test_deep_nesting_is_refused():
    text = '[meta]\nname = "x"\n[light]\npalette = ' + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(WorldError, match="nested 4[0-9] levels deep; at most 12"):
        loads_world(text)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[meta]\nname = "caf\xe9"\n')
    with pytest.raises(WorldError, match="not UTF-8 text"):
        load_world(path)


def test_missing_file(tmp_path):
    with pytest.raises(WorldError, match="cannot read: No such file or directory"):
        load_world(tmp_path / "absent.toml")


@pytest.mark.parametrize("path", EXAMPLE_WORLDS, ids=lambda p: p.stem)
def test_broken_copy_of_each_example_fails_with_position(path, tmp_path):
    lines = path.read_text(encoding="utf-8").split("\n")
    seed_line = next(i for i, line in enumerate(lines) if line.startswith("seed = "))
    lines[seed_line] = "seed = -1"
    broken = tmp_path / path.name
    broken.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(WorldError) as caught:
        load_world(broken)
    assert str(caught.value) == f"{broken}:{seed_line + 1}:1: meta.seed: must be at least 0, got -1"
