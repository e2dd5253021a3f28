"""An attendee list imported in a real browser on a phone: the file chosen, the preview at an
address of its own (counts, every row with an error, a sample), the confirmation, and the
same preview afterwards (used: gone)."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

BROKEN = {5: "1.38073E+10", 40: "1380731"}  # rows whose mobile a spreadsheet mangled
NAMELESS = 33  # a row with a unit and a mobile but no name


def a_list() -> bytes:
    lines = ["姓名,单位,手机,邮箱"]
    for n in range(60):
        name = "" if n == NAMELESS else f"导入测试{n}"
        phone = BROKEN.get(n, f"137{n:08d}")
        lines.append(f"{name},国家税务总局长沙市雨花区税务局第{n % 5}税务所,{phone},t{n}@example.cn")
    return ("\n".join(lines) + "\n").encode()


async def demo_event_id() -> int:
    from events.tables import Event

    return (await Event.select(Event.id).where(Event.slug == "shuixin-2026").first())["id"]


@pytest.fixture
def event_id(live_server) -> int:
    """Read before the browser starts: Playwright's sync API keeps an event loop running."""
    return asyncio.run(demo_event_id())


def test_a_list_is_previewed_then_imported_once(live_server, event_id, browser):
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    log_in(page, live_server, "organiser")
    page.goto(f"{live_server}/organiser/events/{event_id}/attendees")
    page.set_input_files("#file", files=[{"name": "名单.csv", "mimeType": "text/csv", "buffer": a_list()}])
    page.click("form[action$='/attendees/import'] button[type=submit]")
    page.wait_for_url(re.compile(r"/attendees/import/[A-Za-z0-9_-]{43}$"))
    preview = page.url
    main = page.inner_text("main")
    assert "名单.csv" in main and "可导入57行" in main and "3行有错误，将被跳过" in main
    errors = page.inner_text("#errors")
    for line, mobile in ((7, "1.38073E+10"), (42, "1380731")):  # the header is line 1
        assert re.search(rf"{line}\s+导入测试{line - 2}\s.*?{re.escape(mobile)}", errors, re.S), line
    assert "科学计数法" in errors and "请填写姓名" in errors
    assert "导入测试0" in main and "137****0000" in main  # the sample, mobiles masked
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # wide tables scroll inside
    assert page.locator("input[name=payload]").count() == 0
    page.click("text=导入57人")
    page.wait_for_url(re.compile(r"/attendees\?imported=57"))
    assert "已导入57人" in page.inner_text("main")
    page.goto(preview)  # the preview again, once it has been used
    assert "导入已过期或已确认，请重新上传文件" in page.inner_text("main")
