"""The live day's state in the database: what happened on stage, read fresh (another app
process may have moved the day on) and changed by stage actions, one at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.cache import TTLCache
from core.clock import in_range_day, zone
from core.db.transactions import write_transaction
from events.agenda import rules as agenda
from events.live import rules as live
from events.tables import AgendaItem, CheckIn, Event


@dataclass(frozen=True)
class Stage:
    event_id: int
    live_version: int
    agenda_version: str  # changes when the agenda itself is edited (pages then reload)
    timezone: dt.tzinfo
    slots: list[live.Slot]
    kinds: dict[int, str]
    checked_in: int
    rehearsal: bool = False  # the slots' actual times, extensions and skips are a rehearsal's
    really_skipped: frozenset[int] = frozenset()  # during a rehearsal: the items dropped for real

    @property
    def presentations(self) -> set[int]:
        return {i for i, kind in self.kinds.items() if kind == "presentation"}

    @property
    def real_slots(self) -> list[live.Slot]:
        """What really happened: during a rehearsal, nothing yet. The public pages, feedback
        and the report read these."""
        return live.without_rehearsal(self.slots, set(self.really_skipped)) if self.rehearsal else self.slots

    def board(self, now: dt.datetime, with_count: bool) -> dict[str, Any]:
        """``with_count``: an organisers' screen (the stage control, the projector), which
        also shows a rehearsal, on its own clock; attendees' boards never do."""
        if with_count:
            slots = live.rehearsal_plan(self.slots) if self.rehearsal else self.slots
        else:
            slots = self.real_slots
        out = {
            "v": self.live_version,
            "agenda": self.agenda_version,
            **live.board(slots, self.presentations, now, self.timezone),
        }
        if with_count:
            out["count"] = self.checked_in
            out["rehearsal"] = self.rehearsal
        return out


def _sql() -> str:
    items, events, checkins = (t._meta.tablename for t in (AgendaItem, Event, CheckIn))
    return (
        "SELECT e.date, e.start_time, e.timezone, e.live_version, e.updated_at, e.rehearsal, "
        f"(SELECT COUNT(*) FROM {checkins} c WHERE c.event = e.id) AS checked_in, "
        "a.id, a.kind, a.duration, a.actual_start, a.actual_end, a.extended, a.skipped, a.skipped_for_real "
        f"FROM {events} e LEFT JOIN {items} a ON a.event = e.id WHERE e.id = {{}} AND e.deleted_at IS NULL ORDER BY a.position, a.id"
    )


STAGE_SQL = _sql()


def _moment(value: Any) -> dt.datetime | None:
    """A timestamp as the engine returns it (SQLite may give text in a join)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _date(value: Any) -> dt.date:
    """In the accepted range, as the event's pages show it (see queries.get_event)."""
    return in_range_day(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))


def _time(value: Any) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


async def read_stage(event_id: int) -> Stage | None:
    """One query: the event's clock, its items' planned and actual times, the check-in count."""
    rows = await AgendaItem.raw(STAGE_SQL, event_id)
    if not rows:
        return None
    first = rows[0]
    tz = zone(first["timezone"])
    cursor = agenda.event_start(_date(first["date"]), _time(first["start_time"]), tz)
    slots, kinds, really_skipped = [], {}, set()
    for row in rows:
        if row["id"] is None:
            continue  # an event without items
        slots.append(
            live.Slot(
                id=row["id"],
                planned_start=cursor,
                minutes=row["duration"],
                actual_start=_moment(row["actual_start"]),
                actual_end=_moment(row["actual_end"]),
                extended=row["extended"] or 0,
                skipped=bool(row["skipped"]),
            )
        )
        kinds[row["id"]] = row["kind"]
        if row["skipped_for_real"]:
            really_skipped.add(row["id"])
        cursor += dt.timedelta(minutes=row["duration"])
    updated = _moment(first["updated_at"])
    return Stage(
        event_id,
        first["live_version"] or 0,
        str(updated.timestamp()) if updated else "",
        tz,
        slots,
        kinds,
        first["checked_in"] or 0,
        bool(first["rehearsal"]),
        frozenset(really_skipped),
    )


ACTIONS: dict[str, Callable[..., list[live.Slot]]] = {
    "next": lambda slots, now, **_: live.go_next(slots, now),
    "end": lambda slots, now, **_: live.end_current(slots, now),
    "back": lambda slots, now, **_: live.go_back(slots),
    "extend": lambda slots, now, minutes=0, **_: live.extend(slots, minutes),
    "skip": lambda slots, now, item=0, **_: live.skip(slots, item),
}


# A rehearsal's own actions: start one, end one (its times cleared), end one and start the
# first item for real.
REHEARSAL_ACTIONS = ("rehearse", "end_rehearsal", "go_live")


