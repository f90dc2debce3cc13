"""Where each key of a TOML document is: key path -> (line, column), both from 1.

``tomllib`` gives values but no positions; error messages need ``file:line:col`` of the offending
key. This scanner reads only documents ``tomllib`` already accepted, so it can be forgiving: it
walks table headers, key/value pairs, inline tables and arrays, and records where each key path
(with list indices, as pydantic reports them) begins.
"""

from __future__ import annotations

import bisect
import re

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        self.array_lengths: dict[KeyPath, int] = {}

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def record(self, path: KeyPath, offset: int) -> None:
        self.positions.setdefault(path, self.where(offset))

    def skip_blank(self, newlines: bool = True) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r" or (newlines and char == "\n"):
                self.pos += 1
            elif char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                return

    def read_key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            char = self.text[self.pos]
            if char in "\"'":
                start = self.pos
                self.skip_string()
                raw = self.text[start + 1 : self.pos - 1]
                parts.append(raw.encode().decode("unicode_escape") if char == '"' else raw)
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    break
                parts.append(match.group())
                self.pos = match.end()
            self.skip_blank(newlines=False)
            if self.pos < len(self.text) and self.text[self.pos] == ".":
                self.pos += 1
                continue
            break
        return tuple(parts)

    def skip_string(self) -> None:
        text = self.text
        quote = text[self.pos]
        if text.startswith(quote * 3, self.pos):
            end = text.find(quote * 3, self.pos + 3)
            while quote == '"' and end > 0 and _escaped(text, end):
                end = text.find(quote * 3, end + 1)
            end = len(text) if end < 0 else end + 3
            # A closing delimiter may be followed by up to two more quotes that belong to it.
            while end < len(text) and text[end] == quote:
                end += 1
            self.pos = end
            return
        index = self.pos + 1
        while index < len(text) and text[index] != quote:
            index += 2 if (quote == '"' and text[index] == "\\") else 1
        self.pos = index + 1

    def scan_value(self, path: KeyPath) -> None:
        self.skip_blank(newlines=False)
        char = self.text[self.pos] if self.pos < len(self.text) else ""
        if char == "[":
            self.pos += 1
            index = 0
            while True:
                self.skip_blank()
                if self.text[self.pos] == "]":
                    self.pos += 1
                    return
                self.record((*path, index), self.pos)
                self.scan_value((*path, index))
                index += 1
                self.skip_blank()
                if self.text[self.pos] == ",":
                    self.pos += 1
        elif char == "{":
            self.pos += 1
            while True:
                self.skip_blank(newlines=False)
                if self.text[self.pos] == "}":
                    self.pos += 1
                    return
                start = self.pos
                keys = self.read_key()
                self.record((*path, *keys), start)
                self.skip_blank(newlines=False)
                self.pos += 1  # "="
                self.scan_value((*path, *keys))
                self.skip_blank(newlines=False)
                if self.text[self.pos] == ",":
                    self.pos += 1
        elif char in "\"'":
            self.skip_string()
        else:
            match = re.compile(r"[^,\]}\s#]+").match(self.text, self.pos)
            self.pos = match.end() if match else self.pos + 1

    def resolve(self, keys: tuple[str, ...]) -> KeyPath:
        """Header keys -> a path, entering the latest element of each array of tables."""
        resolved: KeyPath = ()
        for key in keys:
            resolved = (*resolved, key)
            if resolved in self.array_lengths:
                resolved = (*resolved, self.array_lengths[resolved] - 1)
        return resolved

    def scan(self) -> dict[KeyPath, tuple[int, int]]:
        table: KeyPath = ()
        while True:
            self.skip_blank()
            if self.pos >= len(self.text):
                return self.positions
            start = self.pos
            if self.text.startswith("[[", self.pos):
                self.pos += 2
                keys = self.read_key()
                self.pos = self.text.index("]]", self.pos) + 2
                parent = self.resolve(keys[:-1])
                array = (*parent, keys[-1])
                index = self.array_lengths.get(array, 0)
                self.array_lengths[array] = index + 1
                table = (*array, index)
                self.record(array, start)
                self.record(table, start)
            elif self.text[self.pos] == "[":
                self.pos += 1
                keys = self.read_key()
                self.pos = self.text.index("]", self.pos) + 1
                table = self.resolve(keys)
                self.record(table, start)
            else:
                keys = self.read_key()
                if not keys:  # not a key: skip the rest of the line
                    end = self.text.find("\n", self.pos)
                    self.pos = len(self.text) if end < 0 else end
                    continue
                self.record((*table, *keys), start)
                self.skip_blank(newlines=False)
                self.pos += 1  # "="
                self.scan_value((*table, *keys))


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def key_positions(text: str) -> dict[KeyPath, tuple[int, int]]:
    """Map every key path in a valid TOML document to the (line, column) where it is written."""
    scanner = _Scanner(text)
    try:
        return scanner.scan()
    except (IndexError, ValueError):
        # The scanner is a locator, not a parser: on anything it cannot follow, positions found
        # so far still serve, and errors fall back to the nearest located parent key.
        return scanner.positions


def locate(positions: dict[KeyPath, tuple[int, int]], path: KeyPath) -> tuple[int, int] | None:
    """The position of ``path`` or of its nearest written ancestor."""
    for length in range(len(path), 0, -1):
        found = positions.get(tuple(path[:length]))
        if found:
            return found
    return None
