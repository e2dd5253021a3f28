"""The day itself, shared by every feature of events: its row by id or slug (cached for
attendees' pages), the published days, and its life (created, changed, deleted, restored,
purged). No HTTP here."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from piccolo.columns import Column

from core.clock import in_range_day
from core.db.transactions import StaleVersion, integrity_errors, write_transaction
from core.slugs import slugify, with_suffix
from events import caches
from events.caches import forget_event
from events.tables import Event

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
    event: dict[str, Any] | None = await caches.by_slug.get_or_load(slug, lambda: get_event_by_slug(slug))
    return event


async def slug_taken(slug: str, except_id: int | None = None) -> bool:
    query = Event.exists().where(Event.slug == slug)
    if except_id is not None:
        query = query.where(Event.id != except_id)
    return await query


async def free_slug(title: str) -> str:
    """An address made from ``title`` that no event (deleted ones included) uses yet:
    shui-xin-xiang-dang-shu-ji-shuo, then shui-xin-xiang-dang-shu-ji-shuo-2, -3 ..."""
    base = slugify(title)
    # every candidate begins with the base's first 40 characters (suffixes cut the base's end)
    rows = await Event.select(Event.slug).where(Event.slug.like(f"{base[:40]}%"))
    taken = {r["slug"] for r in rows}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = with_suffix(base, n)
    return candidate


async def create_event(values: dict[str, Any]) -> int:
    """Insert an event. Without a slug, one is made from the title; if another event takes
    that address in the meantime, the next free one is tried (a title is never refused)."""
    if values.get("slug"):
        rows = await Event.insert(Event(**values)).returning(Event.id)
        return rows[0]["id"]
    tries = 5
    while True:
        tries -= 1
        try:
            event = Event(**{**values, "slug": await free_slug(values["title"])})
            rows = await Event.insert(event).returning(Event.id)
            return rows[0]["id"]
        except integrity_errors():
            if not tries:
                raise


async def update_event(event_id: int, values: dict[str, Any], version: int | None = None) -> bool:
    """Save an edit and bump the event's version. With ``version`` (what the editor loaded)
    the save happens only if nobody saved since; otherwise StaleVersion, nothing written."""
    if "slug" in values and not values["slug"]:  # left empty: the event keeps its address
        values = {k: v for k, v in values.items() if k != "slug"}
    # Piccolo's update() takes columns and column names alike as keys
    changes = {
        **cast(dict[Column | str, Any], values),
        "updated_at": dt.datetime.now(dt.UTC),
        Event.version: Event.version + 1,
    }
    where = (Event.id == event_id) & LIVE
    if version is not None:
        where = where & (Event.version == version)
    rows = await Event.update(changes).where(where).returning(Event.id)
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
