"""Two bureaus, one city, in a real browser: branches apply from their phones (typing their
bureau's short name), each bureau's screener sees only their own queue, and the city's
programme office sees both bureaus side by side and drills down to one."""

import asyncio
import datetime as dt
import re

import pytest

from tests.browser.conftest import PASSWORD, log_in

pytestmark = pytest.mark.browser


async def open_call() -> int:
    from manage import create_user
    from presenters.review import queries as rq
    from presenters.tables import Area, Unit

    units = {r["name"]: r["id"] for r in await Unit.select(Unit.id, Unit.name)}
    area = await Area.select(Area.id).where(Area.name == "党员教育").first()
    now = dt.datetime.now(dt.UTC)
    await create_user("chushen-fr", PASSWORD, f"screener@{units['芙蓉区税务局']}", iterations=1_000)
    await create_user("chushen-tx", PASSWORD, f"screener@{units['天心区税务局']}", iterations=1_000)
    return await rq.create_call(
        "2026年支部工作法征集", "面向全市税务系统", [area["id"]], now - dt.timedelta(days=1), now + dt.timedelta(days=7)
    )


@pytest.fixture
def call_id(live_server) -> int:
    return asyncio.run(open_call())


def apply(browser, base: str, call_id: int, unit: str, title: str) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(f"{base}/calls/{call_id}")
    assert phone.locator("#unit-list option").count() == 10  # the city and its nine bureaus
    for field, value in (
        ("#branch_name", f"{unit}党建工作科党支部"),
        ("#unit", unit),
        ("#secretary", "谭玲"),
        ("#contact", "13800001111"),
        ("#title", title),
        ("#summary", "以学促干。"),
    ):
        phone.fill(field, value)
    phone.select_option("#area", label="党员教育")
    phone.click("button:has-text('提交申报')")
    phone.wait_for_url(re.compile(r"/a/\d+-[\w-]+\?saved=new"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.context.close()


def queue_of(browser, base: str, username: str) -> str:
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    log_in(page, base, username)
    page.wait_for_url(re.compile(r"/review/$"))
    text = page.inner_text("main")
    page.context.close()
    return text


def test_each_bureau_screens_its_own_and_the_city_sees_both(live_server, call_id, browser):
    apply(browser, live_server, call_id, "芙蓉区", "“37℃学习法”")
    apply(browser, live_server, call_id, "天心区", "“三小”工作法")

    fr = queue_of(browser, live_server, "chushen-fr")
    assert "“37℃学习法”" in fr and "“三小”工作法" not in fr
    tx = queue_of(browser, live_server, "chushen-tx")
    assert "“三小”工作法" in tx and "“37℃学习法”" not in tx

    city = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    log_in(city, live_server, "organiser")
    city.goto(f"{live_server}/organiser/calls/overview")
    table = city.locator("section:has(h2:has-text('各局进度对比')) table").first
    rows = {r.split("\t")[0]: r.split("\t")[1:] for r in table.inner_text().splitlines()[1:]}
    assert rows["芙蓉区税务局"][-1] == "1" and rows["天心区税务局"][-1] == "1"
    city.click("a:has-text('芙蓉区税务局')")
    city.wait_for_url(re.compile(r"/organiser/calls/overview\?unit=\d+"))
    main = city.inner_text("main")
    assert "“37℃学习法”" in main and "“三小”工作法" not in main
    city.click("a:has-text('“37℃学习法”')")
    city.wait_for_url(re.compile(r"/organiser/calls/applications/\d+"))
    assert "芙蓉区税务局" in city.inner_text("main")
