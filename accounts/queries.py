"""Accounts in the database: users and their roles, logins (sessions) and passwords."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import secrets
from typing import Any

import anyio
from piccolo.apps.user.tables import BaseUser

from accounts.rules import CurrentUser
from accounts.tables import LoginSession, UserRole
from core.cache import TTLCache
from core.db.transactions import write_transaction


async def load_user(user_id: int) -> CurrentUser | None:
    user = await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.active).where(BaseUser.id == user_id).first()
    if not user or not user["active"]:
        return None
    rows = await UserRole.select(UserRole.role, UserRole.unit).where(UserRole.user == user_id)
    return CurrentUser(
        id=user["id"],
        username=user["username"],
        roles=frozenset(r["role"] for r in rows),
        grants=frozenset((r["role"], r["unit"]) for r in rows),
    )


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
    now = dt.datetime.now(dt.UTC)
    sid = secrets.token_hex(16)
    await LoginSession.delete().where(LoginSession.expires_at < now)
    await LoginSession.insert(LoginSession(user=user_id, sid=sid, expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
    return sid


async def end_session(user_id: Any, sid: Any) -> None:
    if isinstance(sid, str) and sid:
        await LoginSession.delete().where(LoginSession.sid == sid)
        _users.drop((user_id, sid))
        _users.drop((user_id, "token:" + sid))


async def end_sessions_of(user_id: int, keep: str = "") -> None:
    """Every login of this user (and so every scanner token issued from one) ends, except
    ``keep`` (the login of an admin who gave themselves a new password). Other processes
    see it on their next request: they check the login's row every time."""
    gone = LoginSession.delete().where(LoginSession.user == user_id)
    if keep:
        gone = gone.where(LoginSession.sid != keep)
    await gone
    _users.clear()


async def _login_holds(user_id: int, sid: str) -> bool:
    """One indexed read: the login exists, has not expired, and its account is switched on."""
    row = (
        await LoginSession.select(LoginSession.id)
        .where(
            (LoginSession.sid == sid)
            & (LoginSession.user == user_id)
            & (LoginSession.expires_at > dt.datetime.now(dt.UTC))
            & (LoginSession.user.active == True)  # noqa: E712 - a column comparison, not a truth test
        )
        .first()
    )
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


async def user_of_login(user_id: int, sid: Any, key: tuple[int, str]) -> CurrentUser | None:
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


async def check_password(username: str, password: str) -> int | None:
    """The user's id if the password is right. Piccolo's hash format, but the PBKDF2 work
    (~0.3 s of CPU) runs in a thread while the query stays on this loop and its pool."""
    if not username or not password or len(password) > 128 or len(username) > 100:
        return None
    row = (
        await BaseUser.select(BaseUser.id, BaseUser.password, BaseUser.active)
        .where(BaseUser.username == username)
        .first()
    )
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


PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I/l/1, O/0


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16))


async def hashed(password: str) -> str:
    """PBKDF2 takes a good part of a second: never on the event loop."""
    return await anyio.to_thread.run_sync(BaseUser.hash_password, password)


def forget_users() -> None:
    """After a change of roles or access: this process at once, the others within
    USER_CACHE_SECONDS."""
    _users.clear()


async def list_users() -> tuple[list[dict[str, Any]], dict[int, set[str]], dict[int, list[dict[str, Any]]]]:
    """Every account, by name; the roles each holds for the whole organisation; and the roles
    each holds at a unit (id, role, unit)."""
    users = await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.active, BaseUser.last_login).order_by(
        BaseUser.username
    )
    roles: dict[int, set[str]] = {}
    scoped: dict[int, list[dict[str, Any]]] = {}
    for row in await UserRole.select(UserRole.id, UserRole.user, UserRole.role, UserRole.unit).order_by(UserRole.id):
        if row["unit"] is None:
            roles.setdefault(row["user"], set()).add(row["role"])
        else:
            scoped.setdefault(row["user"], []).append(row)
    return users, roles, scoped


async def username_taken(username: str) -> bool:
    return bool(await BaseUser.exists().where(BaseUser.username == username))


async def create_account(username: str, digest: str, roles: list[str]) -> int:
    """A new, switched-on account with these roles; its id."""
    async with write_transaction():
        rows = await BaseUser.insert(
            BaseUser(username=username, password=digest, email=f"{username}@showcase.invalid", active=True)
        ).returning(BaseUser.id)
        for role in roles:
            await UserRole.insert(UserRole(user=rows[0]["id"], role=role))
    return int(rows[0]["id"])


async def get_account(user_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.active).where(BaseUser.id == user_id).first()
    )
    return row


async def set_roles(user_id: int, roles: set[str]) -> None:
    """The roles held for the whole organisation; roles held at a unit stay as they are."""
    async with write_transaction():
        await UserRole.delete().where((UserRole.user == user_id) & UserRole.unit.is_null())
        for role in sorted(roles):
            await UserRole.insert(UserRole(user=user_id, role=role))
    forget_users()


async def grant_at(user_id: int, role: str, unit: int) -> bool:
    """The role at this unit (and so its subtree); False when it is held there already."""
    async with write_transaction():
        if await UserRole.exists().where(
            (UserRole.user == user_id) & (UserRole.role == role) & (UserRole.unit == unit)
        ):
            return False
        await UserRole.insert(UserRole(user=user_id, role=role, unit=unit))
    forget_users()
    return True


async def revoke_grant(user_id: int, grant_id: int) -> bool:
    gone = (
        await UserRole.delete()
        .where((UserRole.id == grant_id) & (UserRole.user == user_id) & UserRole.unit.is_not_null())
        .returning(UserRole.id)
    )
    forget_users()
    return bool(gone)


async def move_grants(source: int, target: int) -> None:
    """Roles held at ``source`` are held at ``target`` from now (a merge of units); a grant
    the person already holds at the target is not made twice."""
    rows = await UserRole.select(UserRole.id, UserRole.user, UserRole.role).where(UserRole.unit == source)
    held = {
        (r["user"], r["role"])
        for r in await UserRole.select(UserRole.user, UserRole.role).where(UserRole.unit == target)
    }
    for row in rows:
        if (row["user"], row["role"]) in held:
            await UserRole.delete().where(UserRole.id == row["id"])
        else:
            await UserRole.update({UserRole.unit: target}).where(UserRole.id == row["id"])
    forget_users()


async def grants_at(unit: int) -> int:
    return await UserRole.count().where(UserRole.unit == unit)


async def set_active(user_id: int, active: bool) -> None:
    async with write_transaction():
        await BaseUser.update({BaseUser.active: active}).where(BaseUser.id == user_id)
        if not active:  # switched off: their open logins and scanner tokens end now
            await end_sessions_of(user_id)
    forget_users()


async def set_password(user_id: int, digest: str, keep_login: str = "") -> None:
    """Whoever knew the old password is out now, on every device, except ``keep_login``
    (the admin's own login when they renew their own password)."""
    async with write_transaction():
        await BaseUser.update({BaseUser.password: digest}).where(BaseUser.id == user_id)
        await end_sessions_of(user_id, keep=keep_login)
