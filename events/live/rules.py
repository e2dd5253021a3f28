"""PURE logic of the live day (issue 8's foundation): from the planned agenda and what
actually happened on stage, the expected times of everything still to come and how late
the day is running. No database and no web framework here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Slot:
    id: int
    planned_start: dt.datetime
    minutes: int  # planned duration
    actual_start: dt.datetime | None = None
    actual_end: dt.datetime | None = None
    extended: int = 0  # minutes added on the day
    skipped: bool = False


@dataclass(frozen=True)
class Expected:
    id: int
    start: dt.datetime
    end: dt.datetime
    state: str  # done | on_stage | over_time | coming | skipped
    late_minutes: int  # expected start minus planned start, whole minutes (negative: early)


def length(slot: Slot) -> dt.timedelta:
    return dt.timedelta(minutes=0 if slot.skipped else slot.minutes + slot.extended)


def expected(slots: Sequence[Slot], now: dt.datetime) -> list[Expected]:
    """Done items keep their real times; the item on stage ends at its start plus its
    (extended) length, or now if it is running over; everything after follows on from
    there, never earlier than planned nor than now. Before the day starts, the plan is the
    forecast until its time comes; after that, a start not yet made moves with the clock."""
    out: list[Expected] = []
    cursor: dt.datetime | None = None  # when the next item can start
    clock = _clock_for(slots, now)  # None: the plan stands
    for slot in slots:
        if slot.skipped:
            at = cursor or slot.planned_start
            out.append(Expected(slot.id, at, at, "skipped", _late(at, slot.planned_start)))
            continue
        if slot.actual_start and slot.actual_end:
            out.append(
                Expected(
                    slot.id, slot.actual_start, slot.actual_end, "done", _late(slot.actual_start, slot.planned_start)
                )
            )
            cursor = slot.actual_end
            continue
        if slot.actual_start:
            end = slot.actual_start + length(slot)
            state = "on_stage"
            if clock and clock > end:
                end, state = clock, "over_time"
            out.append(Expected(slot.id, slot.actual_start, end, state, _late(slot.actual_start, slot.planned_start)))
            cursor = end
            continue
        # Nothing can start in the past: an item whose time has come but that has not
        # started yet (the day starts late, or the stage is free) is expected now.
        start = (
            max(cursor or slot.planned_start, slot.planned_start, clock)
            if clock
            else (max(cursor, slot.planned_start) if cursor else slot.planned_start)
        )
        out.append(Expected(slot.id, start, start + length(slot), "coming", _late(start, slot.planned_start)))
        cursor = start + length(slot)
    return out


FROZEN_AFTER = dt.timedelta(hours=12)


def _clock_for(slots: Sequence[Slot], now: dt.datetime) -> dt.datetime | None:
    """The clock the forecast may follow. None for a day whose planned time is over while
    nothing was ever started on stage (it was not run from the stage control: the plan
    stands); otherwise now, but frozen 12 hours after the planned end, so that a day left
    with an item "on stage" does not drift for ever."""
    if not slots:
        return now
    planned_end = max(s.planned_start + dt.timedelta(minutes=s.minutes) for s in slots)
    if not any(s.actual_start for s in slots) and now >= planned_end:
        return None
    return min(now, planned_end + FROZEN_AFTER)


def delay_minutes(start: dt.datetime, planned: dt.datetime) -> int | None:
    """How late something started (or is expected to), in whole minutes, negative when early;
    None when it is on another day than planned, in the planned time's zone (a rehearsal
    days before, times left from another day): minutes across days mean nothing."""
    if start.astimezone(planned.tzinfo).date() != planned.date():
        return None
    return int((start - planned).total_seconds() // 60)


def _late(start: dt.datetime, planned: dt.datetime) -> int:
    return delay_minutes(start, planned) or 0


def running_late(slots: Sequence[Slot], now: dt.datetime) -> int:
    """Minutes the day is running late, at the first item not yet done: how late it
    started (or will start), or, running over, how far past its planned end it is now."""
    by_id = {s.id: s for s in slots}
    now = _clock_for(slots, now) or now
    for item in expected(slots, now):
        slot = by_id[item.id]
        if item.state == "over_time":
            return max(0, _late(now, slot.planned_start + dt.timedelta(minutes=slot.minutes)))
        if item.state in ("on_stage", "coming"):
            return max(0, item.late_minutes)
    return 0


def on_stage(slots: Sequence[Slot]) -> Slot | None:
    return next((s for s in slots if s.actual_start and not s.actual_end and not s.skipped), None)


def next_up(slots: Sequence[Slot]) -> Slot | None:
    return next((s for s in slots if not s.actual_start and not s.skipped), None)


def go_next(slots: Sequence[Slot], now: dt.datetime) -> list[Slot]:
    """Stage control's "next": the item on stage ends now and the next one starts now."""
    current, following = on_stage(slots), next_up(slots)
    changed = []
    for slot in slots:
        if current and slot.id == current.id:
            slot = replace(slot, actual_end=now)
        elif following and slot.id == following.id:
            slot = replace(slot, actual_start=now)
        changed.append(slot)
    return changed


