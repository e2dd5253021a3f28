"""The live day in a real browser: the stage control and the projector open side by side,
and an attendee's phone on the public agenda. What is pressed on one shows on the others
by itself, within two seconds, over server-sent events."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.conftest import log_in
from tests.netproxy import relay

pytestmark = pytest.mark.browser

CHINA = dt.timezone(dt.timedelta(hours=8))


async def start_demo_day_25_minutes_ago() -> dict:
    from events.tables import AgendaItem, Event

    start = dt.datetime.now(CHINA) - dt.timedelta(minutes=25)
    await Event.update(
        {
            Event.date: start.date(),
            Event.start_time: start.time().replace(second=0, microsecond=0),
            Event.end_time: dt.time(23, 59),
        }
    ).where(Event.slug == "shuixin-2026")
    event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
    items = (
        await AgendaItem.select(AgendaItem.id, AgendaItem.kind, AgendaItem.title, AgendaItem.method.title)
        .where(AgendaItem.event == event["id"])
        .order_by(AgendaItem.position)
    )
    return {"id": event["id"], "items": items}


async def started_minutes_ago(item_id: int, minutes: float) -> None:
    """As if the item on stage had started earlier (the projector notices within a second)."""
    from events.tables import AgendaItem

    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    await AgendaItem.update({AgendaItem.actual_start: moment}).where(AgendaItem.id == item_id)


def in_thread(coroutine) -> None:
    """Playwright's sync API runs an event loop in this thread: database work goes to another."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def day(live_server) -> dict:
    return asyncio.run(start_demo_day_25_minutes_ago())


def shown_starts(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll('li[data-item-id]'))
        .map(li => [li.dataset.itemId, li.querySelector('.js-start').textContent]))""")


def minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def test_next_on_the_stage_control_changes_the_projector_and_extend_moves_the_public_agenda(live_server, day, browser):
    organiser = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    control = organiser.new_page()
    log_in(control, live_server, "organiser")
    control.goto(f"{live_server}/organiser/events/{day['id']}/stage")
    projector = organiser.new_page()
    projector.set_viewport_size({"width": 1600, "height": 900})
    projector.goto(f"{live_server}/organiser/events/{day['id']}/projector")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(f"{live_server}/e/shuixin-2026")
    items = day["items"]
    opening, first_talk, second_talk = items[0], items[1], items[2]

    # Before the day: the projector shows what starts first.
    assert projector.inner_text("#now-title") == opening["title"]
    assert projector.is_hidden("#countdown")

    # "Start" on the stage control: the projector follows within two seconds, no clicks on it.
    control.click("#stage-next")
    projector.wait_for_function(
        "t => document.querySelector('#now-title').textContent === t", arg=opening["title"], timeout=2000
    )
    projector.wait_for_selector("#countdown:not([hidden])", timeout=2000)
    assert projector.get_attribute("#countdown", "data-state") == "normal"
    assert projector.inner_text("#next-title") == first_talk["method.title"]

    # "Next": the first talk is on stage.
    control.click("#stage-next")
    projector.wait_for_function(
        "t => document.querySelector('#now-title').textContent === t", arg=first_talk["method.title"], timeout=2000
    )
    phone.wait_for_selector(f"li[data-item-id='{first_talk['id']}'].state-on_stage", timeout=2000)
    assert "晚点" in phone.inner_text("#live-late")

    # Extend by 5 minutes: every later expected time on the public agenda moves by 5, by itself.
    before = shown_starts(phone)
    control.click("form.stage-extend button[value='5']")
    later = [str(i["id"]) for i in items[2:]]
    phone.wait_for_function(
        "([id, was]) => document.querySelector(`li[data-item-id='${id}'] .js-start`).textContent !== was",
        arg=[later[0], before[later[0]]],
        timeout=2000,
    )
    after = shown_starts(phone)
    assert all((minutes(after[i]) - minutes(before[i])) % 1440 == 5 for i in later), (before, after)
    assert after[str(opening["id"])] == before[str(opening["id"])]  # what is done stays put
    assert phone.url.endswith("/e/shuixin-2026")  # no reload

    # The countdown turns amber in the last two minutes and red when over time.
    in_thread(started_minutes_ago(first_talk["id"], 20 + 5 - 1.5))  # 90 s left of 20 + 5 minutes
    projector.wait_for_function("() => document.querySelector('#countdown').dataset.state === 'amber'", timeout=3000)
    in_thread(started_minutes_ago(first_talk["id"], 20 + 5 + 1))
    projector.wait_for_function("() => document.querySelector('#countdown').dataset.state === 'red'", timeout=3000)
    assert projector.inner_text("#countdown").startswith("+")

    # Between talks, the room sees the feedback QR of the talk that just ended.
    assert projector.is_hidden("#rate-panel") and projector.is_visible("#checkin-panel")
    control.click("#stage-next")
    projector.wait_for_selector("#rate-panel:not([hidden])", timeout=2000)
    assert projector.inner_text("#rate-title") == first_talk["method.title"]
    assert projector.locator("#rate-qr svg").count() == 1
    assert projector.inner_text("#now-title") == second_talk["method.title"]


def test_the_projector_survives_a_dropped_network_and_catches_up(live_server, day, browser):
    organiser = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    control = organiser.new_page()
    log_in(control, live_server, "organiser")
    control.goto(f"{live_server}/organiser/events/{day['id']}/stage")
    opening, first_talk = day["items"][0], day["items"][1]
    with relay(live_server) as (network, through):  # the projector laptop's network, which we can cut
        projector = organiser.new_page()
        projector.set_viewport_size({"width": 1600, "height": 900})
        projector.goto(f"{through}/organiser/events/{day['id']}/projector")
        control.click("#stage-next")
        projector.wait_for_function(
            "t => document.querySelector('#now-title').textContent === t", arg=opening["title"], timeout=2000
        )

        network.cut()
        projector.wait_for_selector("#live-connection[data-ok='0']", timeout=5000)
        control.click("#stage-next")  # meanwhile the day moves on
        control.wait_for_selector("text=下一项已开始")
        projector.wait_for_timeout(3000)  # EventSource retries, in vain
        assert projector.inner_text("#now-title") == opening["title"]

        network.restore()
        projector.wait_for_function(
            "t => document.querySelector('#now-title').textContent === t", arg=first_talk["method.title"], timeout=10000
        )
        assert projector.get_attribute("#live-connection", "data-ok") == "1"
        assert projector.url.endswith("/projector")  # caught up by itself: no reload, no click
