"""The one clock, the event's time zone, and the range of days the product accepts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

FALLBACK_ZONE = "Asia/Shanghai"
# Dates outside this range are refused where they are entered (and clamped where an old row
# holds one), so no page, export or PDF meets a year it cannot format.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def now() -> dt.datetime:
    """The current moment, in UTC: every stored time is aware and in UTC."""
    return dt.datetime.now(dt.UTC)


def zone(name: str) -> dt.tzinfo:
    """An event's zone by name; a stored zone that vanished falls back to China time."""
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - an unknown or malformed zone name
        return ZoneInfo(FALLBACK_ZONE)


def local(zone_name: str, moment: dt.datetime | None) -> dt.datetime | None:
    """``moment`` as the clock on the wall of the event's zone shows it."""
    return moment.astimezone(zone(zone_name)) if moment else None


def in_range_day(value: dt.date) -> dt.date:
    """A date read from the database, moved into the accepted range when a row stored before
    the range was checked lies outside it: its pages show (and its form offers the nearest
    accepted date) instead of overflowing."""
    return min(max(value, FIRST_DAY), LAST_DAY)
