"""What the OpenAPI schema (/api/schema) says about each route, decided in one place from
what the route is: who may call it, what it can answer, and in which media type.

``RouteDocs`` (a Litestar plugin) looks at every route as it is registered:

- who: ``PUBLIC`` routes need no login (``security: []``), ``API_TOKEN`` routes take a bearer
  token, every other route the session cookie. A form post or API write also needs the CSRF
  pair (the ``csrftoken`` cookie and its ``x-csrftoken`` header, or the form field
  ``_csrf_token``) unless its route opts out.
- what it can answer, on top of its success: 400 (always: a bad value, a NUL character, an
  unknown host), 401 (``/api``) or 302 to the login page (pages) where a login is needed, 403
  where a role guard, the token's role or the CSRF check may refuse, 404 where the path names
  something, 413 for a body over its limit, 429 where the rate limits count, 503 when the
  database cannot be reached; and whatever the route declares with ``answers(...)`` (409,
  507, a redirect...) or a ``ResponseSpec`` of its own.
- errors are JSON (``ErrorOut``) under ``/api`` and ``/healthz``, and an HTML page elsewhere.
- media types: a template is ``text/html``, a server-sent stream ``text/event-stream``, a
  route's ``media_type=`` or ``downloads(...)`` its files' types, a redirect has a Location.

``StrictStructs`` (a schema plugin): msgspec Structs that refuse unknown fields say
``additionalProperties: false``, their docstrings (the rules one field cannot state alone)
become their descriptions, and their text fields and list items say their limits.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, ClassVar

import msgspec
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from litestar.plugins import OpenAPISchemaPlugin, ReceiveRoutePlugin
from litestar.response import File, Redirect, ServerSentEvent, Template
from litestar.routes import BaseRoute, HTTPRoute
from litestar.typing import FieldDefinition

from core import documents
from core.text import NO_NUL_PATTERN, VISIBLE_PATTERN

# Media types of what routes answer besides pages and JSON (for ``media_type=`` and ``downloads``).
PDF = "application/pdf"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
ICS = "text/calendar"
DOCUMENT_TYPES = tuple(media_type for _extension, media_type in documents.KINDS.values())  # uploads
PICTURE_TYPES = ("image/png", "image/jpeg")  # featured cases' pictures

FILE_HEADERS = {
    "Content-Disposition": "attachment or inline, with the file's name",
    "Content-Length": "The file's size in bytes",
    "Last-Modified": "When the file last changed (an HTTP date)",
    "ETag": "The file's version",
}

# One event of a server-sent stream (the schema of each event, as OpenAPI 3.2's itemSchema):
# the board as JSON in ``data``, or a ``ping`` with nothing when nothing changed.
SSE_EVENT = Schema(
    type=OpenAPIType.OBJECT,
    required=["data", "event"],
    properties={
        "event": Schema(type=OpenAPIType.STRING, enum=["message", "ping"]),
        "data": Schema(type=OpenAPIType.STRING, description="message: what the screen shows, as JSON; ping: empty"),
        "id": Schema(type=OpenAPIType.STRING),
        "retry": Schema(type=OpenAPIType.INTEGER, description="Milliseconds to wait before reconnecting"),
    },
    description="One event of the stream. The stream ends after a while (SHOWCASE_LIVE_STREAM_SECONDS); "
    "the browser reconnects and gets the board again at once.",
)
# The body of a route that streams an upload to disk (web.uploads): the file in the field
# "file", and whatever other fields its form has.
UPLOAD = Schema(
    type=OpenAPIType.OBJECT,
    properties={
        "file": Schema(
            type=OpenAPIType.STRING,
            format=OpenAPIFormat.BINARY,
            description="The file: what it is, is judged by its content (a PDF, PPTX, PPT, KEY or ODP).",
        )
    },
    description="A form with the file; too large a file is refused with 413 as it arrives, a full disk with 507.",
)
FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class ErrorOut(msgspec.Struct):
    """An error answered to an API client (under /api, and /healthz): ``detail`` in the
    caller's language; ``extra`` says which fields were wrong, when it is a validation error."""

    status_code: int
    detail: str
    extra: list[dict[str, Any]] | dict[str, Any] | None = None


class Answer(ResponseSpec):
    """A status a route declares with ``answers(...)``: its body is decided by ``RouteDocs``
    (an error page or ``ErrorOut``, a page, a redirect or nothing)."""


@dataclass
class Downloads(ResponseSpec):
    """A success whose body is a file of one of ``media_types`` (see ``downloads``)."""

    media_types: tuple[str, ...] = ()


