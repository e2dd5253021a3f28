"""Login, cookie sessions and role guards: the one place that decides who may do what."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.security.session_auth import SessionAuth
from piccolo.apps.user.tables import BaseUser

from accounts.tables import UserRole
from core.cache import TTLCache
from core.signing import sign, unsign


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        """Only the roles granted: managing users (admin) opens no review and no organiser page."""
        return bool(self.roles.intersection(roles))

    @property
    def home(self) -> str:
        """Where this person works: the first page after login and the brand link."""
        if self.has("organiser"):
            return "/organiser/"
        if self.has("screener", "approver"):
            return "/review/"
        if self.has("staff"):
            return "/staff/"
        return "/admin/users/" if self.has("admin") else "/"


async def load_user(user_id: int) -> CurrentUser | None:
    user = await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.active).where(
        BaseUser.id == user_id
    ).first()
    if not user or not user["active"]:
        return None
    rows = await UserRole.select(UserRole.role).where(UserRole.user == user_id)
    return CurrentUser(id=user["id"], username=user["username"], roles=frozenset(r["role"] for r in rows))


# The user's name and roles, keyed by (user id, login id): a fresh login always reads the
# database; a removed role stops working within USER_CACHE_SECONDS on every process. Whether
# the login itself still holds (not logged out, not ended by a new password, the account not
# switched off) is read from the database on every request, whichever process changed it.
USER_CACHE_SECONDS = 10
_users = TTLCache(USER_CACHE_SECONDS)


SESSION_HOURS = 12


async def start_session(user_id: int) -> str:
    """A new login: its id goes into the session cookie and into the database, where
    logging out deletes it. Expired logins are swept on the way."""
    from accounts.tables import LoginSession

    now = dt.datetime.now(dt.timezone.utc)
    sid = secrets.token_hex(16)
    await LoginSession.delete().where(LoginSession.expires_at < now)
    await LoginSession.insert(LoginSession(user=user_id, sid=sid, expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
    return sid


async def end_session(user_id: Any, sid: Any) -> None:
    from accounts.tables import LoginSession

    if isinstance(sid, str) and sid:
        await LoginSession.delete().where(LoginSession.sid == sid)
        _users.drop((user_id, sid))
        _users.drop((user_id, "token:" + sid))


async def end_sessions_of(user_id: int, keep: str = "") -> None:
    """Every login of this user (and so every scanner token issued from one) ends, except
    ``keep`` (the login of an admin who gave themselves a new password). Other processes
    see it on their next request: they check the login's row every time."""
    from accounts.tables import LoginSession

    gone = LoginSession.delete().where(LoginSession.user == user_id)
    if keep:
        gone = gone.where(LoginSession.sid != keep)
    await gone
    _users.clear()


async def _login_holds(user_id: int, sid: str) -> bool:
    """One indexed read: the login exists, has not expired, and its account is switched on."""
    from accounts.tables import LoginSession

    row = await LoginSession.select(LoginSession.id).where(
        (LoginSession.sid == sid) & (LoginSession.user == user_id)
        & (LoginSession.expires_at > dt.datetime.now(dt.timezone.utc))
        & (LoginSession.user.active == True)  # noqa: E712 - a column comparison, not a truth test
    ).first()
    return row is not None


# Reads of one login's row under way: requests for the same login that arrive while one is
# running share its answer (a scanner sends dozens a second on one token; a read each cut
# the check-in API to a quarter of its rate). A request uses a read under way when it
# arrived, never one finished before: a login ended now fails every request from now on.
_checks: dict[tuple[int, str], asyncio.Task[bool]] = {}


async def _login_holds_now(user_id: int, sid: str) -> bool:
    key = (user_id, sid)
    running = _checks.get(key)
    if running is None or running.done() or running.get_loop() is not asyncio.get_running_loop():
        running = asyncio.get_running_loop().create_task(_login_holds(user_id, sid))
        _checks[key] = running
        running.add_done_callback(lambda task: _checks.pop(key, None) if _checks.get(key) is task else None)
    return await asyncio.shield(running)  # a waiter given up on does not cancel the others' read


async def _user_of_login(user_id: int, sid: Any, key: tuple[int, str]) -> CurrentUser | None:
    """The user, if this login still holds; their name and roles may come from the cache."""
    if not isinstance(sid, str) or not sid or not await _login_holds_now(user_id, sid):
        _users.drop(key)
        return None
    user = _users.get(key)
    if user is None:
        user = await load_user(user_id)
        if user is not None:
            _users.put(key, user)
    return user


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    user_id, login_id = session.get("uid"), session.get("sid")
    if not isinstance(user_id, int):
        return None
    return await _user_of_login(user_id, login_id, (user_id, login_id))


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
            secret=secret, key="showcase_session", secure=secure, httponly=True, samesite="lax",
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
    return await _user_of_login(int(user_id), login_id, (int(user_id), "token:" + login_id))  # a token dies with its login


async def token_user(connection: ASGIConnection, *roles: str) -> CurrentUser:
    """For token-only routes: the bearer token's user, who must have one of ``roles``."""
    user = await bearer_user(connection)
    if user is None:
        raise NotAuthorizedException("A valid API token is required (Authorization: Bearer …)")
    if not user.has(*roles):
        raise PermissionDeniedException("Your account does not have the role this needs")
    connection.scope["user"] = user
    return user
