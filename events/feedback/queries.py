"""Async queries for audience feedback. One row per phone and presentation is a database
rule (a unique index); a second submission updates the first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.query.methods.insert import OnConflictAction

from core.clock import now
from core.db.engine import current_engine
from core.db.group_commit import pg_group_commit, run_in_write_thread
from core.db.transactions import write_transaction
from events.caches import forget_event
from events.checkin.queries import numbered
from events.tables import AgendaItem, CheckIn, Event, EventVote, Feedback

SQLITE_UPSERT = (
    "INSERT INTO feedback (event, item, device, attendee, rating, comment, hidden, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (item, device) DO UPDATE SET rating = excluded.rating, "
    "comment = excluded.comment, updated_at = excluded.updated_at"
)

POSTGRES_UPSERT_SQL = """
WITH c AS (SELECT attendee FROM check_in WHERE event = {}::int AND device = {}::varchar)
INSERT INTO feedback (event, item, device, attendee, rating, comment, hidden, created_at, updated_at)
SELECT {}::int, {}::int, {}::varchar, (SELECT attendee FROM c), {}::int, {}::text, false, {}::timestamptz, {}::timestamptz
WHERE {}::boolean OR EXISTS (SELECT 1 FROM c)
ON CONFLICT (item, device) DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment,
    updated_at = EXCLUDED.updated_at
RETURNING id
"""
POSTGRES_UPSERT = numbered(POSTGRES_UPSERT_SQL)


def _sqlite_save(
    connection: Any,
    event_id: int,
    item_id: int,
    device: str,
    rating: int,
    comment: str,
    anonymous: bool,
    at: dt.datetime,
) -> bool:
    row = connection.execute(
        "SELECT attendee FROM check_in WHERE event = ? AND device = ?", (event_id, device)
    ).fetchone()
    if row is None and not anonymous:
        return False
    connection.execute(
        SQLITE_UPSERT, (event_id, item_id, device, row["attendee"] if row else None, rating, comment, at, at)
    )
    return True


async def save(event_id: int, item_id: int, device: str, rating: int, comment: str, anonymous: bool) -> bool:
    """Store (or change) this phone's rating of a presentation, if the phone checked in at
    the door (or the event takes anonymous feedback); False if it may not. One statement,
    committed together with the ratings that arrive at the same moment (group commit): the
    whole room rates the talk that just ended within the same minute."""
    at = now()
    if current_engine().engine_type == "sqlite":
        return await run_in_write_thread(
            lambda connection: _sqlite_save(connection, event_id, item_id, device, rating, comment, anonymous, at)
        )
    args = (event_id, device, event_id, item_id, device, rating, comment, at, at, anonymous)
    if current_engine().pool is None:  # a one-off script: a plain statement
        return bool(await Feedback.raw(POSTGRES_UPSERT_SQL, *args))
    row = await pg_group_commit(lambda connection: connection.fetchrow(POSTGRES_UPSERT, *args))
    return row is not None


async def mine(event_id: int, device: str) -> dict[int, dict[str, Any]]:
    """This phone's feedback per presentation."""
    if not device:
        return {}
    rows = await Feedback.select(Feedback.item, Feedback.rating, Feedback.comment).where(
        (Feedback.event == event_id) & (Feedback.device == device)
    )
    return {r["item"]: r for r in rows}


async def checked_in_attendee(event_id: int, device: str) -> int | None:
    if not device:
        return None
    row = await CheckIn.select(CheckIn.attendee).where((CheckIn.event == event_id) & (CheckIn.device == device)).first()
    return row["attendee"] if row else None


async def item_of_event(event_id: int, item_id: int) -> bool:
    return await AgendaItem.exists().where(
        (AgendaItem.id == item_id) & (AgendaItem.event == event_id) & (AgendaItem.kind == "presentation")
    )


async def all_feedback(event_id: int) -> list[dict[str, Any]]:
    return (
        await Feedback.select(
            Feedback.id,
            Feedback.item,
            Feedback.rating,
            Feedback.comment,
            Feedback.hidden,
            Feedback.updated_at,
            Feedback.attendee,
        )
        .where(Feedback.event == event_id)
        .order_by(Feedback.updated_at, ascending=False)
    )


async def set_hidden(event_id: int, feedback_id: int, hidden: bool) -> bool:
    rows = (
        await Feedback.update({Feedback.hidden: hidden})
        .where((Feedback.id == feedback_id) & (Feedback.event == event_id))
        .returning(Feedback.id)
    )
    return bool(rows)


async def settings(event_id: int, anonymous: bool, from_start: bool, closes: dt.datetime | None) -> None:
    await Event.update(
        {
            Event.feedback_anonymous: anonymous,
            Event.feedback_from_event_start: from_start,
            Event.feedback_closes_at: closes,
        }
    ).where(Event.id == event_id)
    forget_event(event_id)


async def save_vote(
    event_id: int, device: str, attendee_id: int | None, choice: int | None, rating: int | None, comment: str
) -> None:
    at = now()
    async with write_transaction():
        await EventVote.insert(
            EventVote(
                event=event_id,
                device=device,
                attendee=attendee_id,
                choice=choice,
                rating=rating,
                comment=comment,
                created_at=at,
                updated_at=at,
            )
        ).on_conflict(
            target=(EventVote.event, EventVote.device),
            action=OnConflictAction.do_update,
            values=[EventVote.choice, EventVote.rating, EventVote.comment, EventVote.updated_at],
        )


async def my_vote(event_id: int, device: str) -> dict[str, Any] | None:
    if not device:
        return None
    return (
        await EventVote.select(EventVote.choice, EventVote.rating, EventVote.comment)
        .where((EventVote.event == event_id) & (EventVote.device == device))
        .first()
    )


async def all_votes(event_id: int) -> list[dict[str, Any]]:
    return (
        await EventVote.select(
            EventVote.id, EventVote.choice, EventVote.rating, EventVote.comment, EventVote.hidden, EventVote.updated_at
        )
        .where(EventVote.event == event_id)
        .order_by(EventVote.id)
    )


async def set_vote_hidden(event_id: int, vote_id: int, hidden: bool) -> bool:
    rows = (
        await EventVote.update({EventVote.hidden: hidden})
        .where((EventVote.id == vote_id) & (EventVote.event == event_id))
        .returning(EventVote.id)
    )
    return bool(rows)
