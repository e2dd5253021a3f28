"""Printed handouts: programme booklet, check-in poster, ticket sheets, results report.

The only module that imports WeasyPrint. Documents are HTML from the pages' own Jinja
environment (templates/handouts/), turned into PDF off the event loop. The renderer fetches
nothing but our own files under assets/ (fonts and the print stylesheet): user-entered text
is escaped by Jinja, and any URL that still reaches WeasyPrint is refused here.

Rendered PDFs are kept on disk keyed by a hash of everything that goes into them (the data,
the language, the templates, the fonts), so a repeat download is a file read and a changed
event, agenda or presentation gives a new key, hence a fresh document.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio
import pydyf
from markupsafe import escape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from core.qr import qr_matrix
from settings import ROOT

ASSETS = (ROOT / "assets").resolve()
# A made-up origin (".invalid" never resolves) that stands for our assets folder.
ASSET_ORIGIN = "https://assets.showcase.invalid/"
SIZES = {"booklet": ("a4", "a5"), "poster": ("a4", "a3"), "tickets": ("a4",), "report": ("a4",)}
FONTS_CSS = """
@font-face { font-family: "Showcase Sans"; font-weight: 400; src: url(fonts/NotoSansSC-Regular.ttf); }
@font-face { font-family: "Showcase Sans"; font-weight: 700; src: url(fonts/NotoSansSC-Bold.ttf); }
@font-face { font-family: "Showcase CJK Extra"; font-weight: 400; src: url(fonts/ShowcaseCJKExtra-Regular.otf); }
@font-face { font-family: "Showcase CJK Extra"; font-weight: 700; src: url(fonts/ShowcaseCJKExtra-Bold.otf); }
@font-face { font-family: "Showcase Rare Han"; src: url(fonts/rare/ShowcaseRareHan.ttf); }
@font-face { font-family: "Showcase Rare Han G"; src: url(fonts/rare/ShowcaseRareHanG.ttf); }
@font-face { font-family: "Showcase Symbols"; font-weight: 400; src: url(fonts/DejaVuSans.ttf); }
@font-face { font-family: "Showcase Symbols"; font-weight: 700; src: url(fonts/DejaVuSans-Bold.ttf); }
@font-face { font-family: "Showcase Emoji"; src: url(fonts/NotoEmoji-Regular.ttf); }
"""
# Pictures people uploaded for featured cases, by their SHA-256 only (set by create_app).
MEDIA_ORIGIN = "https://media.showcase.invalid/"
MEDIA_NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpeg)$")
# Made by `make deps` from Debian packages (too large to commit; see assets/fonts/README.md).
RARE_FONTS = (ASSETS / "fonts" / "rare" / "ShowcaseRareHan.ttf", ASSETS / "fonts" / "rare" / "ShowcaseRareHanG.ttf")
TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
refused: collections.deque[str] = collections.deque(maxlen=100)  # what the fetcher said no to, newest last


class AssetsOnly(URLFetcher):
    """WeasyPrint's URL fetcher, narrowed to files under assets/ with a known type, and to
    stored pictures named by their hash: no network, no file://, nothing a user could
    point it at. ``media_dir`` is the one folder of uploads it may read (featured cases'
    pictures), given per document; None: none."""

    def __init__(self, media_dir: Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.media_dir = media_dir

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(MEDIA_ORIGIN) and self.media_dir is not None:
            name = url[len(MEDIA_ORIGIN) :]
            if MEDIA_NAME.match(name) and (self.media_dir / name).is_file():
                kind = name.rsplit(".", 1)[1]
                body = (self.media_dir / name).read_bytes()
                return URLFetcherResponse(url, body=body, headers={"Content-Type": f"image/{kind}"})
        if url.startswith(ASSET_ORIGIN):
            relative = unquote(url[len(ASSET_ORIGIN) :].split("?", 1)[0].split("#", 1)[0])
            path = (ASSETS / relative).resolve()
            if path.is_relative_to(ASSETS) and path.suffix in TYPES and path.is_file():
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": TYPES[path.suffix]})
        refused.append(url[:200])
        raise ValueError(f"not one of our assets: {url[:80]}")


# One rendering thread per process, and the fonts loaded into it once. WeasyPrint is pure
# Python under the GIL: a second thread would not render any faster, but it would need its
# own Fontconfig set-up (the slowest part of a first render), which is not shared between
# threads. Documents queue here; the event loop never waits on them.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf")
_renderer_state: tuple[FontConfiguration, AssetsOnly, list[CSS]] | None = None


def _renderer() -> tuple[FontConfiguration, AssetsOnly, list[CSS]]:
    """The fonts, the fetcher and our two stylesheets, parsed once (the print stylesheet
    took a sixth of a small document's time when each document linked and parsed it)."""
    global _renderer_state
    if _renderer_state is None:
        fonts, fetcher = FontConfiguration(), AssetsOnly()
        missing = [p.name for p in RARE_FONTS if not p.is_file()]
        if missing:
            logging.getLogger("showcase").warning(
                "PDF fonts for rare characters missing (%s): `make deps` makes them; until then such "
                "characters in names print as boxes",
                ", ".join(missing),
            )
        sheets = [
            CSS(string=FONTS_CSS, base_url=ASSET_ORIGIN, url_fetcher=fetcher, font_config=fonts),
            CSS(
                filename=str(ASSETS / "css" / "print.css"),
                base_url=ASSET_ORIGIN,
                url_fetcher=fetcher,
                font_config=fonts,
            ),
        ]
        _renderer_state = (fonts, fetcher, sheets)
    return _renderer_state


# A page of each kind of box the handouts use, at each of their text sizes: WeasyPrint and
# Pango fill their caches (font faces, sizes, shaping) on the first document that needs them.
WARM_UP_HTML = """<html lang="zh-CN"><body>
<section class="cover"><div class="band"><p class="theme">主题党日 Showcase</p><h1>税心向党·书记说</h1></div>
<div class="facts"><p>2026年7月1日 09:00–11:00 ≒ 𠮷 👍</p></div></section>
<section class="contents"><h2>目录</h2><table><tr><td><a href="#a">议程</a> <span class="sub">芙蓉区税务局</span></td>
<td class="pn"><a href="#a"></a></td></tr></table></section>
<section class="agenda" id="a"><table><thead><tr><th class="time">时间</th><th>环节</th><th class="unit">单位</th>
<th class="who">汇报人</th></tr></thead><tbody><tr class="segment"><td class="time">09:00–09:10</td><td>开场</td><td></td>
<td></td></tr></tbody></table></section>
<section class="talk"><p class="kicker">第 1 个展示</p><h2>“三小”工作法</h2><div class="facts"><p><span class="label">单位</span>天心区</p></div>
<div class="summary">从小切口入手。</div><div class="rate"><p><strong>为本场展示评分</strong></p><p class="muted small">手机扫码</p></div></section>
</body></html>"""


def warm_up() -> None:
    """Load the fonts and fill WeasyPrint's caches before the first document is asked for."""
    render_pdf(WARM_UP_HTML)


def warm_up_in_background(environment: Any = None) -> None:
    """Queue the warm-up on the rendering thread, and compile the handout templates."""
    _executor.submit(warm_up)
    if environment is not None:
        for name in ("booklet", "poster", "tickets", "report"):
            _executor.submit(environment.get_template, f"handouts/{name}.html")


def qr_placeholder(data: str, label: str = "") -> str:
    """Where a QR code goes in a PDF: an empty box the finisher draws into (see below)."""

    return f'<div class="qr-code" data-qr="{escape(data)}" role="img" aria-label="{escape(label)}"></div>'


def _qr_boxes(document: Any) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, the placeholders' content boxes (CSS px from the page's top left)."""
    pages = []
    for page in document.pages:
        found, seen = [], set()
        for box in page._page_box.descendants(placeholders=True):
            element = getattr(box, "element", None)
            data = element.get("data-qr") if element is not None and box.element_tag == "div" else None
            if data and id(element) not in seen:
                seen.add(id(element))
                found.append((box.content_box_x(), box.content_box_y(), box.width, box.height, data))
        pages.append(found)
    return pages


def _qr_stream(boxes: list[tuple[float, float, float, float, str]], page_height: float) -> bytes:
    """PDF drawing operators for the QR codes of one page: every run of dark modules as one
    filled rectangle, in points from the bottom left (vector, like the SVG on pages)."""

    scale = 0.75  # 72 PDF points per inch / 96 CSS px per inch
    ops = ["q 0 g"]
    for x, y, width, height, data in boxes:
        matrix = qr_matrix(data)
        module = min(width, height) / len(matrix) * scale
        left, top = x * scale, (page_height - y) * scale
        for row_index, row in enumerate(matrix):
            bottom = top - (row_index + 1) * module
            column = 0
            while column < len(row):
                if row[column]:
                    start = column
                    while column < len(row) and row[column]:
                        column += 1
                    ops.append(
                        f"{left + start * module:.3f} {bottom:.3f} {(column - start) * module:.3f} {module:.3f} re"
                    )
                else:
                    column += 1
        ops.append("f")
    ops.append("Q")
    return "\n".join(ops).encode()


def _draw_qr_codes(placements: list[list[tuple[float, float, float, float, str]]]) -> Callable[[Any, Any], None]:
    """A WeasyPrint finisher: append each page's QR codes as a content stream of its own.

    WeasyPrint's SVG path drawing costs ~20 ms a code (a fifth of a 50-presentation
    booklet); these operators cost well under 1 ms. The page's own stream is wrapped in q/Q
    first, so ours starts from PDF's default coordinates."""

    def finish(document: Any, pdf: Any) -> None:
        pages = [obj for obj in pdf.objects if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page"]
        for page, boxes, rendered in zip(pages, placements, document.pages, strict=False):
            if not boxes:
                continue
            streams = [
                pydyf.Stream([b"q"]),
                pydyf.Stream([b"Q"]),
                pydyf.Stream([_qr_stream(boxes, rendered.height)], compress=True),
            ]
            for stream in streams:
                pdf.add_object(stream)
            page["Contents"] = pydyf.Array(
                [streams[0].reference, page["Contents"], streams[1].reference, streams[2].reference]
            )

    return finish


def render_pdf(html: str, media_dir: Path | None = None) -> bytes:
    """Blocking: HTML (from our templates) to PDF bytes; pictures only from ``media_dir``."""
    fonts, fetcher, sheets = _renderer()
    if media_dir is not None:
        fetcher = AssetsOnly(media_dir)
    document = HTML(string=html, base_url=ASSET_ORIGIN, url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=fonts
    )
    return document.write_pdf(finisher=_draw_qr_codes(_qr_boxes(document)))


async def to_pdf(html: str, media_dir: Path | None = None) -> bytes:
    return await asyncio.get_running_loop().run_in_executor(_executor, render_pdf, html, media_dir)


# -- what goes into a document decides its key ------------------------------------------

_version: str | None = None


def templates_version() -> str:
    """Changes when a handout template, the print stylesheet, the catalog, the fonts or
    this module change (a new release must not serve an old layout from the cache)."""
    global _version
    if _version is None:
        digest = hashlib.sha256()
        files = sorted((ROOT / "templates" / "handouts").glob("*.html")) + [
            ASSETS / "css" / "print.css",
            Path(__file__),
            *sorted((ROOT / "locales").rglob("*.po")),
            *sorted((ASSETS / "fonts").glob("*.[ot]tf")),
            *[p for p in RARE_FONTS if p.is_file()],
        ]
        for file in files:
            digest.update(file.name.encode())
            digest.update(
                file.read_bytes() if file.suffix not in (".ttf", ".otf") else str(file.stat().st_size).encode()
            )
        _version = digest.hexdigest()[:16]
    return _version


def content_key(kind: str, inputs: Any) -> str:
    data = json.dumps(inputs, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{kind}\n{templates_version()}\n{data}".encode()).hexdigest()[:32]


class DocumentCache:
    """PDFs on disk under the data folder, one file per content key. Processes on one
    machine share it; a key never changes meaning, so there is nothing to invalidate and a
    half-written file is never seen (write, then rename)."""

    def __init__(self, folder: Path, keep: int = 300, media_dir: Path | None = None) -> None:
        self.folder = folder
        self.keep = keep
        self.media_dir = media_dir  # the uploads its documents may show (featured cases' pictures)
        self._inflight: dict[str, asyncio.Future] = {}

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.pdf"

    def read(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, key: str, pdf: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        temporary.write_bytes(pdf)
        temporary.replace(self.path(key))
        files = sorted(self.folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)

    async def get_or_render(self, key: str, make_html: Callable[[], str]) -> bytes:
        """The cached PDF, or render it once however many ask at the same moment."""
        hit = self.read(key)
        if hit is not None:
            return hit
        waiting = self._inflight.get(key)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            pdf = await to_pdf(make_html(), self.media_dir)
            await anyio.to_thread.run_sync(self.write, key, pdf)
            future.set_result(pdf)
            return pdf
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._inflight[key]


_caches: dict[Path, DocumentCache] = {}


def cache_for(data_dir: Path) -> DocumentCache:
    """The data dir's document cache; its PDFs may show the featured cases' pictures."""
    folder = Path(data_dir) / "handouts"
    if folder not in _caches:
        _caches[folder] = DocumentCache(folder, media_dir=Path(data_dir) / "featured")
    return _caches[folder]
