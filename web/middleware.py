"""Per-request locale: cookie, then Accept-Language, then the default (Simplified Chinese)."""

from __future__ import annotations

import re

from litestar.types import ASGIApp, Receive, Scope, Send

from web import i18n

LANG_RE = re.compile(rb"(?:^|;\s*)" + i18n.LANG_COOKIE.encode() + rb"=([A-Za-z_]{2,12})(?:;|$)")


class LocaleMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie_value = None
        accept = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                match = LANG_RE.search(value)
                if match:
                    cookie_value = match.group(1).decode("ascii")
            elif name == b"accept-language":
                accept = value.decode("latin-1")
        token = i18n.current_locale.set(i18n.choose_locale(cookie_value, accept))
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.current_locale.reset(token)
