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

    return (
        await CheckIn.count().where(CheckIn.event == event_id),
        await CheckInAttempt.count().where(CheckInAttempt.event == event_id),
    )


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
            response = await client.post(
                f"/api/events/{event_id}/checkins", json={"code": code}, headers={"Authorization": f"Bearer {token}"}
            )
            status = (
                response.json().get("status", "")
                if response.headers.get("content-type", "").startswith("application/json")
                else ""
            )
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


GUESSES = 60


async def prepare_guesses() -> int:
    from piccolo.engine import engine_finder

    from bench.prepare import open_event_with_tickets
    from events.tables import Attendee
    from tests.conftest import TABLES_IN_DELETE_ORDER

    engine = engine_finder()
    for table in TABLES_IN_DELETE_ORDER:
        await engine.run_ddl(f"DELETE FROM {table}")
    event_id, _codes = await open_event_with_tickets("guess", 0)
    await Attendee.insert(
        Attendee(
            event=event_id,
            name="张伟",
            unit="芙蓉区税务局",
            phone="13600001234",
            ticket_code="g" * 32,
            source="registered",
        )
    )
    return event_id


async def guess_at_once(urls: list[str], count: int) -> list[str]:
    """``count`` phones (each its own cookie jar) send a wrong last 4 at the same moment."""
    clients = [httpx.AsyncClient(base_url=urls[n % len(urls)], timeout=60) for n in range(count)]
    try:
        for client in clients:
            await client.get("/e/guess/checkin")

        async def guess(n: int, client: httpx.AsyncClient) -> str:
            response = await client.post(
                "/e/guess/checkin",
                data={"name": "张伟", "last4": f"{n:04d}", "_csrf_token": client.cookies["csrftoken"]},
            )
            return f"{response.status_code} {'wrong' if '不符' in response.text else 'desk' if '签到台' in response.text else '?'}"

        return await asyncio.gather(*(guess(n, c) for n, c in enumerate(clients)))
    finally:
        for client in clients:
            await client.aclose()


async def checked_in_and_tries(event_id: int) -> tuple[int, int]:
    from events.tables import CheckIn, CheckInAttempt

    return (
        await CheckIn.count().where(CheckIn.event == event_id),
        await CheckInAttempt.count().where((CheckInAttempt.event == event_id) & (CheckInAttempt.outcome == "mismatch")),
    )


def test_wrong_last4_guesses_at_the_same_moment_stay_within_the_limit():
    """Sixty phones guessing one registration's digits at once: exactly five are told "wrong",
    the rest are sent to the desk; no guess gets through the limit by racing it."""
    from events.checkin.rules import LAST4_TRIES

    event_id = asyncio.run(prepare_guesses())
    processes = 2 if os.environ.get("SHOWCASE_DATABASE_URL") else 1
    with app_servers(
        processes, {"SHOWCASE_ADDRESS_POSTS_PER_MINUTE": "1000", "SHOWCASE_ATTENDEE_POSTS_PER_MINUTE": "1000"}
    ) as urls:
        answers = asyncio.run(asyncio.wait_for(guess_at_once(urls, GUESSES), timeout=120))
    assert Counter(answers) == {"409 wrong": LAST4_TRIES, "409 desk": GUESSES - LAST4_TRIES}, Counter(answers)
    assert asyncio.run(checked_in_and_tries(event_id)) == (0, LAST4_TRIES)
