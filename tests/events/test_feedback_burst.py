"""500 checked-in attendees each rate 4 presentations at once, on real servers (SQLite: one
process; PostgreSQL: two): exactly 2,000 feedback rows, no 5xx; repeats update, never add."""

import asyncio
import datetime as dt
import os
import random
import secrets
from collections import Counter

import httpx

from tests.servers import app_servers

ATTENDEES, TALKS = 500, 4


async def prepare() -> tuple[list[int], list[str]]:
    from piccolo.engine import engine_finder

    from events import checkin
    from events.tables import AgendaItem, Attendee, CheckIn, Event
    from presenters.tables import Branch, Method
    from tests.conftest import TABLES_IN_DELETE_ORDER

    engine = engine_finder()
    for table in TABLES_IN_DELETE_ORDER:
        await engine.run_ddl(f"DELETE FROM {table}")
    tz = dt.timezone(dt.timedelta(hours=8))
    start = dt.datetime.now(tz) - dt.timedelta(minutes=30)
    event_id = (await Event.insert(Event(
        title="税心向党·书记说", date=start.date(), start_time=start.time().replace(second=0, microsecond=0),
        end_time=dt.time(23, 59), slug="feedback-burst", status="published", feedback_from_event_start=True,
    )).returning(Event.id))[0]["id"]
    branch = (await Branch.insert(Branch(name="党建工作科党支部", unit="芙蓉区税务局")).returning(Branch.id))[0]["id"]
    items = []
    for n in range(TALKS):
        method = (await Method.insert(Method(title=f"工作法{n}", branch=branch)).returning(Method.id))[0]["id"]
        items.append((await AgendaItem.insert(AgendaItem(event=event_id, position=n, kind="presentation", duration=5,
                                                         method=method)).returning(AgendaItem.id))[0]["id"])
    devices = [secrets.token_urlsafe(24) for _ in range(ATTENDEES)]
    ids = [r["id"] for r in await Attendee.insert(*[
        Attendee(event=event_id, name=f"参会者{i}", ticket_code=checkin.new_ticket_code(), source="walk-in")
        for i in range(ATTENDEES)]).returning(Attendee.id)]
    await CheckIn.insert(*[CheckIn(event=event_id, attendee=a, channel="self", device=d) for a, d in zip(ids, devices)])
    return items, devices


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
                f"/e/feedback-burst/feedback/{item}", data={"rating": str(rating), "comment": "好", "_csrf_token": token},
                headers={"Cookie": f"csrftoken={token}; showcase_device={device}"},
            )
            return response.status_code

        first = await asyncio.gather(*(post(n, *job) for n, job in enumerate(jobs[: len(devices) * len(items)])))
        repeats = await asyncio.gather(*(post(n, *job) for n, job in enumerate(jobs[len(devices) * len(items):])))
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
