"""A real server (uvicorn, same database as the suite) and Debian's Chromium via Playwright."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PASSWORD = "browser-test-pw-1"


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Debian's chromium is not installed (make deps installs it as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _prepare() -> None:
    from piccolo.engine import engine_finder

    from demo import load_demo
    from tests.conftest import TABLES_IN_DELETE_ORDER, make_user

    engine = engine_finder()
    for table in TABLES_IN_DELETE_ORDER:
        await engine.run_ddl(f"DELETE FROM {table}")
    await load_demo()
    await make_user("organiser", "organiser", password=PASSWORD)


@pytest.fixture
def live_server() -> Iterator[str]:
    asyncio.run(_prepare())
    port = free_port()
    log = open(Path(os.environ.get("SHOWCASE_DATA_DIR", "/tmp")) / f"server-{port}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited: {Path(log.name).read_text()}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        yield instance
        instance.close()
