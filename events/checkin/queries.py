"""Async queries for attendees and check-ins. Every write that must not happen twice is a
database constraint; every attempt is written to the audit trail in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import Combinable, WhereRaw
from piccolo.query.functions.aggregate import Count
from piccolo.query.methods.insert import OnConflictAction

from core.clock import in_range_day, now
from core.db.engine import current_engine
from core.db.group_commit import pg_group_commit, run_in_write_thread
from core.db.transactions import claim_import, insert_in_chunks, insert_values, write_transaction
from events import caches
from events.caches import forget_event
from events.checkin import rules as checkin
from events.tables import Attendee, AttendeeImport, CheckIn, CheckInAttempt, Event


@dataclass(frozen=True)
class Outcome:
    status: str  # checked_in | already | invalid | closed | expired, or a self check-in that asks again:
    # need_last4 | ambiguous | mismatch | need_unit | wrong_unit | see_staff (see checkin.match_registration)
    attendee_id: int | None = None
    name: str = ""
    unit: str = ""
    checked_in_at: dt.datetime | None = None


async def event_for_checkin(event_id: int) -> dict[str, Any] | None:
    """The day's check-in settings, from the 2-second cache (one read however many ask)."""
    row: dict[str, Any] | None = await caches.by_id.get_or_load(event_id, lambda: _event_for_checkin(event_id))
    return row


async def _event_for_checkin(event_id: int) -> dict[str, Any] | None:
    row = (
        await Event.select(
            Event.id,
            Event.slug,
            Event.title,
            Event.status,
            Event.date,
            Event.start_time,
            Event.end_time,
            Event.timezone,
            Event.checkin_opens_at,
            Event.checkin_closes_at,
            Event.rotating_door_code,
            Event.door_secret,
            Event.theme_color,
        )
        .where((Event.id == event_id) & Event.deleted_at.is_null())
        .first()
    )  # a deleted event is gone
    if row is not None and isinstance(row["date"], dt.date):
        row["date"] = in_range_day(row["date"])  # a row stored before dates were checked
    return row


async def log_attempt(
    event_id: int,
    outcome: str,
    channel: str,
    scanner: int | None = None,
    attendee: int | None = None,
    detail: str = "",
) -> None:
    await CheckInAttempt.insert(
        CheckInAttempt(
            event=event_id,
            at=now(),
            outcome=outcome,
            channel=channel,
            scanner=scanner,
            attendee=attendee,
            detail=detail[:60],
        )
    )


async def _check_in(
    event_id: int, attendee: dict[str, Any], channel: str, scanner: int | None, device: str | None
) -> Outcome:
    """Inside a write transaction: insert the check-in unless one exists; log the attempt."""
    at = now()
    inserted = (
        await CheckIn.insert(
            CheckIn(
                event=event_id,
                attendee=attendee["id"],
                checked_in_at=at,
                channel=channel,
                scanner=scanner,
                device=device,
            )
        )
        .on_conflict(action=OnConflictAction.do_nothing)
        .returning(CheckIn.checked_in_at)
    )
    if inserted:
        await log_attempt(event_id, "ok", channel, scanner, attendee["id"])
        return Outcome("checked_in", attendee["id"], attendee["name"], attendee["unit"], at)
    first = await CheckIn.select(CheckIn.checked_in_at).where(CheckIn.attendee == attendee["id"]).first()
    await log_attempt(event_id, "duplicate", channel, scanner, attendee["id"])
    return Outcome(
        "already", attendee["id"], attendee["name"], attendee["unit"], first["checked_in_at"] if first else None
    )