DESCRIPTIONS = {
    200: "The page or resource.",
    201: "Created.",
    204: "Done; nothing to answer.",
    302: "Done: on to the next page (Location).",
    303: "Done: on to the next page (Location), to be fetched with GET.",
    304: "Not modified: the client's copy (If-None-Match) is this very version.",
    400: "The request could not be used: a malformed or out-of-range value (the form again, with a message "
    "beside each wrong field, on pages), a NUL character, or an unknown Host.",
    401: "Not logged in (no session or API token, or one that has expired or was revoked).",
    403: "Refused: the account lacks the role this needs, or the CSRF token is missing or wrong.",
    404: "Nothing with this id, slug or token (or it is not published, or was deleted).",
    409: "Conflicts with what is stored (someone else saved first, a name or address already taken, "
    "still in use, or not possible at this stage).",
    413: "The body (an upload) is larger than this route accepts.",
    429: "Too many requests from this device or address in the last minute: wait and try again.",
    503: "The database cannot be reached right now: try again shortly.",
    507: "The server's disk is full: nothing was stored.",
}


def answers(*statuses: int, **descriptions: str) -> dict[int, ResponseSpec]:
    """What a route answers besides the defaults RouteDocs adds, for ``responses=``. A 2xx
    (a page) or 3xx (a redirect) listed here replaces the success Litestar infers from the
    return annotation; an error is a page or ``ErrorOut`` as the route's other errors are.
    ``descriptions`` (``s409="..."``) say more than the generic words. An API route's own
    success bodies are ``ResponseSpec``s of their Structs."""
    return {
        status: Answer(
            data_container=None,
            description=descriptions.get(f"s{status}") or DESCRIPTIONS.get(status) or HTTPStatus(status).phrase,
        )
        for status in statuses
    }


def downloads(*media_types: str, status: int = 200, description: str = "The file.") -> dict[int, ResponseSpec]:
    """A file answered in one of several media types (what an upload turned out to be)."""
    return {status: Downloads(data_container=bytes, description=description, media_types=tuple(media_types))}


# -- who may call a route ---------------------------------------------------------------

SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "sessionCookie": SecurityScheme(
        type="apiKey",
        name="showcase_session",
        security_scheme_in="cookie",
        description="The login session: POST /login with a username and password sets it.",
    ),
    "apiToken": SecurityScheme(
        type="http",
        scheme="bearer",
        description="An API token (POST /api/tokens while logged in), sent as 'Authorization: Bearer <token>'. "
        "It lasts 12 hours and dies with the login that made it.",
    ),
    "csrfCookie": SecurityScheme(
        type="apiKey",
        name="csrftoken",
        security_scheme_in="cookie",
        description="The CSRF cookie, set by any page (GET /login). Sent back with every form post and API write, "
        "together with its value in the x-csrftoken header (or, for a form, the field _csrf_token).",
    ),
    "csrfHeader": SecurityScheme(
        type="apiKey",
        name="x-csrftoken",
        security_scheme_in="header",
        description="The value of the csrftoken cookie (a form may send it as the field _csrf_token instead).",
    ),
}


def components() -> Components:
    return Components(security_schemes=SECURITY_SCHEMES)


# -- the facts of one route -------------------------------------------------------------


