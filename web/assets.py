"""Our own files under /assets/ as phones on a weak network want them: every page links
them with a version (``?v=`` a short hash of the file's content, computed once per process),
and a versioned request may be kept for a year, unasked; an unversioned one is revalidated.
Responses are compressed (gzip, or brotli when the client asks) when that helps: text of
some size, never a live event stream (it must not wait in a buffer) nor a PDF or archive."""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import parse_qs

from litestar.config.compression import CompressionConfig
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import Message, Scope, Send

from settings import ROOT

ASSETS = (ROOT / "assets").resolve()
PREFIX = "/assets/"
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"  # kept, but asked about again (ETag / Last-Modified) before each use

# What is worth compressing: text. Event streams are text too, and are left out on purpose.
COMPRESSIBLE = (
    b"text/html",
    b"text/css",
    b"text/javascript",
    b"text/plain",
    b"text/csv",
    b"text/calendar",
    b"text/xml",
    b"application/javascript",
    b"application/json",
    b"application/xml",
    b"application/schema+json",
    b"application/vnd.oai.openapi",
    b"image/svg+xml",
)


@functools.cache
def version(path: str) -> str:
    """The short content hash of assets/``path`` (e.g. "css/app.css"), once per process."""
    file = (ASSETS / path).resolve()
    if not file.is_relative_to(ASSETS) or not file.is_file():
        raise FileNotFoundError(f"not one of our assets: {path}")
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10]


def asset(path: str) -> str:
    """``asset("css/app.css")`` -> "/assets/css/app.css?v=3f2a9c01bd": the URL pages use."""
    return f"{PREFIX}{path}?v={version(path)}"


def is_current_version(scope: Scope) -> bool:
    """A request for /assets/<path>?v=<the file's version in this process>."""
    path: str = scope["path"]
    if not path.startswith(PREFIX):
        return False
    wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
    if not wanted:
        return False
    try:
        return wanted[-1] == version(path[len(PREFIX) :])
    except (FileNotFoundError, OSError, ValueError):
        return False


async def asset_caching(message: Message, scope: Scope) -> None:
    """A before-send hook: how long a browser (WeChat's too) keeps an asset. Only the
    current version is immutable: an old page asking for a version this process no longer
    has gets today's file, which must not be kept a year under the old name."""
    if message["type"] != "http.response.start" or not scope["path"].startswith(PREFIX):
        return
    if message["status"] not in (200, 304):
        return
    policy = IMMUTABLE if is_current_version(scope) else REVALIDATE
    headers = [(n, v) for n, v in message.get("headers") or [] if n.lower() != b"cache-control"]
    message["headers"] = [*headers, (b"cache-control", policy)]


def compressible(content_type: bytes) -> bool:
    return content_type.split(b";")[0].strip().lower().startswith(COMPRESSIBLE)


class TextCompression(CompressionMiddleware):
    """Litestar's compression, for text only: a response of another type (an event stream,
    a PDF, a spreadsheet, a font, an image) goes out as it is, unbuffered."""

    def create_compression_send_wrapper(self, send: Send, compression_encoding: str, scope: Scope) -> Send:
        compress = super().create_compression_send_wrapper(send, compression_encoding, scope)
        chosen: Send | None = None

        async def choose(message: Message) -> None:
            nonlocal chosen
            if chosen is None and message["type"] == "http.response.start":
                headers = message.get("headers") or []
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                chosen = compress if compressible(content_type) else send
            await (chosen or compress)(message)

        return choose


def compression_config() -> CompressionConfig:
    """Brotli when the client says "br" (WeChat over HTTPS does), gzip otherwise; nothing
    under 500 bytes (the headers would cost more than they save)."""
    return CompressionConfig(
        backend="brotli",
        brotli_gzip_fallback=True,
        brotli_quality=5,
        gzip_compress_level=6,
        minimum_size=500,
        middleware_class=TextCompression,
    )
