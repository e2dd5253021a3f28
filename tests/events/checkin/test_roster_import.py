"""Attendee imports that lose nothing and add nothing twice, on the configured engine: a
list of any size the preview accepts is stored, a confirmation sent twice (or from two tabs)
imports once, and rows already on the list are flagged "已导入" and skipped."""

from __future__ import annotations

import asyncio
import html
import re

from tests.conftest import text_of
from tests.events.checkin.test_checkin_http import open_event


def roster_csv(count: int, start: int = 0) -> bytes:
    lines = ["姓名,单位,手机,邮箱"]
    for n in range(start, start + count):
        lines.append(f"参会人{n},第{n % 37}党支部,139{n:08d},p{n}@example.cn")
    return ("\n".join(lines) + "\n").encode()


async def preview(organiser, event_id: int, content: bytes):
    return await organiser.post(
        f"/organiser/events/{event_id}/attendees/import",
        data={"_csrf_token": await organiser.csrf()},
        files={"file": ("名单.csv", content, "text/csv")},
    )


def payload_of(page: str) -> str:
    return html.unescape(re.search(r'name="payload" value="([^"]*)"', page).group(1))


async def registered(organiser, event_id: int) -> int:
    return (await organiser.get(f"/api/events/{event_id}/attendance")).json()["registered"]


async def test_import_of_5000_rows_is_stored_whole(organiser):
    event = await open_event(organiser)
    shown = await preview(organiser, event["id"], roster_csv(5000))
    assert shown.status_code == 200 and "可导入5000行" in text_of(shown.text)
    confirmed = await organiser.form(
        f"/organiser/events/{event['id']}/attendees/import/confirm",
        {"payload": payload_of(shown.text)},
        follow_redirects=False,
    )
    assert confirmed.status_code in (302, 303), (confirmed.status_code, text_of(confirmed.text)[:300])
    assert await registered(organiser, event["id"]) == 5000
    page = await organiser.get(f"/organiser/events/{event['id']}/attendees", params={"q": "参会人4999"})
    assert "第4999党支部" not in page.text and "参会人4999" in page.text  # the last row, with its own unit
    assert f"第{4999 % 37}党支部" in page.text


async def test_import_confirmed_twice_imports_once(organiser):
    event = await open_event(organiser)
    shown = await preview(organiser, event["id"], roster_csv(30))
    url = f"/organiser/events/{event['id']}/attendees/import/confirm"
    first = await organiser.form(url, {"payload": payload_of(shown.text)})
    second = await organiser.form(url, {"payload": payload_of(shown.text)})  # the back button, or a double click
    assert first.status_code == 200 and "已导入30人" in text_of(first.text)
    assert second.status_code == 200 and "已导入" in text_of(second.text) and "没有新增" in text_of(second.text)
    assert await registered(organiser, event["id"]) == 30


async def test_import_confirmed_from_two_tabs_at_once_imports_once(organiser):
    """Two confirmations of one preview in two transactions at the same moment (the test
    client answers requests one at a time, so they meet here, on the database)."""
    from events.checkin import queries as cq

    event = await open_event(organiser)
    people = [{"name": f"参会人{n}", "unit": "第一党支部", "phone": f"139{n:08d}", "email": ""} for n in range(400)]

    async def both() -> list[tuple[int, int]]:
        return list(await asyncio.gather(*(cq.import_attendees(event["id"], "d" * 64, people) for _ in range(2))))

    outcomes = await organiser.run(both)
    assert sorted(outcomes) == [(0, 400), (400, 0)]
    assert await registered(organiser, event["id"]) == 400


async def test_import_preview_flags_rows_already_imported_and_confirm_skips_them(organiser):
    event = await open_event(organiser)
    first = await preview(organiser, event["id"], roster_csv(3))
    await organiser.form(
        f"/organiser/events/{event['id']}/attendees/import/confirm", {"payload": payload_of(first.text)}
    )
    again = await preview(organiser, event["id"], roster_csv(5))  # the same three, and two more
    text = text_of(again.text)
    assert again.status_code == 200
    assert text.count("已导入") >= 3 and "可导入2行" in text and "3行已导入，将跳过" in text
    assert "导入2人" in text
    await organiser.form(
        f"/organiser/events/{event['id']}/attendees/import/confirm", {"payload": payload_of(again.text)}
    )
    assert await registered(organiser, event["id"]) == 5


async def test_import_of_a_list_already_imported_offers_nothing_to_confirm(organiser):
    event = await open_event(organiser)
    first = await preview(organiser, event["id"], roster_csv(3))
    await organiser.form(
        f"/organiser/events/{event['id']}/attendees/import/confirm", {"payload": payload_of(first.text)}
    )
    again = await preview(organiser, event["id"], roster_csv(3))
    assert again.status_code == 200 and "3行已导入，将跳过" in text_of(again.text)
    assert 'name="payload"' not in again.text
    assert await registered(organiser, event["id"]) == 3


async def test_import_of_people_deleted_since_brings_them_back(organiser):
    event = await open_event(organiser)
    first = await preview(organiser, event["id"], roster_csv(2))
    url = f"/organiser/events/{event['id']}/attendees/import/confirm"
    await organiser.form(url, {"payload": payload_of(first.text)})
    await organiser.form(f"/organiser/events/{event['id']}/attendees/erase", {"confirm": "yes"})
    assert await registered(organiser, event["id"]) == 0
    again = await preview(organiser, event["id"], roster_csv(2))
    assert "可导入2行" in text_of(again.text)
    await organiser.form(url, {"payload": payload_of(again.text)})
    assert await registered(organiser, event["id"]) == 2
