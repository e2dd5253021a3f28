"""The sender in real app processes: SIGKILL in the middle of sending loses nothing (the
notice is taken over once its lease runs out), and two processes on PostgreSQL send each
notice once. Each test has its own database; the processes are started by tests/servers.py."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import time

import pytest

from tests.notices.stand_ins import SmtpServer, StallingMailbox
from tests.servers import Server
from tests.services import ROOT, fresh_postgres, instance_env

ENQUEUE = """
import asyncio, json, sys
async def main():
    from notices.queries import Draft, enqueue
    n = int(sys.argv[1])
    await enqueue(*(Draft("test", "email", f"p{i}@example.org", f"Hello {i}", f"text {i}") for i in range(n)))
asyncio.run(main())
"""
STATES = """
import asyncio, json
async def main():
    from notices.tables import Notice, NoticeAttempt
    rows = await Notice.select(Notice.id, Notice.state, Notice.attempts).order_by(Notice.id)
    attempts = await NoticeAttempt.select(NoticeAttempt.notice, NoticeAttempt.ok, NoticeAttempt.error)
    print(json.dumps({"notices": rows, "attempts": attempts}))
asyncio.run(main())
"""


def run(env: dict[str, str], code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True
    )
    return done.stdout


def migrate(env: dict[str, str]) -> None:
    run(env, "import manage; manage.migrate()")


def outbox(env: dict[str, str]) -> dict:
    return json.loads(run(env, STATES).strip().splitlines()[-1])


def until(condition, seconds: float) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "too late"
        time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path):
    """An empty, migrated database of the test's own, on each engine; yields the environment."""
    if request.param == "sqlite":
        env = instance_env(tmp_path)
        migrate(env)
        yield env
    else:
        with fresh_postgres() as url:
            env = instance_env(tmp_path, url)
            migrate(env)
            yield env


def sender_env(env: dict[str, str], smtp: SmtpServer, lease: float) -> dict[str, str]:
    return {
        **env,
        "SHOWCASE_NOTICE_WORKER": "1",
        "SHOWCASE_SMTP_URL": smtp.url,
        "SHOWCASE_NOTICE_LEASE_SECONDS": str(lease),
    }


def test_sigkill_while_sending_loses_nothing_and_a_copy_keeps_its_message_id(own_database):
    smtp = SmtpServer()
    smtp.box = StallingMailbox()
    smtp.start()
    first = second = None
    try:
        env = sender_env(own_database, smtp, lease=3)
        run(env, ENQUEUE, "3")
        first = Server(env).start()
        assert smtp.box.stalled.wait(30), "the first process never reached the mail server"
        assert {n["state"] for n in outbox(env)["notices"]} == {"sending"}  # all three claimed by it
        first.kill()  # SIGKILL with one message delivered but not confirmed, two not yet tried
        smtp.box.stall = False
        second = Server(env).start()
        until(lambda: {n["state"] for n in outbox(env)["notices"]} == {"sent"}, 60)
        time.sleep(1)  # nothing more comes
        by_rcpt = collections.Counter(r for rcpt, _m in smtp.box.messages for r in rcpt)
        assert set(by_rcpt) == {"p0@example.org", "p1@example.org", "p2@example.org"}  # nothing lost
        # At least once: the one delivered as the process died came again, as the same message.
        copies = [m for rcpt, m in smtp.box.messages if "p0@example.org" in rcpt]
        assert by_rcpt["p1@example.org"] == by_rcpt["p2@example.org"] == 1 and len(copies) == 2
        assert copies[0]["Message-ID"] == copies[1]["Message-ID"]
        state = outbox(env)
        assert all(n["attempts"] == 2 for n in state["notices"])
        stopped = [a for a in state["attempts"] if "stopped while sending" in a["error"]]
        assert len(stopped) == 3 and sum(a["ok"] for a in state["attempts"]) == 3
    finally:
        for server in (first, second):
            if server is not None:
                server.stop()
        smtp.box.stall = False
        smtp.stop()


def test_two_processes_on_postgresql_send_each_notice_once(tmp_path):
    smtp = SmtpServer()
    smtp.box.delay = 0.03  # 300 messages take ten seconds or so: both processes find work
    smtp.start()
    servers: list[Server] = []
    try:
        with fresh_postgres() as url:
            env = sender_env(instance_env(tmp_path, url), smtp, lease=60)
            migrate(env)
            servers = [Server(env).start(), Server(env).start()]
            run(env, ENQUEUE, "300")
            until(lambda: len(smtp.box.messages) >= 300, 90)
            time.sleep(2)  # nothing more comes
            by_rcpt = collections.Counter(r for rcpt, _m in smtp.box.messages for r in rcpt)
            assert len(smtp.box.messages) == 300 and set(by_rcpt.values()) == {1}
            assert {n["state"] for n in outbox(env)["notices"]} == {"sent"}
            for server in servers:
                server.stop()
            # both took part (each process logs its batches)
            assert all("notices: " in server.log_path.read_text() for server in servers)
    finally:
        for server in servers:
            server.stop()
        smtp.stop()
