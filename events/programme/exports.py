"""PURE logic: an event's timed agenda as iCalendar and C3VOC/frab schedule JSON and XML.

Calendar apps subscribe to the .ics; room displays and schedule apps (Giggity,
EventFahrplan, info-beamer) read the frab formats. Breaks and other segments are exported
as events too, so a display shows the whole running order. Imports neither Piccolo nor
Litestar: callers map rows to the dataclasses below.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, vText
from icalendar import Event as CalendarEvent
from lxml import etree

from core.text import clean_text
from events.agenda.views import AgendaView

SCHEDULE_SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = "Showcase"
LANGUAGE = "zh"
PERSONS_LABEL = "主讲："
# frab "type" per agenda kind; anything not listed is "other".
EVENT_TYPES = {"presentation": "talk", "break": "break"}

# The JSON schema's own time_zone_name pattern (its "|" binds loosely, hence re.search).
_TZ_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class ExportPerson:
    id: int
    name: str


@dataclass(frozen=True)
class ExportItem:
    id: int  # agenda item id
    guid: str  # stable UUID string for this item
    kind: str  # "presentation" | "opening" | "remarks" | "break" | "closing" | "segment"
    title: str  # method title for presentations, segment title otherwise
    start: datetime  # timezone-aware
    duration_minutes: int
    subtitle: str = ""  # unit · branch
    abstract: str = ""  # method summary
    track: str = ""  # method area, e.g. "党员教育"
    persons: tuple[ExportPerson, ...] = ()
    url: str = ""  # absolute; defaults to the event's agenda URL with an #item-<id> anchor

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class ExportEvent:
    slug: str  # e.g. "shuixin-2026"
    title: str
    theme: str
    description: str
    venue: str  # used as the single room name
    timezone: str  # IANA, e.g. "Asia/Shanghai"
    start: datetime  # aware
    end: datetime  # aware
    url: str  # absolute public agenda URL
    items: tuple[ExportItem, ...]
    version: str = "1"  # schedule version string
    updated_at: datetime | None = None  # DTSTAMP; set it to make the .ics reproducible
    color: str = ""  # "#rrggbb" theme colour for room displays


# -- shared helpers -----------------------------------------------------------------------


def acronym(event: ExportEvent) -> str:
    """The slug reduced to what both schemas accept: the JSON pattern allows '-' only first."""
    return re.sub(r"[^a-z0-9_]+", "_", event.slug.lower()).strip("_").ljust(4, "_")


def _clean(text: str) -> str:
    """What XML 1.0 (and RFC 5545 TEXT) forbid, and bidi overrides, out of text stored before
    it was cleaned on the way in (pasted from Word, say): the same rule as everywhere."""
    return clean_text(text)


def _local(event: ExportEvent, moment: datetime) -> datetime:
    """`moment` in the event's zone; naive datetimes are refused, not guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime in export: {moment!r}")
    return moment.astimezone(ZoneInfo(event.timezone))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _room(event: ExportEvent) -> str:
    return event.venue or event.title


def _room_guid(event: ExportEvent) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:showcase:{event.slug}:room:{_room(event)}"))


def _item_url(event: ExportEvent, item: ExportItem) -> str:
    return item.url or f"{event.url}#item-{item.id}"


def _item_slug(event: ExportEvent, item: ExportItem) -> str:
    kind = re.sub(r"[^a-z0-9]+", "-", item.kind.lower()).strip("-") or "item"
    return f"{acronym(event)}-{item.id}-{kind}"


def _description(event: ExportEvent) -> str:
    return "\n\n".join(part for part in (event.theme, event.description) if part)


def _timeslot(event: ExportEvent) -> str:
    """Largest grid step that fits every start and duration, so grid views align."""
    starts = [_local(event, i.start) for i in event.items]
    steps = [i.duration_minutes for i in event.items] + [t.hour * 60 + t.minute for t in starts]
    return _hhmm(math.gcd(*steps) or 5)


@dataclass(frozen=True)
class _Day:
    index: int  # 1-based: the XSD wants a positiveInteger
    date: date
    start: datetime
    end: datetime
    items: tuple[ExportItem, ...]


