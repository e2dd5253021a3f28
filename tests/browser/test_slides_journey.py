"""Slides in a real browser: a presenter opens the private link on a phone and uploads a
PDF; the organiser sees the status change and downloads the slide pack."""

import asyncio
import io
import re
import zipfile

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def slide_pdf(tmp_path) -> str:
    from events.handouts import render as handouts

    path = tmp_path / "37℃学习法（定稿）.pdf"
    path.write_bytes(handouts.render_pdf("<h1>37℃学习法</h1><p>芙蓉区税务局</p>"))
    return str(path)


async def first_slot() -> tuple[int, int]:
    from events.tables import AgendaItem, Event

    event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
    item = (
        await AgendaItem.select(AgendaItem.presenter)
        .where((AgendaItem.event == event["id"]) & (AgendaItem.kind == "presentation"))
        .order_by(AgendaItem.position)
        .first()
    )
    return event["id"], item["presenter"]


@pytest.fixture
def slot(live_server) -> tuple[int, int]:
    """Runs before the browser starts: Playwright's sync API keeps an event loop running."""
    return asyncio.run(first_slot())


def test_presenter_uploads_on_a_phone_and_the_organiser_gets_the_pack(live_server, slot, slide_pdf, browser):
    event_id, presenter_id = slot
    desk = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True
    ).new_page()
    log_in(desk, live_server, "organiser")
    desk.goto(f"{live_server}/organiser/events/{event_id}/slides/")
    assert "未上传" in desk.inner_text(f"#presenter-{presenter_id}").replace("\n", "") or "未上传" in desk.inner_text(
        "table"
    )
    desk.click(f"#presenter-{presenter_id} button:has-text('生成链接')")
    desk.wait_for_load_state()
    desk.click(f"#presenter-{presenter_id} summary")
    link = desk.input_value(f"#presenter-{presenter_id} input.copy")
    assert re.fullmatch(rf"{re.escape(live_server)}/p/\d+-[\w-]{{32}}", link)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(link)
    assert "“37℃学习法”" in phone.inner_text("main") and "09:10–09:30" in phone.inner_text("main")
    phone.set_input_files("input[type=file]", slide_pdf)
    phone.click("button:has-text('上传')")
    phone.wait_for_url(re.compile(r"saved=slides"))
    assert "幻灯片已上传" in phone.inner_text("main")
    assert "37℃学习法（定稿）.pdf" in phone.inner_text(".versions")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    desk.reload()
    row = desk.inner_text("tbody tr:first-child")
    assert "已上传" in row and "37℃学习法（定稿）.pdf" in row
    desk.wait_for_function(
        "() => document.querySelector('img.slide-preview').naturalWidth > 0", timeout=15000
    )  # page 1, as a picture
    with desk.expect_download() as download:
        desk.click("text=下载幻灯片合集")
    data = open(download.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["01 芙蓉区税务局 37℃学习法.pdf"]