ATTEMPT_SQL = (
    "INSERT INTO check_in_attempt (event, at, outcome, channel, scanner, attendee, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _sqlite_ticket(
    connection: Any,
    event_id: int,
    code: str | None,
    attendee_id: int | None,
    channel: str,
    scanner: int | None,
    at: dt.datetime,
) -> Outcome:
    """The whole ticket check-in as one SQLite transaction, run in the connection's thread."""
    if attendee_id is not None:
        row = connection.execute(
            "SELECT id, name, unit FROM attendee WHERE id = ? AND event = ?", (attendee_id, event_id)
        ).fetchone()
    else:
        row = connection.execute(
            "SELECT id, name, unit FROM attendee WHERE ticket_code = ? AND event = ?", (code or "", event_id)
        ).fetchone()
    if row is None:
        connection.execute(ATTEMPT_SQL, (event_id, at, "invalid", channel, scanner, None, (code or "")[:8]))
        return Outcome("invalid")
    inserted = connection.execute(
        "INSERT INTO check_in (event, attendee, checked_in_at, channel, device, scanner) VALUES (?, ?, ?, ?, NULL, ?) "
        "ON CONFLICT DO NOTHING RETURNING id",
        (event_id, row["id"], at, channel, scanner),
    ).fetchone()
    if inserted:
        connection.execute(ATTEMPT_SQL, (event_id, at, "ok", channel, scanner, row["id"], ""))
        return Outcome("checked_in", row["id"], row["name"], row["unit"], at)
    first = connection.execute("SELECT checked_in_at FROM check_in WHERE attendee = ?", (row["id"],)).fetchone()
    connection.execute(ATTEMPT_SQL, (event_id, at, "duplicate", channel, scanner, row["id"], ""))
    return Outcome("already", row["id"], row["name"], row["unit"], first["checked_in_at"] if first else None)


POSTGRES_TICKET_SQL = """
WITH a AS (SELECT id, name, unit FROM attendee WHERE event = {}::int AND %s),
ins AS (INSERT INTO check_in (event, attendee, checked_in_at, channel, scanner)
        SELECT {}::int, a.id, {}::timestamptz, {}::varchar, {}::int FROM a
        ON CONFLICT DO NOTHING RETURNING checked_in_at),
prev AS (SELECT c.checked_in_at FROM check_in c JOIN a ON c.attendee = a.id),
log AS (INSERT INTO check_in_attempt (event, at, outcome, channel, scanner, attendee, detail)
        VALUES ({}::int, {}::timestamptz,
                CASE WHEN NOT EXISTS (SELECT 1 FROM a) THEN 'invalid'
                     WHEN EXISTS (SELECT 1 FROM ins) THEN 'ok' ELSE 'duplicate' END,
                {}::varchar, {}::int, (SELECT id FROM a), {}::varchar))
SELECT (SELECT id FROM a) AS id, (SELECT name FROM a) AS name, (SELECT unit FROM a) AS unit,
       (SELECT checked_in_at FROM ins) AS new_at, (SELECT checked_in_at FROM prev) AS old_at
"""


def numbered(sql: str) -> str:
    """Piccolo's {} placeholders as asyncpg's $1, $2, …"""
    parts = sql.split("{}")
    return "".join(part + (f"${i}" if i < len(parts) else "") for i, part in enumerate(parts, start=1))


POSTGRES_BY_CODE = numbered(POSTGRES_TICKET_SQL % "ticket_code = {}::varchar")
POSTGRES_BY_ID = numbered(POSTGRES_TICKET_SQL % "id = {}::int")


async def _postgres_ticket(
    event_id: int,
    code: str | None,
    attendee_id: int | None,
    channel: str,
    scanner: int | None,
    at: dt.datetime,
) -> Outcome:
    """The whole ticket check-in as one PostgreSQL statement, committed together with the
    check-ins that arrive at the same moment (group commit)."""
    sql, key = (POSTGRES_BY_ID, attendee_id) if attendee_id is not None else (POSTGRES_BY_CODE, code or "")
    args = (
        event_id,
        key,
        event_id,
        at,
        channel,
        scanner,
        event_id,
        at,
        channel,
        scanner,
        "" if attendee_id is not None else (code or "")[:8],
    )
    if current_engine().pool is not None:
        row = await pg_group_commit(lambda connection: connection.fetchrow(sql, *args))
    else:  # no pool (a one-off script): a plain statement
        row = (
            await Attendee.raw(
                POSTGRES_TICKET_SQL % ("id = {}::int" if attendee_id is not None else "ticket_code = {}::varchar"),
                *args,
            )
        )[0]
    if row["id"] is None:
        return Outcome("invalid")
    if row["new_at"] is not None:
        return Outcome("checked_in", row["id"], row["name"], row["unit"], row["new_at"])
    first = row["old_at"] or await checked_in_at(row["id"])  # raced: the winner committed after our snapshot
    return Outcome("already", row["id"], row["name"], row["unit"], first)


