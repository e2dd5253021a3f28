"""The live stream holds 200 connected viewers on one app process, and every stage change
reaches every one of them (bounded in count and in time, on loopback)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time

import httpx

from tests.browser.conftest import PASSWORD
from tests.browser.conftest import _prepare as load_demo_and_organiser
from tests.servers import app_servers, log_in_over_http

VIEWERS = 200


async def prepare() -> dict:
    """The demo day (as the browser tests load it), started ten minutes ago."""
    from events.tables import AgendaItem, Event

    await load_demo_and_organiser()
    start = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=10)
    await Event.update(
        {
            Event.date: start.date(),
            Event.start_time: start.time().replace(second=0, microsecond=0),
            Event.end_time: dt.time(23, 59),
        }
    ).where(Event.slug == "shuixin-2026")
    event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
    items = await AgendaItem.select(AgendaItem.id).where(AgendaItem.event == event["id"]).order_by(AgendaItem.position)
    return {"id": event["id"], "items": [i["id"] for i in items]}


async def watch(client: httpx.AsyncClient, url: str, boards: list[dict], connected: asyncio.Event) -> None:
    async with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                boards.append(json.loads(line[6:]))
                connected.set()


async def press(base: str, event_id: int, action: str, **extra: str) -> None:
    async with httpx.AsyncClient(base_url=base, follow_redirects=True) as desk:
        await log_in_over_http(desk, PASSWORD)
        page = (await desk.get(f"/organiser/events/{event_id}/stage")).text
        version = re.search(r'data-version="(\d+)"', page).group(1)
        done = await desk.post(
            f"/organiser/events/{event_id}/stage",
            data={"action": action, "v": version, "_csrf_token": desk.cookies["csrftoken"], **extra},
        )
        assert done.status_code == 200 and "done=" in str(done.url), done.text[:500]


async def until(condition, seconds: float) -> float:
    """Wait for ``condition()``; return how long it took (fails after ``seconds``)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "not every viewer got the update in time"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def crowd(base: str, day: dict) -> dict:
    limits = httpx.Limits(max_connections=VIEWERS + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(30, read=None)) as client:
        boards: list[list[dict]] = [[] for _ in range(VIEWERS)]
        connected = [asyncio.Event() for _ in range(VIEWERS)]
        tasks = [
            asyncio.create_task(watch(client, "/e/shuixin-2026/live", boards[i], connected[i])) for i in range(VIEWERS)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*(c.wait() for c in connected)), 30)
            assert all(b[-1]["day"] == "before" for b in boards)
            health = await client.get("/healthz")  # the process still answers everything else
            assert health.status_code == 200

            started = time.monotonic()  # from the organiser's login and press to the last screen
            await press(base, day["id"], "next")
            await until(lambda: all(b[-1].get("on") == day["items"][0] for b in boards), 10)
            first = time.monotonic() - started

            before = boards[0][-1]["items"]
            started = time.monotonic()
            await press(base, day["id"], "extend", minutes="5")
            await until(lambda: all(b[-1]["v"] == 2 for b in boards), 10)
            second = time.monotonic() - started
            after = boards[0][-1]["items"]
            return {"first": first, "second": second, "before": before, "after": after, "boards": boards}
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def test_two_hundred_viewers_each_get_every_update():
    day = asyncio.run(prepare())
    with app_servers(1, {"SHOWCASE_PDF_WARM_UP": "0"}) as (base,):
        result = asyncio.run(crowd(base, day))
    boards = result["boards"]
    assert len(boards) == VIEWERS
    # Every viewer saw the day start and then the extension, in that order, nothing skipped.
    for seen in boards:
        versions = [b["v"] for b in seen]
        assert versions == sorted(versions) and {0, 1, 2} <= set(versions), versions
    # The extension moved every later item by five minutes for all of them.
    later = {row[0]: row[1] for row in result["after"][1:]}
    earlier = {row[0]: row[1] for row in result["before"][1:]}
    shift = {
        i: (int(later[i][:2]) * 60 + int(later[i][3:]) - int(earlier[i][:2]) * 60 - int(earlier[i][3:])) % 1440
        for i in later
    }
    assert set(shift.values()) == {5}, shift
    print(
        f"\n{VIEWERS} viewers: from pressing (login, page, post) to the last screen: start {result['first']:.2f} s, extension {result['second']:.2f} s"
    )


async def first_event(base: str) -> tuple[httpx.Headers, bytes, float]:
    """A phone that accepts compressed answers opens the stream: its headers, the first
    bytes as sent, and how long the first event took."""
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10)) as client:
        started = time.monotonic()
        headers = {"Accept": "text/event-stream", "Accept-Encoding": "gzip, deflate, br"}
        async with client.stream("GET", "/e/shuixin-2026/live", headers=headers) as response:
            assert response.status_code == 200
            received = b""
            async for chunk in response.aiter_raw():
                received += chunk
                if re.search(rb"^data: .*\r?\n", received, re.M):
                    return response.headers, received, time.monotonic() - started
    raise AssertionError("the stream ended before its first event")


def test_a_phone_accepting_compression_gets_the_first_event_at_once_and_uncompressed():
    asyncio.run(prepare())
    with app_servers(1, {"SHOWCASE_PDF_WARM_UP": "0"}) as (base,):
        headers, received, seconds = asyncio.run(first_event(base))
    assert "content-encoding" not in headers and headers["content-type"].startswith("text/event-stream")
    board = json.loads(re.search(rb"^data: (.*)\r?$", received, re.M).group(1))
    assert board["day"] == "before" and board["items"]  # the board, readable as sent
    assert seconds < 2, f"first event after {seconds:.2f} s"
