"""Calls for methods, the public unified application form, the applicant's private page,
and the reviewers' queues (screening, then approval)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any
from urllib.parse import quote

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.guards import organiser_guard, requires_role
from core.clock import now, zone
from core.qr import qr_svg
from core.storage import object_path
from core.text import clean_text
from notices import rules as notice_rules
from presenters.review import imports as ai
from presenters.review import notices as applicant_notices
from presenters.review import queries as rq
from presenters.review import rules as review
from presenters.units.queries import Scope, load_tree, roles_at, scope_of, typed_unit, unit_lookup, unit_suggestions
from presenters.units.rules import Tree
from web.errors import Said
from web.forms import Field, FormBody, FormResult, parse_form, parse_local_datetime
from web.i18n import current_locale, lazy
from web.i18n import gettext as _
from web.openapi import CSV, DOCUMENT_TYPES, XLSX, answers, downloads
from web.responses import spreadsheet
from web.routing import settings_of
from web.templating import jinja_env
from web.uploads import SPREADSHEET_ERRORS, download_document, receive_document, receive_form_with_document

PUBLIC = {"exclude_from_auth": True}
REVIEW_ROLES = ("screener", "approver")
reviewer_guard = requires_role(*REVIEW_ROLES)


async def organiser_scope(request: Request, tree: Tree | None = None) -> Scope:
    """The units whose applications this organiser oversees (None: the whole organisation)."""
    return await scope_of(request.user, "organiser", tree=tree)


APPLICATION_FORM = [
    Field("branch_name", lazy("Party branch"), max_length=100),
    Field(
        "unit",
        lazy("Parent unit"),
        kind="suggest",
        max_length=100,
        help=lazy("Type part of its name or short name, then pick it."),
    ),
    Field("secretary", lazy("Branch secretary"), max_length=50),
    Field(
        "contact",
        lazy("Contact (phone or e-mail)"),
        max_length=100,
        help=lazy("With an e-mail address you are told by mail when the application is received, returned or decided."),
    ),
    Field("title", lazy("Method title"), max_length=100),
    Field("area", lazy("Area"), kind="select"),
    Field("summary", lazy("Summary"), kind="textarea", max_length=2000),
    Field("highlights", lazy("Practice highlights"), kind="textarea", max_length=4000, required=False),
]
CALL_FORM = [
    Field("title", lazy("Title"), max_length=100),
    Field("description", lazy("Description"), kind="textarea", max_length=2000, required=False),
]
REASONS = {
    "unknown_action": lazy("This action does not exist."),
    "not_your_step": lazy("This step belongs to another role: a screener screens, an approver approves."),
    "wrong_stage": lazy("This application is not at that step (it may have moved already)."),
    "note_required": lazy("Returning or rejecting needs a note for the applicant."),
    "note_too_long": lazy("The note is too long (at most 1,000 characters)."),
    "conflict": lazy(
        "Someone else changed this application while you were looking at it. Reload to see where it stands."
    ),
    "missing": lazy("No such application."),
    "locked": lazy("Screening has started: the application can no longer be changed."),
}
STAGE_NAMES = {
    "submitted": lazy("submitted"),
    "returned": lazy("returned for changes"),
    "screened": lazy("screened"),
    "approved": lazy("approved"),
    "rejected": lazy("rejected"),
}
ACTION_NAMES = {
    "screen": lazy("Pass screening"),
    "return_at_screening": lazy("Return for changes"),
    "reject_at_screening": lazy("Reject"),
    "approve": lazy("Approve"),
    "return_at_approval": lazy("Return for changes"),
    "reject_at_approval": lazy("Reject"),
}


def secret_of(request: Request) -> bytes:
    return request.app.state["secret"]


def applicant_mail(request: Request) -> applicant_notices.ApplicantMail:
    """What tells applicants of their application's moves (in their own language)."""
    return applicant_notices.ApplicantMail(
        env=jinja_env(request.app),
        secret=secret_of(request),
        base_url=request.app.state.get("base_url") or str(request.base_url),
        locale=current_locale.get(),
        default_locale=settings_of(request).default_locale,
    )


def attachment_download(request: Request, row: dict[str, Any]) -> Response:
    if not row["attachment_sha256"]:
        raise NotFoundException(detail=lazy("This application has no attachment."))
    return download_document(
        object_path(settings_of(request).data_dir, row["attachment_sha256"]),
        row["attachment_name"],
        row["attachment_kind"],
    )


# How the applicant's own page says where the application stands: a sentence, not a code.
APPLICANT_STATUS = {
    "submitted": lazy("Submitted, awaiting screening"),
    "returned": lazy("Returned to you: change it as the note says, then send it back in"),
    "screened": lazy("Passed screening, awaiting approval"),
    "approved": lazy("Approved: your method is in the pool agendas are planned from"),
    "rejected": lazy("Not accepted in this call"),
}
# Who moved it, as the applicant is told: the step, never a reviewer's user name.
ROLE_NAMES = {
    "applicant": lazy("Applicant"),
    "screener": lazy("Screening"),
    "approver": lazy("Approval"),
    "organiser": lazy("The organisers"),
}


def actor_name(h: dict[str, Any], public: bool = False) -> str:
    """Who made a move, in words: the applicant, an imported list, a reviewer's user name
    (``public``: the applicant's page names the step instead)."""
    if h["actor"] == "applicant":
        return _(ROLE_NAMES["applicant"])
    if h["actor"] == "import":
        return _("imported list")
    if public:
        return _(ROLE_NAMES.get(h["role"], ROLE_NAMES["organiser"]))
    return h["actor"]


