"""Login, cookie sessions, API tokens and role guards: the one place that decides who may
do what. What is stored lives in accounts.queries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.security.session_auth import SessionAuth

from accounts.queries import user_of_login
from accounts.rules import CurrentUser
from core.signing import sign, unsign


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    user_id, login_id = session.get("uid"), session.get("sid")
    if not isinstance(user_id, int) or not isinstance(login_id, str):  # a session of no login
        return None
    return await user_of_login(user_id, login_id, (user_id, login_id))


def requires_role(*roles: str) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    # async on purpose: Litestar runs a sync guard in a worker thread, on every request
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, CurrentUser):
            raise NotAuthorizedException("Login required")
        if not user.has(*roles):
            raise PermissionDeniedException("Your account does not have the role this page needs")

    return guard


organiser_guard = requires_role("organiser")


def session_auth(secret: bytes, secure: bool) -> SessionAuth[CurrentUser, Any]:
    return SessionAuth[CurrentUser, Any](
        retrieve_user_handler=retrieve_user,
        session_backend_config=CookieBackendConfig(
            secret=secret,
            key="showcase_session",
            secure=secure,
            httponly=True,
            samesite="lax",
            max_age=12 * 3600,
        ),
        exclude_opt_key="exclude_from_auth",
    )


# -- API tokens ---------------------------------------------------------------------------
# Devices that call the API from scripts or scanner pages send "Authorization: Bearer <token>"
# instead of the session cookie. A token is the user id and login id signed with the app's
# secret (valid API_TOKEN_HOURS); routes that take only tokens need no CSRF protection,
# because a browser never attaches such a header to a cross-site request.
API_TOKEN_HOURS = 12


def issue_api_token(secret: bytes, user: CurrentUser, login_id: str) -> str:
    return sign(secret, f"{user.id}:{login_id}", API_TOKEN_HOURS * 3600)


async def bearer_user(connection: ASGIConnection) -> CurrentUser | None:
    header = connection.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return None
    value = unsign(connection.app.state["secret"], header[7:].strip())
    if not value or ":" not in value:
        return None
    user_id, login_id = value.split(":", 1)
    if not user_id.isdecimal():
        return None
    return await user_of_login(
        int(user_id), login_id, (int(user_id), "token:" + login_id)
    )  # a token dies with its login


async def token_user(connection: ASGIConnection, *roles: str) -> CurrentUser:
    """For token-only routes: the bearer token's user, who must have one of ``roles``."""
    user = await bearer_user(connection)
    if user is None:
        raise NotAuthorizedException("A valid API token is required (Authorization: Bearer …)")
    if not user.has(*roles):
        raise PermissionDeniedException("Your account does not have the role this needs")
    connection.scope["user"] = user
    return user


def user_of(request: Request[Any, Any, Any]) -> CurrentUser | None:
    """The logged-in person of this request, if any (public pages run without the guard)."""
    user = request.scope.get("user")
    return user if isinstance(user, CurrentUser) else None
