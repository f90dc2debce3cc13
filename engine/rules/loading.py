"""Reading world files: TOML text -> ``WorldSpec``, or a ``WorldError`` listing every problem.

Each problem names the file, line and column of the offending key, its dotted path, the bad
value and what would be accepted, e.g.
``worlds/x.toml:12:5: physics.laws[0].exponent: must be at most 4, got 9``.
TOML syntax errors are reported the same way. Nothing read is ever executed.
"""

from __future__ import annotations

import re
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.rules.limits import LIMITS
from engine.rules.physics import LAW_KINDS
from engine.rules.toml_positions import KeyPath, key_positions, locate
from engine.rules.world import WorldSpec, split_problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a world file."""

    source: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class WorldError(ValueError):
    """A world file that cannot be used; ``problems`` holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def load_world(path: str | Path) -> WorldSpec:
    """Read and validate a world file. Raises ``WorldError`` naming every problem."""
    return loads_world(read_world_text(path), str(path))


def read_world_text(path: str | Path) -> str:
    """A world file's text, refusing files over the size limit before reading them."""
    path = Path(path)
    source = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(LIMITS.file_bytes + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise WorldError([Problem(source, None, None, "", f"cannot read: {reason}")]) from None
    except ValueError:  # a NUL character in the path
        raise WorldError(
            [Problem(repr(source), None, None, "", "cannot read: the path contains a NUL byte")]
        ) from None
    if len(raw) > LIMITS.file_bytes:
        size = path.stat().st_size  # 0 for devices and pipes, which have no size
        measure = f"{size}" if size > LIMITS.file_bytes else f"over {LIMITS.file_bytes}"
        message = f"file is {measure} bytes; at most {LIMITS.file_bytes} are accepted"
        raise WorldError([Problem(source, None, None, "", message)])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WorldError(
            [Problem(source, None, None, "", f"not UTF-8 text (bad byte at offset {error.start})")]
        ) from None


def loads_world(text: str, source: str = "<world>") -> WorldSpec:
    """Validate world-file text; ``source`` names it in error messages."""
    check_text_size(text, source)
    data = parse_toml(text, source)
    depth = _depth(data)
    if depth > LIMITS.nesting_depth:
        raise WorldError(
            [
                Problem(
                    source,
                    None,
                    None,
                    "",
                    f"nested {depth} levels deep; at most {LIMITS.nesting_depth} are accepted",
                )
            ]
        )
    try:
        return WorldSpec.model_validate(data)
    except ValidationError as error:
        positions = key_positions(text)
        raise WorldError(_problems(error, data, positions, source)) from None


def check_text_size(text: str, source: str) -> None:
    """Refuse world-file text over ``LIMITS.file_bytes`` with a ``WorldError``."""
    if len(text.encode("utf-8", "surrogatepass")) > LIMITS.file_bytes:
        raise WorldError(
            [Problem(source, None, None, "", f"text is over {LIMITS.file_bytes} bytes; refused")]
        )


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """TOML text -> plain data, with syntax errors as a positioned ``WorldError``."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        # tomllib recurses once per nested array or inline table; hostile files nest thousands.
        raise WorldError(
            [
                Problem(
                    source,
                    None,
                    None,
                    "",
                    f"arrays or inline tables nested too deeply; at most {LIMITS.nesting_depth} "
                    "levels are accepted",
                )
            ]
        ) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise WorldError(
            [
                Problem(
                    source,
                    line,
                    column,
                    "",
                    f"TOML syntax error: {message[:1].lower() + message[1:]}",
                )
            ]
        ) from None


def _depth(value: Any) -> int:
    """Deepest nesting of tables and arrays (iterative: hostile depths cannot overflow it)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, level)
            continue
        deepest = max(deepest, level + 1)
        pending.extend((child, level + 1) for child in children)
    return deepest