async def check_in_ticket(
    event_id: int,
    code: str | None,
    channel: str = "ticket",
    scanner: int | None = None,
    attendee_id: int | None = None,
) -> Outcome:
    """A staff scan (or a manual pick): idempotent, one row per attendee whatever happens,
    and the attempt in the audit trail in the same transaction. The hot path of the day, so
    it is one thread hop on SQLite and one statement on PostgreSQL."""
    at = now()
    if current_engine().engine_type == "sqlite":
        return await run_in_write_thread(
            lambda connection: _sqlite_ticket(connection, event_id, code, attendee_id, channel, scanner, at)
        )
    return await _postgres_ticket(event_id, code, attendee_id, channel, scanner, at)


def _sqlite_self(
    connection: Any, event_id: int, name: str, unit: str, last4: str, device: str, at: dt.datetime
) -> Outcome:
    """The whole self check-in as one SQLite transaction in the connection's thread (group
    commit, like a scan): the same steps as the PostgreSQL path below, one thread hop instead
    of six queries' worth while every other phone waits on the write lock."""
    mine = (
        connection.execute(
            "SELECT c.attendee AS attendee_id, c.checked_in_at, a.name, a.unit FROM check_in c "
            "JOIN attendee a ON a.id = c.attendee WHERE c.event = ? AND c.device = ?",
            (event_id, device),
        ).fetchone()
        if device
        else None
    )
    if mine:
        connection.execute(ATTEMPT_SQL, (event_id, at, "duplicate", "self", None, mine["attendee_id"], ""))
        return Outcome("already", mine["attendee_id"], mine["name"], mine["unit"], mine["checked_in_at"])
    rows = connection.execute(
        "SELECT id, name, unit, phone FROM attendee WHERE event = ? AND name = ? AND source = 'registered'",
        (event_id, name),
    ).fetchall()  # walk-ins are never matched by name: two people may share one
    ids = [r["id"] for r in rows]
    locked: set[int] = set()
    if ids:
        marks = ", ".join("?" * len(ids))
        tries = connection.execute(
            f"SELECT attendee, COUNT(id) AS tries FROM check_in_attempt WHERE event = ? AND outcome = 'mismatch' "
            f"AND attendee IN ({marks}) GROUP BY attendee",
            (event_id, *ids),
        ).fetchall()
        locked = {t["attendee"] for t in tries if t["tries"] >= checkin.LAST4_TRIES}
    found, attendee_id = checkin.match_registration(
        [checkin.Registration(r["id"], r["name"], r["unit"], r["phone"]) for r in rows], name, unit, last4, locked
    )
    if found in ("mismatch", "wrong_unit"):
        for row in rows:  # a wrong try counts against everyone by that name
            connection.execute(ATTEMPT_SQL, (event_id, at, "mismatch", "self", None, row["id"], ""))
        return Outcome(found)
    if found != "one" and found != "none":
        connection.execute(ATTEMPT_SQL, (event_id, at, found, "self", None, None, ""))
        return Outcome(found)
    if found == "one":
        attendee = next(r for r in rows if r["id"] == attendee_id)
    else:
        created = connection.execute(
            "INSERT INTO attendee (event, name, unit, phone, email, ticket_code, source, created_at) "
            "VALUES (?, ?, ?, '', '', ?, 'walk-in', ?) RETURNING id",
            (event_id, name, unit, checkin.new_ticket_code(), at),
        ).fetchone()
        attendee = {"id": created["id"], "name": name, "unit": unit}
    inserted = connection.execute(
        "INSERT INTO check_in (event, attendee, checked_in_at, channel, device, scanner) VALUES (?, ?, ?, 'self', ?, NULL) "
        "ON CONFLICT DO NOTHING RETURNING id",
        (event_id, attendee["id"], at, device),
    ).fetchone()
    if inserted:
        connection.execute(ATTEMPT_SQL, (event_id, at, "ok", "self", None, attendee["id"], ""))
        return Outcome("checked_in", attendee["id"], attendee["name"], attendee["unit"], at)
    first = connection.execute("SELECT checked_in_at FROM check_in WHERE attendee = ?", (attendee["id"],)).fetchone()
    connection.execute(ATTEMPT_SQL, (event_id, at, "duplicate", "self", None, attendee["id"], ""))
    return Outcome(
        "already", attendee["id"], attendee["name"], attendee["unit"], first["checked_in_at"] if first else None
    )


