"""An organiser plans a day in a real browser; an attendee reads it on a phone."""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"


def start_times(page) -> list[str]:
    return [t.strip() for t in page.locator("#agenda-items tr .start").all_inner_texts()]


def test_plan_reorder_publish_and_read_on_phone(live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk.goto(f"{live_server}/organiser/")
    assert "/login" in desk.url  # organiser pages need a login
    log_in(desk, live_server, "organiser")
    desk.wait_for_url(re.compile(r"/organiser/?$"))

    desk.click("text=新建活动")
    desk.fill("#title", "书记说·第二期")
    desk.fill("#theme", "主题党日")
    desk.fill("#date", "2026-07-08")
    desk.fill("#start_time", "14:00")
    desk.fill("#end_time", "15:00")
    desk.fill("#venue", "长沙市税务局三楼会议室")
    desk.fill("#slug", "shuji-shuo-2")
    desk.click("button:has-text('保存')")
    desk.wait_for_url(re.compile(r"/organiser/events/\d+$"))
    assert "书记说·第二期" in desk.inner_text("h1")

    # two presentations and a break, through the add form
    for method, presenter, minutes in (
        ("37℃学习法", "党建工作科党支部书记", "20"),
        ("“三小”工作法", "文源税务所党支部书记", "25"),
    ):
        desk.select_option("#new-kind", "presentation")
        desk.select_option(
            "#new-method_id", label=desk.locator("#new-method_id option", has_text=method).first.inner_text()
        )
        desk.select_option(
            "#new-presenter_id", label=desk.locator("#new-presenter_id option", has_text=presenter).first.inner_text()
        )
        desk.fill("#new-duration", minutes)
        desk.click("button:has-text('加入议程')")
        desk.wait_for_load_state()
    desk.select_option("#new-kind", "break")
    desk.fill("#new-title", "茶歇")
    desk.fill("#new-duration", "10")
    desk.click("button:has-text('加入议程')")
    desk.wait_for_load_state()
    assert start_times(desk) == ["14:00", "14:20", "14:45"]

    # drag the break to the top: every time after it moves
    rows = desk.locator("#agenda-items tr")
    saved = desk.locator("table.agenda-edit").get_attribute("data-saved")
    rows.nth(2).locator(".handle").drag_to(rows.nth(0).locator(".handle"))
    desk.wait_for_function(
        "prev => document.querySelector('table.agenda-edit').getAttribute('data-saved') !== prev",
        arg=saved,
        timeout=5000,
    )
    assert start_times(desk) == ["14:00", "14:10", "14:30"]
    assert "茶歇" in desk.locator("#agenda-items tr").first.inner_text()
    desk.reload()
    assert start_times(desk) == ["14:00", "14:10", "14:30"]  # stored, not just shown
    desk.screenshot(path=str(SHOTS / "dashboard-desktop.png"), full_page=True)

    desk.click("button:has-text('发布')")
    desk.wait_for_load_state()
    assert "已发布" in desk.inner_text("h1")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
    phone.goto(f"{live_server}/e/shuji-shuo-2")
    assert phone.title().startswith("书记说·第二期")
    text = phone.inner_text("main")
    assert "2026年7月8日" in text
    assert [t.strip() for t in phone.locator(".slot-time time").all_inner_texts()] == ["14:00", "14:10", "14:30"]
    assert "37℃学习法" in text and "“三小”工作法" in text
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the public agenda scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=str(SHOTS / "public-agenda-phone.png"), full_page=True)
