"""The tree of units as plain values: who is under whom, what a move or a merge would break.

Units arrive as ``Node`` values (id, parent id, name, short name, position); every answer is a
plain value, so these rules are tested without a database.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

NAME_MAX = 100
SHORT_MAX = 30
DEPTH_MAX = 8  # city → bureau → sub-unit → section …: deeper is a mistake in an import


@dataclass(frozen=True)
class Node:
    id: int
    parent: int | None
    name: str
    short_name: str = ""
    position: int = 0


@dataclass
class Tree:
    """Units by id with their children in display order (position, then name)."""

    nodes: dict[int, Node]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, nodes: Iterable[Node]) -> Tree:
        by_id = {n.id: n for n in nodes}
        children: dict[int | None, list[int]] = {}
        for n in by_id.values():
            parent = n.parent if n.parent in by_id else None
            children.setdefault(parent, []).append(n.id)
        for ids in children.values():
            ids.sort(key=lambda i: (by_id[i].position, by_id[i].name, i))
        return cls(by_id, children)

    def roots(self) -> list[int]:
        return list(self.children.get(None, []))

    def subtree(self, unit_id: int) -> set[int]:
        """The unit and every unit under it (empty if unknown)."""
        if unit_id not in self.nodes:
            return set()
        found = {unit_id}
        stack = [unit_id]
        while stack:
            for child in self.children.get(stack.pop(), []):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def reach(self, unit_ids: Iterable[int]) -> set[int]:
        """Every unit under any of these (the scope of roles held at them)."""
        out: set[int] = set()
        for unit_id in unit_ids:
            out |= self.subtree(unit_id)
        return out

    def ancestors(self, unit_id: int) -> list[int]:
        """From the root down to the unit's parent."""
        path: list[int] = []
        seen = {unit_id}
        node = self.nodes.get(unit_id)
        while node is not None and node.parent is not None and node.parent in self.nodes:
            if node.parent in seen:  # a cycle in stored data: stop rather than loop
                break
            seen.add(node.parent)
            path.append(node.parent)
            node = self.nodes[node.parent]
        return list(reversed(path))

    def toward(self, top: int | None, unit_id: int) -> int:
        """Which unit one level under ``top`` holds ``unit_id`` (``top`` None: the bureau, one
        level under the top unit). ``top`` itself when the unit is ``top``, or not under it."""
        path = [*self.ancestors(unit_id), unit_id]
        if top is None:
            return path[1] if len(path) > 1 else path[0]
        if top not in path:
            return top
        at = path.index(top)
        return path[at + 1] if at + 1 < len(path) else top

    def depth(self, unit_id: int) -> int:
        return len(self.ancestors(unit_id))

    def label(self, unit_id: int) -> str:
        """The unit's name with the chain above it, root left out: "芙蓉区税务局 › 党建工作科"."""
        chain = [*self.ancestors(unit_id), unit_id]
        if len(chain) > 1:
            chain = chain[1:]
        return " › ".join(self.nodes[i].name for i in chain)

    def lookup(self) -> dict[str, tuple[int, str]]:
        """Each unit as (id, full name) by its full name and by its short name, as
        ``full_names`` reads them; of two units of one name, the first made."""
        ordered = sorted(self.nodes.values(), key=lambda n: n.id)
        ids: dict[str, int] = {}
        for n in ordered:
            ids.setdefault(n.name, n.id)
        return {typed: (ids[name], name) for typed, name in full_names((n.name, n.short_name) for n in ordered).items()}

    def choices(self, leave_out: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, str]]:
        """Every unit as (id, name indented by its depth) for a select, in tree order."""
        return [(n.id, "\u3000" * depth + n.name) for n, depth in self.flat() if n.id not in leave_out]

    def flat(self) -> list[tuple[Node, int]]:
        """Depth-first, in display order: (unit, depth) for an indented list or a select."""
        out: list[tuple[Node, int]] = []

        def walk(parent: int | None, depth: int) -> None:
            for child in self.children.get(parent, []):
                out.append((self.nodes[child], depth))
                walk(child, depth + 1)

        walk(None, 0)
        return out


def clean_name(raw: object, limit: int = NAME_MAX) -> str:
    """NFC, inner whitespace collapsed, control and format characters out."""
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())[:limit]


def move_problem(tree: Tree, unit_id: int, new_parent: int | None) -> str | None:
    """Why the unit cannot go under new_parent, or None. Codes, translated by the caller."""
    if unit_id not in tree.nodes:
        return "unknown"
    if new_parent is None:
        return None
    if new_parent not in tree.nodes:
        return "unknown-parent"
    if new_parent in tree.subtree(unit_id):
        return "cycle"
    if tree.depth(new_parent) + 1 + _height(tree, unit_id) > DEPTH_MAX:
        return "too-deep"
    return None


def merge_problem(tree: Tree, source: int, target: int) -> str | None:
    """Why source cannot be merged into target, or None."""
    if source not in tree.nodes or target not in tree.nodes:
        return "unknown"
    if source == target:
        return "same"
    if target in tree.subtree(source):
        return "into-own-subtree"
    return None


def _height(tree: Tree, unit_id: int) -> int:
    """Levels at and below the unit, the unit counted as 0."""
    kids = tree.children.get(unit_id, [])
    return 0 if not kids else 1 + max(_height(tree, k) for k in kids)


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    short_name: str
    parent: str
    errors: tuple[str, ...] = ()


def plan_import(rows: Iterable[tuple[int, Mapping[str, object]]], existing: Tree) -> list[ImportRow]:
    """Check an imported list of units: each row names a unit, its short name and its parent
    (by name or short name, an existing unit or one earlier in the file; empty for a top unit).
    Error codes per row; a row whose unit already exists under the same parent is a no-op."""
    known: dict[str, int | str] = {}
    for node in existing.nodes.values():
        known.setdefault(node.name, node.id)
        if node.short_name:
            known.setdefault(node.short_name, node.id)
    planned: list[ImportRow] = []
    seen: set[tuple[str, str]] = set()
    for line, row in rows:
        name = clean_name(row.get("name"))
        short = clean_name(row.get("short_name"), SHORT_MAX)
        parent = clean_name(row.get("parent"))
        errors: list[str] = []
        if not name:
            errors.append("name-missing")
        if len(str(row.get("name") or "")) > NAME_MAX:
            errors.append("name-too-long")
        if parent and parent not in known:
            errors.append("parent-unknown")
        if parent and parent == name:
            errors.append("parent-self")
        if (name, parent) in seen:
            errors.append("duplicate")
        if not errors:
            seen.add((name, parent))
            known.setdefault(name, name)
            if short:
                known.setdefault(short, name)
        planned.append(ImportRow(line, name, short, parent, tuple(errors)))
    return planned


def full_names(suggestions: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each unit's full name by itself and by its short name (a full name wins over a short one)."""
    pairs = list(suggestions)  # read twice below
    found: dict[str, str] = {}
    for name, short in pairs:
        if short:
            found.setdefault(short, name)
    for name, _short in pairs:
        found[name] = name
    return found


def canonical(text: str, suggestions: Iterable[tuple[str, str]]) -> str:
    """A unit as typed, or the full name of the unit it names (by full name or short name):
    "芙蓉区" -> "芙蓉区税务局". Free text (a guest's unit) stays as it is."""
    typed = " ".join((text or "").split())
    return full_names(suggestions).get(typed, typed)
