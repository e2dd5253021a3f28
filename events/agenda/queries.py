"""Async queries and transactions for agendas: their items, order and generation. No HTTP here.
The day itself (its row, by id or slug) is events/days.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from piccolo.columns import Column

from core.cache import TTLCache
from core.db.transactions import StaleVersion, write_transaction
from events.agenda import rules as agenda
from events.agenda.rules import DraftItem
from events.days import touch_event
from events.tables import AgendaItem, EventVote, Feedback, SlideVersion
from presenters.tables import Area, Branch, Method, Presenter


def _agenda_sql() -> str:

    names = {t.__name__: t._meta.tablename for t in (AgendaItem, Method, Area, Branch, Presenter)}
    return (
        "SELECT a.id, a.position, a.kind, a.title, a.duration, a.guid, a.method AS method_id, a.presenter AS presenter_id, "
        "a.version, "
        "m.title AS method_title, m.summary AS summary, ar.name AS area, b.name AS branch, b.unit AS unit, "
        "p.name AS presenter, p.role AS presenter_role "
        f"FROM {names['AgendaItem']} a LEFT JOIN {names['Method']} m ON m.id = a.method "
        f"LEFT JOIN {names['Area']} ar ON ar.id = m.area LEFT JOIN {names['Branch']} b ON b.id = m.branch "
        f"LEFT JOIN {names['Presenter']} p ON p.id = a.presenter WHERE a.event = {{}} ORDER BY a.position, a.id"
    )


AGENDA_SQL = _agenda_sql()


async def agenda_rows(event_id: int) -> list[dict[str, Any]]:
    """The agenda with each item's method, branch, area and presenter. Plain SQL: Piccolo's
    select with five joins spent ~4 ms building and reading this, and every printed document
    and attendee page starts here."""
    return await AgendaItem.raw(AGENDA_SQL, event_id)


# The agenda as attendees' pages need it, per (event, version): every agenda change bumps
# the event's updated_at, so a new version is read at once; names edited in the catalog
# show within AGENDA_CACHE_SECONDS.
AGENDA_CACHE_SECONDS = 10
_agendas = TTLCache(AGENDA_CACHE_SECONDS, size=256)


async def cached_agenda_rows(event: dict[str, Any]) -> list[dict[str, Any]]:
    key = (event["id"], event.get("updated_at"))
    rows = _agendas.get(key)
    if rows is None:
        rows = await agenda_rows(event["id"])
        _agendas.put(key, rows)
    return rows


async def item_event(item_id: int) -> int | None:
    row = await AgendaItem.select(AgendaItem.event).where(AgendaItem.id == item_id).first()
    return row["event"] if row else None


async def add_item(event_id: int, values: dict[str, Any]) -> int:
    async with write_transaction():
        last = (
            await AgendaItem.select(AgendaItem.position)
            .where(AgendaItem.event == event_id)
            .order_by(AgendaItem.position, ascending=False)
            .first()
        )
        position = (last["position"] + 1) if last else 1
        rows = await AgendaItem.insert(
            AgendaItem(event=event_id, position=position, guid=uuid.uuid4(), **values)
        ).returning(AgendaItem.id)
        await touch_event(event_id)
    return rows[0]["id"]


async def update_item(event_id: int, item_id: int, values: dict[str, Any], version: int | None = None) -> bool:
    """Save an edit and bump the item's version; with ``version`` only if nobody saved since
    it was loaded (StaleVersion otherwise, nothing written). False: no such item here."""
    async with write_transaction():
        where = (AgendaItem.id == item_id) & (AgendaItem.event == event_id)
        rows = (
            await AgendaItem.update(
                {**cast(dict[Column | str, Any], values), AgendaItem.version: AgendaItem.version + 1}
            )
            .where(where if version is None else where & (AgendaItem.version == version))
            .returning(AgendaItem.id)
        )
        if rows:
            await touch_event(event_id)
        elif version is not None and await AgendaItem.exists().where(where):
            raise StaleVersion(item_id)
    return bool(rows)


async def delete_item(event_id: int, item_id: int) -> bool:
    async with write_transaction():
        rows = (
            await AgendaItem.delete()
            .where((AgendaItem.id == item_id) & (AgendaItem.event == event_id))
            .returning(AgendaItem.id)
        )
        if rows:
            await touch_event(event_id)
    return bool(rows)


async def item_ids(event_id: int) -> list[int]:
    rows = (
        await AgendaItem.select(AgendaItem.id)
        .where(AgendaItem.event == event_id)
        .order_by(AgendaItem.position)
        .order_by(AgendaItem.id)
    )
    return [r["id"] for r in rows]


async def reorder(event_id: int, ordered_ids: Sequence[int]) -> bool:
    """Apply a new order; refuse (False) unless it names exactly the event's items."""
    async with write_transaction():
        current = await item_ids(event_id)
        if sorted(current) != sorted(ordered_ids) or len(set(ordered_ids)) != len(ordered_ids):
            return False
        for position, item_id in enumerate(ordered_ids, start=1):
            await AgendaItem.update({AgendaItem.position: position}).where(AgendaItem.id == item_id)
        await touch_event(event_id)
    return True


