"""The tree of units in the database: read it whole, add, edit, move, merge, import. No HTTP here."""

from __future__ import annotations

from typing import Any

from accounts import queries as accounts
from accounts.rules import CurrentUser
from core.cache import TTLCache
from core.db.transactions import StaleVersion, write_transaction
from presenters.tables import Application, Branch, Unit
from presenters.units.rules import ImportRow, Node, Tree, merge_problem, move_problem


class UnitRefused(Exception):
    """A change the tree cannot take; ``code`` says why (see rules)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def load_tree() -> Tree:
    rows = await Unit.select(Unit.id, Unit.parent, Unit.name, Unit.short_name, Unit.position)
    return Tree.of(Node(r["id"], r["parent"], r["name"], r["short_name"], r["position"]) for r in rows)


async def get_unit(unit_id: int) -> dict[str, Any] | None:
    return (
        await Unit.select(Unit.id, Unit.name, Unit.short_name, Unit.parent, Unit.position, Unit.version)
        .where(Unit.id == unit_id)
        .first()
    )


async def usage() -> dict[int, dict[str, int]]:
    """Per unit: how many branches and applications point at it (for the tree page)."""
    out: dict[int, dict[str, int]] = {}
    for key, table in (("branches", Branch), ("applications", Application)):
        rows = await table.raw(
            f"SELECT org_unit AS unit, COUNT(*) AS n FROM {table._meta.tablename} "  # noqa: S608 -- our own table names
            "WHERE org_unit IS NOT NULL GROUP BY org_unit"
        )
        for r in rows:
            out.setdefault(int(r["unit"]), {"branches": 0, "applications": 0})[key] = int(r["n"])
    return out


async def add_unit(name: str, short_name: str, parent: int | None, position: int = 0) -> int:
    async with write_transaction():
        if parent is not None and not await Unit.exists().where(Unit.id == parent):
            raise UnitRefused("unknown-parent")
        if await _sibling_named(name, parent):
            raise UnitRefused("duplicate")
        rows = await Unit.insert(Unit(name=name, short_name=short_name, parent=parent, position=position)).returning(
            Unit.id
        )
        return int(rows[0]["id"])


async def _sibling_named(name: str, parent: int | None, other_than: int | None = None) -> bool:
    query = Unit.exists().where(Unit.name == name)
    query = query.where(Unit.parent.is_null() if parent is None else Unit.parent == parent)
    if other_than is not None:
        query = query.where(Unit.id != other_than)
    return bool(await query)


async def edit_unit(unit_id: int, name: str, short_name: str, parent: int | None, position: int, version: int) -> None:
    """Rename, re-parent or reorder a unit, only against the version the editor loaded.
    A rename carries over to the names shown on its branches and applications."""
    async with write_transaction():
        tree = await load_tree()
        problem = move_problem(tree, unit_id, parent)
        if problem:
            raise UnitRefused(problem)
        if await _sibling_named(name, parent, other_than=unit_id):
            raise UnitRefused("duplicate")
        old = tree.nodes[unit_id].name
        updated = (
            await Unit.update(
                {
                    Unit.name: name,
                    Unit.short_name: short_name,
                    Unit.parent: parent,
                    Unit.position: position,
                    Unit.version: Unit.version + 1,
                }
            )
            .where((Unit.id == unit_id) & (Unit.version == version))
            .returning(Unit.id)
        )
        if not updated:
            raise StaleVersion(unit_id)
        if old != name:
            await _rename_labels(unit_id, name)


async def _rename_labels(unit_id: int, name: str) -> None:
    await Branch.update({Branch.unit: name}).where(Branch.org_unit == unit_id)
    await Application.update({Application.unit: name}).where(Application.org_unit == unit_id)


async def merge_units(source: int, target: int) -> dict[str, int]:
    """Fold ``source`` into ``target``: its sub-units, branches, applications and the roles
    held at it move to the target, then the source is deleted. Counts of what moved."""
    async with write_transaction():
        tree = await load_tree()
        problem = merge_problem(tree, source, target)
        if problem:
            raise UnitRefused(problem)
        name = tree.nodes[target].name
        moved = {
            "units": len(
                await Unit.update({Unit.parent: target, Unit.version: Unit.version + 1})
                .where(Unit.parent == source)
                .returning(Unit.id)
            ),
            "branches": len(
                await Branch.update({Branch.org_unit: target, Branch.unit: name})
                .where(Branch.org_unit == source)
                .returning(Branch.id)
            ),
            "applications": len(
                await Application.update({Application.org_unit: target, Application.unit: name})
                .where(Application.org_unit == source)
                .returning(Application.id)
            ),
        }
        await accounts.move_grants(source, target)
        await Unit.delete().where(Unit.id == source)
        return moved


async def delete_unit(unit_id: int) -> None:
    """Only an empty unit goes: no sub-units, branches or applications."""
    async with write_transaction():
        if not await Unit.exists().where(Unit.id == unit_id):
            raise UnitRefused("unknown")
        if (
            await Unit.exists().where(Unit.parent == unit_id)
            or await Branch.exists().where(Branch.org_unit == unit_id)
            or await Application.exists().where(Application.org_unit == unit_id)
            or await accounts.grants_at(unit_id)
        ):
            raise UnitRefused("not-empty")
        await Unit.delete().where(Unit.id == unit_id)


async def import_units(rows: list[ImportRow]) -> int:
    """Add the checked rows in file order (parents before children); a unit already under the
    same parent is left as it is. Returns how many were added."""
    added = 0
    async with write_transaction():
        tree = await load_tree()
        by_name: dict[str, int] = {}
        for node in tree.nodes.values():
            by_name.setdefault(node.name, node.id)
            if node.short_name:
                by_name.setdefault(node.short_name, node.id)
        for row in rows:
            if row.errors:
                continue
            parent = by_name.get(row.parent) if row.parent else None
            if row.parent and parent is None:
                continue
            if await _sibling_named(row.name, parent):
                found = (
                    await Unit.select(Unit.id)
                    .where(
                        (Unit.name == row.name) & (Unit.parent.is_null() if parent is None else Unit.parent == parent)
                    )
                    .first()
                )
                unit_id = int(found["id"]) if found else 0
            else:
                inserted = await Unit.insert(
                    Unit(name=row.name, short_name=row.short_name, parent=parent, position=row.line)
                ).returning(Unit.id)
                unit_id = int(inserted[0]["id"])
                added += 1
            by_name.setdefault(row.name, unit_id)
            if row.short_name:
                by_name.setdefault(row.short_name, unit_id)
    return added


async def unit_lookup() -> dict[str, tuple[int, str]]:
    """Every unit as (id, full name) by its full name and its short name (one query): what a
    form or an import typed, read as a unit."""
    return (await load_tree()).lookup()


def typed_unit(lookup: dict[str, tuple[int, str]], text: str) -> tuple[int, str] | None:
    return lookup.get(" ".join((text or "").split()))


async def unit_suggestions() -> list[tuple[str, str]]:
    """(full name, short name) of every unit, in tree order: what a unit field suggests."""
    return [(n.name, n.short_name) for n, _depth in (await load_tree()).flat()]


# The door's page asks for the suggestions with every phone's view: from a cache of a few
# seconds (each process its own; a unit added shows at the door within that time).
_suggested = TTLCache(30)


async def cached_unit_suggestions() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = await _suggested.get_or_load("all", unit_suggestions)
    return found


Scope = frozenset[int] | None  # the units a viewer reaches; None: the whole organisation


async def scope_of(user: CurrentUser | None, *roles: str, tree: Tree | None = None) -> Scope:
    """The units the user reaches through these roles: each unit they are held at, with its
    subtree. Empty for nobody; None when one of them is held for the whole organisation."""
    if user is None:
        return frozenset()
    units = user.units_for(*roles)
    if units is None:
        return None
    if not units:
        return frozenset()
    return frozenset((tree or await load_tree()).reach(units))


async def roles_at(user: CurrentUser | None, unit: int | None, tree: Tree | None = None) -> set[str]:
    """The roles the user holds over this unit (at it or above it, or everywhere). An
    application of no unit is reached only by roles held for the whole organisation."""
    if user is None:
        return set()
    held = {role for role, at in user.grants if at is None}
    scoped = {(role, at) for role, at in user.grants if at is not None}
    if unit is not None and scoped:
        tree = tree or await load_tree()
        above = {unit, *tree.ancestors(unit)}
        held |= {role for role, at in scoped if at in above}
    return held


async def unit_choices() -> list[tuple[int, str]]:
    """Every unit as (id, indented name), in tree order: for a select."""
    return (await load_tree()).choices()