async def check_in_self(event_id: int, name: str, unit: str, last4: str, device: str) -> Outcome:
    """A phone at the door: match a pre-registration, or record a walk-in; never twice, never
    the wrong person. Wrong digits (or units) are counted per registration in the audit trail;
    after ``checkin.LAST4_TRIES`` of them only the desk checks that person in."""
    if current_engine().engine_type == "sqlite":
        at = now()
        return await run_in_write_thread(
            lambda connection: _sqlite_self(connection, event_id, name, unit, last4, device, at)
        )
    async with write_transaction():
        mine = await device_checkin(event_id, device)
        if mine:
            await log_attempt(event_id, "duplicate", "self", attendee=mine["attendee_id"])
            return Outcome("already", mine["attendee_id"], mine["name"], mine["unit"], mine["checked_in_at"])
        select = Attendee.select(Attendee.id, Attendee.name, Attendee.unit, Attendee.phone).where(
            (Attendee.event == event_id) & (Attendee.name == name) & (Attendee.source == "registered")
        )  # walk-ins are never matched by name: two people may share one
        if current_engine().engine_type != "sqlite":  # tries on one person queue (SQLite: the write lock)
            select = select.lock_rows()
        rows = await select
        found, attendee_id = checkin.match_registration(
            [checkin.Registration(r["id"], r["name"], r["unit"], r["phone"]) for r in rows],
            name,
            unit,
            last4,
            locked=await wrong_tries_exhausted(event_id, [r["id"] for r in rows]),
        )
        if found in ("mismatch", "wrong_unit"):
            for row in rows:  # a wrong try counts against everyone by that name
                await log_attempt(event_id, "mismatch", "self", attendee=row["id"])
            return Outcome(found)
        if found != "one" and found != "none":
            await log_attempt(event_id, found, "self")
            return Outcome(found)
        if found == "one":
            attendee = next(r for r in rows if r["id"] == attendee_id)
        else:
            created = await Attendee.insert(
                Attendee(event=event_id, name=name, unit=unit, ticket_code=checkin.new_ticket_code(), source="walk-in")
            ).returning(Attendee.id)
            attendee = {"id": created[0]["id"], "name": name, "unit": unit}
        return await _check_in(event_id, attendee, "self", None, device)


async def wrong_tries_exhausted(event_id: int, attendee_ids: list[int]) -> set[int]:
    """The registrations with ``checkin.LAST4_TRIES`` wrong self check-in tries or more."""
    if not attendee_ids:
        return set()
    rows = (
        await CheckInAttempt.select(CheckInAttempt.attendee, Count(CheckInAttempt.id, alias="tries"))
        .where(
            (CheckInAttempt.event == event_id)
            & (CheckInAttempt.outcome == "mismatch")
            & CheckInAttempt.attendee.is_in(attendee_ids)
        )
        .group_by(CheckInAttempt.attendee)
    )
    return {r["attendee"] for r in rows if r["tries"] >= checkin.LAST4_TRIES}


async def device_checkin(event_id: int, device: str) -> dict[str, Any] | None:
    if not device:
        return None
    return (
        await CheckIn.select(
            CheckIn.attendee.as_alias("attendee_id"),
            CheckIn.checked_in_at,
            CheckIn.attendee.name.as_alias("name"),
            CheckIn.attendee.unit.as_alias("unit"),
        )
        .where((CheckIn.event == event_id) & (CheckIn.device == device))
        .first()
    )


