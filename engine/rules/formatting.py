"""Canonical formatting of world files that keeps every comment (``heterocosm fmt``).

Canonical means: the ``#:schema`` line first, ``key = value`` spacing, no trailing spaces, one
blank line before each table header (above its comment block), no runs of blank lines, and one
final newline. Values are never changed: the formatted text must parse to the same data, and is
checked to before anything is written.
"""

from __future__ import annotations

import re

from engine.rules.loading import check_text_size, parse_toml
from engine.rules.writing import SCHEMA_COMMENT

_HEADER = re.compile(r"^\[\[?[A-Za-z0-9_\"'. -]+\]\]?\s*(#.*)?$")


def format_world_text(text: str, source: str = "<world>") -> str:
    """The canonical form of a world file's text. Raises ``WorldError`` on TOML syntax errors."""
    check_text_size(text, source)
    before = parse_toml(text, source)
    lines: list[str] = []
    in_multiline_string = False
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.rstrip()
        if not in_multiline_string:
            if line.startswith("#:schema"):
                continue
            line = _KEY_VALUE.sub(r"\1\2 = \3", line)
        if (line.count('"""') + line.count("'''")) % 2 == 1:
            in_multiline_string = not in_multiline_string
        lines.append(line)
    body = "\n".join(_space_headers(lines)).strip("\n")
    formatted = f"{SCHEMA_COMMENT}\n\n{body}\n"
    if parse_toml(formatted, source) != before:  # a formatter must never change meaning
        raise RuntimeError(f"formatting {source} would change its meaning; file left as it was")
    return formatted


# A key (bare, dotted or quoted) and its value, with any spacing around "=".
_KEY_VALUE = re.compile(
    r"""^(\s*)((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*(.*)$"""
)


def _space_headers(lines: list[str]) -> list[str]:
    result: list[str] = []
    for line in lines:
        if _HEADER.match(line):
            # Put one blank line above the header's comment block (comments belong to the header).
            block_start = len(result)
            while block_start > 0 and result[block_start - 1].lstrip().startswith("#"):
                block_start -= 1
            if block_start > 0 and result[block_start - 1] != "":
                result.insert(block_start, "")
        if line == "" and (not result or result[-1] == ""):
            continue
        result.append(line)
    return result