def history_line(h: dict[str, Any], stages: dict[str, str]) -> str:
    """One move as words: "申报人 → 已提交", "screener1：已提交 → 退回修改：请补充材料"."""
    moved = f"{stages.get(h['from_stage'], h['from_stage'])} → " if h["from_stage"] else "→ "
    actor = actor_name(h) + ("：" if h["from_stage"] else " ")
    return actor + moved + stages.get(h["to_stage"], h["to_stage"]) + (f"：{h['note']}" if h["note"] else "")


def history_helpers(request: Request, public: bool = False) -> dict[str, Any]:
    """Times in the organisation's zone; who moved it, in words; whether an organiser
    changed it on the applicant's behalf (an import is not such a change)."""
    zone = _zone(request)
    return {
        "local": lambda moment: moment.astimezone(zone),
        "actor": lambda h: actor_name(h, public),
        "on_behalf": lambda h: h["role"] == "organiser" and h["actor"] != "import",
    }


def private_link(request: Request, row: dict[str, Any]) -> dict[str, str]:
    """The applicant's private link, to show again (copy it, or scan its QR) to reviewers and
    organisers: a returned application must reach its applicant. Absolute, from
    SHOWCASE_BASE_URL when set."""
    base = (request.app.state.get("base_url") or str(request.base_url)).rstrip("/")
    url = f"{base}/a/{rq.application_token(secret_of(request), row)}"
    return {"private_link": url, "private_link_qr": qr_svg(url, _("The applicant's private link"))}


def stage_names() -> dict[str, str]:
    return {k: _(v) for k, v in STAGE_NAMES.items()}


