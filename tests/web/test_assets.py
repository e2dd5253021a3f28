"""Phones on a weak network: text goes out compressed (brotli when asked, else gzip), a
live event stream is never held back for compression, and assets that pages link carry a
version, so a browser keeps them for a year without asking again."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli

from tests.conftest import Client

ROOT = Path(__file__).resolve().parents[2]


async def raw(client, url: str, encoding: str):
    """The response and its body as sent (not decoded by the client)."""
    async with client.stream("GET", url, headers={"Accept-Encoding": encoding}) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",")}


async def test_a_page_is_sent_gzipped_or_brotli_compressed_as_the_phone_asks(client, demo):
    plain, html = await raw(client, "/e/shuixin-2026", "identity")
    assert plain.status_code == 200 and "content-encoding" not in plain.headers and b"</html>" in html

    zipped, body = await raw(client, "/e/shuixin-2026", "gzip, deflate")
    assert zipped.headers["content-encoding"] == "gzip" and "accept-encoding" in vary(zipped)
    assert gzip.decompress(body) == html and len(body) < len(html) / 2

    # WeChat and Chrome say "br" among others: brotli wins.
    squeezed, body = await raw(client, "/e/shuixin-2026", "gzip, deflate, br")
    assert squeezed.headers["content-encoding"] == "br" and "accept-encoding" in vary(squeezed)
    assert brotli.decompress(body) == html and len(body) < len(html) / 2


async def test_stylesheets_scripts_and_json_are_compressed_too(client, demo):
    for url in ("/assets/css/app.css", "/assets/js/live-day.js", "/e/shuixin-2026/schedule.json"):
        plain, text = await raw(client, url, "identity")
        squeezed, body = await raw(client, url, "br")
        assert squeezed.headers["content-encoding"] == "br", url
        assert brotli.decompress(body) == text and len(body) < len(text) / 2, url


async def test_small_answers_and_files_that_are_compressed_already_go_out_as_they_are(organiser, demo):
    health, _ = await raw(organiser, "/healthz", "gzip, br")
    assert health.status_code in (200, 503) and "content-encoding" not in health.headers  # a few bytes
    font, body = await raw(organiser, "/assets/fonts/DejaVuSans.ttf", "gzip, br")
    assert font.status_code == 200 and "content-encoding" not in font.headers
    assert body == (ROOT / "assets/fonts/DejaVuSans.ttf").read_bytes()


async def test_the_live_event_stream_is_never_compressed(client, demo):
    # Compressing would hold events in the compressor's buffer: the stream goes out as it is.
    response, body = await raw(client, "/e/shuixin-2026/live", "gzip, deflate, br")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in response.headers
    assert b"data: " in body  # readable as sent


async def test_pages_link_versioned_assets_that_browsers_keep_for_a_year(client, demo):
    page = (await client.get("/e/shuixin-2026")).text
    links = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)
    assert any(link.startswith("/assets/css/app.css?v=") for link in links), links
    assert any(link.startswith("/assets/js/live-day.js?v=") for link in links), links
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{10}$", link), link
        response = await client.get(link)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", link
        # A shared cache (a carrier's proxy) may keep it for everyone: no one's cookie with it.
        fresh = await Client(app=client.app, base_url="http://testserver.local").__aenter__()
        try:
            assert "set-cookie" not in (await fresh.get(link)).headers, link
        finally:
            await fresh.__aexit__(None, None, None)


async def test_unversioned_or_outdated_asset_requests_are_revalidated(client):
    for url in ("/assets/css/app.css", "/assets/css/app.css?v=0000000000"):
        response = await client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers["cache-control"] and "no-cache" in response.headers["cache-control"]
    assert (await client.get("/assets/css/nothing.css?v=0000000000")).status_code == 404


def test_every_asset_a_page_template_links_carries_its_version():
    # Handouts are the PDF renderer's: it fetches assets from its own origin, unversioned.
    unversioned = []
    for template in (ROOT / "templates").rglob("*.html"):
        if "handouts" in template.parts:
            continue
        unversioned += [
            f"{template.name}: {m}" for m in re.findall(r'(?:src|href)="/assets/[^"]*"', template.read_text())
        ]
    assert unversioned == []