def _problems(
    error: ValidationError,
    data: dict[str, Any],
    positions: dict[KeyPath, tuple[int, int]],
    source: str,
) -> list[Problem]:
    problems: list[Problem] = []
    for detail in error.errors(include_url=False):
        location = _data_path(data, detail["loc"])
        split = split_problems(str(detail.get("ctx", {}).get("error", "")))
        if detail["type"] == "value_error" and split:
            for sub_location, message in split:
                problems.append(_problem(source, positions, (*location, *sub_location), message))
            continue
        problems.append(_problem(source, positions, location, _message(detail, location)))
    return problems


def _problem(
    source: str, positions: dict[KeyPath, tuple[int, int]], location: KeyPath, message: str
) -> Problem:
    found = locate(positions, location)
    line, column = found if found else (None, None)
    return Problem(source, line, column, format_path(location), message)


def format_path(location: KeyPath) -> str:
    """('physics', 'laws', 0, 'exponent') -> 'physics.laws[0].exponent'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _data_path(data: Any, loc: tuple[Any, ...]) -> KeyPath:
    """Pydantic's error location -> the key path in the file (union tags and wrappers dropped)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and isinstance(part, str) and part in current:
            current = current[part]
            path.append(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            path.append(part)
        elif (
            isinstance(current, dict)
            and isinstance(part, str)
            and part.isidentifier()
            and (part not in _UNION_TAGS)
        ):
            path.append(part)  # a missing key: report it at its would-be path
            current = None
    return tuple(path)


# Names pydantic inserts in error locations for unions and validators; never keys of a file.
_UNION_TAGS = frozenset(LAW_KINDS)


def _message(detail: Any, location: KeyPath) -> str:
    kind = detail["type"]
    context = detail.get("ctx", {})
    value = detail.get("input")
    got = f", got {_show(value)}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        accepted = accepted_keys(location[:-1])
        hint = f"; accepted keys here: {', '.join(accepted)}" if accepted else ""
        return f"unknown key{hint}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("at least", "ge"),
            "greater_than": ("greater than", "gt"),
            "less_than_equal": ("at most", "le"),
            "less_than": ("less than", "lt"),
        }[kind]
        return f"must be {words[0]} {_show(context[words[1]])}{got}"
    if kind == "literal_error":
        return f"must be one of {context['expected']}{got}"
    if kind == "union_tag_invalid":
        return f"kind must be one of {context['expected_tags']}, got {_show(context['tag'])}"
    if kind == "union_tag_not_found":
        return f"needs a 'kind' key naming one of: {', '.join(_UNION_TAGS_SORTED)}"
    if kind == "finite_number":
        return f"must be a finite number{got}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        wanted = "a whole number" if kind.startswith("int") else "a number"
        return f"must be {wanted}{got}"
    if kind in ("string_type", "bool_type", "bool_parsing"):
        wanted = "text in quotes" if kind == "string_type" else "true or false"
        return f"must be {wanted}{got}"
    if kind in ("too_long", "too_short", "string_too_long", "string_too_short"):
        return detail["msg"][:1].lower() + detail["msg"][1:]
    if kind in ("tuple_type", "list_type"):
        return f"must be a list{got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a table{got}"
    if kind == "value_error":
        return str(context.get("error", detail["msg"])) + (
            "" if "got" in str(context.get("error", "")) else got
        )
    message = detail["msg"]
    return message[:1].lower() + message[1:] + got


_UNION_TAGS_SORTED = sorted(_UNION_TAGS)


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def accepted_keys(location: KeyPath) -> list[str]:
    """The keys a table at this path accepts (for 'unknown key' hints)."""
    model: Any = WorldSpec
    for part in location:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return []
        model = _model_of(fields[part].annotation)
        if model is None:
            return []
    fields = getattr(model, "model_fields", None)
    return sorted(fields) if fields else []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_of(argument)
        if found is not None:
            return found
    return None


__all__ = [
    "read_world_text",
    "Problem",
    "WorldError",
    "load_world",
    "loads_world",
    "parse_toml",
    "check_text_size",
    "format_path",
    "accepted_keys",
]
