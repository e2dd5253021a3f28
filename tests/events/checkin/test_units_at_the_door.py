"""The door and the registrations offer the tree of units: a person picks theirs (or types
its short name, read as the full name), and a guest still types any unit."""

from __future__ import annotations

import re

from events.tables import Attendee
from tests.conftest import text_of
from tests.events.checkin.test_checkin_http import open_event, register


async def test_the_door_suggests_the_units_and_reads_a_short_name_as_the_full_one(organiser, demo):
    event = await open_event(organiser, slug="door-units")
    page = await organiser.get("/e/door-units/checkin")
    assert re.search(
        r'list="unit-list".*<datalist id="unit-list">.*<option value="雨花区税务局">雨花区</option>', page.text, re.S
    )
    # registered under the full name; at the door typed by its short name: the same unit
    await register(organiser, event["id"], "彭强", "雨花区税务局", "")
    await register(organiser, event["id"], "彭强", "望城区税务局", "")
    done = await organiser.form("/e/door-units/checkin", {"name": "彭强", "unit": "雨花区"})
    assert done.status_code == 200 and "已签到" in text_of(done.text) and "雨花区税务局" in done.text
    # a guest's unit is free text (another phone)
    organiser.cookies.delete("showcase_device")
    guest = await organiser.form("/e/door-units/checkin", {"name": "访客甲", "unit": "湖南省某某协会"})
    assert guest.status_code == 200

    async def units():
        return {r["name"]: r["unit"] for r in await Attendee.select(Attendee.name, Attendee.unit)}

    assert (await organiser.run(units))["访客甲"] == "湖南省某某协会"


async def test_registering_one_person_offers_the_units_and_keeps_the_full_name(organiser, demo):
    event = await open_event(organiser, slug="reg-units")
    page = await organiser.get(f"/organiser/events/{event['id']}/attendees")
    assert '<datalist id="a-unit-list">' in page.text and "第一稽查局" in page.text
    await organiser.form(f"/organiser/events/{event['id']}/attendees", {"name": "谭玲", "unit": "第一稽查局"})

    async def units():
        return {r["name"]: r["unit"] for r in await Attendee.select(Attendee.name, Attendee.unit)}

    assert (await organiser.run(units))["谭玲"] == "长沙市税务局第一稽查局"


async def test_an_imported_list_keeps_units_by_their_full_names(organiser, demo):
    from tests.events.checkin.test_roster_import import confirm, token_of

    event = await open_event(organiser, slug="import-units")
    csv_bytes = "姓名,单位,手机\n彭强,雨花区,13800001111\n谭玲,第一稽查局,13900002222\n访客乙,湖南日报社,\n".encode()
    preview = await organiser.post(
        f"/organiser/events/{event['id']}/attendees/import",
        data={"_csrf_token": await organiser.csrf()},
        files={"file": ("名单.csv", csv_bytes, "text/csv")},
    )
    assert preview.status_code == 200
    await confirm(organiser, event["id"], token_of(preview.text))

    async def units():
        return {r["name"]: r["unit"] for r in await Attendee.select(Attendee.name, Attendee.unit)}

    assert await organiser.run(units) == {
        "彭强": "雨花区税务局",
        "谭玲": "长沙市税务局第一稽查局",
        "访客乙": "湖南日报社",
    }
