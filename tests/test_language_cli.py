"""``heterocosm lang`` and ``heterocosm say`` end to end, through ``engine.cli.main``.

Owns: tests of the commands' output, exit codes (0 ok, 1 invalid input, 2 usage), error lines
without tracebacks, the generated section loading in a world, daughter sections, write-back of
coined words and the WAV file written by ``say``. Files live in pytest's temporary directory.
"""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from engine.cli import main
from engine.rules import load_world

pytestmark = pytest.mark.unit

HEAD = '[meta]\nname = "Language test world"\n\n'


@pytest.fixture(scope="module")
def generated_section() -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["lang", "--generate", "--seed", "7", "--concept", "crystal"]) == 0
    return buffer.getvalue()


@pytest.fixture
def world_file(tmp_path: Path, generated_section: str) -> Path:
    path = tmp_path / "world.toml"
    path.write_text(HEAD + generated_section, encoding="utf-8")
    return path


def test_generate_prints_a_section_that_loads(generated_section: str, tmp_path: Path) -> None:
    assert generated_section.startswith("[[languages]]\n")
    path = tmp_path / "w.toml"
    path.write_text(HEAD + generated_section, encoding="utf-8")
    language = load_world(path).languages[0]
    assert language.seed == 7
    assert language.entry("crystal", "noun") is not None


def test_lang_shows_inventory_samples_and_glossed_sentences(
    world_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lang", str(world_file)]) == 0
    out = capsys.readouterr().out
    assert "Consonants:" in out and "Vowels:" in out and "Sample words:" in out
    assert "river-DEF  stone-DEF-ACC" in out
    assert "'the river remembers the stone'" in out


def test_translate_and_add_coined(world_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lang", str(world_file), "--translate", "the crystal devoured the moon"]) == 0
    out = capsys.readouterr().out
    assert "crystal-DEF" in out and "devour-PST" in out
    assert "coined: devour (verb)" in out
    before = world_file.read_text(encoding="utf-8")
    assert (
        main(["lang", str(world_file), "--translate", "the crystal devoured", "--add-coined"]) == 0
    )
    assert "added 1 words" in capsys.readouterr().out
    assert world_file.read_text(encoding="utf-8") != before
    assert load_world(world_file).languages[0].entry("devour", "verb") is not None


def test_daughter_section_joins_its_parent_in_a_world(
    world_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lang", str(world_file), "--daughter", "Low Nita", "--seed", "2"]) == 0
    section = capsys.readouterr().out
    both = tmp_path / "both.toml"
    both.write_text(world_file.read_text(encoding="utf-8") + "\n" + section, encoding="utf-8")
    parent, daughter = load_world(both).languages
    assert daughter.parent == parent.name and daughter.sound_changes
    assert [e.proto for e in daughter.lexicon] == [e.proto for e in parent.lexicon]


def test_say_writes_a_wav(
    world_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.wav"
    code = main(["say", str(world_file), "the river remembers the stone", "--english",
                 "--out", str(out), "--sample-rate", "22050"])  # fmt: skip
    assert code == 0
    assert "river-DEF" in capsys.readouterr().out
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 22050 and wav.getnchannels() == 1
        assert wav.getnframes() / 22050 > 0.5


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["lang"], 2, "give a world FILE"),
        (["lang", "missing.toml"], 1, "cannot read"),
        (["lang", "{world}", "--language", "Nope"], 1, "no language 'Nope'"),
        (["lang", "{world}", "--translate", "the"], 1, "could not find the verb"),
        (["lang", "--generate", "--harshness", "3"], 1, "harshness must be between 0 and 1"),
        (["say", "{world}", "qqq", "--out", "{tmp}/x.wav"], 1, "neither IPA of"),
        (["say", "{world}", "qqq", "--out", "{tmp}/x.wav", "--script", "ipa"], 1, "not IPA of"),
        (["lang", "{empty}"], 1, "has no [[languages]]"),
    ],
)
def test_errors_are_one_line_and_exit_codes_are_right(
    argv: list[str],
    code: int,
    message: str,
    world_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text(HEAD, encoding="utf-8")
    filled = [a.format(world=world_file, tmp=tmp_path, empty=empty) for a in argv]
    assert main(filled) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