class ApplicationPages(Controller):
    """What a branch sees: the call and its form, then its own application's private page."""

    opt = PUBLIC

    async def _call(self, call_id: int) -> dict[str, Any]:
        call = await rq.get_call(call_id)
        if call is None:
            raise NotFoundException(detail=lazy("No such call for methods."))
        return call

    async def _form_page(
        self,
        request: Request,
        call: dict[str, Any],
        status: int = 200,
        raw: dict | None = None,
        errors: dict | None = None,
        **extra: Any,
    ) -> Template:
        areas = await rq.call_areas(call)
        return Template(
            "presenters/call.html",
            status_code=status,
            context={
                "link_sent": False,
                "link_email": "",
                **extra,
                "call": call,
                "state": call_state(call),
                "fields": APPLICATION_FORM,
                "raw": raw or {},
                "errors": errors or {},
                "zone": _zone(request),
                "choices": await form_choices(areas),
            },
        )

    @get("/calls/{call_id:int}")
    async def call(self, request: Request, call_id: FromPath[int]) -> Template:
        return await self._form_page(request, await self._call(call_id))

    @post("/calls/{call_id:int}", responses=answers(302, 403, s403="The call is not open for applications."))
    async def apply(self, request: Request, call_id: FromPath[int], data: FormBody) -> Response:
        call = await self._call(call_id)
        if call_state(call) != "open":
            return await self._form_page(request, call, 403, errors={"_": _("This call is not open for applications.")})
        areas = await rq.call_areas(call)
        result = await application_form(data, areas)
        if not result.ok:
            return await self._form_page(request, call, 400, result.raw, result.errors)
        row = await rq.submit(call_id, result.values, notify=applicant_mail(request).on_move)
        token = rq.application_token(secret_of(request), {"id": row["id"], "nonce": row["nonce"]})
        return Redirect(path=f"/a/{token}?saved=new")

    @post("/calls/{call_id:int}/link")
    async def send_link(self, request: Request, call_id: FromPath[int], data: FormBody) -> Template:
        """ "Send me my link again": the private link of each application of this call sent
        with this address goes to it (once an hour at most). The answer is the same whether
        or not there is one, so the form tells nobody who applied."""
        call = await self._call(call_id)
        address = str(data.get("email", "")).strip()[:254]
        if not notice_rules.is_email(address):
            error = _("Enter an e-mail address, like name@example.org.")
            return await self._form_page(request, call, 400, errors={"link_email": error}, link_email=address)
        found = await rq.applications_by_contact(call_id, address)
        await applicant_mail(request).send_links(found, call["title"], now().strftime("%Y%m%d%H"))
        return await self._form_page(request, call, link_sent=True)

    async def _mine(self, request: Request, token: str) -> dict[str, Any]:
        row = await rq.by_token(secret_of(request), token)
        if row is None:
            raise NotFoundException(detail=lazy("This link does not work. Check that it was copied whole."))
        return row

    async def _status_page(
        self,
        request: Request,
        token: str,
        row: dict[str, Any],
        status: int = 200,
        raw: dict | None = None,
        errors: dict | None = None,
    ) -> Template:
        call = await rq.get_call(row["call"]) or {}
        areas = await rq.call_areas(call) if call else []
        raw = raw or {k: str(row[k] or "") for k in rq.APPLICATION_FIELDS}
        return Template(
            "presenters/application.html",
            status_code=status,
            context={
                "application": row,
                "history": await rq.history(row["id"]),
                "token": token,
                "fields": APPLICATION_FORM,
                "raw": raw,
                "errors": errors or {},
                "choices": await form_choices(areas),
                "may_edit": review.applicant_may_edit(row["stage"]),
                "stages": stage_names(),
                "status": _(APPLICANT_STATUS[row["stage"]]),
                "limit_mb": settings_of(request).slides_max_mb,
                **history_helpers(request, public=True),
                "saved": request.query_params.get("saved", ""),
            },
        )

    @get("/a/{token:str}")
    async def mine(self, request: Request, token: FromPath[str]) -> Template:
        return await self._status_page(request, token, await self._mine(request, token))

    @post(
        "/a/{token:str}/attachment",
        opt={"exclude_from_csrf": True},
        request_max_body_size=None,
        responses=answers(302, 409, 507),
    )
    async def attachment(self, request: Request, token: FromPath[str]) -> Response:
        """Streamed like slides: the private link is the capability, so the CSRF middleware
        (which would read the whole body to find its token) stays out of it."""
        row = await self._mine(request, token)
        if not review.applicant_may_edit(row["stage"]):
            return await self._status_page(request, token, row, 409, errors={"_": _(REASONS["locked"])})
        settings = settings_of(request)
        stored, error = await receive_document(request, settings.data_dir, settings.slides_max_mb)
        if stored is None:
            return await self._status_page(request, token, row, 400, errors={"_": error})
        if await rq.attach(row["id"], stored.sha256, stored.filename, stored.kind, stored.size):
            await rq.forget_unused_file(settings.data_dir, stored.sha256)
            return await self._status_page(
                request, token, await self._mine(request, token), 409, errors={"_": _(REASONS["locked"])}
            )
        # A replaced attachment's file goes, unless something else holds the same content:
        # one link must not be able to fill the disk by uploading again and again.
        await rq.forget_unused_file(settings.data_dir, row.get("attachment_sha256") or "", keep=stored.sha256)
        return Redirect(path=f"/a/{token}?saved=attachment")

    @post(
        "/a/{token:str}/save",
        opt={"exclude_from_csrf": True},
        request_max_body_size=None,
        responses=answers(302, 409, 507),
    )
    async def save(self, request: Request, token: FromPath[str]) -> Response:
        """The applicant's one form: the text and, if chosen, an attachment, streamed like
        slides (the private link is the capability, as for the attachment alone). Whatever is
        refused, the page comes back with the text as typed: nothing written is lost."""
        row = await self._mine(request, token)
        if not review.applicant_may_edit(row["stage"]):
            return await self._status_page(request, token, row, 409, errors={"_": _(REASONS["locked"])})
        settings = settings_of(request)
        stored, file_error, data = await receive_form_with_document(request, settings.data_dir, settings.slides_max_mb)
        call = await rq.get_call(row["call"]) or {}
        areas = await rq.call_areas(call) if call else []
        result = await application_form(data, areas)
        if file_error or not result.ok:
            if stored is not None:
                await rq.forget_unused_file(settings.data_dir, stored.sha256)
            errors = dict(result.errors)
            if file_error:
                errors["file"] = errors["_"] = file_error
            elif stored is not None:
                errors["file"] = _("Choose the file again once the fields are corrected.")
            raw = result.raw if data else None
            return await self._status_page(request, token, row, 400, raw, errors)
        seen = str(data.get("version", ""))
        reason = await rq.edit(
            row["id"],
            int(seen) if seen.isdecimal() else -1,
            result.values,
            data.get("resubmit") == "yes",
            attachment=(stored.sha256, stored.filename, stored.kind, stored.size) if stored else None,
        )
        if reason:
            if stored is not None:
                await rq.forget_unused_file(settings.data_dir, stored.sha256)
            return await self._status_page(
                request, token, await self._mine(request, token), 409, result.raw, {"_": _(REASONS[reason])}
            )
        if stored is not None:
            await rq.forget_unused_file(settings.data_dir, row.get("attachment_sha256") or "", keep=stored.sha256)
        return Redirect(path=f"/a/{token}?saved=edit")

    @get("/a/{token:str}/attachment", responses=downloads(*DOCUMENT_TYPES, description="The attachment."))
    async def attachment_file(self, request: Request, token: FromPath[str]) -> Response:
        return attachment_download(request, await self._mine(request, token))

    @post("/a/{token:str}", responses=answers(302, 409))
    async def edit(self, request: Request, token: FromPath[str], data: FormBody) -> Response:
        row = await self._mine(request, token)
        call = await rq.get_call(row["call"]) or {}
        areas = await rq.call_areas(call) if call else []
        result = await application_form(data, areas)
        if not result.ok:
            return await self._status_page(request, token, row, 400, result.raw, result.errors)
        seen = str(data.get("version", ""))
        reason = await rq.edit(
            row["id"], int(seen) if seen.isdecimal() else -1, result.values, data.get("resubmit") == "yes"
        )
        if reason:
            return await self._status_page(
                request, token, await self._mine(request, token), 409, result.raw, {"_": _(REASONS[reason])}
            )
        return Redirect(path=f"/a/{token}?saved=edit")


async def application_form(
    data: Any, areas: list[dict[str, Any]], units: dict[str, tuple[int, str]] | None = None
) -> FormResult:
    """The application form's fields, the unit among them as the tree of units knows it (by
    its name or short name; ``units``: unit_lookup(), read once for a whole import). While there
    is a tree, a unit outside it is refused: the application would reach no bureau's reviewers."""
    result = parse_form(APPLICATION_FORM, data, {"area": [(a["id"], a["name"]) for a in areas]})
    if "unit" in result.errors or "unit" not in result.values:
        return result
    units = await unit_lookup() if units is None else units
    found = typed_unit(units, result.values["unit"])
    if found is not None:
        result.values["org_unit"], result.values["unit"] = found
        result.raw["unit"] = found[1]
    elif units:
        result.errors["unit"] = _("This unit is not in the list: type part of its name or short name and pick it.")
    else:
        result.values["org_unit"] = None
    return result


