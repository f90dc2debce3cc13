"""Fuzzing the command line: any arguments give exit 0, 1 or 2 with a message, never a traceback.

Owns: a hypothesis strategy of argument lists built from the real parser's commands and options
(found by introspection, so new options are fuzzed too) with hostile values (NaN, infinities,
negative numbers, non-UTF-8, oversized, missing and directory files, NUL bytes), and
``check_cli``, the oracle that ``bench/fuzz.py`` runs at 10,000+ cases. Commands run in process
inside a scratch folder holding copies of the fixtures, restored before every case. ``explore``
and ``render`` (a window, GL), ``narrate --improvise`` and ``--server`` (a model, the network)
are left to their own tests; runs are kept short by always passing a small or invalid
``--seconds``, and commands that load a model (``generate``, ``remix``, ``variants``) always end
with ``--model ./folder``, an empty folder, so they check their arguments and then fail fast.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli import build_parser, main
from engine.rules import LIMITS

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
CI_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LEFT_OUT_COMMANDS = {"explore", "render"}
LEFT_OUT_OPTIONS = {"--improvise", "--server", "--help", "-h"}
NO_MODEL = ["--model", "./folder"]  # an empty folder: loading fails at once, nothing is fetched
SHORT_RUN_COMMANDS = {"listen", "narrate", "simulate"}
SECONDS = ["0", "0.01", "-0.01", "-1", "nan", "inf", "-inf", "1e308", "abc", ""]


@dataclass(frozen=True)
class Command:
    """What the real parser accepts for one command."""

    options: tuple[tuple[str, bool], ...]
    """(option, takes a value)."""
    required: tuple[str, ...]
    """Options that must be given."""
    positionals: tuple[str | int | None, ...]
    """argparse nargs of each positional argument."""


@cache
def commands() -> dict[str, Command]:
    """Every fuzzed command, read from the real parser (so new options are fuzzed too)."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: dict[str, Command] = {}
    for name, subparser in subparsers.choices.items():
        if name in LEFT_OUT_COMMANDS:
            continue
        actions = [a for a in subparser._actions if not set(a.option_strings) & LEFT_OUT_OPTIONS]
        found[name] = Command(
            options=tuple(
                (a.option_strings[-1], a.nargs != 0) for a in actions if a.option_strings
            ),
            required=tuple(
                a.option_strings[-1] for a in actions if a.option_strings and a.required
            ),
            positionals=tuple(a.nargs for a in actions if not a.option_strings),
        )
    return found


# Names of the fixture files made in the scratch folder (see ``restore_fixtures``). Real argv
# cannot carry a NUL character, so none is fuzzed here (the loader's own tests cover it).
FILES = [
    "world.toml", "speakers.toml", "invalid.toml", "syntax.toml", "binary.toml", "huge.toml",
    "empty.toml", "missing.toml", "folder", "-", "", ".", "x" * 300, "é🜁.toml", "world.toml.",
]  # fmt: skip
OUTPUTS = ["out.wav", "out.ogg", "out.mp3", "out.npz", "new.toml", "world.toml", "folder", ""]
NUMBERS = [
    *SECONDS, "3", "1", "2", "48000", "22050", "7", "-5", "99999999999999999999", "0x10", "1e3",
]  # fmt: skip
TEXTS = [
    "1,2,3", "1,2", "nan,0,0", "64x48", "0x0", "ipa", "roman", "auto", "Ollun", "Nobody",
    "the bird sees the river", "ti awiza", "[[ti]]", "river:noun", "--", "-q", "∅", "\x7f",
]  # fmt: skip
free_text = st.text(
    alphabet=st.characters(blacklist_characters="/\\\x00", blacklist_categories=("Cs",)),
    max_size=20,
)
any_value = st.sampled_from(FILES + OUTPUTS + NUMBERS + TEXTS) | free_text
NUMERIC_OPTIONS = {
    "--seconds", "--seed", "--fps", "--rate", "--sample-rate", "--pitch-hz", "--speaker-size",
    "--harshness", "--vowels", "--changes", "--words", "--explorer",
}  # fmt: skip


def option_value(option: str) -> st.SearchStrategy[str]:
    if option == "--words":  # honoured literally: a huge count runs for hours (reported)
        return st.sampled_from(["0", "3", "-1", "abc", "1e3", ""])
    if option == "--out":
        return st.sampled_from(OUTPUTS) | any_value
    if option in NUMERIC_OPTIONS:
        return st.sampled_from(NUMBERS) | any_value
    return st.sampled_from(TEXTS) | any_value


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    if draw(st.integers(0, 29)) == 0:  # now and then: no command, or one that does not exist
        return draw(st.lists(st.sampled_from(["--version", "-h", "bogus", "", "--x"]), max_size=2))
    name = draw(st.sampled_from(sorted(commands())))
    command = commands()[name]
    argv = [name]
    if name in SHORT_RUN_COMMANDS:
        argv += ["--seconds", draw(st.sampled_from(SECONDS))]
    chosen = [o for o in command.options if o[0] in command.required and o[0] != "--seconds"]
    if command.options:
        chosen += draw(st.lists(st.sampled_from(command.options), max_size=3))
    for option, takes_value in chosen:
        argv.append(option)
        if takes_value:
            count = 3 if option == "--explorer" else 1
            argv += [draw(option_value(option)) for _ in range(count)]
    for nargs in command.positionals:
        count = {None: 1, "?": draw(st.integers(0, 1)), "+": draw(st.integers(1, 3))}[nargs]
        argv += [draw(st.sampled_from(FILES) | any_value) for _ in range(count)]
    if draw(st.integers(0, 9)) == 0:  # sometimes a stray extra argument
        argv.append(draw(any_value))
    if any(option == "--model" for option, _ in command.options):
        argv += NO_MODEL
    return argv


