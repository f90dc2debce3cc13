"""The world-file reference in Markdown, generated from the model so it is never written twice.

One table per section and sub-table: key, type, default, and the field's own docstring.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from engine.rules.world import WorldSpec


def reference_markdown() -> str:
    """Markdown describing every table and key a world file may contain."""
    lines: list[str] = []
    seen: set[type[BaseModel]] = set()
    for name, field in WorldSpec.model_fields.items():
        model = _models_in(field.annotation)
        many = _is_sequence(field.annotation)
        for item in model:
            header = f"[[{name}]]" if many else f"[{name}]"
            if len(model) > 1:
                header = f'[[{name}]] kind = "{_kind(item)}"'
            _section(lines, header, item, name, seen)
    return "\n".join(lines).rstrip() + "\n"


def _section(
    lines: list[str], header: str, model: type[BaseModel], path: str, seen: set[type[BaseModel]]
) -> None:
    lines += [f"### `{header}`", ""]
    if model.__doc__:
        lines += [" ".join(model.__doc__.split()), ""]
    lines += ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    nested: list[tuple[str, type[BaseModel], bool]] = []
    for key, field in model.model_fields.items():
        default = "required" if field.is_required() else _default(field.default, field)
        description = " ".join((field.description or "").split()).replace("|", "\\|")
        lines.append(f"| `{key}` | {_type_name(field.annotation)} | {default} | {description} |")
        for sub in _models_in(field.annotation):
            nested.append((key, sub, _is_sequence(field.annotation)))
    lines.append("")
    for key, sub, many in nested:
        if sub in seen:
            continue
        seen.add(sub)
        variants = _models_in(model.model_fields[key].annotation)
        header = f"[[{path}.{key}]]" if many else f"[{path}.{key}]"
        if len(variants) > 1:
            header = f'[[{path}.{key}]] kind = "{_kind(sub)}"'
        _section(lines, header, sub, f"{path}.{key}", seen)


def _kind(model: type[BaseModel]) -> str:
    annotation = model.model_fields["kind"].annotation
    return str(typing.get_args(annotation)[0])


def _default(value: Any, field: Any) -> str:
    if value is PydanticUndefined:
        value = field.default_factory() if field.default_factory else None
    if isinstance(value, BaseModel):
        return "(table)"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, tuple):
        return "`[]`" if not value else f"`{list(value)}`"
    if isinstance(value, dict):
        return "`{}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value:g}`" if isinstance(value, float) else f"`{value}`"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in typing.get_args(annotation):
        for model in _models_in(argument):
            if model not in found:
                found.append(model)
    return found


def _is_sequence(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (tuple, list):
        return True
    return any(
        _is_sequence(argument)
        for argument in typing.get_args(annotation)
        if typing.get_origin(argument) in (tuple, list)
    )


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(arguments[0])
    if origin is typing.Literal:
        return " \\| ".join(f'`"{argument}"`' for argument in arguments)
    if origin in (typing.Union, types.UnionType):
        variants = [_type_name(argument) for argument in arguments if argument is not type(None)]
        optional = " (optional)" if type(None) in arguments else ""
        return " \\| ".join(dict.fromkeys(variants)) + optional
    if origin is tuple:
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return f"list of {_type_name(arguments[0])}"
        return f"[{', '.join(_type_name(argument) for argument in arguments)}]"
    if origin is dict:
        return "table"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    names = {float: "number", int: "integer", str: "text", bool: "true/false"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))