async def resolve_units(rows: list[ai.Row]) -> None:
    """Each imported row's unit as the tree knows it; while there is a tree, a row naming a
    unit outside it is an error of that row."""
    units = await unit_lookup()
    for row in rows:
        text = row.values.get("unit", "")
        if not text:
            continue
        found = typed_unit(units, text)
        if found is not None:
            row.values["unit"] = found[1]
        elif units:
            row.errors.append(("unit", "unknown_unit"))


async def form_choices(areas: list[dict[str, Any]]) -> dict[str, list[tuple[Any, str]]]:
    return {"area": [(a["id"], a["name"]) for a in areas], "unit": await unit_suggestions()}


def call_state(call: dict[str, Any]) -> str:
    at = now()
    if call.get("archived"):
        return "closed"
    return "not_yet" if at < call["opens_at"] else "closed" if at >= call["closes_at"] else "open"


def call_filter(value: str) -> int | None:
    """A ?call= filter: a call's id, or None (every call)."""
    return int(value) if value.isdecimal() and len(value) < 10 else None


class CallPages(Controller):
    """Calls: open one, edit it, close it early, reopen it, archive it (out of the lists)."""

    path = "/organiser/calls"
    guards = [organiser_guard]

    async def _page(
        self, request: Request, status: int = 200, raw: dict | None = None, errors: dict | None = None
    ) -> Template:
        archived = request.query_params.get("archived") == "1"
        calls = await rq.list_calls(archived)
        return Template(
            "presenters/calls.html",
            status_code=status,
            context={
                "calls": calls,
                "archived": archived,
                "archived_count": 0 if archived else len(await rq.list_calls(True)),
                "states": {c["id"]: call_state(c) for c in calls},
                "zone": _zone(request),
                "fields": CALL_FORM,
                "raw": raw or {},
                "errors": errors or {},
                "areas": await rq.areas(),
                "counts": await rq.counts(scope=await organiser_scope(request)),
                "stages": stage_names(),
                "columns": [COLUMN_NAMES[c] for c in COLUMN_NAMES],
                "required_columns": [COLUMN_NAMES[c] for c in ai.REQUIRED],
            },
        )

    async def _read(self, request: Request) -> tuple[dict[str, Any], list[int], dict[str, str], dict[str, str]]:
        """The call form: (values with opens_at/closes_at, areas, raw, errors)."""
        form = await request.form()
        result = parse_form(CALL_FORM, form)
        errors = dict(result.errors)
        tz = _zone(request)
        opens = closes = None
        try:
            opens = parse_local_datetime(str(form.get("opens_at", "")), tz)
            closes = parse_local_datetime(str(form.get("closes_at", "")), tz)
        except ValueError as exc:
            errors["dates"] = str(exc)
        if not errors.get("dates") and (opens is None or closes is None or closes <= opens):
            errors["dates"] = _("Give an opening and a closing time, the closing one later.")
        areas = [int(a) for a in form.getall("areas", []) if str(a).isdecimal()] if hasattr(form, "getall") else []
        raw = {**result.raw, "opens_at": str(form.get("opens_at", "")), "closes_at": str(form.get("closes_at", ""))}
        return {**result.values, "opens_at": opens, "closes_at": closes}, areas, raw, errors

    @get("/")
    async def index(self, request: Request) -> Template:
        return await self._page(request)

    @post("/", responses=answers(302))
    async def create(self, request: Request) -> Response:
        values, areas, raw, errors = await self._read(request)
        if errors:
            return await self._page(request, 400, raw, errors)
        await rq.create_call(
            values["title"], values["description"] or "", areas, values["opens_at"], values["closes_at"]
        )
        return Redirect(path="/organiser/calls/")

    async def _call(self, call_id: int) -> dict[str, Any]:
        call = await rq.get_call(call_id)
        if call is None:
            raise NotFoundException(detail=lazy("No such call for methods."))
        return call

    def _edit_page(
        self,
        request: Request,
        call: dict[str, Any],
        areas: list[dict[str, Any]],
        status: int = 200,
        raw: dict | None = None,
        errors: dict | None = None,
    ) -> Template:
        tz = _zone(request)
        raw = raw or {
            "title": call["title"],
            "description": call["description"],
            "opens_at": call["opens_at"].astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": call["closes_at"].astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        }
        return Template(
            "presenters/call_edit.html",
            status_code=status,
            context={
                "call": call,
                "fields": CALL_FORM,
                "raw": raw,
                "errors": errors or {},
                "areas": areas,
                "chosen": rq.area_ids(call),
            },
        )

    @get("/{call_id:int}/edit")
    async def edit_form(self, request: Request, call_id: FromPath[int]) -> Template:
        return self._edit_page(request, await self._call(call_id), await rq.areas())

    @post("/{call_id:int}/edit", responses=answers(302))
    async def edit(self, request: Request, call_id: FromPath[int]) -> Response:
        call = await self._call(call_id)
        values, areas, raw, errors = await self._read(request)
        if errors:
            return self._edit_page(request, call, await rq.areas(), 400, raw, errors)
        await rq.update_call(
            call_id, values["title"], values["description"] or "", areas, values["opens_at"], values["closes_at"]
        )
        return Redirect(path="/organiser/calls/?saved=1")

    @post("/{call_id:int}/close")
    async def close(self, call_id: FromPath[int]) -> Redirect:
        """Closed now: the public form says so; what was sent stays."""
        call = await self._call(call_id)
        at = now()
        if call["closes_at"] > at:
            await rq.set_call_times(call_id, min(call["opens_at"], at), at)
        return Redirect(path="/organiser/calls/?saved=1")

    @post("/{call_id:int}/reopen", responses=answers(302))
    async def reopen(self, request: Request, call_id: FromPath[int], data: FormBody) -> Response:
        """Open again until the time given (it must be later than now)."""
        call = await self._call(call_id)
        try:
            closes = parse_local_datetime(str(data.get("closes_at", "")), _zone(request))
        except ValueError as exc:
            raise ClientException(detail=Said(str(exc))) from None
        at = now()
        if closes is None or closes <= at:
            raise ClientException(detail=Said(_("To reopen a call, give a closing time later than now.")))
        await rq.set_call_times(call_id, at if call["opens_at"] > at else None, closes)
        return Redirect(path="/organiser/calls/?saved=1")

    @post("/{call_id:int}/archive")
    async def archive(self, call_id: FromPath[int]) -> Redirect:
        await self._call(call_id)
        await rq.set_call_archived(call_id, True)
        return Redirect(path="/organiser/calls/?saved=1")

    @post("/{call_id:int}/unarchive")
    async def unarchive(self, call_id: FromPath[int]) -> Redirect:
        await self._call(call_id)
        await rq.set_call_archived(call_id, False)
        return Redirect(path="/organiser/calls/?archived=1&saved=1")


IMPORT_ERRORS = {
    "missing": lazy("not filled in"),
    "too_long": lazy("too long"),
    "unknown_area": lazy("not an area of this call"),
    "unknown_unit": lazy("not a unit in the list of units (its full name or short name)"),
    "mangled_number": lazy(
        "the spreadsheet program turned this into a number (like 1.38073E+10) and digits may be lost: format the column as text and export again"
    ),
}
FILE_ERRORS = {
    **SPREADSHEET_ERRORS,
    "missing_columns": lazy("Columns are missing: %(columns)s."),
    "too_many_rows": lazy("Too many rows (at most 5,000)."),
}
COLUMN_NAMES = {
    "branch_name": "党支部",
    "unit": "所属单位",
    "secretary": "支部书记",
    "contact": "联系方式",
    "title": "工作法名称",
    "area": "领域",
    "summary": "简介",
    "highlights": "实践亮点",
}


class ImportPages(Controller):
    """A round of applications from the bureau's existing list: preview with the errors
    of each row, then confirm. The confirmation checks every row again."""

    path = "/organiser/calls/{call_id:int}/import"
    guards = [organiser_guard]

    async def _call(self, call_id: int) -> tuple[dict[str, Any], dict[str, int]]:
        call = await rq.get_call(call_id)
        if call is None:
            raise NotFoundException(detail=lazy("No such call for methods."))
        return call, {a["name"]: a["id"] for a in await rq.call_areas(call)}

    @get("/template.xlsx", media_type=XLSX)
    async def template(self, call_id: FromPath[int]) -> Response[bytes]:
        """An .xlsx with the header row and one example row (an area of this call): what the
        import expects, to fill in rather than guess."""
        _call, areas = await self._call(call_id)
        data = await anyio.to_thread.run_sync(ai.template_xlsx, next(iter(areas), "党员教育"))
        name = "申报名单导入模板.xlsx"
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f"attachment; filename=\"template.xlsx\"; filename*=UTF-8''{quote(name)}"},
        )

    @post(
        "/",
        request_max_body_size=5 * 1024 * 1024 + 64 * 1024,
        responses=answers(200, s200="The preview of the import, to confirm."),
    )
    async def preview(
        self, call_id: FromPath[int], data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
    ) -> Template:

        call, areas = await self._call(call_id)
        upload = data.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        # Off the event loop: even a file refused at its limits takes a moment to read.
        parsed = await anyio.to_thread.run_sync(ai.parse_round, content, areas, getattr(upload, "filename", "") or "")
        file_error = ""
        if parsed.error:
            file_error = _(
                FILE_ERRORS[parsed.error], columns="、".join(COLUMN_NAMES[c] for c in parsed.missing_columns)
            )
        await resolve_units(parsed.rows)
        present = await rq.applications_in_call(call_id)
        imported = {r.line for r in parsed.valid if rq.same_application(r.values) in present}  # skipped, not errors
        rows = [
            {
                "line": r.line,
                **r.values,
                "imported": r.line in imported,
                "errors": [f"{COLUMN_NAMES[f]}：{_(IMPORT_ERRORS[code])}" for f, code in r.errors],
            }
            for r in parsed.rows
        ]
        valid = [{**r.values, "area": str(r.area_id)} for r in parsed.valid if r.line not in imported]
        return Template(
            "presenters/import_preview.html",
            status_code=400 if parsed.error else 200,
            context={
                "call": call,
                "rows": rows,
                "valid_count": len(valid),
                "file_error": file_error,
                "imported_count": len(imported),
                "payload": msgspec.json.encode(valid).decode(),
            },
        )

    @post("/confirm")
    async def confirm(self, call_id: FromPath[int], data: FormBody) -> Redirect:

        call, areas = await self._call(call_id)
        try:
            rows: list[dict[str, str]] = msgspec.json.decode(
                str(data.get("payload", "[]")).encode(), type=list[dict[str, str]]
            )
        except msgspec.DecodeError:
            raise ClientException(detail=lazy("The import could not be read. Upload the file again.")) from None
        area_rows = [{"id": i, "name": n} for n, i in areas.items()]
        units = await unit_lookup()
        clean = []
        for row in rows[:5000]:
            result = await application_form(row, area_rows, units)
            if not result.ok or ai.clean_contact(str(result.values.get("contact") or ""))[1]:
                raise ClientException(detail=lazy("The import could not be read. Upload the file again."))
            clean.append(result.values)
        if not clean:
            return Redirect(path="/organiser/calls/")
        # The same rows confirmed twice (a double click, the back button, two tabs) are one
        # import: the database knows each confirmed round by this digest.
        digest = hashlib.sha256(msgspec.json.encode(clean)).hexdigest()
        added, _skipped = await rq.import_round(call_id, digest, clean)
        return Redirect(path=f"/organiser/calls/?imported={added}")


