"""A rehearsal (彩排) the day before, in a real browser, over two app processes that share
only the database: the organiser rehearses on one, the projector and an attendee's phone are
served by the other. The projector follows the rehearsal and says 彩排; the phone sees nothing
start and cannot rate the rehearsed talk; starting the day for real clears the rehearsal."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest

from tests.browser.conftest import _prepare, log_in
from tests.servers import app_servers

pytestmark = pytest.mark.browser

CHINA = dt.timezone(dt.timedelta(hours=8))


async def demo_day_tomorrow() -> dict:
    """The demo day, tomorrow at this time: rehearsal times differ from the plan by a day."""
    from events.tables import AgendaItem, Event

    start = dt.datetime.now(CHINA) + dt.timedelta(days=1)
    await Event.update(
        {
            Event.date: start.date(),
            Event.start_time: start.time().replace(second=0, microsecond=0),
            Event.end_time: dt.time(23, 59),
            Event.feedback_anonymous: True,  # any phone may rate, once feedback is open
        }
    ).where(Event.slug == "shuixin-2026")
    event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
    items = (
        await AgendaItem.select(AgendaItem.id, AgendaItem.kind, AgendaItem.title, AgendaItem.method.title)
        .where(AgendaItem.event == event["id"])
        .order_by(AgendaItem.position)
    )
    return {"id": event["id"], "items": items}


@pytest.fixture
def two_servers() -> Iterator[tuple[str, str, dict]]:
    asyncio.run(_prepare())
    day = asyncio.run(demo_day_tomorrow())
    with app_servers(2) as urls:
        yield urls[0], urls[1], day


def visible_on_badges(page) -> int:
    """How many "正在进行" badges a person sees on the public agenda."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.on-badge')).filter(b => b.offsetParent !== null).length"
    )


def test_a_rehearsal_shows_on_the_projector_but_never_on_the_phone(two_servers, browser):
    control_url, screens_url, day = two_servers
    opening, first_talk = day["items"][0], day["items"][1]
    organiser = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    control = organiser.new_page()
    log_in(control, control_url, "organiser")
    control.goto(f"{control_url}/organiser/events/{day['id']}/stage")
    projector_context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    projector = projector_context.new_page()
    log_in(projector, screens_url, "organiser")
    projector.goto(f"{screens_url}/organiser/events/{day['id']}/projector")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(f"{screens_url}/e/shuixin-2026")
    planned = phone.evaluate(
        "() => Array.from(document.querySelectorAll('li[data-item-id] .js-start')).map(t => t.textContent)"
    )
    assert projector.is_hidden("#rehearsal-flag")

    # The organiser starts a rehearsal: the stage control says so, and how to end it.
    control.click("#start-rehearsal")
    assert control.is_visible("#rehearsal-banner")
    assert "彩排中" in control.inner_text("#rehearsal-banner")
    assert control.is_visible("#end-rehearsal") and control.is_visible("#go-live")
    # The other process's projector hears of it from the database, and says 彩排.
    projector.wait_for_selector("#rehearsal-flag:not([hidden])", timeout=4000)
    assert projector.inner_text("#rehearsal-flag") == "彩排"

    # Rehearse the opening, then the first talk.
    control.click("#stage-next")
    projector.wait_for_function(
        "t => document.querySelector('#now-title').textContent === t", arg=opening["title"], timeout=4000
    )
    control.click("#stage-next")
    projector.wait_for_function(
        "t => document.querySelector('#now-title').textContent === t", arg=first_talk["method.title"], timeout=4000
    )
    assert projector.is_visible("#countdown") and projector.is_visible("#rehearsal-flag")
    late = projector.inner_text("#live-late")
    assert "1440" not in late and "-" not in late

    # The phone: nothing on stage, nothing late, the plan's times, no reload needed.
    phone.wait_for_timeout(2500)  # more than two reads of the stage by the phone's process
    assert phone.locator("li[data-item-id].state-on_stage, li[data-item-id].state-done").count() == 0
    assert visible_on_badges(phone) == 0 and phone.is_hidden("#live-late")
    assert (
        phone.evaluate(
            "() => Array.from(document.querySelectorAll('li[data-item-id] .js-start')).map(t => t.textContent)"
        )
        == planned
    )
    phone.reload()
    assert phone.locator("li[data-item-id].state-on_stage").count() == 0 and visible_on_badges(phone) == 0
    # Feedback on the rehearsed talk stays closed.
    phone.goto(f"{screens_url}/e/shuixin-2026/feedback/{first_talk['id']}")
    assert "方可评价" in phone.inner_text("main") and phone.locator("input[name=rating]").count() == 0

    # The day starts for real: the rehearsal's times go, the first item starts now, everywhere.
    control.click("#go-live")
    assert control.locator("#rehearsal-banner").count() == 0
    assert "正式开始" in control.inner_text(".notice")
    projector.wait_for_selector("#rehearsal-flag[hidden]", state="attached", timeout=4000)
    projector.wait_for_function(
        "t => document.querySelector('#now-title').textContent === t", arg=opening["title"], timeout=4000
    )
    phone.goto(f"{screens_url}/e/shuixin-2026")
    phone.wait_for_selector(f"li[data-item-id='{opening['id']}'].state-on_stage", timeout=4000)
    assert visible_on_badges(phone) == 1
    assert phone.locator(f"li[data-item-id='{first_talk['id']}'].state-coming").count() == 1
