"""One error format: a page in the user's language for pages, JSON for /api."""

from __future__ import annotations

import errno
import logging
import socket
import sqlite3
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from core.text import has_nul
from web.i18n import gettext as _
from web.i18n import lazy

logger = logging.getLogger("showcase")

STATUS_MESSAGES = {
    400: lazy("The request could not be understood."),
    401: lazy("Please log in first."),
    403: lazy("You do not have permission to do this."),
    404: lazy("This page does not exist, or is no longer available."),
    405: lazy("This action is not allowed here."),
    409: lazy("This conflicts with something already stored."),
    413: lazy("The upload is too large."),
    415: lazy("This type of content is not accepted."),
    429: lazy("Too many requests. Please wait a moment and try again."),
    500: lazy("Something went wrong on our side. Nothing was changed."),
    503: lazy("The service is temporarily unavailable (the database cannot be reached). Please try again shortly."),
}


class Said(str):
    """An error detail already in the user's language (formatted with values): shown as
    it is, where a plain detail is looked up in the catalog or replaced by the generic
    message of its status."""


STALE_MESSAGE = lazy(
    "Someone else changed this after you opened it. Their change is kept: reload the page to see it, then make yours again."
)


def stale_edit() -> ClientException:
    """A save made against a version someone else has replaced since: 409, nothing written."""
    return ClientException(status_code=409, detail=Said(_(STALE_MESSAGE)))


def loaded_version(value: object) -> int | None:
    """The version an edit form or API call says it was loaded at (a form field, a JSON
    field, or an ``If-Match: "3"`` header); None when it names none."""
    if isinstance(value, list):
        value = value[0] if value else None
    text = str(value or "").strip().removeprefix("W/").strip('"')
    return int(text) if text.isdecimal() and len(text) < 10 else None


def json_path(path: str) -> bool:
    """Whether errors on this path are answered as JSON (API clients), not as a page."""
    return path.startswith("/api") or path == "/healthz"


def wants_json(request: Request) -> bool:
    return json_path(request.url.path)


def _page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Template(
        template_name="error.html",
        context={"status": status, "message": message},
        status_code=status,
        media_type=MediaType.HTML,
        headers=headers,
    )


def _json(status: int, detail: str, extra: object = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, object] = {"status_code": status, "detail": detail}
    if extra:
        body["extra"] = extra
    return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers)


def http_error(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?next={quote(target)}")
    # What the exception says in headers goes out too: a 405's Allow (RFC 9110), for one.
    headers = dict(exc.headers) if exc.headers else None
    if wants_json(request):
        detail = exc.detail if exc.detail else STATUS_MESSAGES.get(status, "Error")
        extra = exc.extra if isinstance(exc, ValidationException) or exc.extra else None
        return _json(status, detail, extra, headers)
    if isinstance(exc.detail, Said):
        return _page(request, status, str(exc.detail), headers)
    generic = STATUS_MESSAGES.get(status)
    detail = exc.detail or ""
    # Details written for people are in the catalog; the framework's own fall back to generic.
    translated = _(detail) if detail else ""
    message = translated if detail and (translated != detail or not generic) else _(generic or detail)
    if isinstance(exc, ValidationException):
        message = _(STATUS_MESSAGES[400])
    return _page(request, status, message, headers)


# Errors that may mean the database (or the shared store) cannot be reached; which of them
# really do is decided by ``database_unreachable``. A driver refusing a statement (asyncpg's
# InterfaceError for more than 32,767 parameters, SQLite's "too many SQL variables" or "no
# such table") is our fault: a 500, never "the database cannot be reached".
DB_DOWN_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.OperationalError)
_PG_DOWN: tuple[type[BaseException], ...] = ()
_PG_INTERFACE: tuple[type[BaseException], ...] = ()
try:  # asyncpg is only imported where PostgreSQL is configured, but it is always installed
    import asyncpg

    _PG_DOWN = (
        asyncpg.PostgresConnectionError,
        asyncpg.CannotConnectNowError,
        asyncpg.exceptions.AdminShutdownError,
        asyncpg.exceptions.CrashShutdownError,
        asyncpg.exceptions.TooManyConnectionsError,
    )
    _PG_INTERFACE = (asyncpg.InterfaceError,)
    DB_DOWN_ERRORS += _PG_DOWN + _PG_INTERFACE
except ImportError:  # pragma: no cover
    pass
_REDIS_DOWN: tuple[type[BaseException], ...] = ()
try:  # the shared store of several processes (rate limits)
    import redis.exceptions

    _REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
    DB_DOWN_ERRORS += _REDIS_DOWN
except ImportError:  # pragma: no cover
    pass

