"""`make bench`, uploads part: a 50 MB slide deck uploaded through a presenter's portal link
(a multipart POST on loopback, the file sent with sendfile) against copying the same file
on the same disk (`cp`), in the same run; and the server's memory while it takes them.

Copies and uploads alternate, each started from a quiet disk (`sync` first, so neither
pays for the other's writeback); throughput is the best of a few runs each. Memory is the
server process's peak resident size (VmHWM) before the first upload and after the last.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE_MB = int(os.environ.get("BENCH_UPLOAD_MB", "50"))
TRIES = int(os.environ.get("BENCH_UPLOAD_TRIES", "3"))

PREPARE = r"""
import asyncio, json, manage
from demo import load_demo
from events.slides import queries as sq
from events.tables import AgendaItem
from presenters.tables import PortalLink
from settings import Settings
async def main():
    await load_demo()
    item = await AgendaItem.select(AgendaItem.id, AgendaItem.presenter).where(AgendaItem.kind == "presentation").first()
    link_id = await sq.create_link(item["presenter"], None)
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    print(json.dumps({"item": item["id"], "portal": "/p/" + sq.link_token(Settings().session_secret(), link_id, link["nonce"])}))
manage.migrate()
asyncio.run(main())
"""


def upload(url: str, path: str, deck: Path) -> str:
    """POST the deck as a multipart form over a plain socket, the file sent with sendfile()
    (zero-copy), so the client costs as little as it can and the figure is the server's."""
    import socket
    from urllib.parse import urlparse

    parts = urlparse(url)
    boundary = "showcasebench" + os.urandom(8).hex()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="deck.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + deck.stat().st_size + len(tail)
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {parts.hostname}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port)) as sock, deck.open("rb") as fh:
        sock.sendall(request + head)
        sock.sendfile(fh)
        sock.sendall(tail)
        answer = sock.recv(65536)
    return answer.split(b" ", 2)[1].decode()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(serve, stop) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="showcase-bench-upload-"))
    env = {
        **os.environ,
        "SHOWCASE_DATA_DIR": str(data_dir),
        "SHOWCASE_SECRET_KEY": "bench-secret",
        "PICCOLO_CONF": "piccolo_conf",
        "SHOWCASE_PDF_WARM_UP": "0",
    }
    env.pop("SHOWCASE_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PREPARE], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    facts = json.loads(out.strip().splitlines()[-1])
    deck = data_dir / "deck.pdf"
    with deck.open("wb") as fh:  # a PDF header, then 50 MB that no compression or cache trick shrinks
        fh.write(b"%PDF-1.7\n")
        for _ in range(SIZE_MB):
            fh.write(os.urandom(1024 * 1024))
    size = deck.stat().st_size

    process, url = serve("app:create_app", 1, env)
    copies, plain_copies, uploads, statuses = [], [], [], []
    try:
        before = peak_rss_mb(process.pid)
        for n in range(TRIES):  # alternate, each from a quiet disk: no writeback left from the last one
            target = data_dir / f"copy-{n}.pdf"
            os.sync()
            start = time.perf_counter()
            subprocess.run(["cp", str(deck), str(target)], check=True)
            copies.append(time.perf_counter() - start)
            target.unlink()
            os.sync()
            start = time.perf_counter()  # the same copy through user space, 1 MB reads and writes
            subprocess.run(["dd", f"if={deck}", f"of={target}", "bs=1M", "status=none"], check=True)
            plain_copies.append(time.perf_counter() - start)
            target.unlink()
            os.sync()
            start = time.perf_counter()
            statuses.append(upload(url, f"{facts['portal']}/slides/{facts['item']}", deck))
            uploads.append(time.perf_counter() - start)
        after = peak_rss_mb(process.pid)
    finally:
        stop(process)
    stored = list((data_dir / "slides" / "objects").rglob("*"))
    files = [p for p in stored if p.is_file()]
    result = {
        "size_mb": round(size / 1048576, 1),
        "copy_s": round(min(copies), 4),
        "upload_s": round(min(uploads), 4),
        "copy_mb_s": round(size / 1048576 / min(copies), 1),
        "upload_mb_s": round(size / 1048576 / min(uploads), 1),
        "ratio": round(min(copies) / min(uploads), 3),
        "statuses": statuses,
        "dd_s": round(min(plain_copies), 4),
        "dd_mb_s": round(size / 1048576 / min(plain_copies), 1),
        "ratio_dd": round(min(plain_copies) / min(uploads), 3),
        "peak_rss_before_mb": round(before, 1),
        "peak_rss_after_mb": round(after, 1),
        "rss_growth_mb": round(after - before, 1),
        "stored_files": len(files),
        "stored_matches": bool(files) and files[0].stat().st_size == size,
    }
    shutil.rmtree(data_dir, ignore_errors=True)
    return result


def report(r: dict) -> tuple[list[str], list[str]]:
    lines = [
        "# Uploads benchmark: a slide deck through the presenter portal",
        "",
        f"One run, this machine: `cp` and `dd` of a {r['size_mb']} MB file on the data disk, then the same file uploaded "
        "(multipart, sent with sendfile over loopback) to one uvicorn process on SQLite, best of a few each. Memory: the server's peak "
        "resident size before the first upload and after the last. Copies and uploads alternate, each after a `sync`.",
        "",
        "| file | cp s (MB/s) | dd bs=1M s (MB/s) | upload s (MB/s) | ratio to cp | ratio to dd | peak RSS before → after MB | growth | answers | stored |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {r['size_mb']} MB | {r['copy_s']} ({r['copy_mb_s']}) | {r['dd_s']} ({r['dd_mb_s']}) | {r['upload_s']} ({r['upload_mb_s']}) | "
        f"{r['ratio']:.0%} | {r['ratio_dd']:.0%} | "
        f"{r['peak_rss_before_mb']} → {r['peak_rss_after_mb']} | {r['rss_growth_mb']} MB | {' '.join(r['statuses'])} | "
        f"{r['stored_files']} file{'s' if r['stored_files'] != 1 else ''}, whole: {r['stored_matches']} |",
        "",
        "Targets: upload ≥ 30% of the copy's speed; the server's memory grows by less than 20 MB. "
        "`cp` copies inside the kernel (copy_file_range); `dd bs=1M` is the same copy through user space, "
        "as a program that reads and writes the file does. The target is judged against `cp`, the stricter.",
    ]
    missed = []
    if r["ratio"] < 0.30:
        missed.append(f"upload at {r['ratio']:.0%} of cp (target ≥ 30%)")
    if r["rss_growth_mb"] >= 20:
        missed.append(f"memory grew by {r['rss_growth_mb']} MB (target < 20 MB)")
    if any(s != "302" for s in r["statuses"]) or not r["stored_matches"]:
        missed.append("an upload was not stored whole: the figures are not valid")
    return lines, missed
