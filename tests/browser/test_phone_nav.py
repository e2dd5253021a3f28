"""The organiser's top navigation on a phone (390 × 844): every link is in sight and can be
tapped as the page opens, in Chinese and in English; nothing hides in a strip that scrolls
sideways, and the page never scrolls sideways. On a desktop (1366 × 900) the bar stays one
line. Screenshots go to var/shots/."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


async def every_role() -> int:
    """A user who holds every role sees the longest bar (the organiser's seven links, review,
    the admin's two); returns the demo event's id."""
    from events.tables import Event
    from manage import create_user

    await create_user("everyone", PASSWORD, "organiser", "screener", "approver", "admin", iterations=1_000)
    return (await Event.select(Event.id).where(Event.slug == "shuixin-2026").first())["id"]


@pytest.fixture
def event_id(live_server) -> int:
    """Runs before the browser starts: Playwright's sync API keeps an event loop running."""
    return asyncio.run(every_role())


def organiser_pages(event_id: int) -> list[str]:
    return [
        "/organiser/",
        f"/organiser/events/{event_id}",
        f"/organiser/events/{event_id}/stage",
        "/organiser/catalog/methods",
        "/organiser/calls/",
        "/review/",
        "/admin/users/",
    ]


def links_out_of_sight(page, finger: bool) -> list[str]:
    """Links and buttons of the top bar that a person cannot see and tap as the page opens:
    each must lie wholly inside the window and be the element under its own centre (not
    clipped by a scrolling strip, not under something else); for a finger, 24px high at least."""
    return page.evaluate(
        """(finger) => {
            const width = document.documentElement.clientWidth;
            const problems = [];
            for (const el of document.querySelectorAll("header.topbar a, header.topbar button")) {
                const r = el.getBoundingClientRect();
                const name = el.textContent.trim();
                if (!r.width || !r.height) { problems.push(`${name}: not shown`); continue; }
                if (r.left < 0 || r.right > width + 0.5) {
                    problems.push(`${name}: ${Math.round(r.left)}–${Math.round(r.right)}px, the window is ${width}px`);
                    continue;
                }
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                if (!hit || !(hit === el || el.contains(hit))) problems.push(`${name}: clipped or covered`);
                if (finger && r.height < 24) problems.push(`${name}: ${Math.round(r.height)}px high, too small to tap`);
            }
            const nav = document.querySelector("header.topbar nav");
            if (nav.scrollWidth > nav.clientWidth + 1) problems.push(`the bar hides ${nav.scrollWidth - nav.clientWidth}px sideways`);
            return problems;
        }""",
        finger,
    )


def test_every_organiser_link_is_in_sight_on_a_phone_and_nothing_scrolls_sideways(live_server, event_id, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for size, device in ((PHONE, "phone"), (DESK, "desk")):
        context = browser.new_context(
            viewport=size, locale="zh-CN", is_mobile=device == "phone", has_touch=device == "phone"
        )
        page = context.new_page()
        log_in(page, live_server, "everyone")
        for language in ("zh", "en"):
            if language == "en":
                page.goto(f"{live_server}/lang?to=en&next=/organiser/")
            for path in organiser_pages(event_id):
                response = page.goto(live_server + path)
                assert response is not None and response.status == 200, path
                labels = page.locator("header.topbar nav a").all_inner_texts()
                assert len(labels) == 12, (
                    labels
                )  # the organiser's nine (units and notices among them), review, the admin's two
                where = f"{device} {language} {path}"
                wide = page.evaluate("document.scrollingElement.scrollWidth")
                if wide > size["width"]:
                    problems.append(f"{where}: the page is {wide}px wide")
                problems += [f"{where}: {p}" for p in links_out_of_sight(page, device == "phone")]
                if device == "desk":
                    bar = page.locator("header.topbar").bounding_box()
                    if bar is None or bar["height"] > 80:
                        problems.append(f"{where}: the desktop bar takes more than one line ({bar})")
                slug = re.sub(r"\W+", "-", path).strip("-")
                page.screenshot(path=str(SHOTS / f"nav-{device}-{language}-{slug}.png"))
        context.close()
    assert problems == [], "\n".join(problems)
