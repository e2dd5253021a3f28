"""Async queries for branches, methods, presenters and areas. No HTTP here."""

from __future__ import annotations

from typing import Any

from presenters.tables import Area, Branch, Method, Presenter


async def list_areas() -> list[dict[str, Any]]:
    return await Area.select(Area.id, Area.name, Area.position, Area.version).order_by(Area.position).order_by(Area.id)


async def list_branches() -> list[dict[str, Any]]:
    return await Branch.select(
        Branch.id, Branch.name, Branch.unit, Branch.secretary, Branch.contact, Branch.version
    ).order_by(Branch.unit).order_by(Branch.name)


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
    return await Branch.select(
        Branch.id, Branch.name, Branch.unit, Branch.secretary, Branch.contact, Branch.version
    ).where(Branch.id == branch_id).first()


async def get_area(area_id: int) -> dict[str, Any] | None:
    return await Area.select(Area.id, Area.name, Area.position, Area.version).where(Area.id == area_id).first()


async def exists(table: Any, row_id: int | None) -> bool:
    if row_id is None:
        return True
    return await table.exists().where(table.id == row_id)


async def presenter_for_branches(branch_ids: list[int]) -> dict[int, int]:
    """The first presenter of each branch, to propose as the presenter of its method."""
    rows = await Presenter.select(Presenter.id, Presenter.branch).where(
        Presenter.branch.is_in(branch_ids or [0])
    ).order_by(Presenter.id)
    found: dict[int, int] = {}
    for row in rows:
        found.setdefault(row["branch"], row["id"])
    return found
