"""Databases of their own for tests that start app processes with a different set-up than
the suite's (PostgreSQL behind a relay, several processes with Redis, a SQLite file)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("SHOWCASE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("SHOWCASE_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
PASSWORD = "own-instance-pw-1"

# The demo day, started ten minutes ago with check-in open, and an organiser; prints the
# event id. More lines may follow (a test's own set-up), printing more.
DEMO_DAY = f"""
import asyncio, datetime as dt
async def main():
    from demo import load_demo
    import manage
    from events.tables import Event
    await load_demo()
    await manage.create_user("organiser", "{PASSWORD}", "organiser", iterations=1000)
    now = dt.datetime.now(dt.timezone.utc)
    start = now.astimezone(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=10)
    await Event.update({{Event.date: start.date(), Event.start_time: start.time().replace(second=0, microsecond=0),
                        Event.end_time: dt.time(23, 59), Event.checkin_opens_at: now - dt.timedelta(hours=1),
                        Event.checkin_closes_at: now + dt.timedelta(hours=1)}}).where(Event.slug == "shuixin-2026")
    print((await Event.select(Event.id).first())["id"])
    %s
asyncio.run(main())
"""


def need(what: str, check) -> None:
    try:
        check()
    except Exception as exc:  # noqa: BLE001
        message = f"{what} is needed for this test: {exc!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def need_postgres() -> None:
    import asyncpg

    async def connect() -> None:
        connection = await asyncpg.connect(PG_ADMIN, timeout=5)
        await connection.close()

    need(f"PostgreSQL ({PG_ADMIN})", lambda: asyncio.run(connect()))


def need_redis() -> None:
    import redis

    need(f"Redis ({REDIS})", lambda: redis.Redis.from_url(REDIS, socket_connect_timeout=5).ping())


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """An empty PostgreSQL database of the test's own (dropped after); yields its URL."""
    need_postgres()
    name = f"showcase_own_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def instance_env(data_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SHOWCASE_DATABASE_URL"}
    env |= {"SHOWCASE_DATA_DIR": str(data_dir), **extra}
    if database_url:
        env["SHOWCASE_DATABASE_URL"] = database_url
    return env


def prepare(env: dict[str, str], more: str = "") -> list[str]:
    """Migrate the instance's database and load the demo day; the printed lines."""
    subprocess.run(
        [sys.executable, "-c", "import manage; manage.migrate()"], cwd=ROOT, env=env, check=True, timeout=300
    )
    done = subprocess.run(
        [sys.executable, "-c", DEMO_DAY % more],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()