async def attendee_by_ticket(code: str) -> dict[str, Any] | None:
    return (
        await Attendee.select(
            Attendee.id,
            Attendee.name,
            Attendee.unit,
            Attendee.ticket_code,
            Attendee.event,
            Attendee.event.title.as_alias("event_title"),
            Attendee.event.slug.as_alias("event_slug"),
            Attendee.event.date.as_alias("event_date"),
            Attendee.event.start_time.as_alias("event_start"),
            Attendee.event.venue.as_alias("event_venue"),
            Attendee.event.theme_color.as_alias("theme_color"),
        )
        .where((Attendee.ticket_code == code) & Attendee.event.deleted_at.is_null())
        .first()
    )


async def checked_in_at(attendee_id: int) -> dt.datetime | None:
    row = await CheckIn.select(CheckIn.checked_in_at).where(CheckIn.attendee == attendee_id).first()
    return row["checked_in_at"] if row else None


async def ticket_holders(event_id: int) -> list[dict[str, Any]]:
    """Everyone registered, by unit then name: who gets a printed ticket."""
    rows: list[dict[str, Any]] = (
        await Attendee.select(Attendee.id, Attendee.name, Attendee.unit, Attendee.ticket_code)
        .where(Attendee.event == event_id)
        .order_by(Attendee.unit)
        .order_by(Attendee.name)
        .order_by(Attendee.id)
    )
    return rows


def _attendee_search(event_id: int, query: str) -> Combinable | None:
    """Which registrations a search means (a where clause), or None: nobody (digits that
    are not a whole last four find no one, a masked number must stay masked)."""
    where: Combinable = Attendee.event == event_id
    if query:
        last4 = checkin.last4_query(query)
        if last4 is None:
            where &= Attendee.name.like(f"%{query.replace('%', '').replace('_', '')}%")
        elif last4:
            where &= Attendee.phone.like(f"%{last4}")
        else:
            return None
    return where


async def list_attendees(event_id: int, query: str = "", limit: int = 2000, offset: int = 0) -> list[dict[str, Any]]:
    where = _attendee_search(event_id, query)
    if where is None:
        return []
    rows = await (
        Attendee.select(
            Attendee.id,
            Attendee.name,
            Attendee.unit,
            Attendee.phone,
            Attendee.email,
            Attendee.source,
            Attendee.ticket_code,
            Attendee.created_at,
        )
        .where(where)
        .order_by(Attendee.id)
        .limit(limit)
        .offset(offset)
    )
    if rows:
        ids = [r["id"] for r in rows]
        checked = await CheckIn.select(CheckIn.attendee, CheckIn.checked_in_at).where(
            (CheckIn.event == event_id) & (CheckIn.attendee >= min(ids)) & (CheckIn.attendee <= max(ids))
        )
        at = {r["attendee"]: r["checked_in_at"] for r in checked}
        for row in rows:
            row["checked_in_at"] = at.get(row["id"])
    return rows


async def count_attendees(event_id: int, query: str = "") -> int:
    """How many registrations a search finds (everyone without one)."""
    where = _attendee_search(event_id, query)
    return 0 if where is None else await Attendee.count().where(where)


async def add_attendees(event_id: int, people: Sequence[dict[str, str]]) -> int:
    if not people:
        return 0
    async with write_transaction():
        await insert_in_chunks(Attendee, [_registration(event_id, p) for p in people])
    return len(people)


def _registration(event_id: int, person: dict[str, str]) -> Attendee:
    return Attendee(
        event=event_id,
        name=person["name"],
        unit=person.get("unit", ""),
        phone=person.get("phone", ""),
        email=person.get("email", ""),
        ticket_code=checkin.new_ticket_code(),
        source="registered",
    )


