"""Example worlds load, round-trip through TOML, and match the published JSON Schema."""

from __future__ import annotations

import json
import tomllib

import jsonschema
import pytest
from conftest import EXAMPLE_WORLDS, REPO

from engine.rules import dump_world, load_world, loads_world, world_schema, world_schema_text
from engine.rules.reference import reference_markdown

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("path", EXAMPLE_WORLDS, ids=lambda p: p.stem)
def test_example_world_round_trips(path):
    world = load_world(path)
    text = dump_world(world)
    assert text.startswith("#:schema ./world.schema.json\n")
    assert loads_world(text, "dumped") == world
    # A second dump is identical: dumping is a fixed point.
    assert dump_world(loads_world(text)) == text


@pytest.mark.parametrize("path", EXAMPLE_WORLDS, ids=lambda p: p.stem)
def test_example_world_validates_against_json_schema(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(world_schema()).validate(data)


def test_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(world_schema())


def test_published_schema_file_is_current():
    published = (REPO / "worlds" / "world.schema.json").read_text(encoding="utf-8")
    assert published == world_schema_text(), "run: heterocosm schema > worlds/world.schema.json"


def test_readme_reference_is_generated_from_the_schema():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- reference:start -->\n", "<!-- reference:end -->"
    block = readme[readme.index(start) + len(start) : readme.index(end)]
    assert block == reference_markdown(), "run: python scripts/update_readme_reference.py"


def test_json_schema_rejects_what_the_model_rejects():
    validator = jsonschema.Draft202012Validator(world_schema())
    bad = {"meta": {"name": "x"}, "physics": {"laws": [{"kind": "gravity", "exponent": 9}]}}
    assert not validator.is_valid(bad)
    assert validator.is_valid(json.loads(json.dumps({"meta": {"name": "x"}})))


@pytest.mark.parametrize("path", EXAMPLE_WORLDS, ids=lambda p: p.stem)
def test_example_worlds_start_with_schema_comment(path):
    assert path.read_text(encoding="utf-8").startswith("#:schema ./world.schema.json\n")
