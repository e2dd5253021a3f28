"""Site-wide behaviour: health, exports' validity, home page."""

import icalendar
from lxml import etree

from tests.events.programme.test_exports import SCHEMAS  # noqa: F401  (fails loudly if schemas are missing)


async def test_healthz_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_home_lists_published_events(client, demo):
    response = await client.get("/")
    assert "税心向党·书记说" in response.text


async def test_ics_export_parses(client, demo):
    response = await client.get("/e/shuixin-2026/agenda.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"  # one charset, not two
    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert "“37℃学习法”" in summaries
    assert len(summaries) == 8


async def test_schedule_xml_validates_against_c3voc_xsd(client, demo):
    from tests.events.programme.test_exports import SCHEMAS as schemas

    response = await client.get("/e/shuixin-2026/schedule.xml")
    schema = etree.XMLSchema(etree.parse(str(schemas / "schedule.xml.xsd")))
    document = etree.fromstring(response.content)
    assert schema.validate(document), schema.error_log
    assert len(document.findall(".//event")) == 8


async def test_schedule_json_validates(client, demo):
    import json

    import jsonschema

    from tests.events.programme.test_exports import SCHEMAS as schemas

    response = await client.get("/e/shuixin-2026/schedule.json")
    jsonschema.Draft6Validator(json.loads((schemas / "schedule.schema.json").read_text())).validate(response.json())


async def test_exports_of_unpublished_or_unknown_event_are_404(client):
    for path in ("/e/nope/agenda.ics", "/e/nope/schedule.json", "/e/nope/schedule.xml"):
        assert (await client.get(path)).status_code == 404
