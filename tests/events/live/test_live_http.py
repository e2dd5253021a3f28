"""The live day through HTTP on the configured engine: stage control records what really
happens, and the public agenda, the attendees' pages and the projector follow it."""

from __future__ import annotations

import datetime as dt
import json
import re

from tests.conftest import text_of
from tests.events.checkin.test_checkin_http import open_event

CHINA = dt.timezone(dt.timedelta(hours=8))


async def live_day(organiser, started_minutes_ago: int = 10) -> tuple[dict, list[int]]:
    """A published day that started a while ago: two talks of 20 min, a 10 min break, a talk."""
    start = dt.datetime.now(CHINA) - dt.timedelta(minutes=started_minutes_ago)
    event = await open_event(
        organiser, date=start.strftime("%Y-%m-%d"), start_time=start.strftime("%H:%M"), end_time="23:59"
    )
    branch = (
        await organiser.api("POST", "/api/branches/", {"name": "党建工作科党支部", "unit": "芙蓉区税务局"})
    ).json()
    ids = []
    for kind, minutes, title in (
        ("presentation", 20, "37℃学习法"),
        ("presentation", 20, "红色税韵工作法"),
        ("break", 10, ""),
        ("presentation", 20, "支部夜校"),
    ):
        body: dict = {"kind": kind, "duration": minutes}
        if kind == "presentation":
            body["method_id"] = (
                await organiser.api("POST", "/api/methods/", {"title": title, "branch_id": branch["id"]})
            ).json()["id"]
        items = (await organiser.api("POST", f"/api/events/{event['id']}/agenda/items", body)).json()["items"]
        ids.append(items[-1]["id"])
    return event, ids


async def stage(organiser, event_id: int, action: str, version: int | None = None, **extra):
    if version is None:
        version = await current_version(organiser, event_id)
    return await organiser.form(f"/organiser/events/{event_id}/stage", {"action": action, "v": str(version), **extra})


async def current_version(organiser, event_id: int) -> int:
    page = (await organiser.get(f"/organiser/events/{event_id}/stage")).text
    return int(re.search(r'data-version="(\d+)"', page).group(1))


async def actual(organiser, event_id: int) -> list[dict]:
    from events.tables import AgendaItem

    return await organiser.run(
        lambda: (
            AgendaItem.select(
                AgendaItem.id,
                AgendaItem.actual_start,
                AgendaItem.actual_end,
                AgendaItem.extended,
                AgendaItem.skipped,
            )
            .where(AgendaItem.event == event_id)
            .order_by(AgendaItem.position)
        )
    )


def public_times(html: str) -> dict[int, str]:
    """Each item's shown (expected) start on the public agenda."""
    return {
        int(i): t
        for i, t in re.findall(
            r'data-item-id="(\d+)">\s*<div class="slot-time"><time class="js-start">(\d\d:\d\d)', html
        )
    }


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


async def test_start_next_and_extend_record_actual_times_and_move_the_public_agenda(organiser):
    event, ids = await live_day(organiser)
    page = (await organiser.get("/e/shuixin-2026")).text
    before = public_times(page)
    assert list(before) == ids
    # Ten minutes past the start and nothing started: the day already runs late, and says so.
    assert re.search(r"晚点 1[01] 分钟", text_of(page))
    assert 'class="slot kind-presentation state-coming"' in page

    started = await stage(organiser, event["id"], "next")
    assert started.status_code == 200 and "下一项已开始" in text_of(started.text)
    rows = await actual(organiser, event["id"])
    assert rows[0]["actual_start"] is not None and rows[0]["actual_end"] is None
    assert all(r["actual_start"] is None for r in rows[1:])

    page = (await organiser.get("/e/shuixin-2026")).text
    late = public_times(page)
    # The first talk started now, about 10 minutes late, as forecast: the times hold.
    assert 0 <= (minutes(late[ids[1]]) - minutes(before[ids[1]])) % 1440 <= 1
    assert re.search(r"晚点 1[01] 分钟", text_of(page))
    assert 'class="slot kind-presentation state-on_stage"' in page

    await stage(organiser, event["id"], "extend", minutes="5")
    extended = public_times((await organiser.get("/e/shuixin-2026")).text)
    assert [minutes(extended[i]) - minutes(late[i]) for i in ids[1:]] == [5, 5, 5]
    assert (await actual(organiser, event["id"]))[0]["extended"] == 5

    await stage(organiser, event["id"], "next")
    rows = await actual(organiser, event["id"])
    assert rows[0]["actual_end"] is not None and rows[1]["actual_start"] == rows[0]["actual_end"]
    # The attendees' feedback list shows the same: who is on stage, and the expected times.
    feedback = (await organiser.get("/e/shuixin-2026/feedback")).text
    assert f'class="slot state-on_stage" data-item-id="{ids[1]}"' in feedback


