"""Async queries for audience feedback. One row per phone and presentation is a database
rule (a unique index); a second submission updates the first."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from piccolo.query.methods.insert import OnConflictAction

from db import write_transaction
from events.tables import AgendaItem, CheckIn, Event, EventVote, Feedback


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def save(event_id: int, item_id: int, device: str, attendee_id: Optional[int], rating: int, comment: str) -> None:
    at = now()
    async with write_transaction():  # queue behind this process's other writers, not SQLite's busy sleep
        await Feedback.insert(
            Feedback(event=event_id, item=item_id, device=device, attendee=attendee_id, rating=rating, comment=comment,
                     created_at=at, updated_at=at)
        ).on_conflict(
            target=(Feedback.item, Feedback.device), action=OnConflictAction.do_update,
            values=[Feedback.rating, Feedback.comment, Feedback.updated_at],
        )


async def mine(event_id: int, device: str) -> dict[int, dict[str, Any]]:
    """This phone's feedback per presentation."""
    if not device:
        return {}
    rows = await Feedback.select(Feedback.item, Feedback.rating, Feedback.comment).where(
        (Feedback.event == event_id) & (Feedback.device == device))
    return {r["item"]: r for r in rows}


async def checked_in_attendee(event_id: int, device: str) -> Optional[int]:
    if not device:
        return None
    row = await CheckIn.select(CheckIn.attendee).where((CheckIn.event == event_id) & (CheckIn.device == device)).first()
    return row["attendee"] if row else None


async def item_of_event(event_id: int, item_id: int) -> bool:
    return await AgendaItem.exists().where((AgendaItem.id == item_id) & (AgendaItem.event == event_id)
                                          & (AgendaItem.kind == "presentation"))


async def all_feedback(event_id: int) -> list[dict[str, Any]]:
    return await Feedback.select(
        Feedback.id, Feedback.item, Feedback.rating, Feedback.comment, Feedback.hidden, Feedback.updated_at,
        Feedback.attendee,
    ).where(Feedback.event == event_id).order_by(Feedback.updated_at, ascending=False)


async def set_hidden(event_id: int, feedback_id: int, hidden: bool) -> bool:
    rows = await Feedback.update({Feedback.hidden: hidden}).where(
        (Feedback.id == feedback_id) & (Feedback.event == event_id)).returning(Feedback.id)
    return bool(rows)


async def settings(event_id: int, anonymous: bool, from_start: bool, closes: Optional[dt.datetime]) -> None:
    await Event.update({Event.feedback_anonymous: anonymous, Event.feedback_from_event_start: from_start,
                        Event.feedback_closes_at: closes}).where(Event.id == event_id)


async def save_vote(event_id: int, device: str, attendee_id: Optional[int], choice: Optional[int],
                    rating: Optional[int], comment: str) -> None:
    at = now()
    async with write_transaction():
        await EventVote.insert(
            EventVote(event=event_id, device=device, attendee=attendee_id, choice=choice, rating=rating,
                      comment=comment, created_at=at, updated_at=at)
        ).on_conflict(
            target=(EventVote.event, EventVote.device), action=OnConflictAction.do_update,
            values=[EventVote.choice, EventVote.rating, EventVote.comment, EventVote.updated_at],
        )


async def my_vote(event_id: int, device: str) -> Optional[dict[str, Any]]:
    if not device:
        return None
    return await EventVote.select(EventVote.choice, EventVote.rating, EventVote.comment).where(
        (EventVote.event == event_id) & (EventVote.device == device)).first()


async def all_votes(event_id: int) -> list[dict[str, Any]]:
    return await EventVote.select(EventVote.id, EventVote.choice, EventVote.rating, EventVote.comment,
                                  EventVote.hidden).where(EventVote.event == event_id)


async def set_vote_hidden(event_id: int, vote_id: int, hidden: bool) -> bool:
    rows = await EventVote.update({EventVote.hidden: hidden}).where(
        (EventVote.id == vote_id) & (EventVote.event == event_id)).returning(EventVote.id)
    return bool(rows)
