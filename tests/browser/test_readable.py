"""Readable by everyone in the room: axe-core (vendored in tests/vendor/) runs in the browser on
every page an attendee or a presenter opens, on a phone and on a desktop, and finds no
serious or critical violation (colour contrast above all: grey text on a projector or in
sunlight at the door must still read)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
CHINA = dt.timezone(dt.timedelta(hours=8))


async def prepare_day() -> dict[str, str]:
    """The demo day under way: started an hour ago, two items done and the third on stage,
    the door open, feedback open, a presenter's portal link, a call with an application and
    a featured case."""
    from events.checkin import queries as cq
    from events.featured import queries as fq
    from events.live import queries as lq
    from events.slides import queries as sq
    from events.tables import AgendaItem, Event
    from manage import create_user
    from presenters.review import queries as rq
    from presenters.tables import Area
    from settings import Settings

    now = dt.datetime.now(dt.UTC)
    durations = [
        r["duration"]
        for r in await AgendaItem.select(AgendaItem.duration)
        .where(AgendaItem.event.slug == "shuixin-2026")
        .order_by(AgendaItem.position)
        .limit(2)
    ]
    # On time: the day started so that the opening and the first talk are done, to the minute.
    start = (now.astimezone(CHINA) - dt.timedelta(minutes=sum(durations) + 5)).replace(second=0, microsecond=0)
    await Event.update(
        {
            Event.date: start.date(),
            Event.start_time: start.time().replace(second=0, microsecond=0),
            Event.end_time: dt.time(23, 59),
            Event.feedback_anonymous: True,
            Event.feedback_from_event_start: True,
            Event.checkin_opens_at: now - dt.timedelta(hours=2),
            Event.checkin_closes_at: now + dt.timedelta(hours=2),
        }
    ).where(Event.slug == "shuixin-2026")
    event = await Event.select(Event.id, Event.live_version).where(Event.slug == "shuixin-2026").first()
    for offset in (0, durations[0], sum(durations)):  # opening and the first talk done, the second on stage
        version = (await Event.select(Event.live_version).where(Event.id == event["id"]).first())["live_version"]
        assert await lq.act(event["id"], "next", version, start + dt.timedelta(minutes=offset)) == "ok"
    talk = (
        await AgendaItem.select(AgendaItem.id, AgendaItem.presenter, AgendaItem.method)
        .where((AgendaItem.event == event["id"]) & (AgendaItem.kind == "presentation"))
        .order_by(AgendaItem.position)
        .first()
    )
    await cq.add_attendees(
        event["id"],
        [
            {"name": "彭强", "unit": "雨花区税务局侯家塘税务分局", "phone": "13800001111"},
            {"name": "李娜", "unit": "芙蓉区税务局", "phone": "13800002222"},
        ],
    )
    secret = Settings().session_secret()
    link_id = await sq.create_link(talk["presenter"], None)
    from presenters.tables import PortalLink

    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    area = await Area.select(Area.id).where(Area.name == "党员教育").first()
    call_id = await rq.create_call(
        "2026年支部工作法征集", "面向全市税务系统", [area["id"]], now - dt.timedelta(days=1), now + dt.timedelta(days=7)
    )
    application = await rq.submit(
        call_id,
        {
            "branch_name": "侯家塘税务分局党支部",
            "unit": "雨花区税务局",
            "secretary": "彭强",
            "contact": "13800001111",
            "title": "“红色引擎”工作法",
            "area": area["id"],
            "summary": "以支部为引擎，带动业务攻坚。",
            "highlights": "",
        },
    )
    await fq.add_case(talk["method"], start.date() - dt.timedelta(days=start.weekday()), "讲清楚，做扎实。", "", "")
    await create_user("door", PASSWORD, "staff", iterations=1_000)
    return {
        "item": str(talk["id"]),
        "portal": f"/p/{sq.link_token(secret, link_id, link['nonce'])}",
        "call": f"/calls/{call_id}",
        "application": f"/a/{rq.application_token(secret, application)}",
    }


@pytest.fixture
def day(live_server) -> dict[str, str]:
    """Runs before the browser starts: Playwright's sync API keeps an event loop running."""
    return asyncio.run(prepare_day())


def serious_violations(page) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .flatMap(v => v.nodes.map(n => `${v.id}: ${n.target.join(' ')} ${n.failureSummary.replace(/\\s+/g, ' ')}`));
        }"""
    )
    return [f"{page.url}: {line}" for line in found]


def visit_every_page(page, base: str, day: dict[str, str], attendee: tuple[str, str]) -> list[str]:
    problems: list[str] = []

    def check(path: str) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        problems.extend(serious_violations(page))

    check("/e/shuixin-2026")
    assert page.locator("li.slot.state-done").count() >= 2  # finished items are on the page
    assert "按时进行" in page.inner_text("#live-late")  # and the on-time banner
    check("/e/shuixin-2026/checkin")
    page.fill("#name", attendee[0])
    page.fill("#last4", attendee[1])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/checkin/done$"))
    problems.extend(serious_violations(page))
    check("/e/shuixin-2026/feedback")
    check(f"/e/shuixin-2026/feedback/{day['item']}")
    check(day["portal"])
    check("/cases")
    page.click("main a[href^='/cases/']")
    page.wait_for_load_state()
    problems.extend(serious_violations(page))
    check(day["call"])
    check(day["application"])
    return problems


def test_attendee_and_presenter_pages_have_no_serious_accessibility_violations(live_server, day, browser):
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, bypass_csp=True
    ).new_page()
    # bypass_csp: only so that axe's script tag may be added (tests/browser/test_csp.py checks the policy)
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", bypass_csp=True).new_page()
    problems = visit_every_page(phone, live_server, day, ("彭强", "1111"))
    problems += visit_every_page(desk, live_server, day, ("李娜", "2222"))
    assert problems == [], "\n".join(problems)
