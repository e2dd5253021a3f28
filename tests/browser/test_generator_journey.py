"""Planning the day in a real browser: the organiser opens the agenda generator, finds the
newest call's approved methods (not the demo pool, not the rejected or pending ones), switches
to another call with the chooser, comes back, ticks the methods and generates the agenda."""

import asyncio
import re

import pytest

from tests.browser.conftest import log_in
from tests.events.agenda.test_generator_calls import NEW_CALL, OLD_CALL, make_calls

pytestmark = pytest.mark.browser


@pytest.fixture
def calls(live_server) -> dict[str, int]:
    """Runs before the browser starts: Playwright's sync API keeps an event loop running."""
    return asyncio.run(make_calls())


def listed(page) -> list[str]:
    return [t.strip() for t in page.locator("label.method-choice strong").all_inner_texts()]


def test_choose_the_call_then_generate_from_its_approved_methods(live_server, calls, browser):
    violations: list[str] = []
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server, "organiser")
    page.goto(f"{live_server}/organiser/")
    page.click("text=税心向党·书记说")
    page.wait_for_url(re.compile(r"/organiser/events/\d+$"))
    event_url = page.url
    page.goto(event_url + "/generate")

    assert NEW_CALL in page.locator("#call option:checked").inner_text()
    assert sorted(listed(page)) == sorted(["“红色引擎”工作法", "“四心”服务法"])
    first = page.locator("label.method-choice", has_text="“红色引擎”工作法").inner_text()
    assert "党员教育" in first and "雨花区税务局" in first and "侯家塘税务分局党支部" in first and "已审定" in first

    # choosing another call reloads the list at once (the Show button does it without JavaScript)
    page.select_option("#call", str(calls["old"]))
    page.wait_for_url(re.compile(rf"/generate\?call={calls['old']}$"))
    assert OLD_CALL in page.locator("#call option:checked").inner_text()
    assert listed(page) == ["“老旧方法”工作法"]

    page.select_option("#call", str(calls["new"]))
    page.wait_for_url(re.compile(rf"/generate\?call={calls['new']}$"))
    order = listed(page)
    page.check("label.method-choice:has-text('“四心”服务法') input")
    page.check("label.method-choice:has-text('“红色引擎”工作法') input")
    page.fill("#break_every", "0")
    page.fill("#opening_minutes", "0")
    page.fill("#closing_minutes", "0")
    page.check("input[name=replace]")
    page.click("button:has-text('生成议程')")
    page.wait_for_url(re.compile(r"/organiser/events/\d+#agenda$"))
    titles = [t.strip() for t in page.locator("#agenda-items .item-title").all_inner_texts()]
    assert titles == order  # the two methods in the order listed; the demo's talks are gone
    assert violations == []
