"""What every controller shares about routes: which ones need no login, and the base of
absolute links."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

from settings import Settings

# A controller's or handler's ``opt`` for pages anyone may open (attendees, presenters' links).
PUBLIC = {"exclude_from_auth": True}
# For routes that take only an API token (Authorization: Bearer), checked in the handler: no
# session cookie, hence no CSRF token (a browser never sends the header cross-site). The
# OpenAPI schema names the bearer scheme for them (web/openapi.py).
API_TOKEN = {"exclude_from_auth": True, "exclude_from_csrf": True, "api_token": True}


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


_PARAMETER = re.compile(r"{[^}]*}")


def _methods_by_shape(app: Litestar) -> dict[str, str]:
    """Every path's methods, paths alike but for their parameters' names taken together (one
    URL may reach /p/{token}/slides/{version_id} by GET and /p/{token}/slides/{item_id} by POST)."""
    found: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            found.setdefault(_PARAMETER.sub("{}", route.path_format), set()).update(route.methods)
    return {shape: ", ".join(sorted(methods)) for shape, methods in found.items()}


def allow_every_method() -> Callable[[Message, Scope], None]:
    """A before-send hook (one per app): Litestar answers OPTIONS with the methods of the first
    handler it registered for a path, so a path whose GET and POST are separate handlers left
    one out of Allow. Name them all, as a 405 does."""
    shapes: dict[str, str] = {}  # this app's, made at its first OPTIONS request

    def hook(message: Message, scope: Scope) -> None:
        if scope.get("method") != "OPTIONS" or message["type"] != "http.response.start" or message["status"] != 204:
            return
        if not shapes:
            shapes.update(_methods_by_shape(scope["app"]))
        allow = shapes.get(_PARAMETER.sub("{}", scope.get("path_template") or ""))
        if allow:
            MutableScopeHeaders.from_message(message)["allow"] = allow

    return hook