@dataclass(frozen=True)
class RouteFacts:
    path: str
    method: str
    json_errors: bool
    access: str  # "public", "session" or "token"
    csrf: bool
    guarded: bool
    names_something: bool
    rate_limited: bool
    returns: str  # "template", "redirect", "file", "stream", "other"
    streams_upload: bool  # reads its multipart body itself, as it streams (no `data` to document)
    status_code: int
    declared: dict[int, ResponseSpec] = field(default_factory=dict)

    @property
    def security(self) -> list[SecurityRequirement]:
        csrf: SecurityRequirement = {"csrfCookie": [], "csrfHeader": []} if self.csrf else {}
        if self.access == "token":
            return [{"apiToken": []}]
        if self.access == "public":
            return [csrf] if csrf else []
        return [{"sessionCookie": [], **csrf}]

    def errors(self) -> dict[int, str]:
        """The statuses this route may answer whatever it does, with their description."""
        found = {400: DESCRIPTIONS[400], 503: DESCRIPTIONS[503]}
        if self.access != "public" and self.json_errors:  # a page sends a stranger to log in (302)
            found[401] = DESCRIPTIONS[401]
        if self.guarded or self.csrf or self.access == "token":
            found[403] = DESCRIPTIONS[403]
        if self.names_something:
            found[404] = DESCRIPTIONS[404]
        if self.method in WITH_BODY:
            found[413] = DESCRIPTIONS[413]
        if self.rate_limited:
            found[429] = DESCRIPTIONS[429]
        return found

    def error_spec(self, status: int, description: str) -> ResponseSpec:
        if self.json_errors:
            return ResponseSpec(data_container=ErrorOut, description=description, generate_examples=False)
        return ResponseSpec(
            data_container=str, description=description, media_type=MediaType.HTML, generate_examples=False
        )

    def responses(self) -> dict[int, ResponseSpec]:
        """``responses=`` for the route handler: the defaults, then what the route declares."""
        found: dict[int, ResponseSpec] = {
            status: self.error_spec(status, text) for status, text in self.errors().items()
        }
        for status, spec in self.declared.items():
            if isinstance(spec, Answer) and status >= 400:
                found[status] = self.error_spec(status, spec.description)
            elif isinstance(spec, Answer) and 200 <= status < 300 and status != 204 and not self.json_errors:
                found[status] = ResponseSpec(
                    data_container=str, description=spec.description, media_type=MediaType.HTML, generate_examples=False
                )
            else:
                found[status] = spec
        return found

    def finish(self, operation: Operation) -> None:
        """What Litestar's generated operation cannot say by itself."""
        operation.security = self.security
        if self.streams_upload and operation.request_body is None:
            operation.request_body = RequestBody(content={"multipart/form-data": OpenAPIMediaType(schema=UPLOAD)})
        body = operation.request_body
        if isinstance(body, RequestBody) and set(body.content) <= FORMS:
            body.required = False  # no body is an empty form: answered like any form with fields missing
        for parameter in operation.parameters or ():
            if isinstance(parameter, Parameter) and isinstance(parameter.schema, Schema):
                text_rules(parameter.schema)  # a NUL in a path or query is refused (400)
        responses = operation.responses or {}
        declared_success = {  # what answers(...) lists replaces the success Litestar infers
            s for s, spec in self.declared.items() if isinstance(spec, Answer) and 200 <= s < 400 and s != 304
        }
        generated = str(self.status_code)
        if (declared_success and self.status_code not in declared_success) or (
            self.returns == "redirect" and not 300 <= self.status_code < 400
        ):
            responses.pop(generated, None)
        if self.returns == "redirect" and not declared_success:
            responses["302"] = OpenAPIResponse(description=DESCRIPTIONS[302])
        if self.access != "public" and not self.json_errors:
            login = "Not logged in: to the login page, which comes back here (/login?next=...)."
            done = responses.get("302")
            description = f"{done.description} Or: {login}" if isinstance(done, OpenAPIResponse) else login
            responses["302"] = OpenAPIResponse(description=description)
        for status, response in responses.items():
            if not isinstance(response, OpenAPIResponse):
                continue
            code = int(status)
            if 300 <= code < 400 and code != 304:
                response.content = None
                response.headers = {
                    "Location": OpenAPIHeader(
                        schema=Schema(type=OpenAPIType.STRING), description="Where to go next.", required=True
                    )
                }
            elif code in (204, 304):
                response.content = None
            spec = self.declared.get(code)
            if isinstance(spec, Downloads):
                response.content = {
                    media_type: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=None))
                    for media_type in spec.media_types
                }
            elif 200 <= code < 300 and self.returns == "stream":
                response.content = {"text/event-stream": OpenAPIMediaType(schema=SSE_EVENT)}
            if 200 <= code < 300 and self.returns == "file":
                # Litestar calls Last-Modified a date-time (RFC 3339); it is an HTTP date
                response.headers = {
                    name: OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description=text)
                    for name, text in FILE_HEADERS.items()
                }
                for media in (response.content or {}).values():
                    media.schema = Schema(type=OpenAPIType.STRING)
        operation.responses = dict(sorted(responses.items()))


@dataclass
class DocumentedOperation(Operation):
    """The operation of one route handler: Litestar builds it, ``facts`` finish it."""

    facts: ClassVar[RouteFacts]

    def __post_init__(self) -> None:
        self.facts.finish(self)


def _returns(handler: Any) -> str:
    returned: FieldDefinition = handler.parsed_fn_signature.return_type
    if returned.is_subclass_of(ServerSentEvent):
        return "stream"
    if returned.is_subclass_of(Template):
        return "template"
    if returned.is_subclass_of(Redirect):
        return "redirect"
    if returned.is_subclass_of(File):
        return "file"
    return "other"


