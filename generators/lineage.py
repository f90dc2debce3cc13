"""Lineage of generated worlds: reading a folder of world files as a family and drawing its tree.

Owns: ``read_family`` (every world file in a folder with its recorded parents) and
``render_tree`` (a text tree: parents above their remixes and variants). Parents are recorded by
world name (``meta.lineage.parents``); a parent is matched by world name or by file name without
``.toml``. Must not touch: generation or writing world files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.rules import WorldError, load_world


@dataclass(frozen=True)
class FamilyMember:
    """One world file in a family."""

    path: Path
    name: str
    parents: tuple[str, ...]
    generator: str
    model: str
    prompt: str
    passage_sha256: str


def read_family(folder: str | Path) -> tuple[list[FamilyMember], list[str]]:
    """(members, problems): every valid ``*.toml`` under ``folder``, and one line per bad file."""
    root = Path(folder)
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder of world files")
    members, problems = [], []
    for path in sorted(root.rglob("*.toml")):
        try:
            world = load_world(path)
        except WorldError as error:
            problems.append(f"{path}: skipped, not a valid world ({str(error).splitlines()[0]})")
            continue
        lineage = world.meta.lineage
        members.append(
            FamilyMember(
                path=path,
                name=world.meta.name,
                parents=lineage.parents,
                generator=lineage.generator,
                model=lineage.model,
                prompt=lineage.prompt,
                passage_sha256=lineage.passage_sha256,
            )
        )
    return members, problems


def render_tree(members: list[FamilyMember], base: Path | None = None) -> str:
    """The family as an indented text tree; a world with two parents appears under both."""
    by_key: dict[str, FamilyMember] = {}
    for member in members:
        by_key.setdefault(member.name, member)
        by_key.setdefault(member.path.stem, member)

    def parent_of(reference: str) -> FamilyMember | None:
        return by_key.get(reference)

    children: dict[Path, list[FamilyMember]] = {member.path: [] for member in members}
    missing: dict[str, list[FamilyMember]] = {}
    for member in members:
        for reference in member.parents:
            parent = parent_of(reference)
            if parent is None:
                missing.setdefault(reference, []).append(member)
            elif parent.path != member.path:
                children[parent.path].append(member)
    roots = [member for member in members if not member.parents]
    lines: list[str] = []
    shown: set[Path] = set()

    def label(member: FamilyMember) -> str:
        where = member.path.relative_to(base) if base else member.path
        origin = member.generator.split(" ")[0].removeprefix("heterocosm.") or "hand-written"
        detail = f" - {member.prompt[:60]!r}" if member.prompt else ""
        if member.passage_sha256:
            detail += f" - passage {member.passage_sha256[:12]}"
        return f"{member.name} ({where}) [{origin}]{detail}"

    def walk(member: FamilyMember, prefix: str, last: bool, depth: int) -> None:
        branch = "" if depth == 0 else ("└── " if last else "├── ")
        if member.path in shown:
            lines.append(f"{prefix}{branch}{member.name} (shown above)")
            return
        shown.add(member.path)
        lines.append(f"{prefix}{branch}{label(member)}")
        kids = children[member.path]
        deeper = prefix + ("" if depth == 0 else ("    " if last else "│   "))
        for index, kid in enumerate(kids):
            walk(kid, deeper, index == len(kids) - 1, depth + 1)

    for root in roots:
        walk(root, "", True, 0)
    for reference, orphans in sorted(missing.items()):
        lines.append(f"{reference} (not in this folder)")
        for index, orphan in enumerate(orphans):
            walk(orphan, "", index == len(orphans) - 1, 1)
    # Cycles (a world naming its own descendant) leave members unshown; list them plainly.
    for member in members:
        if member.path not in shown:
            walk(member, "", True, 0)
    return "\n".join(lines) + ("\n" if lines else "")
