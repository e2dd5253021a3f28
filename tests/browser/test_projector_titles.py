"""The projector from the back of the hall: a title in “…” is never split across two lines
when it fits on one, at 1920x1080 and at 1280x720 (the usual projector resolutions)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_live_day import in_thread

pytestmark = pytest.mark.browser

TITLE = "党建与业务融合的“红色引擎”工作法"
TOO_LONG = "党建与业务融合的“红色引擎·纳税服务”工作法"  # cannot keep its quote whole in two lines


async def talks_on_stage() -> int:
    """The first talk on stage, the second one next."""
    from events.live import queries as lq
    from events.tables import AgendaItem, Event
    from presenters.tables import Method

    now = dt.datetime.now(dt.UTC)
    start = now.astimezone(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=15)
    await Event.update(
        {
            Event.date: start.date(),
            Event.start_time: start.time().replace(second=0, microsecond=0),
            Event.end_time: dt.time(23, 59),
        }
    ).where(Event.slug == "shuixin-2026")
    event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
    talks = (
        await AgendaItem.select(AgendaItem.method)
        .where((AgendaItem.event == event["id"]) & (AgendaItem.kind == "presentation"))
        .order_by(AgendaItem.position)
        .limit(2)
    )
    for talk, title in zip(talks, (TITLE, TOO_LONG), strict=True):
        await Method.update({Method.title: title}).where(Method.id == talk["method"])
    for minutes_ago in (15, 5):  # the opening, then the first talk
        version = (await Event.select(Event.live_version).where(Event.id == event["id"]).first())["live_version"]
        assert await lq.act(event["id"], "next", version, now - dt.timedelta(minutes=minutes_ago)) == "ok"
    return event["id"]


async def next_talk(event_id: int) -> None:
    from events.live import queries as lq
    from events.tables import Event

    version = (await Event.select(Event.live_version).where(Event.id == event_id).first())["live_version"]
    assert await lq.act(event_id, "next", version, dt.datetime.now(dt.UTC)) == "ok"


@pytest.fixture
def event_id(live_server) -> int:
    """Runs before the browser starts: Playwright's sync API keeps an event loop running."""
    return asyncio.run(talks_on_stage())


LINES = """el => {
    // The line each character of the element's text sits on, by the top of its box.
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const lines = [];
    let top = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (!rect) continue;
            if (top === null || rect.top > top + rect.height / 2) { lines.push(""); top = rect.top; }
            lines[lines.length - 1] += node.data[i];
        }
    }
    return lines;
}"""


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_the_projector_never_splits_a_quoted_title(live_server, event_id, browser, width, height):
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
    log_in(page, live_server, "organiser")
    page.goto(f"{live_server}/organiser/events/{event_id}/projector")
    page.wait_for_function("t => document.querySelector('#now-title').textContent === t", arg=TITLE, timeout=5000)
    lines = page.eval_on_selector("#now-title", LINES)
    page.screenshot(path=f"/tmp/projector-{width}.png")
    assert "".join(lines) == TITLE and len(lines) == 2, lines
    assert any("“红色引擎”" in line for line in lines), lines
    assert len(lines[-1]) > 2, lines


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_a_title_too_long_to_keep_its_quote_whole_still_shows_whole_in_two_lines(
    live_server, event_id, browser, width, height
):
    """Its quote breaks rather than a third line being cut off by the two-line limit."""
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
    log_in(page, live_server, "organiser")
    page.goto(f"{live_server}/organiser/events/{event_id}/projector")
    page.wait_for_function("t => document.querySelector('#now-title').textContent === t", arg=TITLE, timeout=5000)
    in_thread(next_talk(event_id))
    page.wait_for_function("t => document.querySelector('#now-title').textContent === t", arg=TOO_LONG, timeout=5000)
    lines = page.eval_on_selector("#now-title", LINES)
    assert "".join(lines) == TOO_LONG and len(lines) == 2, lines
