"""Async queries for branches, methods, presenters and areas. No HTTP here."""

from __future__ import annotations

from typing import Any

from core.db.transactions import StaleVersion
from presenters.tables import Area, Branch, Method, Presenter


async def list_areas() -> list[dict[str, Any]]:
    return await Area.select(Area.id, Area.name, Area.position, Area.version).order_by(Area.position).order_by(Area.id)


async def list_branches() -> list[dict[str, Any]]:
    return (
        await Branch.select(Branch.id, Branch.name, Branch.unit, Branch.secretary, Branch.contact, Branch.version)
        .order_by(Branch.unit)
        .order_by(Branch.name)
    )


def _method_columns() -> tuple:
    return (
        Method.id,
        Method.title,
        Method.summary,
        Method.branch.as_alias("branch_id"),
        Method.area.as_alias("area_id"),
        Method.branch.name.as_alias("branch"),
        Method.branch.unit.as_alias("unit"),
        Method.area.name.as_alias("area"),
        Method.version,
    )


async def list_methods(ids: list[int] | None = None) -> list[dict[str, Any]]:
    query = Method.select(*_method_columns()).order_by(Method.branch.unit).order_by(Method.id)
    if ids is not None:
        query = query.where(Method.id.is_in(ids or [0]))
    return await query


async def get_method(method_id: int) -> dict[str, Any] | None:
    return await Method.select(*_method_columns()).where(Method.id == method_id).first()


def _presenter_columns() -> tuple:
    return (
        Presenter.id,
        Presenter.name,
        Presenter.role,
        Presenter.contact,
        Presenter.branch.as_alias("branch_id"),
        Presenter.branch.name.as_alias("branch"),
        Presenter.branch.unit.as_alias("unit"),
        Presenter.version,
    )


async def list_presenters() -> list[dict[str, Any]]:
    return await Presenter.select(*_presenter_columns()).order_by(Presenter.id)


async def get_presenter(presenter_id: int) -> dict[str, Any] | None:
    return await Presenter.select(*_presenter_columns()).where(Presenter.id == presenter_id).first()


async def get_branch(branch_id: int) -> dict[str, Any] | None:
    return (
        await Branch.select(Branch.id, Branch.name, Branch.unit, Branch.secretary, Branch.contact, Branch.version)
        .where(Branch.id == branch_id)
        .first()
    )


async def get_area(area_id: int) -> dict[str, Any] | None:
    return await Area.select(Area.id, Area.name, Area.position, Area.version).where(Area.id == area_id).first()


# The tables the catalog edits, by the name its pages and API use.
TABLES: dict[str, Any] = {"areas": Area, "branches": Branch, "methods": Method, "presenters": Presenter}


async def exists(kind: str, row_id: int | None) -> bool:
    """Whether a row a form names is there (none named is fine)."""
    if row_id is None:
        return True
    table = TABLES[kind]
    return bool(await table.exists().where(table.id == row_id))


async def save_row(
    kind: str, columns: dict[str, Any], row_id: int | None = None, version: int | None = None
) -> int | None:
    """Insert (``row_id`` None) or update one row; its id, or None when there is no such row.
    An update bumps the version; with ``version`` (what the editor loaded) it is made only
    if nobody saved since, else StaleVersion and the other person's change stays."""
    table = TABLES[kind]
    if row_id is None:
        inserted = await table.insert(table(**columns)).returning(table.id)
        return int(inserted[0]["id"])
    where = table.id == row_id
    updated = (
        await table.update({**columns, table.version: table.version + 1})
        .where(where if version is None else where & (table.version == version))
        .returning(table.id)
    )
    if updated:
        return row_id
    if version is not None and await table.exists().where(where):
        raise StaleVersion(row_id)
    return None


async def delete_row(kind: str, row_id: int) -> bool:
    table = TABLES[kind]
    return bool(await table.delete().where(table.id == row_id).returning(table.id))


async def has_methods(column: str, row_id: int) -> bool:
    """Whether some method names this branch (``column`` "branch") or area ("area")."""
    return bool(await Method.exists().where(getattr(Method, column) == row_id))


async def presenter_for_branches(branch_ids: list[int]) -> dict[int, int]:
    """The first presenter of each branch, to propose as the presenter of its method."""
    rows = (
        await Presenter.select(Presenter.id, Presenter.branch)
        .where(Presenter.branch.is_in(branch_ids or [0]))
        .order_by(Presenter.id)
    )
    found: dict[int, int] = {}
    for row in rows:
        found.setdefault(row["branch"], row["id"])
    return found