async def test_two_people_pressing_next_from_the_same_page_move_the_day_once(organiser):
    event, ids = await live_day(organiser)
    seen = await current_version(organiser, event["id"])
    await stage(organiser, event["id"], "next", seen)
    second = await stage(organiser, event["id"], "next", seen)  # the other organiser's stale page
    assert "其他人刚刚操作了舞台" in text_of(second.text)
    rows = await actual(organiser, event["id"])
    assert rows[0]["actual_start"] is not None and rows[0]["actual_end"] is None and rows[1]["actual_start"] is None


async def test_back_undoes_a_next_pressed_too_soon(organiser):
    event, ids = await live_day(organiser)
    await stage(organiser, event["id"], "next")
    first = (await actual(organiser, event["id"]))[0]["actual_start"]
    await stage(organiser, event["id"], "next")
    await stage(organiser, event["id"], "back")
    rows = await actual(organiser, event["id"])
    assert rows[0]["actual_start"] == first and rows[0]["actual_end"] is None
    assert rows[1]["actual_start"] is None and rows[1]["extended"] == 0


async def test_skipping_an_item_drops_it_from_the_expected_times_and_it_can_come_back(organiser):
    event, ids = await live_day(organiser, started_minutes_ago=30)  # 30 minutes behind: a skip gains time
    await stage(organiser, event["id"], "next")
    before = public_times((await organiser.get("/e/shuixin-2026")).text)
    await stage(organiser, event["id"], "skip", item=str(ids[1]))
    page = (await organiser.get("/e/shuixin-2026")).text
    after = public_times(page)
    assert f'state-skipped" data-item-id="{ids[1]}"' in page
    assert minutes(after[ids[2]]) - minutes(before[ids[2]]) in (-20, 1420)  # 20 minutes earlier (past midnight: +1420)
    await stage(organiser, event["id"], "next")
    assert (await actual(organiser, event["id"]))[2]["actual_start"] is not None  # the break, not the skipped talk
    await stage(organiser, event["id"], "skip", item=str(ids[3]))
    await stage(organiser, event["id"], "skip", item=str(ids[3]))
    assert (await actual(organiser, event["id"]))[3]["skipped"] is False


async def test_bad_stage_input_gets_a_clear_message_and_changes_nothing(organiser):
    event, ids = await live_day(organiser)
    await stage(organiser, event["id"], "next")
    before = await actual(organiser, event["id"])
    cases = [
        ({"action": "extend", "minutes": "0"}, "延长 1 到 60 分钟"),
        ({"action": "extend", "minutes": "abc"}, "延长 1 到 60 分钟"),
        ({"action": "extend", "minutes": "999"}, "延长 1 到 60 分钟"),
        ({"action": "jump"}, "未知的舞台操作"),
        ({"action": "skip", "item": "999999"}, "不在本活动的议程中"),
        ({"action": "skip", "item": "x"}, "请选择要跳过的环节"),
        ({"action": "reset"}, "勾选"),
    ]
    version = await current_version(organiser, event["id"])
    for data, message in cases:
        response = await organiser.form(f"/organiser/events/{event['id']}/stage", {"v": str(version), **data})
        assert response.status_code == 400, data
        assert message in text_of(response.text), (data, text_of(response.text)[:300])
    missing = await organiser.form(f"/organiser/events/{event['id']}/stage", {"action": "next"})
    assert missing.status_code == 400 and "重新加载" in text_of(missing.text)
    assert await actual(organiser, event["id"]) == before
    assert (await organiser.form("/organiser/events/999999/stage", {"action": "next", "v": "0"})).status_code == 404


async def test_the_live_stream_sends_the_board_with_expected_times(organiser):
    event, ids = await live_day(organiser)
    await stage(organiser, event["id"], "next")
    response = await organiser.get("/e/shuixin-2026/live")  # the test stream ends after 0.3 s
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    assert "retry: 2000" in response.text
    board = json.loads(re.search(r"^data: (.+)$", response.text, re.M).group(1))
    assert board["on"] == ids[0] and board["next"] == ids[1] and board["day"] == "live"
    assert [row[0] for row in board["items"]] == ids and board["items"][0][3] == "on_stage"
    assert "count" not in board  # attendees' stream: no check-in numbers
    organisers = await organiser.get(f"/organiser/events/{event['id']}/live")
    assert json.loads(re.search(r"^data: (.+)$", organisers.text, re.M).group(1))["count"] == 0
    assert (await organiser.get("/e/no-such-day/live")).status_code == 404


