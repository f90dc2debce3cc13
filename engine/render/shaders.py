"""Loading GLSL programs from ``shaders/``: one file per program, shared pieces in ``include/``.

Owns: splitting a program file into stages (``#if defined VERTEX_SHADER`` / ``FRAGMENT_SHADER``
sections, as moderngl-window does), resolving ``#include "name.glsl"`` from ``shaders/include/``,
and turning driver compile errors into ``ShaderError`` messages that name the shader file and
line. Creates GL objects only when asked, with a context passed in; nothing at import time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from engine.resources import shaders_dir

GLSL_VERSION = "#version 330 core"
STAGES = ("VERTEX_SHADER", "GEOMETRY_SHADER", "FRAGMENT_SHADER")
_INCLUDE = re.compile(r'^\s*#include\s+"([A-Za-z0-9_./-]+)"\s*$')
# Driver messages: Mesa "0:12(5): error: ...", NVIDIA "0(12) : error ...", AMD "ERROR: 0:12: ...".
_MESSAGE_LINE = re.compile(r"(?P<source>\d+)[:(](?P<line>\d+)(?:\(\d+\))?\)?\s*:\s*")


class ShaderError(RuntimeError):
    """A GLSL program that could not be read, compiled or linked; the message names file:line."""


class ShaderSource:
    """A program file expanded for one stage, remembering which file each source number means."""

    def __init__(
        self, path: Path, stage: str, include_dir: Path, defines: Sequence[str] = ()
    ) -> None:
        self.files: list[Path] = [path]
        self.stage = stage
        body = self._expand(path, include_dir, depth=0)
        extra = "".join(f"#define {name}\n" for name in defines)
        self.text = f"{GLSL_VERSION}\n#define {stage}\n{extra}#line 1 0\n{body}"

    def _expand(self, path: Path, include_dir: Path, depth: int) -> str:
        if depth > 8:
            raise ShaderError(f"{path}: includes nested more than 8 deep")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise ShaderError(f"cannot read shader {path}: {error.strerror}") from None
        source_number = self.files.index(path)
        if depth == 0:
            lines = _blank_other_stages(lines, self.stage)
        out: list[str] = []
        for number, line in enumerate(lines, start=1):
            match = _INCLUDE.match(line)
            if not match:
                out.append(line)
                continue
            included = include_dir / match.group(1)
            if not included.is_file():
                raise ShaderError(f"{path}:{number}: included file {included} does not exist")
            self.files.append(included)
            out.append(f"#line 1 {len(self.files) - 1}")
            out.append(self._expand(included, include_dir, depth + 1))
            out.append(f"#line {number + 1} {source_number}")
        return "\n".join(out)

    def explain(self, message: str) -> str:
        """Rewrite a driver's ``source:line`` references as ``file:line``."""

        def replace(match: re.Match[str]) -> str:
            index = int(match.group("source"))
            if index < len(self.files):
                return f"{self.files[index]}:{match.group('line')}: "
            return match.group(0)

        return "\n".join(
            _MESSAGE_LINE.sub(replace, line, count=1) for line in message.strip().splitlines()
        )


_STAGE_BRANCH = re.compile(r"^\s*#\s*(if|elif)\s+defined\s*\(?\s*(\w+_SHADER)\b")
_OPEN = re.compile(r"^\s*#\s*if(n?def)?\b")
_CLOSE = re.compile(r"^\s*#\s*endif\b")


def _blank_other_stages(lines: list[str], stage: str) -> list[str]:
    """Empty the lines of other stages' sections (keeping line numbers), so that the ``#line``
    directives around their includes never sit in a skipped block, where GLSL ignores them."""
    out: list[str] = []
    depth = 0
    stage_depth: int | None = None  # depth of the stage #if group we are inside, if any
    active = True
    for line in lines:
        branch = _STAGE_BRANCH.match(line)
        if branch and (branch.group(1) == "if" or depth == stage_depth):
            if branch.group(1) == "if":
                depth += 1
                stage_depth = depth
            active = branch.group(2) == stage
            out.append(line)
            continue
        if _OPEN.match(line):
            depth += 1
        elif _CLOSE.match(line):
            if stage_depth is not None and depth == stage_depth:
                stage_depth = None
                active = True
                depth -= 1
                out.append(line)
                continue
            depth -= 1
        out.append(line if active else "")
    return out


def stages_in(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [stage for stage in STAGES if f"defined {stage}" in text]


def load_program(  # noqa: ANN201 - moderngl.Program
    ctx,  # noqa: ANN001 - moderngl.Context
    name: str,
    directory: Path | None = None,
    defines: Sequence[str] = (),
):
    """Compile ``shaders/<name>.glsl`` into a ``moderngl.Program``, with ``#define`` of each name
    in ``defines`` (a variant of the program); failures raise ShaderError."""
    import moderngl

    directory = directory or shaders_dir()
    path = directory / f"{name}.glsl"
    if not path.is_file():
        raise ShaderError(f"shader program {path} does not exist")
    stages = stages_in(path)
    if "VERTEX_SHADER" not in stages or "FRAGMENT_SHADER" not in stages:
        raise ShaderError(f"{path}: needs both a VERTEX_SHADER and a FRAGMENT_SHADER section")
    sources = {stage: ShaderSource(path, stage, directory / "include", defines) for stage in stages}
    try:
        return ctx.program(
            vertex_shader=sources["VERTEX_SHADER"].text,
            geometry_shader=sources["GEOMETRY_SHADER"].text
            if "GEOMETRY_SHADER" in sources
            else None,
            fragment_shader=sources["FRAGMENT_SHADER"].text,
        )
    except moderngl.Error as error:
        message = str(error)
        stage = next((s for s in stages if s.split("_")[0].lower() in message.lower()), stages[-1])
        raise ShaderError(
            f"{path.name} ({stage.split('_')[0].lower()} stage) failed to compile or link:\n"
            f"{sources[stage].explain(message)}"
        ) from None
