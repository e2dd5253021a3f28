"""Slides and presenter portal links: storage on disk and queries. Files are stored once per
content under their SHA-256; every upload is a new version row; the newest is current."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from pathlib import Path
from typing import Any

from core.clock import now
from core.db.transactions import integrity_errors, write_transaction
from core.signing import capability_token, token_id
from core.storage import object_path
from events.caches import forget_event
from events.days import touch_event
from events.tables import AgendaItem, Event, SlideVersion
from presenters.tables import Method, PortalLink, Presenter

# -- versions ---------------------------------------------------------------------------


async def add_version(
    event_id: int, item_id: int, sha256: str, size: int, filename: str, kind: str, by_organiser: bool
) -> int:
    """The next version number of this slot, stored. Concurrent uploads to one slot each
    get their own number: the unique (item, version) index decides, and a loser retries."""
    for _attempt in range(20):
        try:
            async with write_transaction():
                last = (
                    await SlideVersion.select(SlideVersion.version)
                    .where(SlideVersion.item == item_id)
                    .order_by(SlideVersion.version, ascending=False)
                    .first()
                )
                version = (last["version"] if last else 0) + 1
                await SlideVersion.insert(
                    SlideVersion(
                        event=event_id,
                        item=item_id,
                        version=version,
                        sha256=sha256,
                        size=size,
                        filename=filename,
                        kind=kind,
                        uploaded_at=now(),
                        by_organiser=by_organiser,
                    )
                )
            return version
        except integrity_errors():
            continue
    raise RuntimeError("could not number the slide version")


async def versions(item_id: int) -> list[dict[str, Any]]:
    return (
        await SlideVersion.select().where(SlideVersion.item == item_id).order_by(SlideVersion.version, ascending=False)
    )


async def current_by_item(event_id: int) -> dict[int, dict[str, Any]]:
    """Each slot's newest version, with how many versions it has."""
    rows = await SlideVersion.select().where(SlideVersion.event == event_id).order_by(SlideVersion.version)
    current: dict[int, dict[str, Any]] = {}
    for row in rows:
        current[row["item"]] = {**row, "versions": row["version"]}
    return current


async def get_version(version_id: int) -> dict[str, Any] | None:
    return await SlideVersion.select().where(SlideVersion.id == version_id).first()


async def settings(event_id: int, deadline: dt.datetime | None, lock: dt.datetime | None) -> None:

    await Event.update({Event.slides_deadline: deadline, Event.summary_lock_at: lock}).where(Event.id == event_id)
    forget_event(event_id)


async def deadlines(event_id: int) -> dict[str, Any]:
    row = await Event.select(Event.slides_deadline, Event.summary_lock_at).where(Event.id == event_id).first()
    return row or {"slides_deadline": None, "summary_lock_at": None}


# -- portal links -----------------------------------------------------------------------


def link_token(secret: bytes, link_id: int, nonce: str) -> str:
    return capability_token(secret, "portal", link_id, nonce)


async def create_link(presenter_id: int, expires_at: dt.datetime | None) -> int:
    """A new link for this presenter; the ones before it stop working."""
    async with write_transaction():
        await PortalLink.update({PortalLink.revoked: True}).where(PortalLink.presenter == presenter_id)
        rows = await PortalLink.insert(
            PortalLink(presenter=presenter_id, nonce=secrets.token_hex(16), expires_at=expires_at, created_at=now())
        ).returning(PortalLink.id)
    return rows[0]["id"]


async def revoke_links(presenter_id: int) -> None:
    await PortalLink.update({PortalLink.revoked: True}).where(PortalLink.presenter == presenter_id)


async def active_links(presenter_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not presenter_ids:
        return {}
    rows = await PortalLink.select().where(PortalLink.presenter.is_in(presenter_ids) & (PortalLink.revoked == False))  # noqa: E712
    at = now()
    return {r["presenter"]: r for r in rows if r["expires_at"] is None or r["expires_at"] > at}


async def presenter_for_token(secret: bytes, token: str) -> dict[str, Any] | None:
    """The presenter a portal token opens, or None when it is forged, revoked or expired."""
    link_id = token_id(token)
    if link_id is None:
        return None
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    if link is None or link["revoked"] or (link["expires_at"] is not None and link["expires_at"] <= now()):
        return None
    if not hmac.compare_digest(link_token(secret, link["id"], link["nonce"]).encode(), token.encode()):
        return None
    return (
        await Presenter.select(
            Presenter.id,
            Presenter.name,
            Presenter.role,
            Presenter.branch.name.as_alias("branch"),
            Presenter.branch.unit.as_alias("unit"),
        )
        .where(Presenter.id == link["presenter"])
        .first()
    )


async def presenter_items(presenter_id: int) -> list[dict[str, Any]]:
    """Every slot this presenter has, with its event."""
    return (
        await AgendaItem.select(
            AgendaItem.id,
            AgendaItem.event,
            AgendaItem.method.as_alias("method_id"),
        )
        .where((AgendaItem.presenter == presenter_id) & AgendaItem.event.deleted_at.is_null())
        .order_by(AgendaItem.event)
    )


async def summary_locks(method_id: int) -> list[tuple[int, dt.datetime]]:
    """(event, lock time) of every live event that presents this method and locks summaries.
    A summary belongs to the method, not to one slot: each of these locks covers it."""
    rows = await AgendaItem.select(
        AgendaItem.event,
        AgendaItem.event.summary_lock_at.as_alias("lock"),
        AgendaItem.event.deleted_at.as_alias("deleted"),
    ).where(AgendaItem.method == method_id)
    return sorted({(r["event"], r["lock"]) for r in rows if r["lock"] is not None and r["deleted"] is None})


async def summary_locked(method_id: int, at: dt.datetime) -> int | None:
    """The event whose lock stops a change of this method's summary at ``at``, or None."""
    return next((event for event, lock in await summary_locks(method_id) if at >= lock), None)


async def update_summary(method_id: int, summary: str) -> None:
    # the version bump makes an organiser's catalog form loaded before this change stale
    await Method.update({Method.summary: summary, Method.version: Method.version + 1}).where(Method.id == method_id)
    # a summary is part of the agenda's printed and attendee views: bump the events showing it
    events = await AgendaItem.select(AgendaItem.event).where(AgendaItem.method == method_id).distinct()

    for row in events:
        await touch_event(row["event"])


async def pack_members(event_id: int, rows: list[dict[str, Any]], data_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    current = await current_by_item(event_id)
    return [
        (object_path(data_dir, current[r["id"]]["sha256"]), {**r, **current[r["id"]]})
        for r in rows
        if r["id"] in current
    ]
