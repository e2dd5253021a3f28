"""When the door is open for a day, and how each page says so; the day as check-in reads it.
Shared by the check-in pages and the scanners' API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.exceptions import NotFoundException

from accounts.guards import requires_role
from core.clock import zone
from events.agenda import rules as agenda
from events.checkin import queries as cq
from events.checkin import rules as checkin
from events.checkin.schemas import AttendanceOut
from events.http import local
from web.i18n import format_date, format_time, lazy
from web.i18n import gettext as _

# Door staff scan and look people up; organisers may do the same.
staff_guard = requires_role("staff", "organiser")


def checkin_window(event: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    tz = zone(event["timezone"])
    start = agenda.event_start(event["date"], event["start_time"], tz)
    end = agenda.event_end(event["date"], event["start_time"], event["end_time"], tz)
    default_open, default_close = checkin.default_window(start, end)
    return event.get("checkin_opens_at") or default_open, event.get("checkin_closes_at") or default_close


def window_message(event: dict[str, Any], state: str) -> str:
    opens, closes = checkin_window(event)
    if state == "not_yet":
        o = local(event, opens)
        return _("Check-in opens at %(time)s on %(date)s.", time=format_time(o), date=format_date(o.date()))
    c = local(event, closes)
    return _("Check-in closed at %(time)s.", time=format_time(c))


async def load_event(event_id: int) -> dict[str, Any]:
    event = await cq.event_for_checkin(event_id)
    if event is None:
        raise NotFoundException(detail=lazy("No such event."))
    return event


async def attendance_out(event: dict[str, Any]) -> AttendanceOut:
    stats = await cq.attendance(event["id"])
    buckets = checkin.arrivals_per_bucket([local(event, t) for t in stats["times"]], 5)
    return AttendanceOut(
        checked_in=stats["checked_in"],
        registered=stats["registered"],
        walk_ins=stats["walk_ins"],
        arrivals=[[format_time(t), n] for t, n in buckets],
    )