@cache
def scratch_folder() -> Path:
    """A folder of fixtures for the CLI to chew on; ``restore_fixtures`` resets it. Removed when
    the process exits (it holds a 2 MB file)."""
    folder = Path(tempfile.mkdtemp(prefix="heterocosm-cli-fuzz-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def restore_fixtures(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    shutil.copy(REPO / "worlds" / "slowlight.toml", folder / "world.toml")
    shutil.copy(REPO / "worlds" / "speakers.toml", folder / "speakers.toml")
    (folder / "invalid.toml").write_text('[meta]\nname = "x"\n[light]\nspeed_of_light = -1\n')
    (folder / "syntax.toml").write_text("[meta\nname = ")
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00[meta]\x80")
    (folder / "huge.toml").write_bytes(b"#" * (LIMITS.file_bytes + 1))
    (folder / "empty.toml").write_bytes(b"")
    (folder / "folder").mkdir()


def run_cli(argv: list[str], folder: Path) -> tuple[int, str, str]:
    """Run the CLI in process inside ``folder``; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse: --help, --version and usage errors
            status = exit_.code if isinstance(exit_.code, int) else 1
    return status, out.getvalue(), err.getvalue()


def check_cli(argv: list[str]) -> str:
    folder = scratch_folder()
    restore_fixtures(folder)
    status, out, err = run_cli(argv, folder)
    assert status in (0, 1, 2), f"exit status {status} for {argv!r}"
    assert "Traceback" not in err, f"{argv!r} printed a traceback:\n{err}"
    if status != 0:  # (no command at all prints the help on stdout)
        assert (err or out).strip(), f"{argv!r} failed with exit {status} and said nothing"
    return f"exit {status}"


FUZZ_TARGETS = {"cli/arguments": (argument_lists(), check_cli)}


def test_every_command_is_fuzzed_or_deliberately_left_out() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == set(commands()) | LEFT_OUT_COMMANDS
    assert {"check", "fmt", "new", "diff", "schema"} <= set(commands())


@CI_SETTINGS
@given(argument_lists())
def test_cli_fuzz(argv: list[str]) -> None:
    check_cli(argv)


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["check", "a\x00b"], 1, "'a\\x00b': cannot read: the path contains a NUL byte"),
        (["check", "binary.toml"], 1, "not UTF-8"),
        (["check", "huge.toml"], 1, f"at most {LIMITS.file_bytes}"),
        (["check", "folder"], 1, "folder"),
        (["check", "/dev/zero"], 1, f"over {LIMITS.file_bytes} bytes"),
        (["fmt", "huge.toml"], 1, "huge.toml"),
        (["fmt", "binary.toml"], 1, "binary.toml"),
        (["new", "x", "--out", "world.toml"], 1, "already exists"),
        # Regression (found by bench/fuzz.py): new.py caught FileExistsError only, so a name
        # too long for the file system (ENAMETOOLONG from write_atomic) was a traceback.
        (["new", "x" * 300], 1, "File name too long"),
        # Regression (open, found by bench/fuzz.py): remix builds its default output name from
        # both parents' names; too long a name makes ``out.exists()`` raise ENAMETOOLONG.
        (["remix", "x" * 300, "world.toml", *NO_MODEL], 1, "too long"),
        (["simulate", "--seconds", "nan", "world.toml"], 1, "finite"),
        # Regressions (found by test_cli_fuzz): a path too long for the file system made
        # ``Path.is_dir`` / ``Path.exists`` raise ENAMETOOLONG, a traceback from these commands.
        (["tree", "x" * 300], 1, "File name too long: 'xxx"),
        (["generate", "a", "--out", "x" * 300, *NO_MODEL], 1, "File name too long"),
        (["variants", "world.toml", "--out-dir", "x" * 300, *NO_MODEL], 1, "File name too long"),
    ],
)
def test_hostile_arguments_get_clear_errors(argv: list[str], status: int, message: str) -> None:
    folder = scratch_folder()
    restore_fixtures(folder)
    before = (folder / "world.toml").read_bytes()
    got_status, _, err = run_cli(argv, folder)
    assert (got_status, "Traceback" in err) == (status, False), err
    assert message in err
    assert (folder / "world.toml").read_bytes() == before