# asyncpg's InterfaceError messages that mean the connection or pool is gone.
_PG_GONE = ("connection is closed", "pool is closed", "pool is closing", "connection was closed")
# SQLite's OperationalError messages that mean the file cannot be used now (another
# program holds the lock, or the file or disk is unavailable).
_SQLITE_DOWN = (
    "database is locked",
    "database is busy",
    "database table is locked",
    "unable to open database",
    "disk i/o error",
    "attempt to write a readonly database",
)
# OSError numbers of a network that does not answer.
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.ETIMEDOUT,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ENETDOWN,
    errno.EHOSTDOWN,
    errno.EPIPE,
}


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database (or Redis) cannot be reached right now: a 503
    that tells people to try again shortly. Anything else is a fault of ours (500)."""
    if isinstance(exc, _PG_DOWN + _REDIS_DOWN):
        return True
    if _PG_INTERFACE and isinstance(exc, _PG_INTERFACE):
        return str(exc).lower().startswith(_PG_GONE)
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).lower().startswith(_SQLITE_DOWN)
    if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror)):
        return True
    if isinstance(exc, OSError):
        # asyncio's "Multiple exceptions: [Errno 111] Connect call failed ..." carries no errno
        return exc.errno in _NETWORK_ERRNOS or (exc.errno is None and "connect call failed" in str(exc).lower())
    return False


UNSTORABLE_TEXT: tuple[type[BaseException], ...] = ()
try:  # PostgreSQL refuses text with a NUL character (SQLSTATE 22021); SQLite stores it
    import asyncpg

    UNSTORABLE_TEXT = (
        asyncpg.exceptions.CharacterNotInRepertoireError,
        asyncpg.exceptions.UntranslatableCharacterError,
    )
except ImportError:  # pragma: no cover
    pass
NUL_MESSAGE = lazy(
    "The text contains a character that cannot be stored (a NUL control character). Remove it and try again."
)


def server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, UNSTORABLE_TEXT):  # the statement failed: nothing was stored
        return _json(400, _(NUL_MESSAGE)) if wants_json(request) else _page(request, 400, _(NUL_MESSAGE))
    if database_unreachable(exc):
        logger.warning("database unavailable: %r", exc)
        status = HTTP_503_SERVICE_UNAVAILABLE
    else:
        logger.exception("unhandled error on %s", request.url.path, exc_info=exc)
        status = HTTP_500_INTERNAL_SERVER_ERROR
    if wants_json(request):
        return _json(status, STATUS_MESSAGES[status])
    return _page(request, status, _(STATUS_MESSAGES[status]))


MAX_ID = 2**31 - 1  # every id is a 32-bit serial


async def ids_in_range(request: Request) -> None:
    """Before any handler: a numeric id in the path that no row can have (beyond 32 bits,
    which the databases refuse to compare, one with an overflow, one with a data error) is
    simply not found."""

    for value in request.path_params.values():
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            raise NotFoundException(detail=_(STATUS_MESSAGES[404]))


def _nul_in_urlencoded(raw: bytes) -> bool:
    return b"\x00" in raw or (b"%00" in raw and b"\x00" in unquote_to_bytes(raw))


async def refuse_nul(request: Request) -> None:
    """Before any handler: NUL in what a person sends is refused with a message, on SQLite as
    on PostgreSQL (which cannot store it). Checked: the path, the query, and url-encoded or
    JSON bodies. Multipart bodies are not read here (uploads stream to disk); every other
    unwanted character is removed where text is read (web.text)."""
    if "\x00" in request.scope["path"] or _nul_in_urlencoded(request.scope.get("query_string", b"")):
        raise ClientException(detail=Said(_(NUL_MESSAGE)))
    if (
        request.method not in ("POST", "PUT", "PATCH", "DELETE")
        or not request.route_handler.resolve_request_max_body_size()
    ):
        return  # nothing sent, or an upload route without a limit that streams its body to disk itself
    content_type = request.content_type[0]
    if content_type == "application/x-www-form-urlencoded":
        if _nul_in_urlencoded(await request.body()):
            raise ClientException(detail=Said(_(NUL_MESSAGE)))
    elif content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        if b"\\u0000" in body:  # the only way JSON spells NUL; decode to be exact ("\\\\u0000" is not NUL)
            try:
                decoded = msgspec.json.decode(body)
            except msgspec.DecodeError:
                return  # the handler answers a broken body
            if has_nul(decoded):
                raise ClientException(detail=Said(_(NUL_MESSAGE)))


def _integral(value: Any) -> Any:
    """JSON Schema counts 2.0 as an integer; so does this reading (and nothing else lax)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    return value


async def strict_json(request: Request) -> None:
    """Before any handler: a JSON body is read as strictly as the schema states it. Litestar
    converts request data leniently (0 for false, "15" for 15), which the OpenAPI schema of
    our msgspec Structs refuses; so the body is first read strictly (an integral number such as
    2.0 counts as an integer, as in JSON Schema), and what does not fit is refused (400), worded
    as Litestar words a validation error."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None or not data.is_subclass_of(msgspec.Struct):
        return
    content_type = request.content_type[0]
    if content_type != "application/json" and not content_type.endswith("+json"):
        return  # Litestar answers a body in another media type itself
    try:
        msgspec.convert(_integral(msgspec.json.decode(await request.body())), data.annotation, strict=True)
    except msgspec.ValidationError as exc:
        message, _at, where = str(exc).partition(" - at `$")
        key = where.rstrip("`").lstrip(".") or "data"
        raise ValidationException(
            detail=f"Validation failed for {request.method} {request.url.path}",
            extra=[{"message": message, "key": key, "source": "body"}],
        ) from None
    except msgspec.DecodeError:
        return  # not JSON at all: Litestar answers that


async def check_request(request: Request) -> None:
    """The app's one before-request hook: ids a row can have, no NUL, JSON bodies read strictly."""
    await ids_in_range(request)
    await refuse_nul(request)
    await strict_json(request)