@dataclass(eq=False)
class RouteDocs(ReceiveRoutePlugin):
    """Fills in each route's OpenAPI operation as the app registers it (see the module)."""

    json_errors: Callable[[str], bool]  # web.errors.json_path
    rate_limited: Callable[[str, str], bool]  # web.middleware.rate_limited

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            (method,) = handler.http_methods
            opt = handler.opt or {}
            if opt.get("api_token"):
                access = "token"
            elif opt.get("exclude_from_auth"):
                access = "public"
            else:
                access = "session"
            facts = RouteFacts(
                path=route.path_format,
                method=method,
                json_errors=self.json_errors(route.path_format),
                access=access,
                csrf=method in UNSAFE and not opt.get("exclude_from_csrf"),
                guarded=bool(handler.resolve_guards()),
                names_something=bool(route.path_parameters),
                rate_limited=self.rate_limited(method, route.path_format),
                returns=_returns(handler),
                streams_upload=method in WITH_BODY and handler.resolve_request_max_body_size() is None,
                status_code=handler.status_code,
                declared=dict(handler.responses or {}),
            )
            handler.responses = facts.responses()
            handler.operation_class = type(f"{handler.handler_name}Operation", (DocumentedOperation,), {"facts": facts})


def item_rules(schema: Schema, field_type: Any) -> None:
    """The limits of a list's items (``list[Annotated[int, Meta(ge=1)]]``), which Litestar's
    schema leaves out: msgspec refuses an item beyond them (400)."""
    if isinstance(field_type, msgspec.inspect.Metadata):
        field_type = field_type.type
    if not isinstance(field_type, msgspec.inspect.ListType) or not isinstance(schema.items, Schema):
        return
    item, items = field_type.item_type, schema.items
    if isinstance(item, msgspec.inspect.IntType):
        items.minimum = item.ge if items.minimum is None else items.minimum
        items.maximum = item.le if items.maximum is None else items.maximum
    elif isinstance(item, msgspec.inspect.StrType):
        items.min_length = item.min_length if items.min_length is None else items.min_length
        items.max_length = item.max_length if items.max_length is None else items.max_length
        items.pattern = item.pattern if items.pattern is None else items.pattern
        text_rules(items)


def text_rules(schema: Schema) -> None:
    """What a piece of text sent to us may hold, in the schema: no NUL anywhere (refused with
    400 before any handler, web.errors.refuse_nul); a field that must show something
    (pattern ``\\S``) is cleaned first (core.text.clean_fields), so it needs a character the
    cleaning keeps. Patterns of their own (slugs, times, colours) already rule NUL out."""
    if schema.pattern is None:  # a pattern beside oneOf applies to the string among them
        for option in (*(schema.one_of or ()), *(schema.any_of or ())):
            if isinstance(option, Schema):
                text_rules(option)
    if schema.type != OpenAPIType.STRING or schema.format or schema.enum or schema.const is not None:
        return
    if schema.pattern is None:
        schema.pattern = NO_NUL_PATTERN
    elif schema.pattern == r"\S":
        schema.pattern = VISIBLE_PATTERN


class StrictStructs(OpenAPISchemaPlugin):
    """A Struct made with ``forbid_unknown_fields=True`` refuses a field it does not know (400):
    its schema says so with ``additionalProperties: false``. Litestar's own Struct plugin
    makes the schema; this one adds what it leaves out."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        if field_definition.is_union or not field_definition.is_subclass_of(msgspec.Struct):
            return False
        info = msgspec.inspect.type_info(field_definition.type_)
        return isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        maker = next(
            plugin
            for plugin in schema_creator.plugins
            if plugin is not self and schema_creator.plugin_supports_field(plugin, field_definition)
        )
        result = maker.to_openapi_schema(field_definition=field_definition, schema_creator=schema_creator)
        schema = (
            schema_creator.schema_registry.from_reference(result).schema if isinstance(result, Reference) else result
        )
        schema.additional_properties = False
        info = msgspec.inspect.type_info(field_definition.type_)
        fields = {f.encode_name: f.type for f in info.fields} if isinstance(info, msgspec.inspect.StructType) else {}
        for name, prop in (schema.properties or {}).items():
            if isinstance(prop, Schema):
                item_rules(prop, fields.get(name))
                text_rules(prop)
        if schema.description is None and field_definition.type_.__doc__:
            # what a field's own limits cannot say (one field against another, what must exist)
            schema.description = inspect.cleandoc(field_definition.type_.__doc__)
        return result  # the component's reference, as Litestar's own plugin returns it