class Overview(Controller):
    """Where a round stands: counts by stage, area and unit, and every application with its
    history as a spreadsheet."""

    path = "/organiser/calls"
    guards = [organiser_guard]

    @get("/overview", responses=answers(200, 404, s404="No such unit (or not one of yours) to drill down to."))
    async def overview(self, request: Request, call: FromQuery[str] = "", unit: FromQuery[str] = "") -> Template:
        """Everything the viewer oversees, or (``call``) one call's applications; the exports
        follow the choice. Every bureau's pipeline side by side, by stage and by area; a
        bureau (``unit``) drills down to its sub-units and its applications."""
        call_id, focus = call_filter(call), call_filter(unit)
        tree = await load_tree()
        scope = await organiser_scope(request, tree)
        if focus is not None and (focus not in tree.nodes or (scope is not None and focus not in scope)):
            raise NotFoundException(detail=lazy("No such unit."))
        within = frozenset(tree.subtree(focus)) if focus is not None else None
        rows = await rq.all_applications(call_id, scope=scope, units=within)
        by_area = rq.tally(rows, "area_name")
        # each application under the unit one level below the focus (the bureaus, at the top)
        groups: dict[int | None, list[dict[str, Any]]] = {}
        for row in rows:
            key = tree.toward(focus, row["org_unit"]) if row["org_unit"] in tree.nodes else None
            groups.setdefault(key, []).append(row)
        order = {n.id: i for i, (n, _depth) in enumerate(tree.flat())}
        area_names = [a["name"] for a in await rq.areas()]
        by_unit = [
            {
                "id": key,
                "name": tree.nodes[key].name if key is not None else _("No unit in the tree"),
                "drill": key is not None and key != focus,
                "stages": {s: sum(1 for r in group if r["stage"] == s) for s in STAGE_NAMES},
                "areas": {a: sum(1 for r in group if r["area_name"] == a) for a in area_names},
                "total": len(group),
            }
            for key, group in sorted(
                groups.items(), key=lambda g: order.get(g[0], len(order)) if g[0] is not None else len(order) + 1
            )
        ]
        query = "&".join(p for p in (f"call={call_id}" if call_id else "", f"unit={focus}" if focus else "") if p)
        return Template(
            "presenters/overview.html",
            context={
                "calls": await rq.list_calls(),
                "call_id": call_id,
                "query": f"?{query}" if query else "",
                "focus": tree.nodes[focus] if focus is not None else None,
                "focus_path": [tree.nodes[i] for i in tree.ancestors(focus)] if focus is not None else [],
                "area_names": area_names,
                "recommended": await rq.recommended_methods(),
                "total": len(rows),
                "by_area": by_area,
                "by_unit": by_unit,
                "stages": stage_names(),
                "peak": max((t for _n, _c, t in by_area), default=0),
                "applications": rows,
            },
        )

    async def _application(self, request: Request, application_id: int) -> dict[str, Any]:
        """The application if this organiser's units reach it; else 404, as if there were none."""
        row = await rq.get_application(application_id, scope=await organiser_scope(request))
        if row is None:
            raise NotFoundException(detail=lazy("No such application."))
        return row

    async def _view(
        self,
        request: Request,
        row: dict[str, Any],
        status: int = 200,
        raw: dict | None = None,
        errors: dict | None = None,
    ) -> Template:
        """Any application, read-only for the review (no steps here), with its history and the
        applicant's link; while it is the applicant's, an organiser may edit it for them."""
        call = await rq.get_call(row["call"]) or {}
        areas = await rq.call_areas(call) if call else []
        return Template(
            "presenters/application_view.html",
            status_code=status,
            context={
                "application": row,
                "history": await rq.history(row["id"]),
                "stages": stage_names(),
                "fields": APPLICATION_FORM,
                "raw": raw or {k: str(row[k] or "") for k in rq.APPLICATION_FIELDS},
                "errors": errors or {},
                "choices": await form_choices(areas),
                "may_edit": review.applicant_may_edit(row["stage"]),
                "recommended": row["method"] in await rq.recommended_methods(),
                "saved": request.query_params.get("saved", ""),
                **history_helpers(request),
                **private_link(request, row),
            },
        )

    @get("/applications/{application_id:int}")
    async def application(self, request: Request, application_id: FromPath[int]) -> Template:
        return await self._view(request, await self._application(request, application_id))

    @get(
        "/applications/{application_id:int}/attachment",
        responses=downloads(*DOCUMENT_TYPES, description="The attachment."),
    )
    async def application_attachment(self, request: Request, application_id: FromPath[int]) -> Response:
        return attachment_download(request, await self._application(request, application_id))

    @post("/applications/{application_id:int}", responses=answers(302, 409))
    async def edit_on_behalf(self, request: Request, application_id: FromPath[int], data: FormBody) -> Response:
        """An organiser's edit for the applicant (who may have lost the link, or sent the
        changes by mail), recorded in the history under the organiser's name."""
        row = await self._application(request, application_id)
        call = await rq.get_call(row["call"]) or {}
        areas = await rq.call_areas(call) if call else []
        result = await application_form(data, areas)
        if not result.ok:
            return await self._view(request, row, 400, result.raw, result.errors)
        seen = str(data.get("version", ""))
        reason = await rq.edit(
            row["id"],
            int(seen) if seen.isdecimal() else -1,
            result.values,
            data.get("resubmit") == "yes",
            organiser=request.user.username,
        )
        if reason:
            return await self._view(
                request, await self._application(request, application_id), 409, result.raw, {"_": _(REASONS[reason])}
            )
        return Redirect(path=f"/organiser/calls/applications/{application_id}?saved=edit")

    @post("/applications/{application_id:int}/recommend", responses=answers(303, 409))
    async def recommend(self, request: Request, application_id: FromPath[int], data: FormBody) -> Response:
        """Recommend an approved method to the city (or take the mark back): the city's
        programme office then finds it first when it picks methods."""
        await self._application(request, application_id)
        if not await rq.set_recommended(
            application_id, data.get("recommended") == "yes", scope=await organiser_scope(request)
        ):
            raise ClientException(
                status_code=409, detail=Said(_("Only an approved method can be recommended to the city."))
            )
        return Redirect(path=f"/organiser/calls/applications/{application_id}?saved=recommend")

    @get("/applications.csv", media_type=CSV, responses=answers(404, s404="No such unit (or not one of yours)."))
    async def export_csv(
        self, request: Request, call: FromQuery[str] = "", unit: FromQuery[str] = ""
    ) -> Response[bytes]:
        return await self._export(request, "csv", call_filter(call), call_filter(unit))

    @get("/applications.xlsx", media_type=XLSX, responses=answers(404, s404="No such unit (or not one of yours)."))
    async def export_xlsx(
        self, request: Request, call: FromQuery[str] = "", unit: FromQuery[str] = ""
    ) -> Response[bytes]:
        return await self._export(request, "xlsx", call_filter(call), call_filter(unit))

    async def _export(self, request: Request, fmt: str, call_id: int | None, focus: int | None) -> Response[bytes]:
        scope = await organiser_scope(request)
        within = None
        if focus is not None:
            tree = await load_tree()
            if focus not in tree.nodes or (scope is not None and focus not in scope):
                raise NotFoundException(detail=lazy("No such unit."))
            within = frozenset(tree.subtree(focus))
        stages, history = stage_names(), await rq.all_history(scope=scope)
        zone = _zone(request)

        def when(moment: Any) -> str:
            return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

        rows = [
            [
                r["id"],
                r["call_title"],
                r["unit"],
                r["branch_name"],
                r["secretary"],
                r["contact"],
                r["title"],
                r["area_name"],
                stages.get(r["stage"], r["stage"]),
                when(r["created_at"]),
                when(r["updated_at"]),
                r["summary"],
                r["highlights"],
                "\n".join(f"{when(h['at'])} {history_line(h, stages)}" for h in history.get(r["id"], [])),
            ]
            for r in await rq.all_applications(call_id, scope=scope, units=within)
        ]
        header = [
            _("No."),
            _("Call"),
            _("Parent unit"),
            _("Party branch"),
            _("Branch secretary"),
            _("Contact (phone or e-mail)"),
            _("Method title"),
            _("Area"),
            _("Stage"),
            _("Submitted"),
            _("Last change"),
            _("Summary"),
            _("Practice highlights"),
            _("History"),
        ]
        return await spreadsheet("applications", header, rows, fmt, sheet_title="申报")