async def act(event_id: int, action: str, version: int, now: dt.datetime, **args: int) -> str:
    """Apply a stage action to the state the organiser saw (``version``). Returns ok,
    finished (that was the end of the last item), stale (someone moved the day on
    meanwhile: nothing done), unchanged, or started (no rehearsal once the day has started
    for real)."""
    try:
        return await _act(event_id, action, version, now, **args)
    except _Stale:
        return "stale"


async def _act(event_id: int, action: str, version: int, now: dt.datetime, **args: int) -> str:
    async with write_transaction():
        current = await read_stage(event_id)
        if current is None:
            return "missing"
        if current.live_version != version:
            return "stale"
        rehearsal = current.rehearsal
        if action == "rehearse":
            if rehearsal:
                return "unchanged"
            if any(s.actual_start for s in current.slots):
                return "started"
            rehearsal, after = True, list(current.slots)
            # The skips made so far are real: kept aside while the rehearsal skips its own.
            await AgendaItem.update({AgendaItem.skipped_for_real: True}).where(
                (AgendaItem.event == event_id) & (AgendaItem.skipped == True)  # noqa: E712 - SQL, not Python
            )
        elif action in ("end_rehearsal", "go_live"):
            if not rehearsal:
                return "unchanged"
            after = live.without_rehearsal(current.slots, set(current.really_skipped))
            if action == "go_live":
                after = live.go_next(after, now)
            await AgendaItem.update({AgendaItem.skipped_for_real: False}).where(AgendaItem.event == event_id)
            rehearsal = False
        else:
            after = ACTIONS[action](current.slots, now, **args)
        changed = _changes(current.slots, after)
        if not changed and rehearsal == current.rehearsal:
            return "unchanged"
        for slot in changed:
            await AgendaItem.update(
                {
                    AgendaItem.actual_start: slot.actual_start,
                    AgendaItem.actual_end: slot.actual_end,
                    AgendaItem.extended: slot.extended,
                    AgendaItem.skipped: slot.skipped,
                }
            ).where((AgendaItem.id == slot.id) & (AgendaItem.event == event_id))
        # The condition makes concurrent actions from other processes safe on PostgreSQL too.
        rows = (
            await Event.update({Event.live_version: version + 1, Event.rehearsal: rehearsal})
            .where((Event.id == event_id) & (Event.live_version == version))
            .returning(Event.id)
        )
        if not rows:
            raise _Stale()
    _stages.drop(event_id)
    return "finished" if live.day_state(after) == "done" else "ok"


class _Stale(Exception):
    pass


def _changes(before: Sequence[live.Slot], after: Sequence[live.Slot]) -> list[live.Slot]:
    return [new for old, new in zip(before, after, strict=False) if old != new]


async def reset(event_id: int) -> None:
    """Forget everything that happened on stage, skips and any rehearsal included."""
    async with write_transaction():
        await AgendaItem.update(
            {
                AgendaItem.actual_start: None,
                AgendaItem.actual_end: None,
                AgendaItem.extended: 0,
                AgendaItem.skipped: False,
                AgendaItem.skipped_for_real: False,
            }
        ).where(AgendaItem.event == event_id)
        await Event.update({Event.live_version: Event.live_version + 1, Event.rehearsal: False}).where(
            Event.id == event_id
        )
    _stages.drop(event_id)


def expected_by_id(board: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        row[0]: {"start": row[1], "end": row[2], "state": row[3], "late": row[4], "minutes": row[5]}
        for row in board["items"]
    }


# Attendees' pages read the stage at most once a second per process; the stream keeps
# them current afterwards.
_stages = TTLCache(1.0, size=256)


async def cached_stage(event_id: int) -> Stage | None:
    current = _stages.get(event_id)
    if current is None:
        current = await read_stage(event_id)
        if current is not None:
            _stages.put(event_id, current)
    return current


async def starts(event_id: int) -> dict[int, dt.datetime]:
    """Each item's real or expected start once the stage control is in use (feedback on a
    presentation opens when it really starts, never in a rehearsal), else nothing."""
    current = await cached_stage(event_id)
    return live.actual_or_expected_starts(current.real_slots, dt.datetime.now(dt.UTC)) if current else {}


async def attendee_live(event: dict[str, Any]) -> dict[str, Any]:
    """The board and each item's expected times, as an attendee page renders them."""
    current = await cached_stage(event["id"])
    if current is None:
        board: dict[str, Any] = {
            "day": "before",
            "late": 0,
            "items": [],
            "agenda": "",
            "v": 0,
            "on": None,
            "next": None,
        }
    else:
        board = current.board(dt.datetime.now(dt.UTC), with_count=False)
    return {"board": board, "expected": expected_by_id(board)}
