"""A rehearsal (彩排) through HTTP on the configured engine: the stage control and the
projector run it, the public agenda, its live stream, schedule.json and feedback behave as
if nothing had started, and the rehearsal's times go when it ends or the day really starts."""

from __future__ import annotations

import datetime as dt
import json
import re

from tests.conftest import text_of
from tests.events.live.test_live_http import actual, live_day, public_times, stage

DAY = 24 * 60


def board_of(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="live-board">(.*?)</script>', html).group(1))


def streamed_board(response) -> dict:
    return json.loads(re.search(r"^data: (.+)$", response.text, re.M).group(1))


def shown_delays(stage_html: str) -> list[int]:
    """The start delays in the stage page's running order (empty cells left out)."""
    cells = re.findall(r'data-label="开始延迟">([^<]*)</td>', stage_html)
    return [int(re.match(r"([+-]\d+)", cell.strip()).group(1)) for cell in cells if cell.strip()]


async def test_a_rehearsal_the_day_before_shows_on_the_stage_and_projector_only(organiser):
    event, ids = await live_day(organiser, started_minutes_ago=-DAY)  # tomorrow, at this time
    eid = event["id"]
    await organiser.form(f"/organiser/events/{eid}/feedback/settings", {"anonymous": "on"})
    public_before = (await organiser.get("/e/shuixin-2026")).text
    schedule_before = (await organiser.get("/e/shuixin-2026/schedule.json")).content
    assert "开始彩排" in text_of((await organiser.get(f"/organiser/events/{eid}/stage")).text)

    started = await stage(organiser, eid, "rehearse")
    assert started.status_code == 200
    assert "彩排中" in text_of(started.text) and "结束彩排" in text_of(started.text)
    await stage(organiser, eid, "next")  # the opening talk, rehearsed
    await stage(organiser, eid, "next")  # the second talk on stage
    await stage(organiser, eid, "extend", minutes="5")
    rows = await actual(organiser, eid)
    assert rows[0]["actual_end"] is not None and rows[1]["actual_start"] is not None and rows[1]["extended"] == 5

    # The stage control: clearly a rehearsal, on the rehearsal's own clock (no "-1440 min").
    page = (await organiser.get(f"/organiser/events/{eid}/stage")).text
    assert "彩排中" in text_of(page) and "结束彩排" in text_of(page)
    assert board_of(page)["rehearsal"] is True and board_of(page)["on"] == ids[1]
    # Pressed in quick succession: the second talk started 20 min early on the rehearsal's
    # clock. Whatever the delays, within the agenda's 70 minutes, never a day.
    assert shown_delays(page) and all(abs(n) <= 70 for n in shown_delays(page)), shown_delays(page)
    assert board_of(page)["late"] <= 5
    # The projector shows the rehearsal, and says so.
    projector = (await organiser.get(f"/organiser/events/{eid}/projector")).text
    assert board_of(projector)["rehearsal"] is True and board_of(projector)["on"] == ids[1]
    flag = re.search(r'<p class="rehearsal" id="rehearsal-flag"( hidden)?>([^<]*)</p>', projector)
    assert flag and flag.group(1) is None and "彩排" in flag.group(2)
    organisers = streamed_board(await organiser.get(f"/organiser/events/{eid}/live"))
    assert organisers["rehearsal"] is True and organisers["on"] == ids[1]

    # The public: nothing started, nothing on stage, nothing late, the plan's times.
    public = (await organiser.get("/e/shuixin-2026")).text
    assert "state-on_stage" not in public and "state-done" not in public
    assert public_times(public) == public_times(public_before)
    assert re.search(r'<p id="live-late"[^>]*hidden>', public)
    quiet = {k: v for k, v in board_of(public).items() if k != "v"}
    assert quiet == {k: v for k, v in board_of(public_before).items() if k != "v"}
    assert quiet["day"] == "before" and quiet["on"] is None and "rehearsal" not in quiet
    streamed = streamed_board(await organiser.get("/e/shuixin-2026/live"))
    assert streamed["day"] == "before" and streamed["on"] is None and streamed["late"] == 0
    assert {row[3] for row in streamed["items"]} == {"coming"} and "rehearsal" not in streamed
    assert (await organiser.get("/e/shuixin-2026/schedule.json")).content == schedule_before
    # Feedback stays closed for the rehearsed talks.
    listing = (await organiser.get("/e/shuixin-2026/feedback")).text
    assert "state-on_stage" not in listing and "state-done" not in listing
    for talk in (ids[0], ids[1]):
        form = await organiser.get(f"/e/shuixin-2026/feedback/{talk}")
        assert "方可评价" in text_of(form.text) and 'name="rating"' not in form.text
        refused = await organiser.form(f"/e/shuixin-2026/feedback/{talk}", {"rating": "5"})
        assert refused.status_code == 403 and "方可评价" in text_of(refused.text)


async def test_ending_the_rehearsal_clears_its_times_and_touches_nothing_else(organiser):
    from events.tables import EventVote, Feedback

    event, ids = await live_day(organiser, started_minutes_ago=-DAY)
    eid = event["id"]
    await stage(organiser, eid, "skip", item=str(ids[3]))  # dropped for real, before the rehearsal
    assert (await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲", "unit": "第一稽查局"})).status_code == 200
    await organiser.run(lambda: Feedback.insert(Feedback(event=eid, item=ids[0], device="d1", rating=5)))
    await organiser.run(lambda: EventVote.insert(EventVote(event=eid, device="d1", choice=ids[1], rating=4)))

    await stage(organiser, eid, "rehearse")
    await stage(organiser, eid, "next")
    await stage(organiser, eid, "extend", minutes="2")
    await stage(organiser, eid, "skip", item=str(ids[2]))  # a skip rehearsed
    public = (await organiser.get("/e/shuixin-2026")).text
    assert f'state-skipped" data-item-id="{ids[3]}"' in public  # the real skip shows all along
    assert f'state-coming" data-item-id="{ids[2]}"' in public  # the rehearsed one does not

    ended = await stage(organiser, eid, "end_rehearsal")
    assert ended.status_code == 200 and "彩排已结束" in text_of(ended.text)
    assert "彩排中" not in text_of(ended.text) and "开始彩排" in text_of(ended.text)
    rows = await actual(organiser, eid)
    assert [(r["actual_start"], r["actual_end"], r["extended"]) for r in rows] == [(None, None, 0)] * 4
    assert [r["skipped"] for r in rows] == [False, False, False, True]
    assert board_of(ended.text)["rehearsal"] is False and board_of(ended.text)["day"] == "before"
    stats = (await organiser.get(f"/api/events/{eid}/attendance")).json()
    assert stats["checked_in"] == 1
    assert await organiser.run(lambda: Feedback.count().where(Feedback.event == eid)) == 1
    assert await organiser.run(lambda: EventVote.count().where(EventVote.event == eid)) == 1


async def test_starting_the_first_item_for_real_clears_the_rehearsal(organiser):
    event, ids = await live_day(organiser, started_minutes_ago=-5)  # the morning of the day
    eid = event["id"]
    await stage(organiser, eid, "rehearse")
    await stage(organiser, eid, "next")
    await stage(organiser, eid, "next")
    rehearsed = await actual(organiser, eid)
    before = dt.datetime.now(dt.UTC)
    live = await stage(organiser, eid, "go_live")
    assert live.status_code == 200 and "正式开始" in text_of(live.text) and "彩排中" not in text_of(live.text)
    rows = await actual(organiser, eid)
    assert (
        rows[0]["actual_start"] >= before - dt.timedelta(seconds=1)
        and rows[0]["actual_start"] != rehearsed[0]["actual_start"]
    )
    assert rows[0]["actual_end"] is None and all(r["actual_start"] is None for r in rows[1:])
    board = board_of(live.text)
    assert board["rehearsal"] is False and board["on"] == ids[0]
    # Now it is the real day: the public sees it.
    assert f'state-on_stage" data-item-id="{ids[0]}"' in (await organiser.get("/e/shuixin-2026")).text


async def test_no_rehearsal_once_the_day_has_really_started(organiser):
    event, ids = await live_day(organiser)
    eid = event["id"]
    await stage(organiser, eid, "next")  # for real
    before = await actual(organiser, eid)
    refused = await stage(organiser, eid, "rehearse")
    assert refused.status_code == 409 and "已正式开始" in text_of(refused.text)
    assert "彩排中" not in text_of(refused.text)
    assert await actual(organiser, eid) == before
    nothing = await stage(organiser, eid, "end_rehearsal")  # no rehearsal to end: nothing cleared
    assert nothing.status_code == 200 and "没有正在进行的彩排" in text_of(nothing.text)
    assert await actual(organiser, eid) == before


async def test_two_organisers_starting_a_rehearsal_from_the_same_page_start_it_once(organiser):
    event, ids = await live_day(organiser, started_minutes_ago=-DAY)
    eid = event["id"]
    page = (await organiser.get(f"/organiser/events/{eid}/stage")).text
    seen = int(re.search(r'data-version="(\d+)"', page).group(1))
    await stage(organiser, eid, "rehearse", seen)
    again = await stage(organiser, eid, "rehearse", seen)
    assert "其他人刚刚操作了舞台" in text_of(again.text)
    once_more = await stage(organiser, eid, "rehearse")  # from a fresh page
    assert "彩排已在进行" in text_of(once_more.text)


async def test_times_from_another_day_never_show_as_a_delay_in_minutes(organiser):
    """Times recorded on another day than planned (pressed "start" the day before without a
    rehearsal): no "开始延迟 -1440 分钟" on the stage, the public agenda or the report."""
    from events.tables import AgendaItem

    event, ids = await live_day(organiser, started_minutes_ago=-DAY)
    eid = event["id"]
    await stage(organiser, eid, "next")
    await stage(organiser, eid, "next")
    started = (await actual(organiser, eid))[0]["actual_start"]
    await organiser.run(
        lambda: AgendaItem.update({AgendaItem.actual_start: started - dt.timedelta(days=8)}).where(
            AgendaItem.id == ids[0]
        )
    )
    page = (await organiser.get(f"/organiser/events/{eid}/stage")).text
    assert shown_delays(page) == [], shown_delays(page)
    assert all(row[4] == 0 for row in board_of(page)["items"]) and board_of(page)["late"] == 0
    public = text_of((await organiser.get("/e/shuixin-2026")).text)
    assert "晚点" not in public and not re.search(r"-\d{3,}", public)
    report = (await organiser.get(f"/organiser/events/{eid}/feedback/report.html")).text
    assert "计划与实际" in text_of(report) and not re.search(r"[+-]\d{3,}", text_of(report))