def _zone(request: Request) -> dt.tzinfo:
    """Calls and applications belong to no event: their times show in the default zone."""
    return zone(settings_of(request).default_timezone)


class ReviewPages(Controller):
    """Screeners see self-nominated applications, approvers screened ones; each step is
    checked against the role again when it is taken."""

    path = "/review"
    guards = [reviewer_guard]

    def _roles(self, request: Request) -> set[str]:
        return set(request.user.roles)

    @get("/")
    async def index(
        self,
        request: Request,
        area: FromQuery[str] = "",
        unit: FromQuery[str] = "",
        stage: FromQuery[str] = "",
        call: FromQuery[str] = "",
    ) -> Template:
        """What waits for the reviewer's step (or one of their steps), or (stage=decided) what
        they decided themselves; no other stage, whatever the query asks for."""
        roles = self._roles(request)
        mine = review.stages_waiting_for(roles)
        area_id, unit, call_id = call_filter(area), unit[:100], call_filter(call)
        tree = await load_tree()  # read once for every role's scope
        everything = await scope_of(request.user, *REVIEW_ROLES, tree=tree)
        if stage == "decided":
            ids = await rq.decided_by(request.user.username, roles)
            rows, stages = await rq.queue([], area_id, unit, call_id, ids=ids, scope=everything), []
        else:
            stages = [stage] if stage in mine else mine
            # Each role's steps, in the units it is held over: a screener at one bureau and an
            # approver at another screens the first's and approves the second's.
            found: dict[int, dict[str, Any]] = {}
            for role in sorted(roles & set(REVIEW_ROLES)):
                steps = [s for s in stages if s in review.stages_waiting_for({role})]
                if steps:
                    scope = await scope_of(request.user, role, tree=tree)
                    found.update((r["id"], r) for r in await rq.queue(steps, area_id, unit, call_id, scope=scope))
            rows = sorted(found.values(), key=lambda r: (r["updated_at"], r["id"]))
        names = stage_names()
        return Template(
            "presenters/review_queue.html",
            context={
                "rows": rows,
                "areas": await rq.areas(),
                "units": await rq.units(scope=everything),
                "calls": await rq.list_calls(),
                "filters": {"area": area, "unit": unit, "stage": stage, "call": call},
                "stages": names,
                "stage_choices": [(s, names[s]) for s in mine] if len(mine) > 1 else [],
                "bulk_actions": [
                    (a.name, _(ACTION_NAMES[a.name])) for s in stages for a in review.actions_for(roles, s)
                ],
                # a checkbox only on what this reviewer can act on from this list
                "actionable": {s for s in stages if review.actions_for(roles, s)},
                "saved": request.query_params.get("saved", ""),
                "failed": request.query_params.get("failed", ""),
            },
        )

    async def _here(self, request: Request, application_id: int) -> tuple[dict[str, Any] | None, set[str]]:
        """The application if this reviewer's units reach it, and the review roles they hold over it."""
        tree = await load_tree()  # read once for the scope and the roles
        row = await rq.get_application(application_id, scope=await scope_of(request.user, *REVIEW_ROLES, tree=tree))
        if row is None:
            return None, set()
        return row, (await roles_at(request.user, row["org_unit"], tree)) & set(REVIEW_ROLES)

    async def _visible(self, request: Request, application_id: int) -> tuple[dict[str, Any], set[str]]:
        """The application, if this reviewer may see it, with the review roles they hold over
        it; else 404, as if there were none."""
        row, roles = await self._here(request, application_id)
        if row is not None and row["stage"] not in review.stages_waiting_for(roles):
            decided = bool(await rq.decided_by(request.user.username, roles, application_id))
            row = row if review.reviewer_may_see(roles, row["stage"], decided) else None
        if row is None:
            raise NotFoundException(detail=lazy("No such application."))
        return row, roles

    async def _detail(self, request: Request, application_id: int, status: int = 200, error: str = "") -> Template:
        row, roles = await self._visible(request, application_id)
        actions = review.actions_for(roles, row["stage"])
        return Template(
            "presenters/review_detail.html",
            status_code=status,
            context={
                "application": row,
                "history": await rq.history(application_id),
                "stages": stage_names(),
                "actions": [(a, _(ACTION_NAMES[a.name])) for a in actions],
                "error": error,
                **history_helpers(request),
                **private_link(request, row),
            },
        )

    @get("/{application_id:int}")
    async def detail(self, request: Request, application_id: FromPath[int]) -> Template:
        return await self._detail(request, application_id)

    @get("/{application_id:int}/attachment", responses=downloads(*DOCUMENT_TYPES, description="The attachment."))
    async def attachment(self, request: Request, application_id: FromPath[int]) -> Response:
        return attachment_download(request, (await self._visible(request, application_id))[0])

    @post("/{application_id:int}", responses=answers(302, 403, 409))
    async def act(self, request: Request, application_id: FromPath[int], data: FormBody) -> Response:
        seen = str(data.get("version", ""))
        row, roles = await self._here(request, application_id)
        if row is None:
            raise NotFoundException(detail=lazy("No such application."))
        reason = await rq.move(
            application_id,
            int(seen) if seen.isdecimal() else -1,
            str(data.get("action", "")),
            roles,
            request.user.username,
            clean_text(str(data.get("note", ""))),
            notify=applicant_mail(request).on_move,
        )
        if reason == "missing":
            raise NotFoundException(detail=lazy("No such application."))
        if reason:
            status = {"not_your_step": 403, "conflict": 409, "wrong_stage": 409}.get(reason, 400)
            try:  # the refusal beside the application, if this reviewer may still see it; else the refusal alone
                return await self._detail(request, application_id, status, _(REASONS[reason]))
            except NotFoundException:
                raise ClientException(status_code=status, detail=Said(_(REASONS[reason]))) from None
        return Redirect(path="/review/?saved=1")

    @post("/bulk", responses=answers(302))
    async def bulk(self, request: Request) -> Response:
        """The same move for every ticked application, each checked on its own: a bulk
        approval never approves one that was not screened."""
        form = await request.form()
        ids = [int(i) for i in form.getall("ids", []) if str(i).isdecimal()][:500]
        action, note = str(form.get("action", "")), clean_text(str(form.get("note", "")))
        if not ids:
            raise ClientException(detail=Said(_("Tick at least one application.")))
        moved, failed = 0, 0
        for application_id in ids:
            row, roles = await self._here(request, application_id)
            if row is None:  # gone, or of a unit this reviewer does not reach
                failed += 1
                continue
            reason = await rq.move(
                application_id,
                row["version"],
                action,
                roles,
                request.user.username,
                note,
                notify=applicant_mail(request).on_move,
            )
            if reason in ("not_your_step", "note_required", "note_too_long", "unknown_action"):
                return await self._bulk_refused(request, reason)
            moved, failed = (moved + 1, failed) if reason is None else (moved, failed + 1)
        return Redirect(path=f"/review/?saved={moved}&failed={failed}")

    async def _bulk_refused(self, request: Request, reason: str) -> Response:
        status = 403 if reason == "not_your_step" else 400
        raise ClientException(status_code=status, detail=Said(_(REASONS[reason])))
