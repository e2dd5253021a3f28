"""A newcomer's clone stands alone: nothing reaches outside the checkout, no database or
benchmark account is committed, and the benchmark never writes its known-password account
into a real data folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tracked() -> list[str]:
    return subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split(
        "\0"
    )


def test_no_database_file_is_committed_and_new_ones_are_ignored() -> None:
    tracked = [p for p in _tracked() if p]
    assert not [p for p in tracked if re.search(r"\.(sqlite3|db)(-\w+)?$", p)]
    for name in ("showcase.sqlite3", "showcase.sqlite3-wal", "showcase.sqlite3-shm", "x/any.db"):
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", name], cwd=ROOT)
        assert ignored.returncode == 0, f"{name} is not ignored"


def test_no_tracked_file_reads_outside_the_checkout() -> None:
    """The steering folder that sits beside the checkout on our machines is not there on a newcomer's
    machine: no code, test, script or Makefile may name it."""
    offenders = []
    for path in _tracked():
        if (
            not path
            or path == "tests/test_standalone.py"
            or not path.endswith((".py", ".sh", ".toml", ".cfg", ".lua", ".js", ".html", "Makefile", "run", "audit"))
        ):
            continue
        text = (ROOT / path).read_text(encoding="utf-8", errors="replace")
        if re.search(r"\.\./shared|['\"/]shared/(schemas|tools|hooks)", text):
            offenders.append(path)
    assert offenders == [], offenders
    assert (ROOT / "tests" / "schemas" / "schedule.xml.xsd").is_file()
    assert (ROOT / "tests" / "schemas" / "LICENSE-EUPL-1.2.txt").is_file()


def test_benchmark_refuses_a_real_data_folder(tmp_path: Path) -> None:
    """bench.prepare makes a 'bench' login with a published password: run against a real data
    folder it stops before it touches the database."""
    env = {**os.environ, "SHOWCASE_DATA_DIR": str(tmp_path / "var"), "PICCOLO_CONF": "piccolo_conf"}
    env.pop("SHOWCASE_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "bench.prepare", "10", str(tmp_path / "codes.txt")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to prepare a benchmark" in result.stderr
    assert not (tmp_path / "var" / "showcase.sqlite3").exists()
