"""Writing world files: ``WorldSpec`` -> TOML text, and the JSON Schema of the format.

Like three.js's scene format, a dumped world writes only what differs from the defaults, so a
generated file is as short as its content. ``loads_world(dump_world(w)) == w`` for every valid
world. Files begin with a ``#:schema`` comment so editors (taplo / Even Better TOML) complete and
validate them.
"""

from __future__ import annotations

import json
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array

from engine.rules.world import WorldSpec

SCHEMA_FILE_NAME = "world.schema.json"
SCHEMA_COMMENT = f"#:schema ./{SCHEMA_FILE_NAME}"
SCHEMA_ID = "https://heterocosm.dev/schema/world-1.json"

# Section order in a written file: identity first, then the world's rules, then its contents.
SECTION_ORDER = (
    "meta",
    "scale",
    "time",
    "physics",
    "light",
    "acoustics",
    "bodies",
    "particles",
    "languages",
    "agents",
)


def world_to_data(world: WorldSpec) -> dict[str, Any]:
    """The world as plain TOML-ready data, leaving out every value equal to its default."""
    data = world.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("meta", {})["name"] = world.meta.name
    return {key: data[key] for key in SECTION_ORDER if key in data}


def dump_world(world: WorldSpec, schema_comment: str = SCHEMA_COMMENT) -> str:
    """A world as TOML text, beginning with the ``#:schema`` comment."""
    document = tomlkit.document()
    document.add(tomlkit.comment(schema_comment.removeprefix("#").strip()))
    for key, value in world_to_data(world).items():
        document.add(tomlkit.nl())
        document.add(key, _item(value, top_level=True))
    text = tomlkit.dumps(document)
    # tomlkit writes the comment as "# :schema"; taplo wants "#:schema".
    return text.replace("# " + schema_comment.removeprefix("#").strip(), schema_comment, 1)


def _is_vector(value: list[Any]) -> bool:
    return all(not isinstance(item, (dict, list)) for item in value)


def _item(value: Any, top_level: bool = False) -> Any:
    if isinstance(value, dict):
        table = tomlkit.table()
        for key, item in value.items():
            table.add(key, _item(item))
        return table
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            array_of_tables = AoT([])
            for item in value:
                array_of_tables.append(_item(item))
            return array_of_tables
        return _array(value)
    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    return value


def _array(value: list[Any]) -> Array:
    array = tomlkit.array()
    for item in value:
        if isinstance(item, list):
            array.append(_array(item))
        elif isinstance(item, dict):
            inline = tomlkit.inline_table()
            inline.update(item)
            array.append(inline)
        else:
            array.append(item)
    if not _is_vector(value) and len(value) > 1:
        array.multiline(True)
    return array


def world_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a world file."""
    schema = WorldSpec.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "heterocosm world",
    }


def world_schema_text() -> str:
    """The JSON Schema as the text written to ``worlds/world.schema.json``."""
    return json.dumps(world_schema(), indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "dump_world",
    "world_to_data",
    "world_schema",
    "world_schema_text",
    "SCHEMA_COMMENT",
    "SCHEMA_FILE_NAME",
]
