"""Phones on a weak network: what a first visit to a public page costs over the wire
(compressed bytes as sent, every response of the page counted: the page, its stylesheet,
its scripts)."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.browser

BUDGETS = {  # path -> most bytes a first load may transfer
    "/e/shuixin-2026/checkin": 15 * 1024,
    "/e/shuixin-2026": 25 * 1024,
    "/e/shuixin-2026/feedback": 25 * 1024,
}


async def open_the_day() -> None:
    """The demo day under way (it started ten minutes ago): the door is open, the agenda live."""
    from events.tables import Event

    start = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=10)
    await Event.update(
        {
            Event.date: start.date(),
            Event.start_time: start.time().replace(second=0, microsecond=0),
            Event.end_time: dt.time(23, 59),
        }
    ).where(Event.slug == "shuixin-2026")


def first_load_bytes(browser, url: str) -> tuple[int, dict[str, int]]:
    """A fresh phone (empty cache) opens ``url``: the encoded body bytes of every response,
    with the headers counted too (they cross the network as well)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # a late script or stylesheet is counted too
    sizes: dict[str, int] = {}
    encodings: list[str] = []
    for response in responses:
        if response.url.endswith("/live"):  # the live stream stays open: not part of the load
            continue
        transfer = response.request.sizes()
        sizes[response.url] = transfer["responseBodySize"] + transfer["responseHeadersSize"]
        if response.url == url:  # the page itself went out compressed
            encodings.append(response.headers.get("content-encoding", ""))
    context.close()
    assert encodings[0] in ("gzip", "br"), encodings
    print(f"\n{url}: sent as {encodings[0]}")
    return sum(sizes.values()), sizes


@pytest.mark.parametrize("path", list(BUDGETS))
def test_a_public_page_fits_its_byte_budget_on_first_load(live_server, browser, path):
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        pool.submit(asyncio.run, open_the_day()).result()
    total, sizes = first_load_bytes(browser, f"{live_server}{path}")
    print(f"\n{path}: {total} bytes", sizes)
    assert total <= BUDGETS[path], f"{path}: {total} bytes over the wire, budget {BUDGETS[path]}: {sizes}"
