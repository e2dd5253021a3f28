"""`manage.py backup` and `restore` on both engines, against an installation of the test's
own (a data folder, and for PostgreSQL a database, made for it): the demo day with people
and an uploaded slide deck is backed up while the server runs, wiped, restored, and the
pages, the downloads and a session from before all come back the same."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path

import httpx
import pytest

from tests.conftest import text_of
from tests.servers import Server, log_in_over_http
from tests.services import PASSWORD, ROOT, _admin, fresh_postgres, instance_env, prepare

SETUP = """
    from events.checkin import queries as cq
    from events.slides import queries as sq
    from events.tables import AgendaItem
    from settings import Settings
    from presenters.tables import PortalLink
    # a day in the future: nothing on the pages moves with the clock between the two looks
    await Event.update({Event.date: dt.date(2030, 7, 1)}).where(Event.id == 1)
    await cq.add_attendees(1, [{"name": f"参会人{i}", "unit": "芙蓉区税务局", "phone": f"1390000{i:04d}"} for i in range(30)])
    item = await AgendaItem.select(AgendaItem.id, AgendaItem.presenter).where(AgendaItem.kind == "presentation").first()
    link_id = await sq.create_link(item["presenter"], None)
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    print(item["id"])
    print(sq.link_token(Settings().session_secret(), link_id, link["nonce"]))
"""
DECK = b"%PDF-1.7\n%\xe6\xb1\x87\xe6\x8a\xa5\n" + b"0" * 50_000 + b"\n%%EOF"


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@contextmanager
def installation(engine: str, data_dir: Path):
    """The environment of a throw-away installation, and how to wipe its database."""
    with fresh_postgres() if engine == "postgres" else nullcontext("") as url:
        env = instance_env(data_dir, url)
        env.pop("SHOWCASE_SECRET_KEY", None)  # the key lives in the data folder, as by default

        def wipe() -> None:
            shutil.rmtree(data_dir)
            if url:
                name = url.rsplit("/", 1)[1]
                asyncio.run(_admin(f"DROP DATABASE {name} WITH (FORCE)"))
                asyncio.run(_admin(f"CREATE DATABASE {name}"))

        yield env, wipe


def snapshot(client: httpx.Client, event_id: int, token: str) -> dict[str, object]:
    """What people see: pages as text, downloads as bytes."""
    pages = {}
    for url in (
        "/e/shuixin-2026",
        f"/organiser/events/{event_id}/attendees",
        f"/organiser/events/{event_id}/slides",
        f"/p/{token}/",
        "/organiser/",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[url] = re.sub(r"\d+ (秒|分钟)前", "", text_of(response.text))
    portal = client.get(f"/p/{token}/").text
    version = re.findall(rf'href="/p/{re.escape(token)}/slides/(\d+)"', portal)[0]
    pages["deck"] = client.get(f"/p/{token}/slides/{version}").content
    tickets = re.findall(r'href="/t/([A-Za-z0-9_-]{32})"', client.get(f"/organiser/events/{event_id}/attendees").text)
    assert len(tickets) == 30
    pages["ticket"] = text_of(client.get(f"/t/{tickets[-1]}").text)
    return pages


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_backup_wipe_restore_shows_the_same_pages_and_files(tmp_path, engine):
    data_dir = tmp_path / "data"
    archive = tmp_path / "backups" / "showcase.tar.gz"
    with installation(engine, data_dir) as (env, wipe):
        lines = prepare(env, SETUP)
        event_id, item, token = int(lines[0]), int(lines[1]), lines[2]
        server = Server(env).start()
        try:
            client = httpx.Client(base_url=server.url, timeout=30)
            sent = client.post(f"/p/{token}/slides/{item}", files={"file": ("汇报.pdf", DECK, "application/pdf")})
            assert sent.status_code in (200, 302, 303), sent.text[:300]
            asyncio.run(_log_in(client))
            before = snapshot(client, event_id, token)
            assert before["deck"] == DECK and "参会人29" in before[f"/organiser/events/{event_id}/attendees"]

            made = manage(env, "backup", str(archive))  # while the server runs
            assert made.returncode == 0, made.stderr
            refused = manage(env, "restore", str(archive))
            assert refused.returncode != 0 and "--force" in refused.stderr  # the database holds data
        finally:
            server.stop()

        wipe()
        assert not data_dir.exists()
        restored = manage(env, "restore", str(archive))
        assert restored.returncode == 0, restored.stderr
        server = Server(env).start()
        try:
            client = httpx.Client(base_url=server.url, timeout=30, cookies=client.cookies)  # the session from before
            after = snapshot(client, event_id, token)
        finally:
            server.stop()
    assert after == before


async def _log_in(client: httpx.Client) -> None:
    """Log the synchronous client in through the form (the helper is written for async)."""
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=30) as session:
        await log_in_over_http(session, PASSWORD)
        client.cookies.update(session.cookies)


def test_restore_of_something_else_is_refused_and_changes_nothing(tmp_path):
    with installation("sqlite", tmp_path / "data") as (env, _wipe):
        not_an_archive = tmp_path / "x.tar.gz"
        not_an_archive.write_bytes(b"not a backup")
        done = manage(env, "restore", str(not_an_archive))
        assert done.returncode != 0 and "not a backup archive" in done.stderr
        assert not (tmp_path / "data" / "showcase.sqlite3").exists()
