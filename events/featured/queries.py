"""Featured cases (每周一案) in the database: one method a week, with its write-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from events.tables import FeaturedCase
from presenters.tables import Method


async def issues() -> list[dict[str, Any]]:
    """Every issue, numbered in the order of their weeks (第1期 is the first week)."""
    rows = (
        await FeaturedCase.select(
            *FeaturedCase.all_columns(),
            FeaturedCase.method.title.as_alias("title"),
            FeaturedCase.method.summary.as_alias("summary"),
            FeaturedCase.method._.branch._.name.as_alias("branch"),
            FeaturedCase.method._.branch._.unit.as_alias("unit"),
            FeaturedCase.method._.area._.name.as_alias("area"),
        )
        .order_by(FeaturedCase.week_of)
        .order_by(FeaturedCase.id)
    )
    return [{**row, "number": n} for n, row in enumerate(rows, start=1)]


async def method_choices() -> list[dict[str, Any]]:
    """Every method of the pool with its unit: what an organiser picks from; those a bureau
    recommended to the city first, then by title."""
    rows: list[dict[str, Any]] = (
        await Method.select(Method.id, Method.title, Method.recommended, Method.branch.unit.as_alias("unit"))
        .order_by(Method.recommended, ascending=False)
        .order_by(Method.title)
    )
    return rows


async def method_exists(method_id: int) -> bool:
    return bool(await Method.exists().where(Method.id == method_id))


async def week_taken(week: dt.date) -> bool:
    return bool(await FeaturedCase.exists().where(FeaturedCase.week_of == week))


async def add_case(method_id: int, week: dt.date, writeup: str, picture_sha256: str, picture_kind: str) -> None:
    """A week's case; the unique week makes a second one for the same week fail."""
    await FeaturedCase.insert(
        FeaturedCase(
            method=method_id, week_of=week, writeup=writeup, picture_sha256=picture_sha256, picture_kind=picture_kind
        )
    )
