"""Regenerate README.md's world-file reference and worlds/world.schema.json from the model."""

from __future__ import annotations

from pathlib import Path

from engine.fsutil import write_atomic
from engine.rules import world_schema_text
from engine.rules.reference import reference_markdown

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- reference:start -->\n", "<!-- reference:end -->"


def main() -> None:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    write_atomic(readme, head + START + reference_markdown() + END + tail)
    write_atomic(REPO / "worlds" / "world.schema.json", world_schema_text())


if __name__ == "__main__":
    main()
