"""`make bench`, handouts part: the programme booklet for the demo day (4 presentations) and
for a 50-presentation day, through a real server, against WeasyPrint alone on the same
final HTML in the same run.

Figures, each the best of a few tries except the first-request ones (one each by nature):
- process cold: the first request to a server started with SHOWCASE_PDF_WARM_UP=0;
- first after start: the first request to a server started as `make run` starts it (fonts
  loaded in the background at start), three seconds after it answers;
- cache cold: a warm process, the document not in the cache (files deleted first);
- WeasyPrint alone: HTML(string=...).write_pdf() with the same fonts and stylesheets on the
  very HTML the server renders, in a fresh process (cold: its first document, which loads
  the fonts and parses the stylesheets; warm: the best of the next ones, which reuse them,
  as our renderer does);
- cached: a repeat download (the PDF from the cache), and a revalidation (304).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "https://showcase.example.cn"
PEER = {"demo": (0.76, 3, 4), "big": (4.2, 7, 50)}  # Indico 3.3: seconds, pages, talks (measured by the author)
TRIES = int(os.environ.get("BENCH_PDF_TRIES", "3"))


def prepare(env: dict[str, str]) -> None:
    code = (
        "import asyncio, manage\nfrom demo import load_demo\nfrom bench.prepare import big_day\n"
        "async def m():\n    await load_demo()\n    await big_day('big50', 50)\n"
        "manage.migrate()\nasyncio.run(m())"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)


def ttfb(url: str, headers: dict[str, str] | None = None) -> tuple[float, int, bytes, dict[str, str]]:
    """Seconds from sending the request to the response's first byte (status and headers
    read), then the whole body."""
    parts = urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    start = time.perf_counter()
    connection.request("GET", parts.path + ("?" + parts.query if parts.query else ""), headers=headers or {})
    response = connection.getresponse()
    first = time.perf_counter() - start
    body = response.read()
    connection.close()
    return first, response.status, body, dict(response.getheaders())


WEASY_ALONE = r"""
import sys, time, json
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from events.handouts.render import ASSET_ORIGIN, ASSETS, FONTS_CSS, AssetsOnly
html = open(sys.argv[1], encoding="utf-8").read()
times, fonts = [], None
for n in range(int(sys.argv[2])):
    start = time.perf_counter()
    if fonts is None:  # the first document pays for the fonts and stylesheets, as ours does
        fonts, fetcher = FontConfiguration(), AssetsOnly()
        sheets = [CSS(string=FONTS_CSS, base_url=ASSET_ORIGIN, url_fetcher=fetcher, font_config=fonts),
                  CSS(filename=str(ASSETS / "css" / "print.css"), base_url=ASSET_ORIGIN, url_fetcher=fetcher, font_config=fonts)]
    HTML(string=html, base_url=ASSET_ORIGIN, url_fetcher=fetcher).write_pdf(stylesheets=sheets, font_config=fonts)
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def final_html(env: dict[str, str], slug: str, path: Path) -> None:
    """The exact HTML the server hands WeasyPrint for this booklet."""
    code = (
        "import asyncio, sys\nfrom events import days\nfrom events.handouts import documents as handout_docs\nfrom web.templating import build_environment\n"
        f"async def m():\n    event = await days.get_event_by_slug({slug!r})\n"
        f"    doc = await handout_docs.booklet(event, {BASE_URL!r})\n"
        f"    open({str(path)!r}, 'w', encoding='utf-8').write(handout_docs.render_html(build_environment(), doc))\n"
        "asyncio.run(m())"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)


def weasy_alone(env: dict[str, str], html: Path) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", WEASY_ALONE, str(html), str(1 + TRIES)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    times = json.loads(out.strip().splitlines()[-1])
    return times[0], min(times[1:])


