"""The Content-Security-Policy in a real browser: every kind of page works under it, with
not one violation reported (an inline script or handler would be refused and logged)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


async def event_id() -> int:
    from events.tables import Event

    return (await Event.select(Event.id).where(Event.slug == "shuixin-2026").first())["id"]


def test_no_page_breaks_the_content_security_policy(live_server, browser):
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        eid = pool.submit(asyncio.run, event_id()).result()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None
    )
    public = ["/", "/e/shuixin-2026", "/e/shuixin-2026/checkin", "/e/shuixin-2026/feedback", "/cases", "/login"]
    for path in public:
        response = page.goto(f"{live_server}{path}")
        assert response.status < 500 and "script-src 'self'" in response.headers["content-security-policy"], path
    log_in(page, live_server, "organiser")
    organiser = [
        "/organiser/",
        f"/organiser/events/{eid}",
        f"/organiser/events/{eid}/stage",
        f"/organiser/events/{eid}/projector",
        f"/organiser/events/{eid}/attendance",
        f"/organiser/events/{eid}/door",
        f"/organiser/events/{eid}/scan",
        f"/organiser/events/{eid}/feedback/",
        f"/organiser/events/{eid}/handouts/",
        f"/organiser/events/{eid}/handouts/booklet.html",
        f"/organiser/events/{eid}/slides/",
        f"/organiser/events/{eid}/attendees",
        "/organiser/calls/",
        "/organiser/featured/",
    ]
    for path in organiser:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        page.wait_for_timeout(300)  # let the page's scripts run
    assert page.evaluate("typeof EventSource") == "function"
    assert violations == []
