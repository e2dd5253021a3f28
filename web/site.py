"""Site-wide pages: health and the language switch."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery
from litestar.response import Redirect
from piccolo.querystring import QueryString

from core.db.engine import current_engine
from web import i18n
from web.routing import PUBLIC, safe_next, settings_of

HEALTH_TIMEOUT = 5.0


class SitePages(Controller):
    opt = PUBLIC

    @get("/healthz", media_type="application/json")
    async def healthz(self, request: Request) -> Response[dict[str, Any]]:
        """503 and why when the database (or, if configured, Redis) cannot be reached."""
        engine = current_engine()
        try:
            await asyncio.wait_for(engine.run_querystring(QueryString("SELECT 1")), HEALTH_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - report, do not crash, whatever the driver raises
            return Response(
                {"status": "unavailable", "database": "unreachable", "detail": f"{type(exc).__name__}: {exc}"[:300]},
                status_code=503,
            )
        body: dict[str, Any] = {"status": "ok", "database": engine.engine_type}
        redis_url = settings_of(request).redis_url
        if redis_url:
            import redis.asyncio as redis  # noqa: PLC0415 -- Redis is loaded only with SHOWCASE_REDIS_URL

            client = redis.Redis.from_url(
                redis_url, socket_connect_timeout=HEALTH_TIMEOUT, socket_timeout=HEALTH_TIMEOUT
            )
            try:
                await client.ping()
                body["redis"] = "ok"
            except Exception as exc:  # noqa: BLE001
                return Response(
                    {
                        "status": "unavailable",
                        "database": engine.engine_type,
                        "redis": "unreachable",
                        "detail": f"{type(exc).__name__}: {exc}"[:300],
                    },
                    status_code=503,
                )
            finally:
                await client.aclose()
        return Response(body)

    @get("/lang")
    async def switch_language(self, request: Request, to: FromQuery[str] = "", next: FromQuery[str] = "/") -> Redirect:
        response = Redirect(path=safe_next(next, "/"))
        if to in i18n.SUPPORTED:
            response.set_cookie(
                i18n.LANG_COOKIE,
                to,
                max_age=365 * 24 * 3600,
                samesite="lax",
                httponly=True,
                secure=settings_of(request).secure_cookies,
            )
        return response