def end_current(slots: Sequence[Slot], now: dt.datetime) -> list[Slot]:
    """The item on stage ends now and nothing starts: the stage is between items."""
    current = on_stage(slots)
    return [replace(s, actual_end=now) if current and s.id == current.id else s for s in slots]


def last_done(slots: Sequence[Slot]) -> Slot | None:
    done = [s for s in slots if s.actual_start and s.actual_end and not s.skipped]
    if not done:
        return None
    return max(done, key=lambda s: (s.actual_end, s.actual_start))


def go_back(slots: Sequence[Slot]) -> list[Slot]:
    """Undo a "next" pressed too soon: the item on stage goes back to coming (its
    extension forgotten) and the one that ended last is on stage again."""
    current, previous = on_stage(slots), last_done(slots)
    out = []
    for slot in slots:
        if current and slot.id == current.id:
            slot = replace(slot, actual_start=None, actual_end=None, extended=0)
        elif previous and slot.id == previous.id:
            slot = replace(slot, actual_end=None)
        out.append(slot)
    return out


def extend(slots: Sequence[Slot], minutes: int) -> list[Slot]:
    current = on_stage(slots)
    return [
        replace(s, extended=max(-s.minutes, s.extended + minutes)) if current and s.id == current.id else s
        for s in slots
    ]


def skip(slots: Sequence[Slot], item_id: int) -> list[Slot]:
    """Drop an item that has not started, or bring a dropped one back."""
    return [replace(s, skipped=not s.skipped) if s.id == item_id and not s.actual_start else s for s in slots]


def day_state(slots: Sequence[Slot]) -> str:
    """before (nothing started) | live (an item on stage) | between (stage empty, items to
    come) | done (nothing left)."""
    if on_stage(slots):
        return "live"
    if not any(s.actual_start for s in slots):
        return "before"
    return "between" if next_up(slots) else "done"


RATE_AFTER = dt.timedelta(minutes=3)


def to_rate(slots: Sequence[Slot], presentations: set[int], now: dt.datetime) -> int | None:
    """The presentation whose feedback QR the room should see: the one that just ended,
    while the stage is empty or a segment (break, remarks) is on, and for the first three
    minutes of the next presentation."""
    previous = last_done([s for s in slots if s.id in presentations])
    if previous is None or previous.actual_end is None:
        return None
    current = on_stage(slots)
    if current is None or current.id not in presentations:
        return previous.id
    if current.actual_start and current.actual_start >= previous.actual_end and now - current.actual_start < RATE_AFTER:
        return previous.id
    return None


def _ms(moment: dt.datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


def board(slots: Sequence[Slot], presentations: set[int], now: dt.datetime, tz: dt.tzinfo) -> dict:
    """Everything a live screen shows, language-neutral (ids, clock times, states), so one
    encoding serves every viewer: the projector, the stage control and attendees' phones
    hold the titles already and look them up by id."""
    forecast = expected(slots, now)
    lengths = {s.id: int(length(s).total_seconds() // 60) for s in slots}  # with minutes added on the day
    current, following = on_stage(slots), next_up(slots)
    ends = None
    if current and current.actual_start:
        ends = current.actual_start + length(current)
    return {
        "day": day_state(slots),
        "late": running_late(slots, now),
        "on": current.id if current else None,
        "next": following.id if following else None,
        "started": _ms(current.actual_start) if current else None,
        "ends": _ms(ends),
        "rate": to_rate(slots, presentations, now),
        "items": [
            [
                e.id,
                e.start.astimezone(tz).strftime("%H:%M"),
                e.end.astimezone(tz).strftime("%H:%M"),
                e.state,
                e.late_minutes,
                lengths[e.id],
            ]
            for e in forecast
        ],
    }


def actual_or_expected_starts(slots: Sequence[Slot], now: dt.datetime) -> dict[int, dt.datetime]:
    """When each item starts, once the day is run from the stage control: its real start, or
    its expected one. Empty while nothing has started (the plan holds)."""
    if not any(s.actual_start for s in slots):
        return {}
    soon = now + dt.timedelta(seconds=1)  # an item not started yet has not started, even if due
    return {
        e.id: e.start if e.state != "coming" else max(e.start, soon)
        for e in expected(slots, now)
        if e.state != "skipped"
    }


def rehearsal_plan(slots: Sequence[Slot]) -> list[Slot]:
    """A rehearsal runs on its own clock: the plan moves to when its first item really started
    (to the minute), so that its delays, its countdown and what comes next are the
    rehearsal's, not the day's. Before anything is rehearsed, the plan stands."""
    started = [s.actual_start for s in slots if s.actual_start]
    if not started:
        return list(slots)
    first = min(started)
    rehearsed = next(s for s in slots if s.actual_start == first)
    shift = first.replace(second=0, microsecond=0) - rehearsed.planned_start
    return [replace(s, planned_start=s.planned_start + shift) for s in slots]


def without_rehearsal(slots: Sequence[Slot], really_skipped: set[int]) -> list[Slot]:
    """The day as it was before the rehearsal: nothing started or extended, and only the items
    dropped for real (``really_skipped``) skipped. The public sees this while a rehearsal
    runs, and it is what ending the rehearsal leaves."""
    return [replace(s, actual_start=None, actual_end=None, extended=0, skipped=s.id in really_skipped) for s in slots]
