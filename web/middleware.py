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


def _attendee_key(request) -> str:
    """Per phone (the device cookie set at check-in), else per address. Not per address
    alone: a whole hall often shares one address behind the venue's Wi-Fi."""
    device = request.cookies.get("showcase_device", "")
    if 20 <= len(device) <= 40:
        return "device:" + device
    client = request.client
    return "ip:" + (client.host if client else "unknown")


async def _is_attendee_post(request) -> bool:
    """Async on purpose: Litestar runs a plain function here in a worker thread."""
    return request.method == "POST" and request.url.path.startswith("/e/")


def attendee_post_limit(settings):
    """Check-in and feedback posts from phones: SHOWCASE_ATTENDEE_POSTS_PER_MINUTE each.
    The store is this process's memory until a shared store is configured (scale-out)."""
    from litestar.middleware.rate_limit import RateLimitConfig

    return RateLimitConfig(
        rate_limit=("minute", settings.attendee_posts_per_minute),
        identifier_for_request=_attendee_key,
        check_throttle_handler=_is_attendee_post,
        set_rate_limit_headers=False,  # phones never read them; they cost a tenth of a feedback post
    )


def _login_key(request) -> str:
    client = request.client
    return "login-ip:" + (client.host if client else "unknown")


async def _is_login_post(request) -> bool:
    return request.method == "POST" and request.url.path == "/login"


def login_limit(settings):
    """Password guessing: SHOWCASE_LOGIN_ATTEMPTS_PER_MINUTE login posts per address; more
    get 429 with a message, the right password included, until the minute has passed."""
    from litestar.middleware.rate_limit import RateLimitConfig

    return RateLimitConfig(
        rate_limit=("minute", settings.login_attempts_per_minute),
        identifier_for_request=_login_key,
        check_throttle_handler=_is_login_post,
        set_rate_limit_headers=False,
        store="login_rate_limit",
    )
