"""The authoring commands: check, schema, fmt, diff, new; exit codes 0 ok, 1 invalid, 2 usage."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLE_WORLDS, REPO

from engine.cli import COMMAND_MODULES, main
from engine.rules import load_world

pytestmark = pytest.mark.unit


def test_check_passes_every_example(capsys):
    assert main(["check", *map(str, EXAMPLE_WORLDS)]) == 0
    assert capsys.readouterr().out.count(": ok (") == len(EXAMPLE_WORLDS)


def test_check_reports_invalid_file_with_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[meta]\nname = "x"\n[time]\nrate = -2\n')
    assert main(["check", str(bad)]) == 1
    assert f"{bad}:4:1: time.rate: must be greater than 0, got -2" in capsys.readouterr().err


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as caught:
        main(["check"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["no-such-command"])
    assert caught.value.code == 2


def test_every_command_has_help():
    for name in COMMAND_MODULES:
        with pytest.raises(SystemExit) as caught:
            main([name, "--help"])
        assert caught.value.code == 0, name


def test_schema_prints_json(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "heterocosm world"
    assert "physics" in schema["properties"]


def test_fmt_keeps_comments_and_check_mode(tmp_path, capsys):
    path = tmp_path / "w.toml"
    original = (
        '# my world\n[meta]\nname="x"   # trailing note\nseed   =  4\n[light]\n'
        "# light is slow here\nspeed_of_light=30.0   \n\n\n\n[acoustics]\nspeed_of_sound=2.0\n"
    )
    path.write_text(original)
    assert main(["fmt", "--check", str(path)]) == 1
    assert path.read_text() == original  # --check changes nothing
    assert main(["fmt", str(path)]) == 0
    assert path.read_text() == (
        "#:schema ./world.schema.json\n\n# my world\n[meta]\n"
        'name = "x"   # trailing note\nseed = 4\n\n[light]\n# light is slow here\n'
        "speed_of_light = 30.0\n\n[acoustics]\nspeed_of_sound = 2.0\n"
    )
    assert main(["fmt", "--check", str(path)]) == 0
    capsys.readouterr()


def test_fmt_refuses_broken_toml_and_leaves_it(tmp_path, capsys):
    path = tmp_path / "w.toml"
    path.write_text("[meta\nname = 1\n")
    assert main(["fmt", str(path)]) == 1
    assert path.read_text() == "[meta\nname = 1\n"
    assert "w.toml:1:6: TOML syntax error" in capsys.readouterr().err


@pytest.mark.parametrize("path", EXAMPLE_WORLDS, ids=lambda p: p.stem)
def test_examples_are_formatted(path):
    assert main(["fmt", "--check", str(path)]) == 0


def test_diff_reports_semantic_changes(tmp_path, capsys):
    source = (REPO / "worlds" / "slowlight.toml").read_text()
    changed = source.replace("speed_of_light = 3.0", "speed_of_light = 6.0")
    # Reordering sections and comments is not a semantic change.
    changed = changed.replace("# Only the lantern pulls", "# reworded comment")
    path = tmp_path / "changed.toml"
    path.write_text(changed)
    assert main(["diff", str(REPO / "worlds" / "slowlight.toml"), str(path)]) == 1
    assert capsys.readouterr().out == "~ light.speed_of_light: 3 -> 6 (x2)\n"
    assert main(["diff", str(path), str(path)]) == 0
    assert "no semantic difference" in capsys.readouterr().out


def test_diff_matches_bodies_by_name(tmp_path, capsys):
    a = tmp_path / "a.toml"
    b = tmp_path / "b.toml"
    a.write_text('[meta]\nname = "x"\n[[bodies]]\nname = "p"\n[[bodies]]\nname = "q"\nmass = 2.0\n')
    b.write_text('[meta]\nname = "x"\n[[bodies]]\nname = "q"\nmass = 3.0\n[[bodies]]\nname = "r"\n')
    assert main(["diff", str(a), str(b)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "- bodies.p: {p}",
        "~ bodies.q.mass: 2 -> 3 (x1.5)",
        "+ bodies.r: {r}",
    ]


def test_new_writes_a_valid_starter_and_never_overwrites(tmp_path, capsys):
    path = tmp_path / "garden.toml"
    assert main(["new", "Garden", "--out", str(path)]) == 0
    world = load_world(path)
    assert world.meta.name == "Garden"
    assert main(["fmt", "--check", str(path)]) == 0
    path.write_text("# mine\n")
    assert main(["new", "Garden", "--out", str(path)]) == 1
    assert path.read_text() == "# mine\n"
    assert "already exists" in capsys.readouterr().err


def test_console_script_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "engine", "check", str(EXAMPLE_WORLDS[0])],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
