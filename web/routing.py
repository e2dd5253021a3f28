"""What every controller shares about routes: which ones need no login, and the base of
absolute links."""

from __future__ import annotations

from typing import Any

from litestar import Request

from settings import Settings

# A controller's or handler's ``opt`` for pages anyone may open (attendees, presenters' links).
PUBLIC = {"exclude_from_auth": True}


def public_base(request: Request[Any, Any, Any]) -> str:
    """The base of absolute links: the configured one (Settings.public_base_url), never the
    request's Host header, so a forged Host cannot change a link, a QR code or a cache key."""
    return str(request.app.state["base_url"])


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    """The settings the app was made with: the one way a handler reaches them."""
    settings: Settings = request.app.state["settings"]
    return settings


def safe_next(target: str | None, default: str = "/organiser") -> str:
    """Only same-site paths: never //evil.example or an absolute URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
