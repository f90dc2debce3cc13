"""The semantic difference between two worlds (``heterocosm diff``): what laws, rates and constants
changed, not which lines of text did.

Lists of named things (bodies, fields, agents, languages, bands) are matched by name, laws by
kind, so reordering a file is no change. Numeric changes show the ratio, which is what matters in a
world where constants span many orders of magnitude.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.rules.loading import format_path
from engine.rules.world import WorldSpec


@dataclass(frozen=True)
class Change:
    """One difference: ``before`` is None for an addition, ``after`` None for a removal."""

    path: tuple[str | int, ...]
    before: Any
    after: Any

    def __str__(self) -> str:
        where = format_path(self.path)
        if self.before is None:
            return f"+ {where}: {_show(self.after)}"
        if self.after is None:
            return f"- {where}: {_show(self.before)}"
        line = f"~ {where}: {_show(self.before)} -> {_show(self.after)}"
        numbers = all(
            isinstance(v, (int, float)) and not isinstance(v, bool)
            for v in (self.before, self.after)
        )
        if numbers and self.before != 0:
            line += f" (x{self.after / self.before:.4g})"
        return line


def diff_worlds(before: WorldSpec, after: WorldSpec) -> list[Change]:
    """Every semantic difference from ``before`` to ``after``; empty when they mean the same."""
    return list(_diff((), before.model_dump(mode="json"), after.model_dump(mode="json")))


def _identity(item: Any) -> Any:
    if isinstance(item, dict):
        if "name" in item:
            return item["name"]
        if "kind" in item:
            return item["kind"]
    return None


def _diff(path: tuple[str | int, ...], before: Any, after: Any):
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [key for key in after if key not in before]:
            if key not in after:
                yield Change((*path, key), before[key], None)
            elif key not in before:
                yield Change((*path, key), None, after[key])
            else:
                yield from _diff((*path, key), before[key], after[key])
        return
    if isinstance(before, list) and isinstance(after, list) and _keyed(before) and _keyed(after):
        yield from _diff_keyed(path, before, after)
        return
    if before != after:
        yield Change(path, before, after)


def _keyed(items: list[Any]) -> bool:
    keys = [_identity(item) for item in items]
    return bool(items) and None not in keys


def _diff_keyed(path: tuple[str | int, ...], before: list[Any], after: list[Any]):
    # Items sharing a key (several gravity laws) are matched in order of appearance.
    def labelled(items: list[Any]) -> dict[str, Any]:
        seen: dict[Any, int] = {}
        result = {}
        for item in items:
            key = _identity(item)
            count = seen.get(key, 0)
            seen[key] = count + 1
            result[f"{key}" if count == 0 else f"{key}#{count + 1}"] = item
        return result

    old, new = labelled(before), labelled(after)
    for label in list(old) + [label for label in new if label not in old]:
        if label not in new:
            yield Change((*path, label), old[label], None)
        elif label not in old:
            yield Change((*path, label), None, new[label])
        else:
            yield from _diff((*path, label), old[label], new[label])


def _show(value: Any) -> str:
    if isinstance(value, dict):
        label = _identity(value)
        return f"{{{label}}}" if label else "{table}"
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 70 else text[:67] + "..."
