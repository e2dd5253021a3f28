"""Faults, on loopback, bounded in count and time: the server killed in the middle of a
check-in burst, the database unreachable or locked, the disk full during an upload."""

from __future__ import annotations

import asyncio
import re
import resource
import sqlite3
import time

import httpx

from tests.netproxy import relay
from tests.servers import Server, log_in_over_http
from tests.services import PASSWORD, fresh_postgres, instance_env, prepare

TICKETS = 400
ADD_TICKETS = f"""
    from events.checkin import queries as cq
    from events.tables import Attendee
    await cq.add_attendees(1, [{{"name": f"参会人{{i}}", "unit": "测试单位"}} for i in range({TICKETS})])
    for row in await Attendee.select(Attendee.ticket_code):
        print(row["ticket_code"])
"""


async def bearer(client: httpx.AsyncClient) -> str:
    await log_in_over_http(client, PASSWORD)
    token = await client.post("/api/tokens", headers={"x-csrftoken": client.cookies["csrftoken"]})
    return token.json()["token"]


def stored_checkins(data_dir) -> list[str]:
    with sqlite3.connect(data_dir / "showcase.sqlite3") as db:
        return [r[0] for r in db.execute("SELECT a.ticket_code FROM check_in c JOIN attendee a ON a.id = c.attendee")]