async def import_attendees(event_id: int, digest: str, people: Sequence[dict[str, str]]) -> tuple[int, int]:
    """A confirmed import: store the people not yet registered, in one transaction, and
    record it under the digest of its rows. (added, skipped as already there).

    Confirming the same rows twice, one after the other or at the same moment, adds them
    once: the second confirmation meets the first one's import row and, once that has
    committed, finds its people already registered."""
    # Made before the transaction: on SQLite every other writer (the door too) waits for it.
    at = now()
    rows = [
        (
            (
                event_id,
                p["name"],
                p.get("unit", ""),
                p.get("phone", ""),
                p.get("email", ""),
                checkin.new_ticket_code(),
                "registered",
                at,
            ),
            checkin.person_keys(p["name"], p.get("unit", ""), p.get("phone", "")),
        )
        for p in people
    ]
    async with write_transaction():
        import_id = await claim_import(AttendeeImport, AttendeeImport.event, event_id, digest, len(people))
        present = await registered_people(event_id)
        new = [values for values, keys in rows if present.isdisjoint(keys)]
        await insert_values(Attendee, IMPORTED_COLUMNS, new)
        await AttendeeImport.update({AttendeeImport.added: len(new)}).where(AttendeeImport.id == import_id)
    return len(new), len(people) - len(new)


IMPORTED_COLUMNS = (
    Attendee.event,
    Attendee.name,
    Attendee.unit,
    Attendee.phone,
    Attendee.email,
    Attendee.ticket_code,
    Attendee.source,
    Attendee.created_at,
)


async def delete_attendee(event_id: int, attendee_id: int) -> bool:
    rows = (
        await Attendee.delete()
        .where((Attendee.id == attendee_id) & (Attendee.event == event_id))
        .returning(Attendee.id)
    )
    return bool(rows)


async def attendance(event_id: int) -> dict[str, Any]:
    registered = await Attendee.count().where((Attendee.event == event_id) & (Attendee.source == "registered"))
    walk_ins = await Attendee.count().where((Attendee.event == event_id) & (Attendee.source == "walk-in"))
    times = [r["checked_in_at"] for r in await CheckIn.select(CheckIn.checked_in_at).where(CheckIn.event == event_id)]
    return {"registered": registered, "walk_ins": walk_ins, "checked_in": len(times), "times": times}


async def not_arrived(event_id: int, limit: int = 500) -> list[dict[str, Any]]:
    return (
        await Attendee.select(Attendee.id, Attendee.name, Attendee.unit, Attendee.phone)
        .where(
            (Attendee.event == event_id)
            & WhereRaw("NOT EXISTS (SELECT 1 FROM check_in c WHERE c.attendee = attendee.id)")
        )
        .order_by(Attendee.unit)
        .order_by(Attendee.name)
        .limit(limit)
    )


async def ensure_door_secret(event: dict[str, Any]) -> str | None:
    """The event's door secret, made now if it has none; None when the event is gone
    (deleted since the caller loaded it)."""
    if event.get("door_secret"):
        return event["door_secret"]
    secret = checkin.new_door_secret()
    await Event.update({Event.door_secret: secret}).where((Event.id == event["id"]) & (Event.door_secret == ""))
    forget_event(event["id"])
    row = await Event.select(Event.door_secret).where(Event.id == event["id"]).first()
    return row["door_secret"] if row else None


async def update_checkin_settings(
    event_id: int, opens: dt.datetime | None, closes: dt.datetime | None, rotating: bool
) -> None:
    await Event.update(
        {
            Event.checkin_opens_at: opens,
            Event.checkin_closes_at: closes,
            Event.rotating_door_code: rotating,
        }
    ).where(Event.id == event_id)
    forget_event(event_id)


async def erase_personal_data(event_id: int) -> int:
    """After the day: remove attendees (and so their check-ins); keep anonymous counts."""
    async with write_transaction():
        rows = await Attendee.delete().where(Attendee.event == event_id).returning(Attendee.id)
        await CheckInAttempt.update({CheckInAttempt.detail: ""}).where(CheckInAttempt.event == event_id)
        await AttendeeImport.delete().where(AttendeeImport.event == event_id)
    return len(rows)


async def registered_people(event_id: int) -> set[tuple[str, ...]]:
    """The keys (``checkin.person_keys``) of everyone registered: an import must not add
    them twice."""
    rows = await Attendee.select(Attendee.name, Attendee.unit, Attendee.phone).where(
        (Attendee.event == event_id) & (Attendee.source == "registered")
    )
    keys: set[tuple[str, ...]] = set()
    for r in rows:
        keys.update(checkin.person_keys(r["name"], r["unit"], r["phone"]))
    return keys
