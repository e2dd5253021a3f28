"""Login, cookie sessions and role guards: the one place that decides who may do what."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.security.session_auth import SessionAuth
from piccolo.apps.user.tables import BaseUser

from accounts.tables import UserRole


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles.intersection(roles))


async def load_user(user_id: int) -> CurrentUser | None:
    user = await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.active).where(
        BaseUser.id == user_id
    ).first()
    if not user or not user["active"]:
        return None
    rows = await UserRole.select(UserRole.role).where(UserRole.user == user_id)
    return CurrentUser(id=user["id"], username=user["username"], roles=frozenset(r["role"] for r in rows))


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    user_id = session.get("uid")
    if not isinstance(user_id, int):
        return None
    return await load_user(user_id)


async def check_password(username: str, password: str) -> int | None:
    """The user's id if the password is right. Piccolo's hash format, but the PBKDF2 work
    (~0.3 s of CPU) runs in a thread while the query stays on this loop and its pool."""
    if not username or not password or len(password) > 128 or len(username) > 100:
        return None
    row = await BaseUser.select(BaseUser.id, BaseUser.password, BaseUser.active).where(
        BaseUser.username == username
    ).first()
    if not row:
        await asyncio.to_thread(BaseUser.hash_password, password)  # same time as a real check
        return None
    try:
        _, iterations, salt, _ = BaseUser.split_stored_password(row["password"])
    except ValueError:
        return None
    candidate = await asyncio.to_thread(BaseUser.hash_password, password, salt, int(iterations))
    if not hmac.compare_digest(candidate, row["password"]) or not row["active"]:
        return None
    await BaseUser.update({BaseUser.last_login: dt.datetime.now()}).where(BaseUser.id == row["id"])
    return row["id"]


def requires_role(*roles: str):
    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
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
            secret=secret, key="showcase_session", secure=secure, httponly=True, samesite="lax",
            max_age=12 * 3600,
        ),
        exclude_opt_key="exclude_from_auth",
    )
