"""The admin's user management: people, their roles, their access. Passwords are
generated here and shown once; only their hash is stored."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from piccolo.apps.user.tables import BaseUser

from accounts import guards as auth
from accounts.guards import requires_role
from accounts.tables import ROLES, UserRole
from core.db.transactions import write_transaction
from web.i18n import gettext as _
from web.i18n import lazy

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
ROLE_NAMES = {
    "organiser": lazy("organiser"), "staff": lazy("door staff"), "screener": lazy("screener (party-building department)"),
    "approver": lazy("approver (party committee)"), "admin": lazy("admin (users and roles)"),
}


PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I/l/1, O/0


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16))


async def hashed(password: str) -> str:
    """PBKDF2 takes a good part of a second: never on the event loop."""
    return await anyio.to_thread.run_sync(BaseUser.hash_password, password)


class UserPages(Controller):
    path = "/admin/users"
    guards = [requires_role("admin")]

    async def _page(self, request: Request, status: int = 200, **extra: Any) -> Template:
        users = await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.active, BaseUser.last_login).order_by(BaseUser.username)
        roles: dict[int, set[str]] = {}
        for row in await UserRole.select(UserRole.user, UserRole.role):
            roles.setdefault(row["user"], set()).add(row["role"])
        context = {"users": users, "roles": roles, "all_roles": [(r, _(ROLE_NAMES[r])) for r in ROLES], "me": request.user.id,
                   "errors": {}, "raw": {}, "shown": None, "saved": ""}
        context.update(extra)
        return Template("accounts/users.html", context=context, status_code=status)

    @get("/")
    async def index(self, request: Request) -> Template:
        """A password made by the last post is shown here once, then forgotten (it travels
        in the encrypted session cookie for this one redirect), so a reload never makes
        another one."""
        shown = request.session.pop("shown", None) if request.session else None
        return await self._page(request, shown=shown, saved=request.query_params.get("saved", ""))

    def _done(self, request: Request, anchor: str = "", shown: dict | None = None, saved: str = "") -> Redirect:
        if shown:
            request.session["shown"] = shown
        return Redirect(path=f"/admin/users/{'?saved=' + saved if saved else ''}{'#' + anchor if anchor else ''}", status_code=303)

    @post("/")
    async def create(self, request: Request) -> Template:
        form = await request.form()
        username = str(form.get("username", "")).strip()
        wanted = [r for r in form.getall("roles", []) if r in ROLES]
        if not USERNAME.match(username):
            return await self._page(request, 400, errors={"username": _("3–40 letters, digits, dots, hyphens or underscores.")},
                                    raw={"username": username[:40]})
        if await BaseUser.exists().where(BaseUser.username == username):
            return await self._page(request, 409, errors={"username": _("This username is taken.")}, raw={"username": username})
        password = new_password()
        digest = await hashed(password)
        async with write_transaction():
            rows = await BaseUser.insert(BaseUser(username=username, password=digest, email=f"{username}@showcase.invalid",
                                                  active=True)).returning(BaseUser.id)
            for role in wanted:
                await UserRole.insert(UserRole(user=rows[0]["id"], role=role))
        return self._done(request, f"user-{rows[0]['id']}", shown={"username": username, "password": password})

    async def _user(self, user_id: int) -> dict[str, Any]:
        row = await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.active).where(BaseUser.id == user_id).first()
        if row is None:
            raise NotFoundException(detail=lazy("No such user."))
        return row

    @post("/{user_id:int}/roles")
    async def set_roles(self, request: Request, user_id: FromPath[int]) -> Response:
        await self._user(user_id)
        form = await request.form()
        wanted = {r for r in form.getall("roles", []) if r in ROLES}
        if user_id == request.user.id and "admin" not in wanted:
            return await self._page(request, 409, errors={"_": _("You cannot take away your own admin role: ask another admin.")})
        async with write_transaction():
            await UserRole.delete().where(UserRole.user == user_id)
            for role in sorted(wanted):
                await UserRole.insert(UserRole(user=user_id, role=role))
        auth._users.clear()  # this process at once; the others within USER_CACHE_SECONDS
        return self._done(request, f"user-{user_id}", saved="roles")

    @post("/{user_id:int}/active")
    async def set_active(self, request: Request, user_id: FromPath[int], data: FormBody) -> Response:
        await self._user(user_id)
        if user_id == request.user.id:
            return await self._page(request, 409, errors={"_": _("You cannot switch off your own account.")})
        active = data.get("active") == "yes"
        async with write_transaction():
            await BaseUser.update({BaseUser.active: active}).where(BaseUser.id == user_id)
            if not active:  # switched off: their open logins and scanner tokens end now
                await auth.end_sessions_of(user_id)
        auth._users.clear()
        return self._done(request, f"user-{user_id}", saved="access")

    @post("/{user_id:int}/password")
    async def reset_password(self, request: Request, user_id: FromPath[int]) -> Response:
        user = await self._user(user_id)
        password = new_password()
        digest = await hashed(password)
        async with write_transaction():
            await BaseUser.update({BaseUser.password: digest}).where(BaseUser.id == user_id)
            # whoever knew the old password is out now, on every device (the admin's own
            # login stays when they renew their own password)
            await auth.end_sessions_of(user_id, keep=request.session.get("sid", "") if user_id == request.user.id else "")
        return self._done(request, f"user-{user_id}", shown={"username": user["username"], "password": password})
