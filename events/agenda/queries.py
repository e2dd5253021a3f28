"""Async queries and transactions for events and agendas. No HTTP here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.cache import TTLCache
from core.clock import in_range_day
from core.db.transactions import StaleVersion, write_transaction
from events import caches
from events.agenda import rules as agenda
from events.agenda.rules import DraftItem
from events.caches import forget_event
from events.tables import AgendaItem, Event, EventVote, Feedback, SlideVersion
from presenters.tables import Area, Branch, Method, Presenter

EVENT_COLUMNS = (
    Event.id,
    Event.title,
    Event.theme,
    Event.date,
    Event.start_time,
    Event.end_time,
    Event.timezone,
    Event.venue,
    Event.description,
    Event.theme_color,
    Event.slug,
    Event.status,
    Event.updated_at,
    Event.feedback_anonymous,
    Event.feedback_from_event_start,
    Event.feedback_closes_at,
    Event.version,
)
# A deleted event is gone for everyone but the admin's restore page: every read here asks
# for live events only.
LIVE = Event.deleted_at.is_null()
RESTORE_DAYS = 30


def _in_range(event: dict[str, Any] | None) -> dict[str, Any] | None:
    """An event row with its date in the accepted range (one stored before the check may lie
    outside it, and year 9999 overflowed every clock computed from it)."""
    if event is not None and isinstance(event.get("date"), dt.date):
        event["date"] = in_range_day(event["date"])
    return event


async def list_events() -> list[dict[str, Any]]:
    rows = await Event.select(*EVENT_COLUMNS).where(LIVE).order_by(Event.date, ascending=False).order_by(Event.id)
    return [_in_range(row) for row in rows]  # type: ignore[misc]


async def list_published_events() -> list[dict[str, Any]]:
    rows = (
        await Event.select(*EVENT_COLUMNS)
        .where((Event.status == "published") & LIVE)
        .order_by(Event.date, ascending=False)
    )
    return [_in_range(row) for row in rows]  # type: ignore[misc]


async def get_event(event_id: int) -> dict[str, Any] | None:
    return _in_range(await Event.select(*EVENT_COLUMNS).where((Event.id == event_id) & LIVE).first())


async def get_event_by_slug(slug: str) -> dict[str, Any] | None:
    return _in_range(await Event.select(*EVENT_COLUMNS).where((Event.slug == slug) & LIVE).first())


async def cached_event_by_slug(slug: str) -> dict[str, Any] | None:
    """What every attendee page asks first. A change made by this process is seen at once
    (it drops the entry); one made by another process within 2 seconds."""
    event = caches.by_slug.get(slug)
    if event is None:
        event = await get_event_by_slug(slug)
        if event is not None:
            caches.by_slug.put(slug, event)
    return event


async def slug_taken(slug: str, except_id: int | None = None) -> bool:
    query = Event.exists().where(Event.slug == slug)
    if except_id is not None:
        query = query.where(Event.id != except_id)
    return await query


async def create_event(values: dict[str, Any]) -> int:
    rows = await Event.insert(Event(**values)).returning(Event.id)
    return rows[0]["id"]


async def update_event(event_id: int, values: dict[str, Any], version: int | None = None) -> bool:
    """Save an edit and bump the event's version. With ``version`` (what the editor loaded)
    the save happens only if nobody saved since; otherwise StaleVersion, nothing written."""
    values = {**values, "updated_at": dt.datetime.now(dt.UTC), Event.version: Event.version + 1}
    where = (Event.id == event_id) & LIVE
    if version is not None:
        where = where & (Event.version == version)
    rows = await Event.update(values).where(where).returning(Event.id)
    forget_event(event_id)
    if not rows and version is not None and await Event.exists().where((Event.id == event_id) & LIVE):
        raise StaleVersion(event_id)
    return bool(rows)


async def touch_event(event_id: int) -> None:
    """Any change to an agenda changes the event's version (exports, caches)."""
    await Event.update({Event.updated_at: dt.datetime.now(dt.UTC)}).where(Event.id == event_id)
    forget_event(event_id)


async def delete_event(event_id: int) -> bool:
    """Delete softly: the event disappears everywhere, and an admin may restore it, with its
    agenda, registrations, feedback and slides, for RESTORE_DAYS."""
    now = dt.datetime.now(dt.UTC)
    rows = (
        await Event.update({Event.deleted_at: now, Event.updated_at: now})
        .where((Event.id == event_id) & LIVE)
        .returning(Event.id)
    )
    forget_event(event_id)
    return bool(rows)


def _restorable(row: dict[str, Any], now: dt.datetime) -> bool:
    return row["deleted_at"] is not None and row["deleted_at"] > now - dt.timedelta(days=RESTORE_DAYS)


async def deleted_events(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Deleted events an admin may still restore, the most recently deleted first."""
    now = now or dt.datetime.now(dt.UTC)
    rows = await Event.select(*EVENT_COLUMNS, Event.deleted_at).where(Event.deleted_at.is_not_null())
    found = [r for r in rows if _restorable(r, now)]
    for row in found:
        row["restorable_until"] = row["deleted_at"] + dt.timedelta(days=RESTORE_DAYS)
    return sorted(found, key=lambda r: r["deleted_at"], reverse=True)


async def restore_event(event_id: int, now: dt.datetime | None = None) -> bool:
    """Bring a deleted event back as it was; False when there is none to restore (never
    deleted, unknown, or deleted more than RESTORE_DAYS ago)."""
    now = now or dt.datetime.now(dt.UTC)
    async with write_transaction():
        row = await Event.select(Event.id, Event.deleted_at).where(Event.id == event_id).first()
        if row is None or not _restorable(row, now):
            return False
        await Event.update({Event.deleted_at: None, Event.updated_at: now}).where(Event.id == event_id)
    forget_event(event_id)
    return True


async def purge_deleted_events(now: dt.datetime | None = None) -> int:
    """Remove for good what was deleted more than RESTORE_DAYS ago: the event row goes (and
    with it, by cascade, everything that belongs to the event), and a bare tombstone row
    takes its id, so neither engine ever hands that id out again (SQLite's INTEGER PRIMARY
    KEY would reuse the highest id). Returns how many events were purged."""
    now = now or dt.datetime.now(dt.UTC)
    rows = await Event.select(Event.id, Event.deleted_at, Event.date, Event.slug).where(Event.deleted_at.is_not_null())
    purged = 0
    for row in rows:
        if _restorable(row, now) or row["slug"].startswith("~"):
            continue  # still restorable, or a tombstone already
        async with write_transaction():
            gone = (
                await Event.delete()
                .where((Event.id == row["id"]) & (Event.deleted_at.is_not_null()))
                .returning(Event.id)
            )
            if not gone:
                continue  # another process purged it meanwhile
            await Event.insert(
                Event(
                    id=row["id"],
                    title="",
                    date=row["date"],
                    start_time=dt.time(0, 0),
                    end_time=dt.time(0, 1),
                    slug=f"~{row['id']}",
                    status="purged",
                    deleted_at=row["deleted_at"],
                )
            )
        forget_event(row["id"])
        purged += 1
    return purged


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
            await AgendaItem.update({**values, AgendaItem.version: AgendaItem.version + 1})
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
