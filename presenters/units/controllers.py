"""Organiser and admin pages for the tree of units: see it, add, edit, move, merge, delete,
import it from a spreadsheet (preview, then confirm)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from accounts.guards import requires_role
from core.db.transactions import StaleVersion
from presenters.units import queries
from presenters.units.imports import HEADERS, MAX_UNITS, parse_units
from presenters.units.rules import NAME_MAX, SHORT_MAX, ImportRow, clean_name, plan_import
from web.errors import Said, loaded_version, stale_edit
from web.forms import FormBody
from web.i18n import gettext as _
from web.i18n import lazy
from web.openapi import answers
from web.uploads import SPREADSHEET_ERRORS

units_guard = requires_role("organiser", "admin")

REFUSALS = {
    "unknown": lazy("No such unit."),
    "unknown-parent": lazy("The parent unit chosen does not exist (any more)."),
    "cycle": lazy("A unit cannot go under itself or under one of its own sub-units."),
    "too-deep": lazy("The tree would become too deep (at most 8 levels)."),
    "duplicate": lazy("A unit of this name is already under the same parent."),
    "same": lazy("Choose another unit to merge into."),
    "into-own-subtree": lazy("A unit cannot be merged into one of its own sub-units."),
    "not-empty": lazy(
        "Only an empty unit can be deleted: move or merge its sub-units, branches and applications first."
    ),
}
ROW_ERRORS = {
    "name-missing": lazy("The unit's name is missing."),
    "name-too-long": lazy("The name is too long (at most 100 characters)."),
    "parent-unknown": lazy("The parent unit is neither in the tree nor earlier in the file."),
    "parent-self": lazy("A unit cannot be its own parent."),
    "duplicate": lazy("This unit is already in the file under the same parent."),
}
FILE_ERRORS = {
    **SPREADSHEET_ERRORS,
    "missing_columns": lazy("The file needs a column 单位名称 (and may have 简称 and 上级单位)."),
    "too_many_rows": lazy("Too many rows (at most 2,000 units)."),
}


def refused(code: str, status: int = 400) -> ClientException:
    return ClientException(status_code=status, detail=Said(_(REFUSALS.get(code, REFUSALS["unknown"]))))


def parent_of(value: object) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdecimal() or len(text) > 12:
        raise refused("unknown-parent")
    return int(text)


def position_of(value: object) -> int:
    text = str(value or "").strip()
    if not text:
        return 0
    if not text.lstrip("-").isdecimal() or len(text) > 6:
        raise ClientException(detail=Said(_("The order must be a whole number.")))
    return int(text)


def name_of(data: dict[str, Any]) -> tuple[str, str]:
    raw = str(data.get("name") or "")
    name = clean_name(raw, NAME_MAX + 1)
    if not name:
        raise ClientException(detail=Said(_("The unit's name is missing.")))
    if len(name) > NAME_MAX:
        raise ClientException(detail=Said(_("The name is too long (at most 100 characters).")))
    short = clean_name(data.get("short_name"), SHORT_MAX + 1)
    if len(short) > SHORT_MAX:
        raise ClientException(detail=Said(_("The short name is too long (at most 30 characters).")))
    return name, short


class UnitPages(Controller):
    path = "/organiser/units"
    guards = [units_guard]

    async def _index(self, status: int = 200, error: str = "", form: dict[str, Any] | None = None) -> Template:
        tree = await queries.load_tree()
        return Template(
            "presenters/units.html",
            status_code=status,
            context={
                "units": tree.flat(),
                "usage": await queries.usage(),
                "choices": tree.choices(),
                "error": error,
                "form": form or {},
            },
        )

    @get("/")
    async def index(self) -> Template:
        return await self._index()

    @post("/", responses=answers(302))
    async def add(self, data: FormBody) -> Response:
        try:
            name, short = name_of(data)
            parent = parent_of(data.get("parent"))
            await queries.add_unit(name, short, parent, position_of(data.get("position")))
        except ClientException as exc:
            return await self._index(400, str(exc.detail), dict(data))
        except queries.UnitRefused as exc:
            return await self._index(400, _(REFUSALS[exc.code]), dict(data))
        return Redirect("/organiser/units/")

    async def _unit(self, unit_id: int) -> dict[str, Any]:
        unit = await queries.get_unit(unit_id)
        if unit is None:
            raise NotFoundException(detail=lazy("No such unit."))
        return unit

    async def _edit(self, unit: dict[str, Any], status: int = 200, error: str = "") -> Template:
        tree = await queries.load_tree()
        return Template(
            "presenters/unit_edit.html",
            status_code=status,
            context={
                "unit": unit,
                "label": tree.label(unit["id"]),
                "parents": tree.choices(tree.subtree(unit["id"])),
                "targets": tree.choices(tree.subtree(unit["id"])),
                "usage": (await queries.usage()).get(unit["id"], {"branches": 0, "applications": 0}),
                "children": len(tree.children.get(unit["id"], [])),
                "error": error,
            },
        )

    @get("/{unit_id:int}")
    async def edit(self, unit_id: FromPath[int]) -> Template:
        return await self._edit(await self._unit(unit_id))

    @post("/{unit_id:int}", responses=answers(302, 409))
    async def save(self, unit_id: FromPath[int], data: FormBody) -> Response:
        unit = await self._unit(unit_id)
        version = loaded_version(data.get("version"))
        try:
            name, short = name_of(data)
            await queries.edit_unit(
                unit_id, name, short, parent_of(data.get("parent")), position_of(data.get("position")), version or 0
            )
        except ClientException as exc:
            return await self._edit(
                {**unit, **{k: data.get(k, unit[k]) for k in ("name", "short_name")}}, 400, str(exc.detail)
            )
        except queries.UnitRefused as exc:
            return await self._edit(unit, 400, _(REFUSALS[exc.code]))
        except StaleVersion:
            raise stale_edit() from None
        return Redirect("/organiser/units/")

    @post("/{unit_id:int}/merge", responses=answers(302))
    async def merge(self, unit_id: FromPath[int], data: FormBody) -> Response:
        unit = await self._unit(unit_id)
        try:
            target = parent_of(data.get("target"))
        except ClientException:
            target = None
        if target is None:
            return await self._edit(unit, 400, _(REFUSALS["same"]))
        if data.get("confirm") != "yes":
            return await self._edit(unit, 400, _("Tick the box to confirm the merge."))
        try:
            await queries.merge_units(unit_id, target)
        except queries.UnitRefused as exc:
            return await self._edit(unit, 400, _(REFUSALS[exc.code]))
        return Redirect(f"/organiser/units/{target}")

    @post("/{unit_id:int}/delete", responses=answers(302, 409))
    async def delete(self, unit_id: FromPath[int]) -> Response:
        unit = await self._unit(unit_id)
        try:
            await queries.delete_unit(unit_id)
        except queries.UnitRefused as exc:
            return await self._edit(unit, 409, _(REFUSALS[exc.code]))
        return Redirect("/organiser/units/")

    # -- import ---------------------------------------------------------------------------

    @get("/import")
    async def import_form(self) -> Template:
        return Template(
            "presenters/units_import.html",
            context={"rows": [], "headers": HEADERS, "file_error": "", "valid_count": 0, "payload": "[]"},
        )

    @post("/import", request_max_body_size=5 * 1024 * 1024 + 64 * 1024)
    async def import_preview(
        self, data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
    ) -> Template:
        upload = data.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        tree = await queries.load_tree()
        parsed = await anyio.to_thread.run_sync(parse_units, content, tree, getattr(upload, "filename", "") or "")
        rows = [
            {
                "line": r.line,
                "name": r.name,
                "short_name": r.short_name,
                "parent": r.parent,
                "errors": [_(ROW_ERRORS[e]) for e in r.errors],
            }
            for r in parsed.rows
        ]
        valid = [
            {"line": r.line, "name": r.name, "short_name": r.short_name, "parent": r.parent}
            for r in parsed.rows
            if not r.errors
        ]
        return Template(
            "presenters/units_import.html",
            status_code=400 if parsed.error else 200,
            context={
                "rows": rows,
                "headers": HEADERS,
                "valid_count": len(valid),
                "file_error": _(FILE_ERRORS[parsed.error]) if parsed.error else "",
                "payload": msgspec.json.encode(valid).decode(),
            },
        )

    @post("/import/confirm", responses=answers(302))
    async def import_confirm(self, data: FormBody) -> Redirect:
        try:
            raw: list[dict[str, str | int]] = msgspec.json.decode(
                str(data.get("payload", "[]")).encode(), type=list[dict[str, str | int]]
            )
        except msgspec.DecodeError:
            raise ClientException(detail=lazy("The import could not be read. Upload the file again.")) from None
        if len(raw) > MAX_UNITS:
            raise ClientException(detail=lazy("Too many rows (at most 2,000 units)."))
        # Checked again against the tree as it is now: the preview is only what the page showed.
        tree = await queries.load_tree()
        rows: list[ImportRow] = plan_import(
            (
                (int(r.get("line", 0) or 0), {k: str(r.get(k, "")) for k in ("name", "short_name", "parent")})
                for r in raw
            ),
            tree,
        )
        added = await queries.import_units(rows)
        return Redirect("/organiser/units/", query_params={"imported": str(added)})
