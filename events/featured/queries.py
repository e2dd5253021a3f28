"""Featured cases (每周一案) in the database: one method a week, with its write-up."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from core.db.transactions import write_transaction
from events.tables import FeaturedCase
from notices import queries as nq
from presenters.tables import Method

SUMMARY_CHARS = 120  # a news card shows two or three lines of its description


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


async def add_case(
    method_id: int,
    week: dt.date,
    writeup: str,
    picture_sha256: str,
    picture_kind: str,
    robots: list[int] | None = None,
    base_url: str = "",
) -> int:
    """A week's case; the unique week makes a second one for the same week fail. With
    ``robots``, a news card to each of those WeCom groups goes into the outbox in the same
    transaction (links and picture on ``base_url``)."""
    async with write_transaction():
        rows = await FeaturedCase.insert(
            FeaturedCase(
                method=method_id,
                week_of=week,
                writeup=writeup,
                picture_sha256=picture_sha256,
                picture_kind=picture_kind,
            )
        ).returning(FeaturedCase.id)
        case_id: int = rows[0]["id"]
        if robots:
            method = await Method.select(Method.title).where(Method.id == method_id).first()
            title = f"每周一例：{method['title'] if method else ''}"
            summary = writeup if len(writeup) <= SUMMARY_CHARS else writeup[: SUMMARY_CHARS - 1] + "…"
            article = {"title": title, "description": summary, "url": f"{base_url}/cases/{case_id}"}
            if picture_sha256:
                article["picurl"] = f"{base_url}/cases/{case_id}/picture"
            card = json.dumps({"msgtype": "news", "news": {"articles": [article]}}, ensure_ascii=False)
            await nq.enqueue(
                *(
                    nq.Draft(
                        kind="featured.case",
                        channel="wecom",
                        recipient=str(robot),
                        subject=title,
                        text=card,
                        about=f"featured:{case_id}",
                        dedupe_key=f"featured:{case_id}:robot:{robot}",
                    )
                    for robot in robots
                )
            )
    return case_id


async def robots() -> list[dict[str, Any]]:
    """The WeCom groups a case may be pushed to (their URLs masked)."""
    return await nq.robots()
