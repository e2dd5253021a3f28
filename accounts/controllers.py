"""Logging in and out, API tokens for scanners, and the admin's user management (people,
their roles, their access). Passwords are generated here and shown once; only their hash
is stored."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts import queries as accounts
from accounts.guards import API_TOKEN_HOURS, issue_api_token, requires_role, user_of
from accounts.rules import ROLES, SCOPED_ROLES
from web.forms import FormBody
from web.i18n import gettext as _
from web.i18n import lazy
from web.openapi import answers
from web.routing import PUBLIC, safe_next

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
ROLE_NAMES = {
    "organiser": lazy("organiser"),
    "staff": lazy("door staff"),
    "screener": lazy("screener (party-building department)"),
    "approver": lazy("approver (party committee)"),
    "admin": lazy("admin (users and roles)"),
}


# The organisation's units as (id, indented name), in tree order: the presenters app's
# knowledge, handed in by app.py (Provide) as ``unit_choices``; accounts imports none of it.
NO_UNIT = -1  # a unit a form names that is not there
UnitChoices = NamedDependency[Callable[[], Awaitable[list[tuple[int, str]]]]]


class UserPages(Controller):
    path = "/admin/users"
    guards = [requires_role("admin")]

    async def _page(self, request: Request, unit_choices: Any, status: int = 200, **extra: Any) -> Template:
        users, roles, scoped = await accounts.list_users()
        units = await unit_choices()
        context = {
            "users": users,
            "roles": roles,
            "scoped": scoped,
            "units": units,
            "unit_names": {i: label.strip("\u3000") for i, label in units},
            "all_roles": [(r, _(ROLE_NAMES[r])) for r in ROLES],
            "scoped_roles": [(r, _(ROLE_NAMES[r])) for r in SCOPED_ROLES],
            "role_names": {r: _(ROLE_NAMES[r]) for r in ROLES},
            "me": request.user.id,
            "errors": {},
            "raw": {},
            "shown": None,
            "saved": "",
        }
        context.update(extra)
        return Template("accounts/users.html", context=context, status_code=status)

    @get("/")
    async def index(self, request: Request, unit_choices: UnitChoices) -> Template:
        """A password made by the last post is shown here once, then forgotten (it travels
        in the encrypted session cookie for this one redirect), so a reload never makes
        another one."""
        shown = request.session.pop("shown", None) if request.session else None
        return await self._page(request, unit_choices, shown=shown, saved=request.query_params.get("saved", ""))

    def _done(self, request: Request, anchor: str = "", shown: dict | None = None, saved: str = "") -> Redirect:
        if shown:
            request.session["shown"] = shown
        return Redirect(
            path=f"/admin/users/{'?saved=' + saved if saved else ''}{'#' + anchor if anchor else ''}", status_code=303
        )

    @post("/", responses=answers(303, 409))
    async def create(self, request: Request, unit_choices: UnitChoices) -> Template | Redirect:
        form = await request.form()
        username = str(form.get("username", "")).strip()
        wanted = [r for r in form.getall("roles", []) if r in ROLES]
        unit = await self._unit_of(form.get("unit"), unit_choices)
        if unit == NO_UNIT:
            return await self._page(request, unit_choices, 400, errors={"_": _("No such unit.")})
        if not USERNAME.match(username):
            return await self._page(
                request,
                unit_choices,
                400,
                errors={"username": _("3–40 letters, digits, dots, hyphens or underscores.")},
                raw={"username": username[:40]},
            )
        if await accounts.username_taken(username):
            return await self._page(
                request,
                unit_choices,
                409,
                errors={"username": _("This username is taken.")},
                raw={"username": username},
            )
        password = accounts.new_password()
        everywhere = [r for r in wanted if unit is None or r not in SCOPED_ROLES]
        user_id = await accounts.create_account(username, await accounts.hashed(password), everywhere)
        if unit is not None:
            for role in wanted:
                if role in SCOPED_ROLES:
                    await accounts.grant_at(user_id, role, unit)
        return self._done(request, f"user-{user_id}", shown={"username": username, "password": password})

    async def _user(self, user_id: int) -> dict[str, Any]:
        row = await accounts.get_account(user_id)
        if row is None:
            raise NotFoundException(detail=lazy("No such user."))
        return row

    async def _unit_of(self, value: object, unit_choices: Any) -> int | None:
        """The unit a form names: None for the whole organisation, NO_UNIT for one that is not there."""
        text = str(value or "").strip()
        if not text:
            return None
        if not text.isdecimal() or len(text) > 12:
            return NO_UNIT
        unit = int(text)
        return unit if unit in {i for i, _label in await unit_choices()} else NO_UNIT

    @post("/{user_id:int}/roles", responses=answers(303, 409))
    async def set_roles(self, request: Request, user_id: FromPath[int], unit_choices: UnitChoices) -> Response:
        await self._user(user_id)
        form = await request.form()
        wanted = {r for r in form.getall("roles", []) if r in ROLES}
        if user_id == request.user.id and "admin" not in wanted:
            return await self._page(
                request,
                unit_choices,
                409,
                errors={"_": _("You cannot take away your own admin role: ask another admin.")},
            )
        await accounts.set_roles(user_id, wanted)
        return self._done(request, f"user-{user_id}", saved="roles")

    @post("/{user_id:int}/grants", responses=answers(303))
    async def grant(self, request: Request, user_id: FromPath[int], unit_choices: UnitChoices) -> Response:
        """A review role at one unit: it reaches that unit and every unit under it."""
        await self._user(user_id)
        form = await request.form()
        role = str(form.get("role", ""))
        unit = await self._unit_of(form.get("unit"), unit_choices)
        if role not in SCOPED_ROLES or unit is None or unit == NO_UNIT:
            return await self._page(
                request, unit_choices, 400, errors={"_": _("Choose a role and the unit it is held at.")}
            )
        await accounts.grant_at(user_id, role, unit)
        return self._done(request, f"user-{user_id}", saved="roles")

    @post("/{user_id:int}/grants/{grant_id:int}/delete", responses=answers(303))
    async def revoke(self, request: Request, user_id: FromPath[int], grant_id: FromPath[int]) -> Response:
        await self._user(user_id)
        if not await accounts.revoke_grant(user_id, grant_id):
            raise NotFoundException(detail=lazy("No such role."))
        return self._done(request, f"user-{user_id}", saved="roles")

    @post("/{user_id:int}/active", responses=answers(303, 409))
    async def set_active(
        self, request: Request, user_id: FromPath[int], data: FormBody, unit_choices: UnitChoices
    ) -> Response:
        await self._user(user_id)
        if user_id == request.user.id:
            return await self._page(
                request, unit_choices, 409, errors={"_": _("You cannot switch off your own account.")}
            )
        active = data.get("active") == "yes"
        await accounts.set_active(user_id, active)
        return self._done(request, f"user-{user_id}", saved="access")

    @post("/{user_id:int}/password", responses=answers(303))
    async def reset_password(self, request: Request, user_id: FromPath[int]) -> Response:
        user = await self._user(user_id)
        password = accounts.new_password()
        await accounts.set_password(
            user_id,
            await accounts.hashed(password),
            keep_login=request.session.get("sid", "") if user_id == request.user.id else "",
        )
        return self._done(request, f"user-{user_id}", shown={"username": user["username"], "password": password})


class LoginPages(Controller):
    opt = PUBLIC

    @get("/login")
    async def login_form(self, request: Request, next: FromQuery[str] = "") -> Template:
        return Template("login.html", context={"next": safe_next(next, ""), "error": "", "username": ""})

    @post("/login", responses=answers(302, s302="Logged in: on to the page asked for."))
    async def login(
        self,
        request: Request,
        data: FormBody,
    ) -> Response:
        username = (data.get("username") or "").strip()[:100]
        user_id = await accounts.check_password(username, data.get("password") or "")
        target = safe_next(data.get("next"), "")
        if user_id is None:
            return Template(
                "login.html",
                context={"next": target, "error": _("Wrong username or password."), "username": username},
                status_code=400,
            )
        request.clear_session()
        request.set_session({"uid": user_id, "sid": await accounts.start_session(user_id)})
        if not target:  # organisers to their console, reviewers to their queue, door staff where they can work
            user = await accounts.load_user(user_id)
            target = user.home if user else "/"
        return Redirect(path=target)

    @post("/api/tokens", opt={"exclude_from_auth": False}, tags=["auth"])
    async def api_token(self, request: Request) -> dict[str, str]:
        """A bearer token for the logged-in user, for the check-in API (scanner devices)."""
        user = user_of(request)
        if user is None:
            raise NotAuthorizedException("Login required")
        token = issue_api_token(request.app.state["secret"], user, request.session.get("sid") or "")
        return {"token": token, "valid_hours": str(API_TOKEN_HOURS)}

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        """Ends this login everywhere: the cookie, and the login it names in the database."""
        session = request.session if request.scope.get("session") else {}
        await accounts.end_session(session.get("uid"), session.get("sid"))
        request.clear_session()
        return Redirect(path="/")
