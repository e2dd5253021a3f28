"""Site-wide pages: health, login, language switch, the home page."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from accounts.guards import (
    API_TOKEN_HOURS,
    CurrentUser,
    check_password,
    end_session,
    issue_api_token,
    load_user,
    start_session,
)
from web import i18n
from web.i18n import gettext as _

PUBLIC = {"exclude_from_auth": True}
HEALTH_TIMEOUT = 5.0


def safe_next(target: str | None, default: str = "/organiser") -> str:
    """Only same-site paths: never //evil.example or an absolute URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


class SitePages(Controller):
    opt = PUBLIC

    @get("/healthz", media_type="application/json")
    async def healthz(self, request: Request) -> Response[dict[str, Any]]:
        """503 and why when the database (or, if configured, Redis) cannot be reached."""
        engine = engine_finder()
        try:
            await asyncio.wait_for(engine.run_querystring(QueryString("SELECT 1")), HEALTH_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - report, do not crash, whatever the driver raises
            return Response(
                {"status": "unavailable", "database": "unreachable", "detail": f"{type(exc).__name__}: {exc}"[:300]},
                status_code=503,
            )
        body: dict[str, Any] = {"status": "ok", "database": engine.engine_type}
        redis_url = request.app.state.settings.redis_url
        if redis_url:
            import redis.asyncio as redis

            client = redis.Redis.from_url(redis_url, socket_connect_timeout=HEALTH_TIMEOUT, socket_timeout=HEALTH_TIMEOUT)
            try:
                await client.ping()
                body["redis"] = "ok"
            except Exception as exc:  # noqa: BLE001
                return Response({"status": "unavailable", "database": engine.engine_type, "redis": "unreachable",
                                 "detail": f"{type(exc).__name__}: {exc}"[:300]}, status_code=503)
            finally:
                await client.aclose()
        return Response(body)

    @get("/lang")
    async def switch_language(self, request: Request, to: FromQuery[str] = "", next: FromQuery[str] = "/") -> Redirect:
        response = Redirect(path=safe_next(next, "/"))
        if to in i18n.SUPPORTED:
            response.set_cookie(i18n.LANG_COOKIE, to, max_age=365 * 24 * 3600, samesite="lax", httponly=True,
                                secure=request.app.state.settings.secure_cookies)
        return response

    @get("/login")
    async def login_form(self, request: Request, next: FromQuery[str] = "") -> Template:
        return Template("login.html", context={"next": safe_next(next, ""), "error": "", "username": ""})

    @post("/login")
    async def login(
        self,
        request: Request,
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response:
        username = (data.get("username") or "").strip()[:100]
        user_id = await check_password(username, data.get("password") or "")
        target = safe_next(data.get("next"), "")
        if user_id is None:
            return Template(
                "login.html",
                context={"next": target, "error": _("Wrong username or password."), "username": username},
                status_code=400,
            )
        request.clear_session()
        request.set_session({"uid": user_id, "sid": await start_session(user_id)})
        if not target:  # organisers to their console, reviewers to their queue, door staff where they can work
            user = await load_user(user_id)
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
        await end_session(session.get("uid"), session.get("sid"))
        request.clear_session()
        return Redirect(path="/")


def user_of(request: Request) -> CurrentUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, CurrentUser) else None
