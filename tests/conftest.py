"""Test set-up: a throw-away SQLite file, or the PostgreSQL database in SHOWCASE_DATABASE_URL.

The environment is fixed here, before anything imports piccolo_conf: a Piccolo table binds
its engine on first use.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator

import pytest

# A fresh data folder every run: the SQLite file (unless SHOWCASE_DATABASE_URL says
# PostgreSQL) and the cache of rendered handouts.
os.environ["SHOWCASE_DATA_DIR"] = tempfile.mkdtemp(prefix="showcase-test-")
os.environ.setdefault("SHOWCASE_PDF_WARM_UP", "0")  # tests that time nothing need no warm-up
os.environ.setdefault("SHOWCASE_SECRET_KEY", "test-secret-key")
# In-process requests read a live stream to its end: keep streams short here (the servers
# tests start get the normal length, see tests/servers.py).
os.environ.setdefault("SHOWCASE_LIVE_STREAM_SECONDS", "0.3")
# Bursts in tests come from one address: the per-address ceiling is tested on its own.
os.environ.setdefault("SHOWCASE_ADDRESS_POSTS_PER_MINUTE", "1000000")
os.environ["PICCOLO_CONF"] = "piccolo_conf"
# In-process apps send no notices by themselves: tests call the sender (or start servers that do).
os.environ.setdefault("SHOWCASE_NOTICE_WORKER", "0")
# Links and printed QR codes are built from the base URL (never the request's Host); the test
# client talks to this host, and servers that tests start are reached on loopback, also allowed.
os.environ.setdefault("SHOWCASE_BASE_URL", "http://testserver.local")

from litestar.testing import AsyncTestClient

TABLES_IN_DELETE_ORDER = (
    "notice_attempt",
    "notice",
    "wecom_robot",
    "featured_case",
    "application_import",
    "application_event",
    "application",
    "call",
    "slide_version",
    "portal_link",
    "event_vote",
    "feedback",
    "check_in_attempt",
    "check_in",
    "attendee_import",
    "attendee",
    "agenda_item",
    "event",
    "method",
    "presenter",
    "branch",
    "unit",
    "area",
    "user_role",
    "login_session",
    "piccolo_user",
)


@pytest.fixture(scope="session", autouse=True)
def migrated() -> None:
    import manage

    manage.migrate()


@pytest.fixture
async def db() -> AsyncIterator[None]:
    """An empty database for the test (the schema stays)."""
    from piccolo.engine import engine_finder

    from core.cache import clear_all

    engine = engine_finder()
    for table in TABLES_IN_DELETE_ORDER:
        await engine.run_ddl(f"DELETE FROM {table}")
    clear_all()  # SQLite reuses ids after a delete: no stale entries
    yield


class Client(AsyncTestClient):
    """The test client plus the two things every form and API call needs: a CSRF token and JSON."""

    async def csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            await self.get("/login")
        return self.cookies["csrftoken"]

    async def form(self, url: str, data: dict | None = None, **kwargs):
        payload = {"_csrf_token": await self.csrf(), **(data or {})}
        return await self.post(url, data=payload, **kwargs)

    async def run(self, fn, *args):
        """Run a coroutine function on the app's loop. Litestar's test client serves requests
        on a loop of its own (a blocking portal), and a PostgreSQL pool belongs to one loop."""
        return self.blocking_portal.call(fn, *args)

    async def scan(self, event_id: int, body: dict):
        """The check-in API, as a scanner calls it: with a bearer token, not the cookie."""
        if not getattr(self, "_token", None):
            response = await self.api("POST", "/api/tokens")
            assert response.status_code == 201, response.text
            self._token = response.json()["token"]
        return await self.post(
            f"/api/events/{event_id}/checkins", json=body, headers={"Authorization": f"Bearer {self._token}"}
        )

    async def api(self, method: str, url: str, json=None):
        return await self.request(method, url, json=json, headers={"x-csrftoken": await self.csrf()})


@pytest.fixture
async def client(db) -> AsyncIterator[Client]:
    from app import create_app

    async with Client(app=create_app(), base_url="http://testserver.local") as c:
        yield c


async def make_user(username: str, *roles: str, password: str = "correct-horse-1") -> int:
    """Call through ``client.run`` while a client is open."""
    import manage

    return await manage.create_user(username, password, *roles, iterations=1_000)


@pytest.fixture
async def organiser(client: Client) -> Client:
    await client.run(make_user, "organiser", "organiser")
    response = await client.form(
        "/login", {"username": "organiser", "password": "correct-horse-1", "next": "/organiser/"}
    )
    assert response.status_code == 200 and "/login" not in str(response.url), response.text
    return client


@pytest.fixture
async def demo(client: Client) -> None:
    from demo import load_demo

    assert await client.run(load_demo)


def text_of(html: str) -> str:
    """Visible text, roughly: tags out, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
