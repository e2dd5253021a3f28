"""Pure agenda logic: timing, generation and warnings, on plain values.

Times are always computed, never stored: an item's start is the event's start plus the
durations of everything before it, so a change anywhere re-times the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

MIN_DURATION = 1
MAX_DURATION = 480  # one slot may not run longer than a working day

KINDS = ("presentation", "opening", "remarks", "break", "closing", "segment")


@dataclass(frozen=True)
class Slot:
    """What timing needs to know about an agenda item."""

    id: int
    kind: str
    duration: int
    presenter_id: int | None = None
    method_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class TimedSlot:
    slot: Slot
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Warning:
    """A problem the organiser should see. ``code`` is stable; the page words it."""

    code: str
    item_ids: tuple[int, ...] = ()
    minutes: int = 0
    label: str = ""


@dataclass(frozen=True)
class DraftItem:
    """An item a generator proposes; the organiser adjusts it afterwards."""

    kind: str
    duration: int
    method_id: int | None = None
    presenter_id: int | None = None
    title: str = ""


@dataclass(frozen=True)
class GenerationPlan:
    method_ids: Sequence[int]
    talk_minutes: int = 15
    qa_minutes: int = 5
    break_every: int = 0
    break_minutes: int = 10
    opening_minutes: int = 10
    closing_minutes: int = 10
    presenters: dict[int, int] = field(default_factory=dict)  # method id -> presenter id


def validate_duration(minutes: int) -> str | None:
    """Return an error code for an impossible duration, or None."""
    if minutes < MIN_DURATION:
        return "duration_too_short"
    if minutes > MAX_DURATION:
        return "duration_too_long"
    return None


def event_start(date: dt.date, start: dt.time, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(date, start, tzinfo=tz)


def event_end(date: dt.date, start: dt.time, end: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The planned end; an end at or before the start means the day runs past midnight."""
    day = date if end > start else date + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=tz)


def timetable(start: dt.datetime, slots: Sequence[Slot]) -> list[TimedSlot]:
    """Start and end of every slot, in order, from the event start and the durations."""
    timed = []
    cursor = start
    for slot in slots:
        end = cursor + dt.timedelta(minutes=slot.duration)
        timed.append(TimedSlot(slot=slot, start=cursor, end=end))
        cursor = end
    return timed


def warnings(timed: Sequence[TimedSlot], planned_end: dt.datetime) -> list[Warning]:
    """Everything an organiser must fix before publishing, in a stable order."""
    found: list[Warning] = []
    if timed and timed[-1].end > planned_end:
        overrun = int((timed[-1].end - planned_end).total_seconds() // 60)
        found.append(Warning(code="overrun", minutes=overrun))
    # Only presenting twice is a duplicate: a leader who opens the day or gives remarks may
    # also present a method.
    talks = [t for t in timed if t.slot.kind == "presentation" and t.slot.presenter_id is not None]
    presenters = Counter(t.slot.presenter_id for t in talks)
    for presenter_id, count in sorted(presenters.items()):
        if count > 1:
            ids = tuple(t.slot.id for t in talks if t.slot.presenter_id == presenter_id)
            label = next(t.slot.label for t in talks if t.slot.presenter_id == presenter_id)
            found.append(Warning(code="presenter_twice", item_ids=ids, label=label))
    for t in timed:
        if t.slot.kind != "presentation":
            continue
        if t.slot.method_id is None:
            found.append(Warning(code="missing_method", item_ids=(t.slot.id,)))
        elif t.slot.presenter_id is None:
            found.append(Warning(code="missing_presenter", item_ids=(t.slot.id,), label=t.slot.label))
    return found


def plan_error(plan: GenerationPlan) -> str | None:
    """Why a plan cannot be generated (an error code), or None. Callers ask before
    generating, so every field within its own limit still gets a message, not a crash."""
    return validate_duration(plan.talk_minutes + plan.qa_minutes)


def generate(plan: GenerationPlan) -> list[DraftItem]:
    """A running order: opening, talks (talk + Q&A), a break after every N talks, closing."""
    error = plan_error(plan)
    if error:
        raise ValueError(error)
    items: list[DraftItem] = []
    if plan.opening_minutes > 0:
        items.append(DraftItem(kind="opening", duration=plan.opening_minutes))
    count = len(plan.method_ids)
    for index, method_id in enumerate(plan.method_ids, start=1):
        items.append(
            DraftItem(
                kind="presentation",
                duration=plan.talk_minutes + plan.qa_minutes,
                method_id=method_id,
                presenter_id=plan.presenters.get(method_id),
            )
        )
        if plan.break_every and index % plan.break_every == 0 and index < count:
            items.append(DraftItem(kind="break", duration=plan.break_minutes))
    if plan.closing_minutes > 0:
        items.append(DraftItem(kind="closing", duration=plan.closing_minutes))
    return items


def reconcile(existing: Sequence[Slot], drafts: Sequence[DraftItem]) -> tuple[list[int | None], list[Slot]]:
    """Which existing item each draft keeps, and which existing items nothing keeps.

    Feedback, votes and slides hang on agenda items, so a regenerated agenda keeps the items
    it can: a presentation keeps the first item (in running order) of the same method, a
    segment the first unkept item of the same kind without a method. Returns one existing id
    (or None for a new item) per draft, and the existing slots left over."""
    free = list(existing)
    kept: list[int | None] = []
    for draft in drafts:
        match = next(
            (
                s
                for s in free
                if s.kind == draft.kind
                and s.method_id == draft.method_id
                and (draft.kind != "presentation" or draft.method_id is not None)
            ),
            None,
        )
        if match is not None:
            free.remove(match)
        kept.append(match.id if match is not None else None)
    return kept, free


def move(order: Sequence[int], item_id: int, offset: int) -> list[int]:
    """The order with one item moved up (negative) or down, clamped at the ends."""
    ids = list(order)
    if item_id not in ids:
        raise KeyError(item_id)
    index = ids.index(item_id)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return ids
