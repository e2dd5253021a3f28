"""Burst correctness on real servers: 1,000 concurrent scans of 800 tickets plus 200 repeats.

SQLite: one app process. PostgreSQL: two app processes, the scans split between them.
Exactly 800 check-ins, every repeat answered "already", no 5xx, nothing lost.
"""

import asyncio
import os
import random
from collections import Counter

import httpx

from tests.servers import app_servers

TICKETS = 800
REPEATS = 200
PASSWORD = "burst-test-pw-1"


async def prepare() -> tuple[int, list[str]]:
    from piccolo.engine import engine_finder

    from bench.prepare import open_event_with_tickets
    from tests.conftest import TABLES_IN_DELETE_ORDER, make_user

    engine = engine_finder()
    for table in TABLES_IN_DELETE_ORDER:
        await engine.run_ddl(f"DELETE FROM {table}")
    await make_user("door", "staff", password=PASSWORD)
    return await open_event_with_tickets("burst", TICKETS)


async def counts(event_id: int) -> tuple[int, int]:
    from events.tables import CheckIn, CheckInAttempt

    return (await CheckIn.count().where(CheckIn.event == event_id),
            await CheckInAttempt.count().where(CheckInAttempt.event == event_id))


async def login(client: httpx.AsyncClient) -> str:
    await client.get("/login")
    token = client.cookies["csrftoken"]
    response = await client.post("/login", data={"username": "door", "password": PASSWORD, "_csrf_token": token})
    assert response.status_code in (302, 303), response.text
    issued = await client.post("/api/tokens", headers={"x-csrftoken": token})
    return issued.json()["token"]


async def burst(urls: list[str], event_id: int, codes: list[str]) -> list[tuple[str, int, str]]:
    clients = [httpx.AsyncClient(base_url=u, timeout=60, limits=httpx.Limits(max_connections=50)) for u in urls]
    try:
        tokens = [await login(c) for c in clients]
        scans = codes + random.Random(7).choices(codes, k=REPEATS)
        random.Random(11).shuffle(scans)

        async def scan(index: int, code: str) -> tuple[str, int, str]:
            client, token = clients[index % len(clients)], tokens[index % len(clients)]
            response = await client.post(f"/api/events/{event_id}/checkins", json={"code": code},
                                         headers={"Authorization": f"Bearer {token}"})
            status = response.json().get("status", "") if response.headers.get("content-type", "").startswith("application/json") else ""
            return code, response.status_code, status

        return await asyncio.gather(*(scan(i, code) for i, code in enumerate(scans)))
    finally:
        for client in clients:
            await client.aclose()


def test_burst_of_scans_checks_in_each_ticket_exactly_once():
    event_id, codes = asyncio.run(prepare())
    processes = 2 if os.environ.get("SHOWCASE_DATABASE_URL") else 1
    with app_servers(processes) as urls:
        results = asyncio.run(asyncio.wait_for(burst(urls, event_id, codes), timeout=240))
    statuses = [s for _, s, _ in results]
    assert not [s for s in statuses if s >= 500], f"server errors during the burst: {Counter(statuses)}"
    assert statuses.count(201) == TICKETS
    assert statuses.count(200) == REPEATS
    assert {st for _, _, st in results} == {"checked_in", "already"}
    first_times = {code for code, status, _ in results if status == 201}
    assert first_times == set(codes)  # every ticket checked in once, none lost
    assert asyncio.run(counts(event_id)) == (TICKETS, TICKETS + REPEATS)
