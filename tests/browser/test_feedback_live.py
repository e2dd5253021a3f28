"""Feedback in a real browser: a phone rates a presentation with two taps, and the
organiser's results page, left open, shows it without a reload."""

import asyncio
import datetime as dt
import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


async def open_feedback() -> tuple[int, int]:
    """The demo day started an hour ago (China time); anyone may rate, one per phone."""
    from events.tables import AgendaItem, Event

    start = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=1)
    await Event.update(
        {
            Event.date: start.date(),
            Event.start_time: start.time().replace(second=0, microsecond=0),
            Event.end_time: dt.time(23, 59),
            Event.feedback_anonymous: True,
            Event.feedback_from_event_start: True,
        }
    ).where(Event.slug == "shuixin-2026")
    event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
    item = (
        await AgendaItem.select(AgendaItem.id)
        .where((AgendaItem.event == event["id"]) & (AgendaItem.kind == "presentation"))
        .order_by(AgendaItem.position)
        .first()
    )
    return event["id"], item["id"]


@pytest.fixture
def feedback_open(live_server) -> tuple[int, int]:
    return asyncio.run(open_feedback())


def test_phone_rating_appears_on_the_open_results_page(live_server, feedback_open, browser):
    event_id, item_id = feedback_open
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.clock.install()  # the page polls every 10 s: let the test move time on instead of waiting
    log_in(desk, live_server, "organiser")
    desk.goto(f"{live_server}/organiser/events/{event_id}/feedback/")
    assert "4.00" not in desk.inner_text("#ranking")
    before = desk.inner_text("#comments")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(f"{live_server}/e/shuixin-2026/feedback/{item_id}")
    phone.click("label.star:has-text('4')")
    phone.fill("#comment", "讲得清楚，方法可以推广")
    phone.click("button[type=submit]")
    phone.wait_for_url(re.compile(r"/feedback\?saved="))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    assert desk.inner_text("#comments") == before  # nothing changes until the next poll
    desk.clock.run_for(11_000)
    desk.wait_for_function("() => document.querySelector('#comments').innerText.includes('讲得清楚')", timeout=5000)
    assert "4.00" in desk.inner_text("#ranking")
    assert desk.is_visible("#live-stamp")
    assert desk.url.endswith("/feedback/")  # no reload, no navigation
