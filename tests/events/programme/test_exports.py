"""Exports of the demo day (税心向党·书记说) checked against the C3VOC schemas and icalendar."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from icalendar import Calendar
from lxml import etree

from events.programme.exports import ExportEvent, ExportItem, ExportPerson, acronym, to_frab_json, to_frab_xml, to_ics

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"  # vendored: tests/schemas/README.md
SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "http://127.0.0.1:8000/e/shuixin-2026"
TALKS = ["37℃学习法", '"三小"工作法', '"五微"工作法', '青年党员成长"三三制"工作法']
NASTY = '<script>alert(1)</script> & "三小"工作法'


def _item(id: int, kind: str, title: str, hh: int, mm: int, minutes: int, **more: Any) -> ExportItem:
    return ExportItem(
        id=id,
        guid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{URL}#item-{id}")),
        kind=kind,
        title=title,
        start=datetime(2026, 7, 1, hh, mm, tzinfo=SHANGHAI),
        duration_minutes=minutes,
        **more,
    )


def _talk(id: int, title: str, unit: str, branch: str, hh: int, mm: int, track: str = "") -> ExportItem:
    return _item(
        id,
        "presentation",
        title,
        hh,
        mm,
        15,
        subtitle=f"{unit} · {branch}",
        abstract=f"{branch}介绍{title}的做法与成效。",
        track=track,
        persons=(ExportPerson(id, f"{branch}书记"),),
    )


def _demo_day(*extra: ExportItem) -> ExportEvent:
    items = (
        _item(1, "opening", "开场致辞", 9, 0, 5),
        _talk(2, TALKS[0], "芙蓉区税务局", "党建工作科党支部", 9, 5, "党员教育"),
        _talk(3, TALKS[1], "天心区税务局", "文源税务所党支部", 9, 20),
        _item(4, "break", "茶歇", 9, 35, 10),
        _talk(5, TALKS[2], "开福区税务局", "芙蓉北路税务分局党支部", 9, 45),
        _talk(6, TALKS[3], "长沙县税务局", "第一税务所党支部", 10, 0, "党员教育"),
        _item(7, "closing", "总结讲话", 10, 15, 15),
    )
    return ExportEvent(
        slug="shuixin-2026",
        title="税心向党·书记说",
        theme="主题党日",
        description="支部书记登台讲述支部工作法。",
        venue="长沙市税务局三楼会议室",
        timezone="Asia/Shanghai",
        start=datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI),
        end=datetime(2026, 7, 1, 10, 30, tzinfo=SHANGHAI),
        url=URL,
        items=items + extra,
        updated_at=datetime(2026, 6, 20, 8, 0, tzinfo=SHANGHAI),
        color="#b71c1c",
    )


def _nasty_item() -> ExportItem:
    return _item(8, "segment", NASTY, 10, 30, 5, abstract="a & b < c")


# -- schemas ------------------------------------------------------------------------------


def _schema_file(name: str) -> Path:
    path = SCHEMAS / name
    if not path.is_file():
        pytest.fail(f"reference schema missing: {path} (vendored in tests/schemas)")
    return path


@pytest.fixture(scope="module")
def xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_schema_file("schedule.xml.xsd"))))


@pytest.fixture(scope="module")
def json_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(_schema_file("schedule.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-06/schema#"
    jsonschema.Draft6Validator.check_schema(schema)
    # Draft 6 checks almost no formats out of the box (uuid, date-time and uri need
    # extras that are not installed): check the ones the export relies on ourselves.
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or ("T" in value and datetime.fromisoformat(value).tzinfo is not None)

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        return not isinstance(value, str) or (
            bool(urlsplit(value).scheme and urlsplit(value).netloc) and " " not in value
        )

    return jsonschema.Draft6Validator(schema, format_checker=checker)


def _assert_xml_valid(schema: etree.XMLSchema, document: etree._ElementTree) -> None:
    valid = schema.validate(document)
    assert valid, "\n".join(str(error) for error in schema.error_log)


def _assert_json_valid(validator: jsonschema.protocols.Validator, document: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def _json_events(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        event
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    ]


# -- iCalendar ----------------------------------------------------------------------------


def test_ics_demo_day_has_one_vevent_per_item() -> None:
    data = to_ics(_demo_day())
    calendar = Calendar.from_ical(data)

    assert len(calendar.walk("VEVENT")) == 7
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["PRODID"]).startswith("-//Showcase//")
    assert str(calendar["X-WR-CALNAME"]) == "税心向党·书记说"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert str(calendar["DESCRIPTION"]) == "主题党日\n\n支部书记登台讲述支部工作法。"
    # icalendar reads X-* values raw, so check the escaped line itself.
    assert "X-WR-CALDESC:主题党日\\n\\n支部书记".encode() in data


def test_ics_first_dtstart_is_nine_in_shanghai() -> None:
    first = Calendar.from_ical(to_ics(_demo_day())).walk("VEVENT")[0]

    assert first["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert first.start == datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)
    assert first.start.utcoffset() == timedelta(hours=8)
    assert first.end == datetime(2026, 7, 1, 9, 5, tzinfo=SHANGHAI)


def test_ics_summary_keeps_chinese_text() -> None:
    events = Calendar.from_ical(to_ics(_demo_day())).walk("VEVENT")
    talk = next(e for e in events if str(e["SUMMARY"]) == "37℃学习法")

    assert str(talk["DESCRIPTION"]) == (
        "芙蓉区税务局 · 党建工作科党支部\n\n主讲：党建工作科党支部书记\n\n党建工作科党支部介绍37℃学习法的做法与成效。"
    )
    assert str(talk["LOCATION"]) == "长沙市税务局三楼会议室"
    assert str(talk["URL"]) == f"{URL}#item-2"


def test_ics_uids_are_unique_item_guids() -> None:
    day = _demo_day()
    uids = [str(e["UID"]) for e in Calendar.from_ical(to_ics(day)).walk("VEVENT")]

    assert len(set(uids)) == len(uids) == 7
    assert uids == [f"{item.guid}@showcase" for item in day.items]


def test_ics_vtimezone_present_for_event_zone() -> None:
    calendar = Calendar.from_ical(to_ics(_demo_day()))

    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert calendar.get_missing_tzids() == set()


def test_ics_long_chinese_lines_are_folded_and_utf8() -> None:
    long = replace(_demo_day().items[1], abstract="党员教育" * 60)
    data = to_ics(replace(_demo_day(), items=(long,)))

    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    data.decode("utf-8")  # folding never splits a multi-byte character
    assert str(Calendar.from_ical(data).walk("VEVENT")[0]["DESCRIPTION"]).endswith("党员教育" * 60)


def test_ics_with_updated_at_is_reproducible() -> None:
    assert to_ics(_demo_day()) == to_ics(_demo_day())
    assert b"DTSTAMP:20260620T000000Z" in to_ics(_demo_day())


def test_ics_script_and_ampersand_title_survives() -> None:
    calendar = Calendar.from_ical(to_ics(_demo_day(_nasty_item())))
    events = calendar.walk("VEVENT")

    assert len(events) == 8
    assert str(events[-1]["SUMMARY"]) == NASTY
    assert str(events[-1]["DESCRIPTION"]) == "a & b < c"


# -- frab XML -----------------------------------------------------------------------------


def test_xml_demo_day_is_valid_against_xsd(xml_schema: etree.XMLSchema) -> None:
    data = to_frab_xml(_demo_day())
    document = etree.ElementTree(etree.fromstring(data))

    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    _assert_xml_valid(xml_schema, document)
    assert len(document.findall("day/room/event")) == 7
    assert document.findtext("conference/acronym") == "shuixin_2026"
    assert document.find("day").attrib == {
        "index": "1",
        "date": "2026-07-01",
        "start": "2026-07-01T09:00:00+08:00",
        "end": "2026-07-01T10:30:00+08:00",
    }


def test_xml_chinese_title_round_trips() -> None:
    document = etree.fromstring(to_frab_xml(_demo_day()))
    talks = [e for e in document.iter("event") if e.findtext("type") == "talk"]

    assert [e.findtext("title") for e in talks] == TALKS
    assert [e.findtext("start") for e in talks] == ["09:05", "09:20", "09:45", "10:00"]
    assert talks[0].findtext("date") == "2026-07-01T09:05:00+08:00"
    assert talks[0].findtext("duration") == "00:15"
    assert talks[0].findtext("persons/person") == "党建工作科党支部书记"
    assert document.find("day/room/event[4]").findtext("type") == "break"


def test_xml_script_and_ampersand_are_escaped(xml_schema: etree.XMLSchema) -> None:
    data = to_frab_xml(_demo_day(_nasty_item()))
    document = etree.ElementTree(etree.fromstring(data))

    _assert_xml_valid(xml_schema, document)
    assert b"<script>" not in data
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in data.decode("utf-8")
    assert document.find("day/room/event[8]").findtext("title") == NASTY
    assert document.find("day/room/event[8]").findtext("abstract") == "a & b < c"


def test_xml_control_characters_from_pasted_text_are_dropped(
    xml_schema: etree.XMLSchema,
) -> None:
    pasted = replace(_nasty_item(), title="五微\x0b工作法\x0c")
    document = etree.ElementTree(etree.fromstring(to_frab_xml(_demo_day(pasted))))

    _assert_xml_valid(xml_schema, document)
    assert document.find("day/room/event[8]").findtext("title") == "五微工作法"


# -- frab JSON ----------------------------------------------------------------------------


def test_json_demo_day_is_valid_against_schema(
    json_validator: jsonschema.protocols.Validator,
) -> None:
    data = to_frab_json(_demo_day())
    document = json.loads(data)

    _assert_json_valid(json_validator, document)
    assert "税心向党·书记说".encode() in data  # ensure_ascii=False
    conference = document["schedule"]["conference"]
    assert conference["acronym"] == "shuixin_2026"
    assert conference["daysCount"] == 1
    assert conference["timeslot_duration"] == "00:05"
    assert conference["time_zone_name"] == "Asia/Shanghai"
    assert list(conference["days"][0]["rooms"]) == ["长沙市税务局三楼会议室"]
    assert len(_json_events(document)) == 7


def test_json_talk_titles_and_start_times() -> None:
    events = _json_events(json.loads(to_frab_json(_demo_day())))
    talks = [e for e in events if e["type"] == "talk"]

    assert [e["title"] for e in talks] == TALKS
    assert [e["start"] for e in talks] == ["09:05", "09:20", "09:45", "10:00"]
    assert [e["date"] for e in talks][0] == "2026-07-01T09:05:00+08:00"
    assert talks[0]["end"] == "2026-07-01T09:20:00+08:00"
    assert talks[0]["duration"] == "00:15"
    assert talks[0]["track"] == "党员教育" and talks[1]["track"] is None
    # frab's shape (id + public_name): what common schedule readers read for speakers
    assert talks[0]["persons"] == [{"id": 2, "public_name": "党建工作科党支部书记"}]
    assert [e["type"] for e in events if e["type"] != "talk"] == ["other", "break", "other"]


def test_json_script_and_ampersand_title_survives(
    json_validator: jsonschema.protocols.Validator,
) -> None:
    document = json.loads(to_frab_json(_demo_day(_nasty_item())))

    _assert_json_valid(json_validator, document)
    assert _json_events(document)[-1]["title"] == NASTY


def test_json_schema_rejects_raw_slug_as_acronym(
    json_validator: jsonschema.protocols.Validator,
) -> None:
    document = json.loads(to_frab_json(_demo_day()))
    document["schedule"]["conference"]["acronym"] = "shuixin-2026"

    assert not json_validator.is_valid(document)


# -- shared rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "expected"),
    [("shuixin-2026", "shuixin_2026"), ("ab", "ab__"), ("Day 1!", "day_1"), ("-x-", "x___")],
)
def test_acronym_from_slug_fits_both_schemas(slug: str, expected: str) -> None:
    assert acronym(replace(_demo_day(), slug=slug)) == expected


def test_exports_items_on_a_second_day_get_a_second_day(
    xml_schema: etree.XMLSchema, json_validator: jsonschema.protocols.Validator
) -> None:
    tomorrow = datetime(2026, 7, 2, 14, 0, tzinfo=SHANGHAI)
    next_day = replace(_nasty_item(), id=9, title="参观学习", start=tomorrow)
    day = replace(_demo_day(next_day), end=datetime(2026, 7, 2, 16, 0, tzinfo=SHANGHAI))
    document = json.loads(to_frab_json(day))

    _assert_json_valid(json_validator, document)
    _assert_xml_valid(xml_schema, etree.ElementTree(etree.fromstring(to_frab_xml(day))))
    days = document["schedule"]["conference"]["days"]
    assert [(d["index"], d["date"], len(d["rooms"]["长沙市税务局三楼会议室"])) for d in days] == [
        (1, "2026-07-01", 7),
        (2, "2026-07-02", 1),
    ]
    assert days[0]["day_end"] == "2026-07-02T00:00:00+08:00"
    assert days[1]["day_start"] == "2026-07-02T00:00:00+08:00"


def test_exports_refuse_naive_datetimes() -> None:
    naive = replace(_demo_day().items[0], start=datetime(2026, 7, 1, 9, 0))

    with pytest.raises(ValueError, match="naive"):
        to_frab_json(replace(_demo_day(), items=(naive,)))


def test_xml_bidi_overrides_in_stored_titles_are_dropped(xml_schema: etree.XMLSchema) -> None:
    spoofed = replace(_nasty_item(), title="五微\u202e法作工\u202c")
    document = etree.ElementTree(etree.fromstring(to_frab_xml(_demo_day(spoofed))))
    _assert_xml_valid(xml_schema, document)
    assert document.find("day/room/event[8]").findtext("title") == "五微法作工"


def test_json_every_event_carries_a_description(json_validator: jsonschema.protocols.Validator) -> None:
    """A reader that shows an event's description must find the key on every event, a break
    or an opening too (one of them crashes on a missing key)."""
    document = json.loads(to_frab_json(_demo_day()))
    events = _json_events(document)
    assert all(isinstance(e.get("description"), str) for e in events)
    talk = next(e for e in events if e["type"] == "talk")
    assert talk["description"] == talk["abstract"] != ""
    _assert_json_valid(json_validator, document)