def _days(event: ExportEvent) -> list[_Day]:
    """Event dates (plus any date an item falls on), each clipped to the event's hours."""
    zone = ZoneInfo(event.timezone)
    first, last = _local(event, event.start), _local(event, event.end)
    last_date = (last - timedelta(microseconds=1)).date() if last > first else first.date()
    dates = {first.date() + timedelta(days=n) for n in range((last_date - first.date()).days + 1)}
    by_date: dict[date, list[ExportItem]] = {}
    for item in sorted(event.items, key=lambda i: (i.start, i.id)):
        by_date.setdefault(_local(event, item.start).date(), []).append(item)
    days = []
    for index, day in enumerate(sorted(dates | by_date.keys()), start=1):
        items = by_date.get(day, [])
        midnight = datetime.combine(day, time(), tzinfo=zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        start = min([max(first, midnight)] + [_local(event, i.start) for i in items])
        end = max([min(last, next_midnight)] + [_local(event, i.end) for i in items])
        days.append(_Day(index, day, start, end, tuple(items)))
    return days


def _tracks(event: ExportEvent) -> list[str]:
    return list(dict.fromkeys(i.track for i in event.items if i.track))


# -- iCalendar ----------------------------------------------------------------------------


def to_ics(event: ExportEvent) -> bytes:
    """RFC 5545 calendar, one VEVENT per agenda item, times local with a VTIMEZONE."""
    stamp = (event.updated_at or datetime.now(UTC)).astimezone(UTC)
    calendar = Calendar.new(
        prodid=f"-//{GENERATOR}//{GENERATOR} agenda//ZH",
        calscale="GREGORIAN",
        method="PUBLISH",
        name=_clean(event.title),
        uid=uuid.uuid5(uuid.NAMESPACE_URL, f"urn:showcase:{event.slug}:calendar"),
        url=event.url,
    )
    calendar.add("X-WR-TIMEZONE", event.timezone)
    if description := _clean(_description(event)):
        # Not Calendar.new(description=...): icalendar 7.3 types X-WR-CALDESC as vUnknown
        # and writes its newlines unescaped, which breaks the file.
        calendar.add("DESCRIPTION", description)
        calendar.add("X-WR-CALDESC", vText(description))
    for item in sorted(event.items, key=lambda i: (i.start, i.id)):
        names = "、".join(p.name for p in item.persons)
        details = "\n\n".join(part for part in (item.subtitle, names and PERSONS_LABEL + names, item.abstract) if part)
        calendar.add_component(
            CalendarEvent.new(
                uid=f"{item.guid}@showcase",
                stamp=stamp,
                start=_local(event, item.start),
                end=_local(event, item.end),
                summary=_clean(item.title),
                description=_clean(details) or None,
                location=_clean(event.venue) or None,
                url=_item_url(event, item),
                categories=[_clean(item.track)] if item.track else (),
                sequence=int(event.version) if event.version.isdecimal() else None,
            )
        )
    # Only the span the calendar covers: the default 1970-2038 lists every DST change.
    first = min([_local(event, event.start)] + [_local(event, i.start) for i in event.items])
    last = max([_local(event, event.end)] + [_local(event, i.end) for i in event.items])
    day = timedelta(days=1)
    calendar.add_missing_timezones(first.date() - day, last.date() + day)
    return calendar.to_ical()


# -- frab / C3VOC JSON --------------------------------------------------------------------


def _json_event(event: ExportEvent, item: ExportItem) -> dict[str, Any]:
    start = _local(event, item.start)
    return {
        "guid": item.guid,
        "id": item.id,
        "date": _iso(start),
        "start": start.strftime("%H:%M"),
        "end": _iso(_local(event, item.end)),
        "duration": _hhmm(item.duration_minutes),
        "room": _room(event),
        "slug": _item_slug(event, item),
        "url": _item_url(event, item),
        "title": item.title,
        "subtitle": item.subtitle,
        "track": item.track or None,
        "type": EVENT_TYPES.get(item.kind, "other"),
        "language": LANGUAGE,
        "abstract": item.abstract,
        "description": item.abstract,  # readers that show a description expect the key on every event
        # frab's shape, "public_name" (what common schedule readers read for speakers) and no
        # "name": the schema's Person is a oneOf, and both would match the frab and the
        # pretalx shape at once, which fails.
        "persons": [{"id": p.id, "public_name": p.name} for p in item.persons],
        "links": [],
    }


def to_frab_json(event: ExportEvent) -> bytes:
    """The C3VOC schedule.json: conference metadata, then days -> rooms -> events."""
    days = _days(event)
    conference: dict[str, Any] = {
        "acronym": acronym(event),
        "title": event.title,
        "description": _description(event),
        "start": _local(event, event.start).date().isoformat(),
        "end": _local(event, event.end).date().isoformat(),
        "daysCount": len(days),
        "timeslot_duration": _timeslot(event),
        "url": event.url,
    }
    if _TZ_NAME.search(event.timezone):
        conference["time_zone_name"] = event.timezone
    if _HEX_COLOR.fullmatch(event.color):
        conference["colors"] = {"primary": event.color}
    conference["tracks"] = [{"name": name} for name in _tracks(event)]
    conference["rooms"] = [{"name": _room(event), "guid": _room_guid(event)}]
    conference["days"] = [
        {
            "index": day.index,
            "date": day.date.isoformat(),
            "day_start": _iso(day.start),
            "day_end": _iso(day.end),
            "rooms": {_room(event): [_json_event(event, item) for item in day.items]},
        }
        for day in days
    ]
    document = {
        "$schema": SCHEDULE_SCHEMA_URL,
        "generator": {"name": GENERATOR},
        "schedule": {"version": event.version, "conference": conference},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


# -- frab / C3VOC XML ---------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, text: str = "", **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: _clean(v) for k, v in attrib.items()})
    if text:
        element.text = _clean(text)
    return element


def _xml_event(parent: etree._Element, event: ExportEvent, item: ExportItem) -> None:
    start = _local(event, item.start)
    node = _sub(parent, "event", guid=item.guid, id=str(item.id))
    _sub(node, "date", _iso(start))
    _sub(node, "start", start.strftime("%H:%M"))
    _sub(node, "duration", _hhmm(item.duration_minutes))
    _sub(node, "room", _room(event))
    _sub(node, "slug", _item_slug(event, item))
    _sub(node, "url", _item_url(event, item))
    _sub(node, "title", item.title)
    _sub(node, "subtitle", item.subtitle)
    _sub(node, "track", item.track)
    _sub(node, "type", EVENT_TYPES.get(item.kind, "other"))
    _sub(node, "language", LANGUAGE)
    _sub(node, "abstract", item.abstract)
    persons = _sub(node, "persons")
    for person in item.persons:
        _sub(persons, "person", person.name, id=str(person.id))


def to_frab_xml(event: ExportEvent) -> bytes:
    """The C3VOC schedule.xml (pentabarf/frab lineage) with the same content as the JSON."""
    root = etree.Element("schedule")
    _sub(root, "generator", name=GENERATOR)
    _sub(root, "version", event.version)
    conference = _sub(root, "conference")
    _sub(conference, "acronym", acronym(event))
    _sub(conference, "title", event.title)
    _sub(conference, "start", _local(event, event.start).date().isoformat())
    _sub(conference, "end", _local(event, event.end).date().isoformat())
    days = _days(event)
    _sub(conference, "days", str(len(days)))
    _sub(conference, "timeslot_duration", _timeslot(event))
    _sub(conference, "url", event.url)
    _sub(conference, "time_zone_name", event.timezone)
    if _HEX_COLOR.fullmatch(event.color):
        _sub(conference, "color", primary=event.color)
    for name in _tracks(event):
        _sub(conference, "track", name, name=name)
    for day in days:
        day_node = _sub(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=_iso(day.start),
            end=_iso(day.end),
        )
        room = _sub(day_node, "room", name=_room(event), guid=_room_guid(event))
        for item in day.items:
            _xml_event(room, event, item)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def to_export(event: dict[str, Any], view: AgendaView, public_url: str) -> ExportEvent:
    """The agenda as the exports take it: timed items with their people, from the page's view."""
    items = []
    for item in view.items:
        subtitle = " · ".join(x for x in (item.get("unit"), item.get("branch")) if x)
        persons = (ExportPerson(id=item["presenter_id"], name=item["presenter"]),) if item.get("presenter") else ()
        items.append(
            ExportItem(
                id=item["id"],
                guid=str(item["guid"]),
                kind=item["kind"],
                title=item["display_title"],
                start=item["start"],
                duration_minutes=item["duration"],
                subtitle=subtitle,
                abstract=item.get("summary") or "",
                track=item.get("area") or "",
                persons=persons,
            )
        )
    updated = event.get("updated_at")
    return ExportEvent(
        slug=event["slug"],
        title=event["title"],
        theme=event["theme"],
        description=event["description"],
        venue=event["venue"] or event["title"],
        timezone=event["timezone"],
        start=view.start,
        end=max(view.end, view.planned_end),
        url=public_url,
        items=tuple(items),
        version=str(int(updated.timestamp())) if updated else "1",
        updated_at=updated,
        color=event["theme_color"],
    )
