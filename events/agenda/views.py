"""Turns stored rows into what pages, the API and exports show: timed items and warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.cache import TTLCache
from core.clock import zone
from core.wording import quoted
from events.agenda import queries
from events.agenda import rules as agenda
from web.i18n import current_locale, lazy
from web.i18n import gettext as _

KIND_LABELS = {
    "presentation": lazy("Presentation"),
    "opening": lazy("Opening"),
    "remarks": lazy("Remarks"),
    "break": lazy("Break"),
    "closing": lazy("Closing"),
    "segment": lazy("Segment"),
}

DEFAULT_SEGMENT_TITLES = {
    "opening": lazy("Opening"),
    "remarks": lazy("Leadership remarks"),
    "break": lazy("Tea break"),
    "closing": lazy("Closing remarks"),
    "segment": lazy("Segment"),
}


@dataclass
class AgendaView:
    start: dt.datetime
    end: dt.datetime
    planned_end: dt.datetime
    items: list[dict[str, Any]]
    warnings: list[agenda.Warning]


def item_title(row: dict[str, Any]) -> str:
    if row["kind"] == "presentation":
        return row.get("method_title") or row.get("title") or _("(no method chosen)")
    return row.get("title") or _(DEFAULT_SEGMENT_TITLES.get(row["kind"], "Segment"))


def build(event: dict[str, Any], rows: list[dict[str, Any]]) -> AgendaView:
    tz = zone(event["timezone"])
    start = agenda.event_start(event["date"], event["start_time"], tz)
    planned_end = agenda.event_end(event["date"], event["start_time"], event["end_time"], tz)
    slots = [
        agenda.Slot(
            id=r["id"],
            kind=r["kind"],
            duration=r["duration"],
            presenter_id=r["presenter_id"],
            method_id=r["method_id"],
            label=r.get("presenter") or r.get("method_title") or "",
        )
        for r in rows
    ]
    timed = agenda.timetable(start, slots)
    items = [
        {
            **row,
            "start": t.start,
            "end": t.end,
            "display_title": item_title(row),
            "kind_label": _(KIND_LABELS.get(row["kind"], row["kind"])),
        }
        for row, t in zip(rows, timed, strict=False)
    ]
    return AgendaView(
        start=start,
        end=timed[-1].end if timed else start,
        planned_end=planned_end,
        items=items,
        warnings=agenda.warnings(timed, planned_end),
    )


def warning_message(warning: agenda.Warning) -> str:
    if warning.code == "overrun":
        return _("The agenda runs %(n)s minutes past the planned end time.", n=warning.minutes)
    if warning.code == "presenter_twice":
        return _("%(name)s presents more than once.", name=warning.label)
    if warning.code == "missing_presenter":
        return _("%(title)s has no presenter yet.", title=quoted(warning.label))
    if warning.code == "missing_method":
        return _("A presentation has no method chosen yet.")
    return warning.code


def loss_message(collected: list[Any]) -> str:
    """Why a regeneration was refused, naming every item it would have emptied (``collected``:
    queries.Collected) and what each holds."""
    parts = [
        _(
            "%(title)s (feedback: %(feedback)s, votes: %(votes)s, slide versions: %(slides)s)",
            title=item_title(c.item),
            feedback=c.feedback,
            votes=c.votes,
            slides=c.slides,
        )
        for c in collected
    ]
    return _(
        "Regenerating would delete what these presentations have collected: %(items)s. Keep their methods in "
        "the plan, or confirm that this may be deleted.",
        items=_("; ").join(parts),
    )


_views = TTLCache(queries.AGENDA_CACHE_SECONDS, size=256)


async def cached_agenda_view(event: dict[str, Any]) -> AgendaView:
    """The timed agenda attendee pages show, built once per version of the event and
    language (the titles of breaks are translated). Callers must not change it."""
    key = (event["id"], event.get("updated_at"), current_locale.get())
    view = _views.get(key)
    if view is None:
        view = build(event, await queries.cached_agenda_rows(event))
        _views.put(key, view)
    return view
