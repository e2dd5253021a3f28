"""A server whose database is unreachable still answers: /healthz and pages say 503 and why."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_database_down_gives_503_with_reason(tmp_path):
    port = free_port()
    dead_port = free_port()  # nothing listens there
    env = {
        "PATH": "/usr/bin:/bin",
        "SHOWCASE_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{dead_port}/nowhere",
        "SHOWCASE_DATA_DIR": str(tmp_path),
        "SHOWCASE_SECRET_KEY": "x",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        status, body = 0, ""
        for _ in range(100):
            try:
                status, body = fetch(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 503
        assert json.loads(body)["database"] == "unreachable"
        page_status, page = fetch(f"http://127.0.0.1:{port}/")
        assert page_status == 503
        assert "数据库" in page
    finally:
        server.terminate()
        server.wait(timeout=10)