async def burst(server: Server, event_id: int, codes: list[str], kill_after: int) -> dict[str, int]:
    """Check the tickets in, 32 at a time; SIGKILL the server once ``kill_after`` answered."""
    answered: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        token = await bearer(client)
        gate = asyncio.Semaphore(32)

        async def one(code: str) -> None:
            async with gate:
                if server.process.poll() is not None:
                    return
                try:
                    response = await client.post(
                        f"/api/events/{event_id}/checkins",
                        json={"code": code},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.HTTPError:
                    return  # no answer: the client cannot know, and may try again
                answered[code] = response.status_code
                if len(answered) == kill_after:
                    server.kill()

        await asyncio.gather(*(one(code) for code in codes))
    return answered


def test_sigkill_in_a_check_in_burst_loses_no_acknowledged_check_in(tmp_path):
    env = instance_env(tmp_path)
    lines = prepare(env, ADD_TICKETS)
    event_id, codes = int(lines[0]), lines[1:]
    assert len(codes) == TICKETS
    server = Server(env).start()
    try:
        answered = asyncio.run(burst(server, event_id, codes, kill_after=150))
        acknowledged = {code for code, status in answered.items() if status == 201}
        assert len(acknowledged) >= 150 and server.process.poll() is not None  # killed in the middle
        assert len(answered) < TICKETS
        server.start()  # the same database, the same port
        stored = stored_checkins(tmp_path)
        assert acknowledged <= set(stored)  # every success the phones were told of is there
        assert len(stored) == len(set(stored))  # and nobody twice
        # The ones that got no answer can simply be scanned again.
        again = asyncio.run(rescan(server, event_id, codes))
        assert again.count(201) + again.count(200) == TICKETS
        assert len(stored_checkins(tmp_path)) == TICKETS
    finally:
        server.stop()


async def rescan(server: Server, event_id: int, codes: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        token = await bearer(client)
        statuses = []
        for code in codes:
            response = await client.post(
                f"/api/events/{event_id}/checkins", json={"code": code}, headers={"Authorization": f"Bearer {token}"}
            )
            statuses.append(response.status_code)
        return statuses


def status_of(url: str, **kwargs) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        response = httpx.request(kwargs.pop("method", "GET"), url, timeout=30, **kwargs)
    except httpx.HTTPError as exc:
        return 0, repr(exc), time.monotonic() - started
    return response.status_code, response.text, time.monotonic() - started


def wait_for(url: str, status: int, seconds: float) -> tuple[int, str, float]:
    deadline = time.monotonic() + seconds
    while True:
        result = status_of(url)
        if result[0] == status or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_postgresql_unreachable_gives_503_and_the_service_recovers_by_itself(tmp_path):
    with fresh_postgres() as url:
        prepare(instance_env(tmp_path, url))
        with relay("http://127.0.0.1:5432") as (network, _):  # PostgreSQL, through a link the test can cut
            through = url.replace(":5432/", f":{network.port}/")
            server = Server(instance_env(tmp_path, through, SHOWCASE_DB_POOL_SIZE="2")).start()
            try:
                assert status_of(f"{server.url}/healthz")[0] == 200
                assert status_of(f"{server.url}/e/shuixin-2026")[0] == 200

                network.cut()  # as if PostgreSQL stopped
                health = wait_for(f"{server.url}/healthz", 503, 15)
                assert health[0] == 503 and '"database":"unreachable"' in health[1].replace(" ", ""), health
                time.sleep(2.5)  # past the few seconds pages may answer from their caches
                page = status_of(f"{server.url}/e/shuixin-2026")
                assert page[0] == 503 and "数据库" in page[1] and page[2] < 10, page[:1] + page[2:]
                api = status_of(
                    f"{server.url}/api/events/1/checkins",
                    method="POST",
                    json={"code": "x" * 32},
                    headers={"Authorization": "Bearer nothing"},
                )
                assert api[0] in (401, 503) and api[2] < 10

                network.restore()  # PostgreSQL is back: no restart
                assert wait_for(f"{server.url}/healthz", 200, 15)[0] == 200
                assert wait_for(f"{server.url}/e/shuixin-2026", 200, 15)[0] == 200
                assert server.process.poll() is None
            finally:
                server.stop()


def test_a_sqlite_file_locked_for_long_gives_503_then_works_again(tmp_path):
    env = instance_env(tmp_path, SHOWCASE_SQLITE_BUSY_SECONDS="2")
    prepare(env)
    server = Server(env).start()
    try:
        phone = httpx.Client(base_url=server.url, timeout=30)
        phone.get("/e/shuixin-2026/checkin")
        form = {"name": "谭玲", "unit": "第一稽查局", "_csrf_token": phone.cookies["csrftoken"]}
        holder = sqlite3.connect(tmp_path / "showcase.sqlite3", isolation_level=None, timeout=1)
        holder.execute("BEGIN EXCLUSIVE")  # a backup tool, say, holds the write lock
        started = time.monotonic()
        locked = phone.post("/e/shuixin-2026/checkin", data=form)
        waited = time.monotonic() - started
        assert locked.status_code == 503 and "数据库" in locked.text and waited < 8, (locked.status_code, waited)
        holder.execute("ROLLBACK")
        holder.close()
        done = phone.post("/e/shuixin-2026/checkin", data=form, follow_redirects=False)
        assert done.status_code in (302, 303)
        assert len(stored_checkins(tmp_path)) == 1
    finally:
        server.stop()


PORTAL = """
    from events.slides import queries as sq
    from events.tables import AgendaItem
    from settings import Settings
    from presenters.tables import PortalLink
    item = await AgendaItem.select(AgendaItem.id, AgendaItem.presenter).where(AgendaItem.kind == "presentation").first()
    link_id = await sq.create_link(item["presenter"], None)
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    print(item["id"])
    print(sq.link_token(Settings().session_secret(), link_id, link["nonce"]))
"""

LIMIT = 6 * 1024 * 1024  # the largest file this server may write (RLIMIT_FSIZE)


def pdf(size: int, mark: bytes) -> bytes:
    body = b"%PDF-1.7\n%" + mark + b"\n"
    return body + b"0" * (size - len(body) - 6) + b"\n%%EOF"


def test_a_full_disk_during_an_upload_says_so_and_keeps_the_previous_slides(tmp_path):
    env = instance_env(tmp_path)
    lines = prepare(env, PORTAL)
    item, token = int(lines[1]), lines[2]
    server = Server(env, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as presenter:
            first = presenter.post(
                f"/p/{token}/slides/{item}",
                files={"file": ("汇报.pdf", pdf(200_000, b"v1"), "application/pdf")},
                follow_redirects=False,
            )
            assert first.status_code in (302, 303), first.text[:300]
            full = presenter.post(
                f"/p/{token}/slides/{item}",
                files={"file": ("汇报.pdf", pdf(LIMIT + 1_000_000, b"v2"), "application/pdf")},
            )
            assert full.status_code == 507 and "磁盘" in full.text, (full.status_code, full.text[:500])
            portal = presenter.get(f"/p/{token}/").text
            versions = sorted({int(v) for v in re.findall(rf"href=\"/p/{token}/slides/(\d+)\"", portal)})
            assert len(versions) == 1  # no second version was recorded
            kept = presenter.get(f"/p/{token}/slides/{versions[0]}")
            assert kept.status_code == 200 and kept.content == pdf(200_000, b"v1")
            assert not list((tmp_path / "slides").rglob("*.part"))  # nothing half-written left behind
    finally:
        server.stop()


def test_redis_away_gives_503_on_rate_limited_posts_and_pages_still_work(tmp_path):
    from tests.servers import free_port

    env = instance_env(tmp_path, SHOWCASE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    prepare(env)
    server = Server(env).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as phone:
            assert phone.get("/e/shuixin-2026").status_code == 200  # reading needs no Redis
            phone.get("/e/shuixin-2026/checkin")
            started = time.monotonic()
            posted = phone.post(
                "/e/shuixin-2026/checkin",
                data={"name": "谭玲", "unit": "第一稽查局", "_csrf_token": phone.cookies["csrftoken"]},
            )
            assert posted.status_code == 503 and time.monotonic() - started < 10, posted.status_code
            health = phone.get("/healthz")
            assert health.status_code == 503 and health.json()["redis"] == "unreachable"
    finally:
        server.stop()
