"""create_app(settings): routers, templates, assets, sessions, CSRF, errors."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from piccolo.engine.postgres import PostgresEngine

from accounts.guards import session_auth
from core.db.engine import current_engine
from settings import ROOT, Settings, get_settings
from web import i18n
from web.assets import asset_caching, compression_config
from web.errors import DB_DOWN_ERRORS, check_request, http_error, json_path, server_error
from web.hosts import AllowedHostsMiddleware, unreachable_from_phones
from web.middleware import LocaleMiddleware, rate_limit_middleware, rate_limited
from web.openapi import RouteDocs, StrictStructs
from web.openapi import components as openapi_components
from web.routing import allow_every_method
from web.security import security_headers
from web.site import SitePages
from web.templating import build_environment, jinja_env


def check_settings(settings: Settings) -> None:
    """Values that could not work stop the start, naming the variable to fix."""
    if settings.default_locale not in i18n.SUPPORTED:
        raise ValueError(f"SHOWCASE_DEFAULT_LOCALE={settings.default_locale!r}: one of {', '.join(i18n.SUPPORTED)}")
    try:
        ZoneInfo(settings.default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"SHOWCASE_TIMEZONE={settings.default_timezone!r}: not a time zone name "
            "(an IANA name such as Asia/Shanghai)"
        ) from None
    from notices.sender import smtp_of  # noqa: PLC0415 -- the notices app loads after the settings are read

    smtp_of(settings.smtp_url)  # a URL that names no server says so


OPENAPI_DESCRIPTION = """The JSON API under /api (events and agendas, the catalog, check-in) and, for
completeness, every page and form of the site. Errors under /api are JSON
({"status_code", "detail", "extra"}); pages answer errors with a page in the user's language, and
send a visitor who is not logged in to /login. Form posts and API writes need the CSRF cookie
and its x-csrftoken header (GET /login sets the cookie); the scanners' check-in takes an API
token instead (POST /api/tokens)."""


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    check_settings(settings)
    # Imported here so that PICCOLO_CONF / SHOWCASE_* are read before any table binds its engine.
    from accounts.controllers import LoginPages, UserPages  # noqa: PLC0415 -- tables and routes load after the settings are read
    from events.agenda.queries import on_agenda  # noqa: PLC0415 -- tables and routes load after the settings are read
    from events.handouts import render as handouts  # noqa: PLC0415 -- tables and routes load after the settings are read
    from events.hub import LiveHub  # noqa: PLC0415 -- tables and routes load after the settings are read
    from events.live.queries import read_stage  # noqa: PLC0415 -- tables and routes load after the settings are read
    from events.routes import ROUTERS as EVENT_ROUTES  # noqa: PLC0415 -- tables and routes load after the settings are read
    from notices.controllers import ROUTERS as NOTICE_ROUTES  # noqa: PLC0415 -- tables and routes load after the settings are read
    from notices.sender import Sender  # noqa: PLC0415 -- tables and routes load after the settings are read
    from presenters.routes import ROUTERS as PRESENTER_ROUTES  # noqa: PLC0415 -- tables and routes load after the settings are read
    from presenters.units.queries import unit_choices  # noqa: PLC0415 -- tables and routes load after the settings are read

    # This app's screens and who tells them of changes; it reads stages the live feature's way.
    hub = LiveHub(read_stage, interval=settings.live_poll_seconds)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = current_engine()
        # A pool someone else opened (a test harness on its own loop) is theirs to close.
        owned: PostgresEngine | None = engine if isinstance(engine, PostgresEngine) and engine.pool is None else None
        if owned is not None:
            try:
                await owned.start_connection_pool(min_size=1, max_size=settings.db_pool_size)
            except DB_DOWN_ERRORS as exc:  # OSError among them
                # Serve anyway: /healthz says 503 and why, pages say the database is away,
                # and queries connect directly until the next restart brings the pool.
                logging.getLogger("showcase").error("database unreachable at start-up: %r", exc)
                owned = None
        if settings.pdf_warm_up:  # a serving process (tests switch this off)
            handouts.warm_up_in_background(jinja_env(app))
            # Everything loaded so far lives as long as the process: keep it out of the
            # cyclic collector's full passes, which a PDF render (millions of short-lived
            # objects) otherwise pays for again and again (~10% of a first 50-page booklet).
            # Collect first, so no garbage is frozen with it.
            gc.collect()
            gc.freeze()
        listener = None
        if settings.redis_url:
            listener = asyncio.get_running_loop().create_task(hub.listen(settings.redis_url))
        # The outbox, sent from here when this process is a sender (tests drive it themselves).
        sending = None
        if settings.notice_worker:
            sender = Sender(
                settings.smtp_url, settings.mail_from, settings.public_base_url, lease=settings.notice_lease_seconds
            )
            sending = asyncio.get_running_loop().create_task(sender.run())
        try:
            yield
        finally:
            if sending is not None:
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sending
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
            if owned is not None:
                await owned.close_connection_pool()
            elif hasattr(engine, "close_pool"):
                await engine.close_pool()

    secret = settings.session_secret()
    auth = session_auth(secret, settings.secure_cookies)
    env = build_environment()
    # Every page offering phones a QR code or link warns when their address is this machine only.
    env.globals["public_base_url"] = settings.public_base_url
    env.globals["links_unreachable"] = unreachable_from_phones(settings.public_base_url)
    return Litestar(
        route_handlers=[
            SitePages,
            *PRESENTER_ROUTES,
            *EVENT_ROUTES,
            *NOTICE_ROUTES,
            LoginPages,
            UserPages,
            create_static_files_router(path="/assets", directories=[ROOT / "assets"], opt={"exclude_from_auth": True}),
        ],
        lifespan=[lifespan],
        # What one app needs of another is handed in here: the catalog (presenters) asks
        # events whether a method or presenter is on an agenda before deleting it.
        # The admin's user pages (accounts) offer the organisation's units (presenters) likewise.
        dependencies={
            "on_agenda": Provide(lambda: on_agenda, sync_to_thread=False),
            "unit_choices": Provide(lambda: unit_choices, sync_to_thread=False),
        },
        on_app_init=[auth.on_app_init],
        # Unknown Host names first (400, nothing else runs); then the locale, so a 429 page is
        # in the user's language.
        middleware=[
            DefineMiddleware(AllowedHostsMiddleware, allowed=settings.allowed_host_names),
            DefineMiddleware(LocaleMiddleware, default_locale=settings.default_locale),
            rate_limit_middleware(settings),
        ],
        before_send=[security_headers(settings.secure_cookies), asset_caching, allow_every_method()],
        compression_config=compression_config(),
        before_request=check_request,
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(env)),
        csrf_config=CSRFConfig(
            secret=secret.hex(),
            cookie_name="csrftoken",
            header_name="x-csrftoken",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            exclude=["/healthz", "^/assets/"],  # assets are public and cached: no cookie with them
        ),
        exception_handlers={HTTPException: http_error, Exception: server_error},
        # Every route's security, statuses and media types, worked out from what the route is
        # (web/openapi.py); Structs that refuse unknown fields say additionalProperties: false.
        plugins=[RouteDocs(json_errors=json_path, rate_limited=rate_limited), StrictStructs()],
        openapi_config=OpenAPIConfig(
            title="Showcase API",
            version="1.0.0",
            path="/api/schema",
            description=OPENAPI_DESCRIPTION,
            components=openapi_components(),
        ),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="debug" if settings.debug else "never",
        ),
        state=State({"secret": secret, "base_url": settings.public_base_url, "settings": settings, "hub": hub}),
        debug=settings.debug,
    )


logging.getLogger("showcase").setLevel(logging.INFO)
