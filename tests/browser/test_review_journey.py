"""The whole path of a method in a real browser: a branch applies on the public form (on a
phone), a screener screens it, an approver approves it, and the organiser finds it in the
agenda generator."""

import asyncio
import datetime as dt
import re

import pytest

from tests.browser.conftest import PASSWORD, log_in

pytestmark = pytest.mark.browser


async def open_call() -> int:
    from manage import create_user
    from presenters.review import queries as rq
    from presenters.tables import Area

    area = await Area.select(Area.id).where(Area.name == "党员教育").first()
    now = dt.datetime.now(dt.UTC)
    await create_user("chushen", PASSWORD, "screener", iterations=1_000)
    await create_user("shending", PASSWORD, "approver", iterations=1_000)
    return await rq.create_call(
        "2026年支部工作法征集", "面向全市税务系统", [area["id"]], now - dt.timedelta(days=1), now + dt.timedelta(days=7)
    )


@pytest.fixture
def call_id(live_server) -> int:
    """Runs before the browser starts: Playwright's sync API keeps an event loop running."""
    return asyncio.run(open_call())


def test_apply_screen_approve_then_plan_it(live_server, call_id, browser):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(f"{live_server}/calls/{call_id}")
    phone.fill("#branch_name", "侯家塘税务分局党支部")
    phone.fill("#unit", "雨花区税务局")
    phone.fill("#secretary", "彭强")
    phone.fill("#contact", "13800001111")
    phone.fill("#title", "“红色引擎”工作法")
    phone.select_option("#area", label="党员教育")
    phone.fill("#summary", "以支部为引擎，带动业务攻坚。")
    phone.click("button:has-text('提交申报')")
    phone.wait_for_url(re.compile(r"/a/\d+-[\w-]+\?saved=new"))
    assert "已提交，待初审" in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    private_link = phone.url.split("?")[0]

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    screener = desk.new_page()
    log_in(screener, live_server, "chushen")
    screener.wait_for_url(re.compile(r"/review/$"))
    screener.click("text=“红色引擎”工作法")
    screener.fill("#note", "材料齐全")
    screener.click("button:has-text('初审通过')")
    screener.wait_for_url(re.compile(r"/review/\?saved=1"))
    screener.click("form.inline button.link")  # log out
    screener.wait_for_load_state()

    approver = desk.new_page()
    log_in(approver, live_server, "shending")
    approver.wait_for_url(re.compile(r"/review/$"))
    approver.click("text=“红色引擎”工作法")
    assert "材料齐全" in approver.inner_text("main")  # the screener's note is in the history
    approver.click("button:has-text('审定通过')")
    approver.wait_for_url(re.compile(r"/review/\?saved=1"))

    phone.goto(private_link)
    assert "已审定" in phone.inner_text("main")

    organiser = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    log_in(organiser, live_server, "organiser")
    organiser.goto(f"{live_server}/organiser/")
    organiser.click("text=税心向党·书记说")
    organiser.goto(organiser.url.rstrip("/") + "/generate")
    assert "“红色引擎”工作法" in organiser.inner_text("main")


def test_a_returned_application_reaches_its_applicant_again(live_server, call_id, browser):
    """The applicant lost the link: the organiser finds the application from the overview,
    copies its private link (or shows the QR), and the applicant carries on with it."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(f"{live_server}/calls/{call_id}")
    for field, value in (
        ("#branch_name", "文源税务所党支部"),
        ("#unit", "天心区税务局"),
        ("#secretary", "褚方彬"),
        ("#contact", "13800002222"),
        ("#title", "“三小”工作法"),
        ("#summary", "小切口、小载体、小成效。"),
    ):
        phone.fill(field, value)
    phone.select_option("#area", label="党员教育")
    phone.click("button:has-text('提交申报')")
    phone.wait_for_url(re.compile(r"/a/\d+-[\w-]+\?saved=new"))
    private_link = phone.url.split("?")[0]
    phone.context.close()  # the link is lost with the phone's history

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    violations: list[str] = []
    screener = desk.new_page()
    screener.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(screener, live_server, "chushen")
    screener.click("text=“三小”工作法")
    screener.fill("#note", "请补充实践亮点")
    screener.click("button:has-text('退回修改')")
    screener.wait_for_url(re.compile(r"/review/\?saved=1"))
    screener.click("form.inline button.link")  # log out
    screener.wait_for_load_state()

    organiser = desk.new_page()
    organiser.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(organiser, live_server, "organiser")
    organiser.goto(f"{live_server}/organiser/calls/overview")
    organiser.click("text=“三小”工作法")
    assert "请补充实践亮点" in organiser.inner_text("main")
    assert organiser.locator(".private-link svg").is_visible()
    organiser.click("button:has-text('复制链接')")
    organiser.wait_for_selector("button:has-text('已复制')")
    assert organiser.evaluate("navigator.clipboard.readText()") == private_link
    assert violations == []

    again = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    again.goto(private_link)
    again.fill("#highlights", "补充：三个阶段")
    again.click("button:has-text('保存修改')")
    again.wait_for_url(re.compile(r"\?saved=edit"))
    assert "已提交，待初审" in again.inner_text("main")  # sent back in for screening