async def test_projector_page_holds_titles_qr_codes_and_the_board(organiser):
    event, ids = await live_day(organiser)
    await stage(organiser, event["id"], "next")
    page = await organiser.get(f"/organiser/events/{event['id']}/projector")
    assert page.status_code == 200
    items = json.loads(re.search(r'<script type="application/json" id="live-items">(.+?)</script>', page.text).group(1))
    assert items[str(ids[0])]["t"] == "37℃学习法" and items[str(ids[0])]["w"] == "芙蓉区税务局 · 党建工作科党支部"
    board = json.loads(re.search(r'<script type="application/json" id="live-board">(.+?)</script>', page.text).group(1))
    assert board["on"] == ids[0] and board["count"] == 0
    # A feedback QR for every talk, and the door's check-in QR.
    assert sorted(int(i) for i in re.findall(r'<template id="rate-qr-(\d+)">', page.text)) == sorted(
        [ids[0], ids[1], ids[3]]
    )
    assert page.text.count("<svg") == 4


async def test_planned_and_actual_times_are_in_the_report(organiser):
    event, ids = await live_day(organiser)
    for _ in range(4):
        await stage(organiser, event["id"], "next")
    last = await stage(organiser, event["id"], "next")
    assert "最后一项已结束" in text_of(last.text) and 'id="stage-next"' not in last.text  # nothing left to press
    stage_page = text_of((await organiser.get(f"/organiser/events/{event['id']}/stage")).text)
    assert "计划与实际" in stage_page and "活动已结束" in stage_page
    report = text_of((await organiser.get(f"/organiser/events/{event['id']}/feedback/report.html")).text)
    assert "计划与实际" in report and "红色税韵工作法" in report


async def test_feedback_on_a_talk_opens_when_it_really_starts_on_a_late_day(organiser):
    event, ids = await live_day(organiser, started_minutes_ago=30)  # by the plan, talk 2 started 10 minutes ago
    await organiser.form(f"/organiser/events/{event['id']}/feedback/settings", {"anonymous": "on"})
    await stage(organiser, event["id"], "next")  # talk 1 starts, 30 minutes late
    await organiser.get(f"/e/shuixin-2026/feedback/{ids[1]}")  # the phone gets its device cookie
    refused = await organiser.form(f"/e/shuixin-2026/feedback/{ids[1]}", {"rating": "5"})
    assert refused.status_code == 403 and "开始" in text_of(refused.text)
    await stage(organiser, event["id"], "next")  # now talk 2 is on stage
    assert (await organiser.form(f"/e/shuixin-2026/feedback/{ids[1]}", {"rating": "5"})).status_code == 200


def shown_slot(html: str, item_id: int) -> tuple[str, str, str]:
    """One item on the public agenda: its shown start, end and length."""
    block = re.search(rf'data-item-id="{item_id}">(.*?)</li>', html, re.S).group(1)
    start = re.search(r'class="js-start">(\d\d:\d\d)<', block).group(1)
    end = re.search(r'class="muted js-end">(\d\d:\d\d)<', block).group(1)
    length = text_of(re.search(r'<p class="duration[^"]*"[^>]*>(.*?)</p>', block, re.S).group(1)).strip()
    return start, end, length


async def test_plus_five_minutes_shows_the_new_length_and_end_on_the_public_agenda(organiser):
    event, ids = await live_day(organiser)
    assert shown_slot((await organiser.get("/e/shuixin-2026")).text, ids[0])[2] == "20分钟"
    await stage(organiser, event["id"], "next")
    start, end, length = shown_slot((await organiser.get("/e/shuixin-2026")).text, ids[0])
    assert length == "20分钟" and minutes(end) - minutes(start) in (20, 20 - 1440)
    await stage(organiser, event["id"], "extend", minutes="5")
    page = (await organiser.get("/e/shuixin-2026")).text
    start, end, length = shown_slot(page, ids[0])
    assert length == "25分钟"
    assert (minutes(end) - minutes(start)) % 1440 == 25
    assert shown_slot(page, ids[1])[2] == "20分钟"  # the next talk keeps its own length
    board = json.loads(re.search(r'<script type="application/json" id="live-board">(.*?)</script>', page).group(1))
    assert [row[5] for row in board["items"]][:2] == [25, 20]  # the live page updates it from here
