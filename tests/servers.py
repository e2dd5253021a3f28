"""Real app servers for tests that need them: uvicorn processes on loopback ports, with the
suite's database (its SQLite file, or its PostgreSQL URL), stopped when the test ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_servers(count: int = 1, extra_env: dict[str, str] | None = None) -> Iterator[list[str]]:
    """Start ``count`` independent app processes; yield their base URLs."""
    servers = [Server({**os.environ, **(extra_env or {})}) for _ in range(count)]
    try:
        for server in servers:
            server.start()
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()


class Server:
    """One app process that a test may kill (SIGKILL) and start again on the same port."""

    def __init__(self, env: dict[str, str] | None = None, preexec_fn=None) -> None:
        """``env``: the whole environment (default: this process's)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Its links and printed codes point at itself (the in-process client's host is made up).
        self.env = {
            **(os.environ if env is None else env),
            "SHOWCASE_LIVE_STREAM_SECONDS": "300",
            "SHOWCASE_BASE_URL": self.url,
        }
        self.preexec_fn = preexec_fn
        self.process: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("SHOWCASE_DATA_DIR") or "/tmp") / f"server-{self.port}.log"

    def start(self) -> Server:
        log = open(self.log_path, "a")  # noqa: SIM115 - the process holds it
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            preexec_fn=self.preexec_fn,
        )
        log.close()
        for _ in range(400):
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # it answers (perhaps 503: the test decides)
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}") from None
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown, no flush, nothing finished
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def log_in_over_http(client, password: str, username: str = "organiser") -> None:
    """Log an httpx.AsyncClient in to a running server (the form, with its CSRF token)."""
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "next": "/", "_csrf_token": client.cookies["csrftoken"]},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text[:300]
