"""Several app processes on PostgreSQL and Redis: a check-in made on one process shows at
once on a projector served by another, a stage change too, and the rate limits count the
posts of both processes together. The test makes its own database and Redis namespace."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from tests.servers import app_servers, log_in_over_http
from tests.services import PASSWORD, REDIS, fresh_postgres, instance_env, need_redis, prepare


@pytest.fixture
def cluster_env(tmp_path):
    """A fresh PostgreSQL database (migrated, with the demo day) and an empty Redis database."""
    import redis

    need_redis()
    with fresh_postgres() as url:
        redis.Redis.from_url(REDIS).flushdb()
        env = instance_env(tmp_path, url, SHOWCASE_REDIS_URL=REDIS)
        yield {"env": env, "event_id": int(prepare(env)[-1])}


async def log_in(client: httpx.AsyncClient) -> None:
    await log_in_over_http(client, PASSWORD)


async def projector_feed(base: str, event_id: int, boards: list[dict], ready: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10, read=None)) as client:
        await log_in(client)
        async with client.stream("GET", f"/organiser/events/{event_id}/live") as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    boards.append(json.loads(line[6:]))
                    ready.set()


async def until(condition, seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "too late"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def run_cluster(a: str, b: str, event_id: int) -> dict:
    boards: list[dict] = []
    ready = asyncio.Event()
    feed = asyncio.create_task(projector_feed(b, event_id, boards, ready))  # the projector is served by B
    try:
        await asyncio.wait_for(ready.wait(), 15)
        assert boards[-1]["count"] == 0
        async with httpx.AsyncClient(base_url=a) as phone:  # a phone checks in on A
            await phone.get("/e/shuixin-2026/checkin")
            done = await phone.post(
                "/e/shuixin-2026/checkin",
                data={"name": "谭玲", "unit": "第一稽查局", "_csrf_token": phone.cookies["csrftoken"]},
            )
            assert done.status_code in (302, 303), done.text[:300]
        count_seen = await until(lambda: boards[-1]["count"] == 1, 3)
        async with httpx.AsyncClient(base_url=a) as desk:  # the stage control on A
            await log_in(desk)
            page = (await desk.get(f"/organiser/events/{event_id}/stage")).text
            version = page.split('data-version="', 1)[1].split('"', 1)[0]
            await desk.post(
                f"/organiser/events/{event_id}/stage",
                data={"action": "next", "v": version, "_csrf_token": desk.cookies["csrftoken"]},
            )
        stage_seen = await until(lambda: boards[-1]["on"] is not None, 3)
        return {"count_seen": count_seen, "stage_seen": stage_seen}
    finally:
        feed.cancel()
        await asyncio.gather(feed, return_exceptions=True)


async def posts_until_refused(urls: list[str], path: str, form: dict, cookies: dict) -> list[int]:
    """Post the same form alternately to each process; the statuses, until the first 429."""
    statuses = []
    clients = [httpx.AsyncClient(base_url=u, cookies=cookies) for u in urls]
    try:
        for client in clients:
            await client.get("/login")
        for n in range(40):
            client = clients[n % len(clients)]
            response = await client.post(path, data={**form, "_csrf_token": client.cookies["csrftoken"]})
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
    finally:
        for client in clients:
            await client.aclose()
    return statuses


async def concurrent_posts(urls: list[str], path: str, form: dict, cookies: dict, count: int) -> list[int]:
    """``count`` posts of the same phone at once, spread over the processes."""
    clients = [httpx.AsyncClient(base_url=u, cookies=cookies, timeout=30) for u in urls]
    try:
        for client in clients:
            await client.get("/login")
        return [
            r.status_code
            for r in await asyncio.gather(
                *(
                    clients[n % len(clients)].post(
                        path, data={**form, "_csrf_token": clients[n % len(clients)].cookies["csrftoken"]}
                    )
                    for n in range(count)
                )
            )
        ]
    finally:
        for client in clients:
            await client.aclose()


def test_two_processes_share_live_updates_and_rate_limits(cluster_env):
    env = cluster_env["env"]
    extra = {k: env[k] for k in ("SHOWCASE_DATABASE_URL", "SHOWCASE_DATA_DIR", "SHOWCASE_REDIS_URL")}
    # Each process reads the database only every 30 s here: what arrives sooner came through Redis.
    extra |= {
        "SHOWCASE_LIVE_POLL_SECONDS": "30",
        "SHOWCASE_ATTENDEE_POSTS_PER_MINUTE": "6",
        "SHOWCASE_LOGIN_ATTEMPTS_PER_MINUTE": "6",
    }
    with app_servers(2, extra) as (a, b):
        seen = asyncio.run(run_cluster(a, b, cluster_env["event_id"]))
        device = {"showcase_device": "d" * 30}
        checkins = asyncio.run(
            posts_until_refused([a, b], "/e/shuixin-2026/checkin", {"name": "彭强", "unit": "雨花区税务局"}, device)
        )
        logins = asyncio.run(posts_until_refused([a, b], "/login", {"username": "organiser", "password": "wrong"}, {}))
        burst = asyncio.run(
            concurrent_posts(
                [a, b],
                "/e/shuixin-2026/checkin",
                {"name": "彭强", "unit": "雨花区税务局"},
                {"showcase_device": "e" * 30},
                24,
            )
        )
    assert seen["count_seen"] < 3 and seen["stage_seen"] < 3
    # Six posts a minute per phone in all, not six per process.
    assert checkins.count(429) == 1 and len(checkins) == 7, checkins
    # Six login posts a minute per address in all: two were the logins above.
    assert logins == [400, 400, 400, 400, 429], logins
    # Twenty-four posts of one phone at the same moment, twelve to each process: six pass, not one more.
    assert len(burst) - burst.count(429) == 6, burst
    print(
        f"\ncheck-in on A seen on B's projector after {seen['count_seen']:.2f} s, a stage change after {seen['stage_seen']:.2f} s"
    )