@dataclass(frozen=True)
class Collected:
    """What an agenda item has gathered that deleting it would lose."""

    item: dict[str, Any]  # its agenda row (kind, title, method_title, ...)
    feedback: int
    votes: int
    slides: int


class WouldLose(Exception):
    """Regenerating would delete items that carry feedback, votes or slides."""

    def __init__(self, collected: list[Collected]) -> None:
        super().__init__(collected)
        self.collected = collected


async def collected(rows: Sequence[dict[str, Any]]) -> list[Collected]:
    """Of ``rows``, the items that hold feedback, votes or slides, and how many of each."""
    return await _collected(rows)


async def _collected(rows: Sequence[dict[str, Any]]) -> list[Collected]:
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    feedback = [r["item"] for r in await Feedback.select(Feedback.item).where(Feedback.item.is_in(ids))]
    votes = [r["choice"] for r in await EventVote.select(EventVote.choice).where(EventVote.choice.is_in(ids))]
    slides = [r["item"] for r in await SlideVersion.select(SlideVersion.item).where(SlideVersion.item.is_in(ids))]
    found = [Collected(r, feedback.count(r["id"]), votes.count(r["id"]), slides.count(r["id"])) for r in rows]
    return [c for c in found if c.feedback or c.votes or c.slides]


async def replace_agenda(
    event_id: int, drafts: Sequence[DraftItem], titles: dict[str, str], drop_collected: bool = False
) -> None:
    """A generated agenda in place of the current one, losing nothing by accident: each
    presentation keeps the item of its method (and so its feedback, votes and slides), each
    segment the item of its kind (and its title). Items left over are deleted; when one of
    them carries feedback, votes or slides, WouldLose is raised and nothing changes, unless
    the organiser confirmed (``drop_collected``)."""
    async with write_transaction():
        rows = await agenda_rows(event_id)
        existing = [
            agenda.Slot(
                id=r["id"],
                kind=r["kind"],
                duration=r["duration"],
                presenter_id=r["presenter_id"],
                method_id=r["method_id"],
            )
            for r in rows
        ]
        kept, dropped = agenda.reconcile(existing, drafts)
        dropped_ids = {s.id for s in dropped}
        if dropped_ids and not drop_collected:
            collected = await _collected([r for r in rows if r["id"] in dropped_ids])
            if collected:
                raise WouldLose(collected)
        if dropped_ids:
            await AgendaItem.delete().where(AgendaItem.id.is_in(sorted(dropped_ids)))
        by_id = {r["id"]: r for r in rows}
        new = []
        for index, (d, item_id) in enumerate(zip(drafts, kept, strict=False), start=1):
            if item_id is None:
                new.append(
                    AgendaItem(
                        event=event_id,
                        position=index,
                        kind=d.kind,
                        title=d.title or titles.get(d.kind, ""),
                        duration=d.duration,
                        method=d.method_id,
                        presenter=d.presenter_id,
                        guid=uuid.uuid4(),
                    )
                )
                continue
            old = by_id[item_id]
            await AgendaItem.update(
                {
                    AgendaItem.position: index,
                    AgendaItem.duration: d.duration,
                    AgendaItem.title: old["title"] or d.title or titles.get(d.kind, ""),
                    AgendaItem.presenter: old["presenter_id"] or d.presenter_id,  # a presenter chosen by hand stays
                    AgendaItem.version: AgendaItem.version + 1,
                }
            ).where(AgendaItem.id == item_id)
        if new:
            await AgendaItem.insert(*new)
        await touch_event(event_id)


async def on_agenda(column: str, row_id: int) -> bool:
    """Whether some agenda slot names this method (``column`` "method") or presenter
    ("presenter"): the catalog asks before deleting one (handed to it by app.py)."""
    return bool(await AgendaItem.exists().where(getattr(AgendaItem, column) == row_id))
