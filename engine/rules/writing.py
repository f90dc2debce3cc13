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
from tomlkit.items import AoT, Array, Table

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
        document.add(key, _item(value))
    text = tomlkit.dumps(document)
    # tomlkit writes the comment as "# :schema"; taplo wants "#:schema".
    return text.replace("# " + schema_comment.removeprefix("#").strip(), schema_comment, 1)


def _is_vector(value: list[Any]) -> bool:
    return all(not isinstance(item, (dict, list)) for item in value)


def _is_small_record(value: Any) -> bool:
    """A table of scalars and short vectors: reads best on one line, as an inline table."""
    return (
        isinstance(value, dict)
        and len(value) <= 6
        and all(
            not isinstance(item, dict) and (not isinstance(item, list) or _is_vector(item))
            for item in value.values()
        )
        and not any(isinstance(item, str) and "\n" in item for item in value.values())
    )


def _item(value: Any, in_array_table: bool = False) -> Any:
    """TOML item for a value. Inside an [[array]] table, small records are written inline (a
    region, a sound) and lists of them one per line (a lexicon), so a world reads compactly."""
    if isinstance(value, dict):
        if in_array_table and _is_small_record(value):
            return _inline(value)
        return _table(value, in_array_table)
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            if in_array_table and all(_is_small_record(item) for item in value):
                return _array(value)
            array_of_tables = AoT([])
            for item in value:
                array_of_tables.append(_table(item, in_array_table=True))
            return array_of_tables
        return _array(value)
    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    return value


def _table(value: dict[str, Any], in_array_table: bool) -> Table:
    table = tomlkit.table()
    for key, item in value.items():
        table.add(key, _item(item, in_array_table))
    return table


def _inline(value: dict[str, Any]) -> Any:
    inline = tomlkit.inline_table()
    for key, item in value.items():
        inline.append(key, _array(item) if isinstance(item, list) else item)
    return inline


def _array(value: list[Any]) -> Array:
    array = tomlkit.array()
    for item in value:
        if isinstance(item, list):
            array.append(_array(item))
        elif isinstance(item, dict):
            array.append(_inline(item))
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