def pages_of(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        out = subprocess.run(["pdfinfo", fh.name], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def run(serve, stop) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="showcase-bench-pdf-"))
    env = {
        **os.environ,
        "SHOWCASE_DATA_DIR": str(data_dir),
        "SHOWCASE_SECRET_KEY": "bench-secret",
        "PICCOLO_CONF": "piccolo_conf",
        "SHOWCASE_BASE_URL": BASE_URL,
        "SHOWCASE_PDF_WARM_UP": "0",
    }
    env.pop("SHOWCASE_DATABASE_URL", None)
    prepare(env)
    results: dict = {}
    cache = data_dir / "handouts"
    for name, slug in (("demo", "shuixin-2026"), ("big", "big50")):
        process, url = serve("app:create_app", 1, env)  # fonts not pre-loaded: the first request is process-cold
        try:
            process_cold, status, pdf, headers = ttfb(f"{url}/e/{slug}/programme.pdf")
            assert status == 200, status
        finally:
            stop(process)
        shutil.rmtree(cache, ignore_errors=True)
        process, url = serve("app:create_app", 1, {**env, "SHOWCASE_PDF_WARM_UP": "1"})  # as `make run` starts it
        try:
            time.sleep(3)  # the fonts load in the background at start
            target = f"{url}/e/{slug}/programme.pdf"
            after_start = ttfb(target)[0]
            cache_cold = []
            for _ in range(TRIES):
                shutil.rmtree(cache, ignore_errors=True)
                cache_cold.append(ttfb(target)[0])
            cached = min(ttfb(target)[0] for _ in range(TRIES * 5))
            revalidated = min(ttfb(target, {"If-None-Match": headers["etag"]})[0] for _ in range(TRIES * 5))
        finally:
            stop(process)
        html = data_dir / f"{slug}.html"
        final_html(env, slug, html)
        alone_cold, alone_warm = weasy_alone(env, html)
        results[name] = {
            "slug": slug,
            "pages": pages_of(pdf),
            "process_cold_s": round(process_cold, 3),
            "first_after_start_s": round(after_start, 3),
            "cache_cold_s": round(min(cache_cold), 3),
            "weasyprint_alone_cold_s": round(alone_cold, 3),
            "weasyprint_alone_warm_s": round(alone_warm, 3),
            "cached_ms": round(cached * 1000, 2),
            "revalidated_ms": round(revalidated * 1000, 2),
            "overhead_warm": round(min(cache_cold) / alone_warm - 1, 3),
            "overhead_cold": round(process_cold / alone_cold - 1, 3),
            "cached_speedup": round(min(cache_cold) / cached, 1),
        }
    shutil.rmtree(data_dir, ignore_errors=True)
    return results


def report(results: dict) -> tuple[list[str], list[str]]:
    lines = [
        "# Handouts benchmark: programme booklet",
        "",
        "One run, this machine; the server is one uvicorn process on SQLite. Process cold: the first request to a "
        "fresh process that did not load the fonts at start (SHOWCASE_PDF_WARM_UP=0). First after start: the first "
        "request to a process started as `make run` starts it. Cache cold: a warm process, the cached PDF deleted first "
        "(best of a few). WeasyPrint alone: the same final HTML and stylesheets in a fresh process, first document "
        "(cold) and best later one (warm). Overheads: ours over WeasyPrint alone, cold over cold and warm over warm.",
        "",
        "| day | pages | process cold TTFB s | WeasyPrint alone cold s | overhead | first after start s | cache cold TTFB s | "
        "WeasyPrint alone warm s | overhead | cached ms | 304 ms | cached × faster | Indico 3.3 (peer) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    failures = []
    for name, r in results.items():
        peer_s, peer_pages, talks = PEER[name]
        lines.append(
            f"| {'demo, 4 talks' if name == 'demo' else '50 talks'} | {r['pages']} | {r['process_cold_s']} | "
            f"{r['weasyprint_alone_cold_s']} | {r['overhead_cold']:+.0%} | {r['first_after_start_s']} | {r['cache_cold_s']} | "
            f"{r['weasyprint_alone_warm_s']} | "
            f"{r['overhead_warm']:+.0%} | {r['cached_ms']} | {r['revalidated_ms']} | {r['cached_speedup']}× | "
            f"{peer_s} s, {peer_pages} pages |"
        )
        if r["overhead_warm"] > 0.25:
            failures.append(f"{name}: overhead {r['overhead_warm']:.0%} over WeasyPrint alone (target ≤ 25%)")
        if r["cached_speedup"] < 100:
            failures.append(f"{name}: a cached download only {r['cached_speedup']}× faster (target ≥ 100×)")
        if max(r["cache_cold_s"], r["first_after_start_s"]) > peer_s:
            failures.append(
                f"{name}: {max(r['cache_cold_s'], r['first_after_start_s'])} s cold, Indico takes {peer_s} s "
                "(target: no longer)"
            )
    lines += [
        "",
        "Targets: no longer than Indico 3.3 for the same talks (0.76 s for 4, 4.2 s for 50; the peer's figures "
        "as measured by the issue's author, not reproduced here: Indico is not installed on this machine); "
        "our overhead over WeasyPrint alone ≤ 25%; a cached download ≥ 100× faster than a cold render.",
    ]
    return lines, failures
