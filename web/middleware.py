"""Per-request locale: cookie, then Accept-Language, then the default (Simplified Chinese)."""

from __future__ import annotations

import re

from litestar.types import ASGIApp, Receive, Scope, Send

from web import i18n
from web.ratelimit import Limit, client_address, cookie, rate_limits

LANG_RE = re.compile(rb"(?:^|;\s*)" + i18n.LANG_COOKIE.encode() + rb"=([A-Za-z_]{2,12})(?:;|$)")


class LocaleMiddleware:
    """Sets the request's locale; ``default_locale`` (SHOWCASE_DEFAULT_LOCALE) when neither
    the language cookie nor the browser names one we have."""

    def __init__(self, app: ASGIApp, default_locale: str = i18n.DEFAULT_LOCALE) -> None:
        self.app = app
        self.default_locale = default_locale

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
        token = i18n.current_locale.set(i18n.choose_locale(cookie_value, accept, self.default_locale))
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.current_locale.reset(token)


def _attendee_key(scope) -> str:
    """Per phone (the device cookie set at check-in), else per address. Not per address
    alone: a whole hall often shares one address behind the venue's Wi-Fi."""
    device = cookie(scope, "showcase_device") or ""
    if 20 <= len(device) <= 40:
        return "device:" + device
    return "ip:" + client_address(scope)


def _is_attendee_post(scope) -> bool:
    return scope["method"] == "POST" and scope["path"].startswith("/e/")


def _is_public_form_post(scope) -> bool:
    """Applications to a call and an applicant's edits and attachments: no login needed."""
    return scope["method"] == "POST" and scope["path"].startswith(("/calls/", "/a/"))


def _is_login_post(scope) -> bool:
    return scope["method"] == "POST" and scope["path"] == "/login"


RATE_LIMITED = (_is_attendee_post, _is_public_form_post, _is_login_post)


def rate_limited(method: str, path: str) -> bool:
    """Whether a request of this method to this path (a route's path, e.g. /e/{slug}/checkin)
    counts against a rate limit, so that it may be answered 429."""
    scope = {"type": "http", "method": method, "path": path}
    return any(applies(scope) for applies in RATE_LIMITED)


def rate_limit_middleware(settings):
    """Check-in and feedback posts from phones (SHOWCASE_ATTENDEE_POSTS_PER_MINUTE each) and
    login posts per address (SHOWCASE_LOGIN_ATTEMPTS_PER_MINUTE; password guessing), counted
    in Redis when SHOWCASE_REDIS_URL is set, so that they hold across every app process."""
    return rate_limits(
        [
            Limit("attendee", settings.attendee_posts_per_minute, _is_attendee_post, _attendee_key),
            # A device cookie is anybody's to make up: an address gets a ceiling of its own, high
            # enough for a hall behind one Wi-Fi address, low enough to stop a script.
            Limit("address", settings.address_posts_per_minute, _is_attendee_post, client_address),
            Limit("public-form", settings.public_form_posts_per_minute, _is_public_form_post, client_address),
            Limit("login", settings.login_attempts_per_minute, _is_login_post, client_address),
        ],
        settings.redis_url,
    )
