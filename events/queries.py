"""Async queries and transactions for events and agendas. No HTTP here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from db import write_transaction
from events import agenda_view, caches
from events.agenda import DraftItem
from events.caches import forget_event
from events.tables import AgendaItem, Event
from web.cache import TTLCache
from web.forms import in_range_day
from web.i18n import current_locale

EVENT_COLUMNS = (
    Event.id, Event.title, Event.theme, Event.date, Event.start_time, Event.end_time,
    Event.timezone, Event.venue, Event.description, Event.theme_color, Event.slug,
    Event.status, Event.updated_at, Event.feedback_anonymous, Event.feedback_from_event_start, Event.feedback_closes_at,
)


def _in_range(event: dict[str, Any] | None) -> dict[str, Any] | None:
    """An event row with its date in the accepted range (one stored before the check may lie
    outside it, and year 9999 overflowed every clock computed from it)."""
    if event is not None and isinstance(event.get("date"), dt.date):
        event["date"] = in_range_day(event["date"])
    return event


async def list_events() -> list[dict[str, Any]]:
    rows = await Event.select(*EVENT_COLUMNS).order_by(Event.date, ascending=False).order_by(Event.id)
    return [_in_range(row) for row in rows]  # type: ignore[misc]


async def list_published_events() -> list[dict[str, Any]]:
    rows = await Event.select(*EVENT_COLUMNS).where(Event.status == "published").order_by(Event.date, ascending=False)
    return [_in_range(row) for row in rows]  # type: ignore[misc]


async def get_event(event_id: int) -> dict[str, Any] | None:
    return _in_range(await Event.select(*EVENT_COLUMNS).where(Event.id == event_id).first())


async def get_event_by_slug(slug: str) -> dict[str, Any] | None:
    return _in_range(await Event.select(*EVENT_COLUMNS).where(Event.slug == slug).first())


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


async def update_event(event_id: int, values: dict[str, Any]) -> bool:
    values = {**values, "updated_at": dt.datetime.now(dt.UTC)}
    rows = await Event.update(values).where(Event.id == event_id).returning(Event.id)
    forget_event(event_id)
    return bool(rows)


async def touch_event(event_id: int) -> None:
    """Any change to an agenda changes the event's version (exports, caches)."""
    await Event.update({Event.updated_at: dt.datetime.now(dt.UTC)}).where(Event.id == event_id)
    forget_event(event_id)


async def delete_event(event_id: int) -> bool:
    rows = await Event.delete().where(Event.id == event_id).returning(Event.id)
    forget_event(event_id)
    return bool(rows)


def _agenda_sql() -> str:
    from presenters.tables import Area, Branch, Method, Presenter

    names = {t.__name__: t._meta.tablename for t in (AgendaItem, Method, Area, Branch, Presenter)}
    return (
        "SELECT a.id, a.position, a.kind, a.title, a.duration, a.guid, a.method AS method_id, a.presenter AS presenter_id, "
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


_views = TTLCache(AGENDA_CACHE_SECONDS, size=256)


async def cached_agenda_view(event: dict[str, Any]) -> agenda_view.AgendaView:
    """The timed agenda attendee pages show, built once per version of the event and
    language (the titles of breaks are translated). Callers must not change it."""
    key = (event["id"], event.get("updated_at"), current_locale.get())
    view = _views.get(key)
    if view is None:
        view = agenda_view.build(event, await cached_agenda_rows(event))
        _views.put(key, view)
    return view


async def item_event(item_id: int) -> int | None:
    row = await AgendaItem.select(AgendaItem.event).where(AgendaItem.id == item_id).first()
    return row["event"] if row else None


async def add_item(event_id: int, values: dict[str, Any]) -> int:
    async with write_transaction():
        last = await AgendaItem.select(AgendaItem.position).where(AgendaItem.event == event_id).order_by(
            AgendaItem.position, ascending=False
        ).first()
        position = (last["position"] + 1) if last else 1
        rows = await AgendaItem.insert(
            AgendaItem(event=event_id, position=position, guid=uuid.uuid4(), **values)
        ).returning(AgendaItem.id)
        await touch_event(event_id)
    return rows[0]["id"]


async def update_item(event_id: int, item_id: int, values: dict[str, Any]) -> bool:
    async with write_transaction():
        rows = await AgendaItem.update(values).where(
            (AgendaItem.id == item_id) & (AgendaItem.event == event_id)
        ).returning(AgendaItem.id)
        if rows:
            await touch_event(event_id)
    return bool(rows)


async def delete_item(event_id: int, item_id: int) -> bool:
    async with write_transaction():
        rows = await AgendaItem.delete().where(
            (AgendaItem.id == item_id) & (AgendaItem.event == event_id)
        ).returning(AgendaItem.id)
        if rows:
            await touch_event(event_id)
    return bool(rows)


async def item_ids(event_id: int) -> list[int]:
    rows = await AgendaItem.select(AgendaItem.id).where(AgendaItem.event == event_id).order_by(
        AgendaItem.position
    ).order_by(AgendaItem.id)
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


async def replace_agenda(event_id: int, drafts: Sequence[DraftItem], titles: dict[str, str]) -> None:
    async with write_transaction():
        await AgendaItem.delete().where(AgendaItem.event == event_id)
        if drafts:
            await AgendaItem.insert(
                *[
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
                    for index, d in enumerate(drafts, start=1)
                ]
            )
        await touch_event(event_id)
