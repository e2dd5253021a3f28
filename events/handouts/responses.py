"""Handouts as HTTP answers: a PDF from the cache (or 304), and its HTML preview."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from events.handouts import documents as handout_docs
from events.handouts import render as handouts
from web.routing import settings_of
from web.templating import jinja_env


async def pdf_response(
    request: Request[Any, Any, Any], document: handout_docs.Document, public: bool = False
) -> Response[bytes]:
    """The PDF, from the cache when its content is unchanged; 304 when the client already
    has this very version."""
    etag = f'"{document.key}"'
    headers = {
        "ETag": etag,
        "Cache-Control": ("public" if public else "private") + ", no-cache",
        "Content-Disposition": f'inline; filename="{document.filename}"',
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=304, headers=headers)
    env = jinja_env(request.app)
    cache = handouts.cache_for(settings_of(request).data_dir)
    body = await handout_docs.pdf(env, document, cache)
    return Response(body, media_type="application/pdf", headers=headers)


def preview_response(
    request: Request[Any, Any, Any], document: handout_docs.Document, back: str, pdf_url: str
) -> Response[str]:
    html = handout_docs.render_html(jinja_env(request.app), document, preview=True, back=back, pdf_url=pdf_url)
    return Response(html, media_type="text/html", headers={"Cache-Control": "no-store"})  # Litestar adds the charset
