"""PURE logic of the live day (issue 8's foundation): from the planned agenda and what
actually happened on stage, the expected times of everything still to come and how late
the day is running. No database and no web framework here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Optional, Sequence


@dataclass(frozen=True)
class Slot:
    id: int
    planned_start: dt.datetime
    minutes: int  # planned duration
    actual_start: Optional[dt.datetime] = None
    actual_end: Optional[dt.datetime] = None
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
    there, never earlier than planned. Before the day starts, the plan is the forecast."""
    out: list[Expected] = []
    cursor: Optional[dt.datetime] = None  # when the next item can start
    for slot in slots:
        if slot.skipped:
            at = cursor or slot.planned_start
            out.append(Expected(slot.id, at, at, "skipped", _late(at, slot.planned_start)))
            continue
        if slot.actual_start and slot.actual_end:
            out.append(Expected(slot.id, slot.actual_start, slot.actual_end, "done", _late(slot.actual_start, slot.planned_start)))
            cursor = slot.actual_end
            continue
        if slot.actual_start:
            end = slot.actual_start + length(slot)
            state = "on_stage"
            if now > end:
                end, state = now, "over_time"
            out.append(Expected(slot.id, slot.actual_start, end, state, _late(slot.actual_start, slot.planned_start)))
            cursor = end
            continue
        start = max(cursor, slot.planned_start) if cursor else slot.planned_start
        out.append(Expected(slot.id, start, start + length(slot), "coming", _late(start, slot.planned_start)))
        cursor = start + length(slot)
    return out


def _late(start: dt.datetime, planned: dt.datetime) -> int:
    return int((start - planned).total_seconds() // 60)


def running_late(slots: Sequence[Slot], now: dt.datetime) -> int:
    """Minutes the day is running late, at the first item not yet done: how late it
    started (or will start), or, running over, how far past its planned end it is now."""
    by_id = {s.id: s for s in slots}
    for item in expected(slots, now):
        slot = by_id[item.id]
        if item.state == "over_time":
            return max(0, _late(now, slot.planned_start + dt.timedelta(minutes=slot.minutes)))
        if item.state in ("on_stage", "coming"):
            return max(0, item.late_minutes)
    return 0


def on_stage(slots: Sequence[Slot]) -> Optional[Slot]:
    return next((s for s in slots if s.actual_start and not s.actual_end and not s.skipped), None)


def next_up(slots: Sequence[Slot]) -> Optional[Slot]:
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


def countdown(slot: Slot, now: dt.datetime) -> tuple[int, str]:
    """Seconds left of the slot on stage (negative: over time) and its colour on the
    projector: normal, amber in the last two minutes, red when over."""
    if not slot.actual_start:
        return int(length(slot).total_seconds()), "normal"
    left = int((slot.actual_start + length(slot) - now).total_seconds())
    return left, "red" if left < 0 else "amber" if left <= 120 else "normal"
