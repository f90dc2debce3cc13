"""The world data model: what a world file may say, validated, frozen, in SI units.

Pure data: no GL, no audio, no torch. Everything else in heterocosm reads a ``WorldSpec``.
Load with ``load_world(path)`` / ``loads_world(text)``; write with ``dump_world(world)``; the JSON
Schema of the format comes from ``world_schema()``.
"""

from engine.rules.limits import LIMITS, Limits
from engine.rules.loading import Problem, WorldError, format_path, load_world, loads_world
from engine.rules.world import WorldSpec
from engine.rules.writing import dump_world, world_schema, world_schema_text, world_to_data

__all__ = [
    "LIMITS",
    "Limits",
    "Problem",
    "WorldError",
    "WorldSpec",
    "dump_world",
    "format_path",
    "load_world",
    "loads_world",
    "world_schema",
    "world_schema_text",
    "world_to_data",
]
