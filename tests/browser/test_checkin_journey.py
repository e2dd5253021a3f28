"""Check-in in a real browser: an attendee's phone at the door, and a staff scanner."""

import asyncio
import datetime as dt
import re

import pytest

from tests.browser.conftest import PASSWORD, log_in

pytestmark = pytest.mark.browser


async def open_checkin_and_register() -> str:
    from events.checkin import queries as cq
    from events.tables import Attendee, Event
    from manage import create_user

    now = dt.datetime.now(dt.UTC)
    await Event.update(
        {Event.checkin_opens_at: now - dt.timedelta(hours=1), Event.checkin_closes_at: now + dt.timedelta(hours=1)}
    ).where(Event.slug == "shuixin-2026")
    event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
    await cq.add_attendees(
        event["id"], [{"name": "彭强", "unit": "雨花区税务局侯家塘税务分局", "phone": "13800001111"}]
    )
    await create_user("door", PASSWORD, "staff", iterations=1_000)
    return (await Attendee.select(Attendee.ticket_code).where(Attendee.name == "彭强").first())["ticket_code"]


@pytest.fixture
def ticket_code(live_server) -> str:
    """Runs before the browser starts: Playwright's sync API keeps an event loop running."""
    return asyncio.run(open_checkin_and_register())


def open_scanner(page) -> None:
    """The scanner page is usable once its deferred script has run, not when its HTML is in."""
    page.click("text=税心向党·书记说")
    page.wait_for_selector("#result")
    page.wait_for_function("() => typeof window.showcaseScan === 'function'", timeout=10000)


def test_phone_checks_in_once_and_is_remembered(live_server, ticket_code, browser):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(f"{live_server}/e/shuixin-2026/checkin")
    phone.fill("#name", "彭强")
    phone.fill("#last4", "1111")
    phone.click("button[type=submit]")
    phone.wait_for_url(re.compile(r"/checkin/done$"))
    assert re.search(r"已于\d\d:\d\d签到", phone.inner_text("h1"))
    assert "雨花区税务局侯家塘税务分局" in phone.inner_text("main")  # matched the registration
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto(f"{live_server}/e/shuixin-2026/checkin")  # scanning the door code again
    assert "/checkin/done" in phone.url and "已于" in phone.inner_text("h1")


def test_staff_scanner_green_then_amber_then_red(live_server, ticket_code, browser):
    code = ticket_code
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    log_in(page, live_server, "door")
    page.wait_for_url(re.compile(r"/staff/$"))
    open_scanner(page)
    # headless Chromium has no camera: feed what the camera would have read
    page.evaluate("code => window.showcaseScan(code)", f"{live_server}/t/{code}")
    page.wait_for_selector("#result.checked_in", timeout=5000)
    assert "彭强" in page.inner_text("#result")
    page.wait_for_timeout(200)
    page.evaluate("code => window.showcaseScan(code + ' ')", f"{live_server}/t/{code}")  # a second scan
    page.wait_for_selector("#result.already", timeout=5000)
    assert "已于" in page.inner_text("#result")
    page.evaluate("() => window.showcaseScan('https://elsewhere.example/t/' + 'Z'.repeat(32))")
    page.wait_for_selector("#result.invalid", timeout=5000)
    assert "不是本次活动" in page.inner_text("#result")
    page.fill("#lookup", "彭")
    page.click("#manual button")
    page.wait_for_selector("#matches button")
    assert "138****1111" in page.inner_text("#matches")
    assert "已签到" in page.inner_text("#matches")  # 彭强 was scanned above


def test_manual_check_in_needs_a_second_tap(live_server, ticket_code, browser):
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    log_in(page, live_server, "door")
    page.wait_for_url(re.compile(r"/staff/$"))
    open_scanner(page)
    page.fill("#lookup", "无此人")
    page.click("#manual button")
    page.wait_for_selector("#matches li")
    assert "未找到" in page.inner_text("#matches")
    page.fill("#lookup", "1111")
    page.click("#manual button")
    person = page.locator("#matches button").first
    person.wait_for()
    assert "尚未到场" in person.inner_text()
    person.click()
    assert "再点一次" in person.inner_text()  # nothing sent yet
    person.click()
    page.wait_for_selector("#result.checked_in", timeout=5000)
    page.wait_for_function("() => document.querySelector('#matches').innerText.includes('已签到')", timeout=5000)
