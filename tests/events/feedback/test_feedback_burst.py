"""500 checked-in attendees each rate 4 presentations at once, on real servers (SQLite: one
process; PostgreSQL: two): exactly 2,000 feedback rows, no 5xx; repeats update, never add."""

import asyncio
import os
import random
from collections import Counter

import httpx

from tests.servers import app_servers

ATTENDEES, TALKS = 500, 4


async def prepare() -> tuple[list[int], list[str]]:
    from piccolo.engine import engine_finder

    from bench.prepare import feedback_event
    from tests.conftest import TABLES_IN_DELETE_ORDER

    engine = engine_finder()
    for table in TABLES_IN_DELETE_ORDER:
        await engine.run_ddl(f"DELETE FROM {table}")
    return await feedback_event("feedback-burst", ATTENDEES, TALKS)


async def stored() -> tuple[int, int]:
    from events.tables import Feedback

    return await Feedback.count(), await Feedback.count().where(Feedback.rating == 5)


async def burst(urls: list[str], items: list[int], devices: list[str]) -> list[int]:
    clients = [httpx.AsyncClient(base_url=u, timeout=120, limits=httpx.Limits(max_connections=40)) for u in urls]
    try:
        await clients[0].get("/login")
        token = clients[0].cookies["csrftoken"]  # one valid double-submit token serves every phone
        jobs = [(d, i, random.Random(hash((d, i))).randint(1, 4)) for d in devices for i in items]
        jobs += [(d, items[0], 5) for d in devices]  # everyone changes their first rating to 5
        random.Random(3).shuffle(jobs[: len(devices) * len(items)])

        async def post(n: int, device: str, item: int, rating: int) -> int:
            client = clients[n % len(clients)]
            response = await client.post(
                f"/e/feedback-burst/feedback/{item}",
                data={"rating": str(rating), "comment": "好", "_csrf_token": token},
                headers={"Cookie": f"csrftoken={token}; showcase_device={device}"},
            )
            return response.status_code

        first = await asyncio.gather(*(post(n, *job) for n, job in enumerate(jobs[: len(devices) * len(items)])))
        repeats = await asyncio.gather(*(post(n, *job) for n, job in enumerate(jobs[len(devices) * len(items) :])))
        return list(first) + list(repeats)
    finally:
        for client in clients:
            await client.aclose()


def test_500_attendees_rate_4_presentations_at_once():
    items, devices = asyncio.run(prepare())
    with app_servers(2 if os.environ.get("SHOWCASE_DATABASE_URL") else 1) as urls:
        statuses = asyncio.run(asyncio.wait_for(burst(urls, items, devices), timeout=300))
    seen = Counter(statuses)
    assert not [s for s in statuses if s >= 500], seen
    assert seen[303] + seen[302] + seen[201] == len(statuses), seen
    total, fives = asyncio.run(stored())
    assert total == ATTENDEES * TALKS, (total, seen)
    assert fives == ATTENDEES  # the repeats updated the first presentation's rows (1–4) to 5
