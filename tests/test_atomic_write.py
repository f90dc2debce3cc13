"""Nothing lost: writes killed or failed part-way leave the original file exactly as it was.

Owns: tests of ``engine.fsutil.write_atomic`` / ``write_atomic_from`` and of the commands that
write files (``fmt``, ``new``), run in child processes that are SIGKILLed mid-write or made to fail
by a real resource limit. Touches only files under pytest's temporary directory.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.fsutil import write_atomic, write_atomic_from
from engine.rules import load_world
from engine.rules.formatting import format_world_text

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
BIG_PAYLOAD_BYTES = 300 * 1024 * 1024  # big enough that writing and syncing take a while
ORIGINAL = b"the original contents\n" * 1000


def _child(code: str, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[arg-type]
    )


def _temporaries(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp*"))


def _kill_when_writing(process: subprocess.Popen[bytes], folder: Path) -> int:
    """SIGKILL the child once its temporary file holds some bytes; return how many it held."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for temporary in _temporaries(folder):
            try:
                size = temporary.stat().st_size
            except FileNotFoundError:
                continue
            if size > 0:
                process.kill()
                process.wait()
                return size
        if process.poll() is not None:
            raise AssertionError(f"child ended before it was killed: {process.stderr.read()!r}")
        time.sleep(0.0005)
    process.kill()
    raise AssertionError("the child never started writing")


WRITE_BIG = f"""
import sys
from engine.fsutil import write_atomic
write_atomic(sys.argv[1], b"\\x01" * {BIG_PAYLOAD_BYTES})
"""


def test_killed_mid_write_leaves_the_original_intact(tmp_path: Path) -> None:
    target = tmp_path / "world.bin"
    target.write_bytes(ORIGINAL)
    process = subprocess.Popen(
        [sys.executable, "-c", WRITE_BIG, str(target)], cwd=REPO, stderr=subprocess.PIPE
    )
    written = _kill_when_writing(process, tmp_path)
    assert process.returncode == -signal.SIGKILL
    assert 0 < written <= BIG_PAYLOAD_BYTES
    assert target.read_bytes() == ORIGINAL
    # The killed process leaves only its hidden temporary beside the target, never a partial target.
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["world.bin"]


def test_killed_mid_write_of_a_new_file_leaves_no_target(tmp_path: Path) -> None:
    target = tmp_path / "new.bin"
    process = subprocess.Popen(
        [sys.executable, "-c", WRITE_BIG, str(target)], cwd=REPO, stderr=subprocess.PIPE
    )
    _kill_when_writing(process, tmp_path)
    assert not target.exists()


def test_failed_write_leaves_original_and_no_temporary(tmp_path: Path) -> None:
    """A real failure (file size limit exceeded: EFBIG) mid-write, not a simulated one."""
    target = tmp_path / "world.bin"
    target.write_bytes(ORIGINAL)
    process = _child(
        """
        import resource, signal, sys
        from engine.fsutil import write_atomic
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG as an error, not a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))
        try:
            write_atomic(sys.argv[1], b"x" * 5_000_000)
        except OSError as error:
            print("failed:", error.errno)
        """.replace("sys.argv[1]", repr(str(target)))
    )
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.decode().startswith("failed: 27"), out  # errno 27 = EFBIG
    assert target.read_bytes() == ORIGINAL
    assert _temporaries(tmp_path) == []


def test_failed_producer_leaves_original_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "render.wav"
    target.write_bytes(ORIGINAL)

    def produce(path: Path) -> None:
        path.write_bytes(b"half a file")
        raise RuntimeError("encoder crashed")

    with pytest.raises(RuntimeError, match="encoder crashed"):
        write_atomic_from(target, produce)
    assert target.read_bytes() == ORIGINAL
    assert _temporaries(tmp_path) == []


def test_refuses_to_replace_unless_asked(tmp_path: Path) -> None:
    target = tmp_path / "world.toml"
    target.write_bytes(ORIGINAL)
    with pytest.raises(FileExistsError, match="already exists"):
        write_atomic(target, "new", overwrite=False)
    assert target.read_bytes() == ORIGINAL
    assert _temporaries(tmp_path) == []
    write_atomic(target, "new")
    assert target.read_text() == "new"


def _unformatted_world(tmp_path: Path) -> tuple[Path, bytes, str]:
    source = (REPO / "worlds" / "slowlight.toml").read_text(encoding="utf-8")
    messy = source.replace(" = ", "   =   ").replace("\n[", "\n\n\n[") + "\n\n\n"
    target = tmp_path / "messy.toml"
    target.write_text(messy, encoding="utf-8")
    return target, messy.encode(), format_world_text(messy, str(target))


# Pauses the real `heterocosm fmt` at the rename that would publish its temporary file: an audit
# hook observes the call (nothing in the write path is replaced), so the kill lands after the new
# text is fully written and synced but before it takes the target's place.
PAUSE_BEFORE_RENAME = """
import os, sys, time
target = os.path.abspath(sys.argv[1])
def hook(event, args):
    if event == "os.rename" and os.path.abspath(args[1]) == target:
        print("renaming", args[0], flush=True)
        time.sleep(600)
sys.addaudithook(hook)
from engine.cli import main
sys.exit(main(["fmt", sys.argv[1]]))
"""


def test_fmt_killed_before_rename_leaves_the_world_intact(tmp_path: Path) -> None:
    target, original, formatted = _unformatted_world(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSE_BEFORE_RENAME, str(target)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    assert line.startswith("renaming "), process.stderr.read() if process.stderr else ""
    temporary = Path(line.split(" ", 1)[1].strip())
    process.kill()
    process.wait()
    assert temporary.read_text(encoding="utf-8") == formatted  # the new text was complete
    assert target.read_bytes() == original  # ... and still the original is what is there
    load_world(target)


def test_fmt_killed_at_any_moment_leaves_old_or_new_never_partial(tmp_path: Path) -> None:
    target, original, formatted = _unformatted_world(tmp_path)
    command = [sys.executable, "-m", "engine", "fmt", str(target)]
    started = time.monotonic()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=120)
    whole_run = time.monotonic() - started
    for step in range(8):
        target.write_bytes(original)
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
        time.sleep(whole_run * (0.55 + 0.06 * step))  # sweep the last part of the run
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = target.read_bytes()
        assert after in (original, formatted.encode()), f"partial file after kill {step}"


@pytest.mark.parametrize(
    "command",
    [
        ["generate", "a valley where sound crawls", "--out", "{target}"],
        ["new", "Valley", "--out", "{target}"],
    ],
    ids=["generate", "new"],
)
def test_making_a_world_never_replaces_a_file_unless_asked(
    tmp_path: Path, command: list[str]
) -> None:
    target = tmp_path / "valley.toml"
    target.write_bytes(ORIGINAL)
    argv = [part.replace("{target}", str(target)) for part in command]
    result = subprocess.run(
        [sys.executable, "-m", "engine", *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "already exists" in result.stderr
    assert target.read_bytes() == ORIGINAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["valley.toml"]
