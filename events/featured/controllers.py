"""每周一例 — the weekly featured case: the organiser picks a method from the pool for a
week, with a write-up and a picture; a public page lists the issues in order, and each
issue has a printable one-page card with a QR to its page."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
from pathlib import Path
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import File, Redirect, Template
from PIL import JpegImagePlugin, PngImagePlugin

from accounts.guards import organiser_guard
from core.text import clean_text, has_nul
from events.featured import queries as featured
from events.handouts import documents as handout_docs
from events.handouts import render as handouts
from events.handouts.responses import pdf_response
from web.errors import NUL_MESSAGE
from web.forms import check_year
from web.i18n import gettext as _
from web.i18n import lazy
from web.openapi import PDF, PICTURE_TYPES, answers, downloads
from web.routing import PUBLIC, public_base, settings_of

PICTURE_MAX = 5 * 1024 * 1024
PICTURE_MAGIC = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg"}
WRITEUP_MAX = 3000


PICTURE_MAX_SIDE = 8000  # pixels
PICTURE_MAX_PIXELS = 40_000_000  # decoded, that is 120 MB of RGB already


def picture_kind(data: bytes) -> str | None:
    """PNG or JPEG, by content."""
    return next((kind for magic, kind in PICTURE_MAGIC.items() if data.startswith(magic)), None)


def picture_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """(width, height) from the picture's header alone: the format's own reader parses the
    header and decodes nothing (opened directly, without Image.open's bomb warning: this
    check is stricter and says what it found). None when there is no such header."""

    reader = {"png": PngImagePlugin.PngImageFile, "jpeg": JpegImagePlugin.JpegImageFile}[kind]
    try:
        with reader(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, SyntaxError, struct.error, EOFError):
        return None


def picture_too_large(size: tuple[int, int]) -> bool:
    width, height = size
    return width > PICTURE_MAX_SIDE or height > PICTURE_MAX_SIDE or width * height > PICTURE_MAX_PIXELS


def media_folder(request: Request) -> Path:
    return Path(settings_of(request).data_dir) / "featured"


async def one_issue(case_id: int) -> dict[str, Any]:
    found = next((i for i in await featured.issues() if i["id"] == case_id), None)
    if found is None:
        raise NotFoundException(detail=lazy("No such featured case."))
    return found


class FeaturedPublic(Controller):
    opt = PUBLIC

    @get("/cases")
    async def index(self) -> Template:
        return Template("events/cases.html", context={"issues": list(reversed(await featured.issues()))})

    @get("/cases/{case_id:int}")
    async def case(self, request: Request, case_id: FromPath[int]) -> Template:
        return Template("events/case.html", context={"issue": await one_issue(case_id)})

    @get("/cases/{case_id:int}/picture", responses=downloads(*PICTURE_TYPES, description="The picture."))
    async def picture(self, request: Request, case_id: FromPath[int]) -> File:
        issue = await one_issue(case_id)
        path = media_folder(request) / f"{issue['picture_sha256']}.{issue['picture_kind']}"
        if not issue["picture_sha256"] or not path.is_file():
            raise NotFoundException(detail=lazy("This case has no picture."))
        return File(
            path=path,
            media_type=f"image/{issue['picture_kind']}",
            content_disposition_type="inline",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"},
        )

    @get("/cases/{case_id:int}/card.pdf", media_type=PDF, responses=answers(304))
    async def card(self, request: Request, case_id: FromPath[int]) -> Response[bytes]:
        issue = await one_issue(case_id)
        document = handout_docs.Document(
            "card",
            "a4",
            f"case-{issue['number']}.pdf",
            {
                **handout_docs._common({"slug": "", "theme_color": "#b71c1c"}, "a4", ""),
                "issue": issue,
                "page_url": f"{public_base(request)}/cases/{case_id}",
                "picture_url": f"{handouts.MEDIA_ORIGIN}{issue['picture_sha256']}.{issue['picture_kind']}"
                if issue["picture_sha256"]
                else "",
            },
            [issue, public_base(request)],
        )
        return await pdf_response(request, document, public=True)


class FeaturedPages(Controller):
    path = "/organiser/featured"
    guards = [organiser_guard]

    async def _page(self, status: int = 200, errors: dict | None = None, raw: dict | None = None) -> Template:
        methods = await featured.method_choices()
        return Template(
            "events/featured.html",
            status_code=status,
            context={
                "issues": list(reversed(await featured.issues())),
                "methods": methods,
                "errors": errors or {},
                "raw": raw or {},
                "robots": await featured.robots(),
            },
        )

    @get("/")
    async def index(self) -> Template:
        return await self._page()

    @post("/", request_max_body_size=PICTURE_MAX + 64 * 1024, responses=answers(302))
    async def create(
        self, request: Request, data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
    ) -> Response:
        raw: dict[str, Any] = {k: str(data.get(k, "")) for k in ("method", "week_of", "writeup")}
        errors: dict[str, str] = {}
        chosen = data.get("robots") or []
        raw["robots"] = [str(r) for r in (chosen if isinstance(chosen, list) else [chosen])]
        known = {r["id"] for r in await featured.robots()}
        robots = [int(r) for r in raw["robots"] if r.isdecimal() and len(r) < 10 and int(r) in known]
        if len(robots) != len(raw["robots"]):
            errors["robots"] = _("Choose the groups from the list (one may have been deleted meanwhile).")
        method_id = int(raw["method"]) if raw["method"].isdecimal() else None
        if method_id is None or not await featured.method_exists(method_id):
            errors["method"] = _("Choose a method from the pool.")
        try:
            week = dt.date.fromisoformat(raw["week_of"])
        except ValueError:
            errors["week_of"] = _("Enter a date as YYYY-MM-DD, e.g. 2026-07-01.")
        else:
            try:
                week = check_year(week) - dt.timedelta(days=week.weekday())  # the Monday of that week
            except ValueError as exc:
                errors["week_of"] = str(exc)
        writeup = clean_text(raw["writeup"]).strip()
        if has_nul(raw["writeup"]):  # a multipart form is not read before the handler (web.errors.refuse_nul)
            errors["writeup"] = _(NUL_MESSAGE)
        elif not writeup or len(writeup) > WRITEUP_MAX:
            errors["writeup"] = _("Write a few lines (at most %(n)s characters).", n=WRITEUP_MAX)
        upload = data.get("picture")
        picture, kind = b"", ""
        if isinstance(upload, UploadFile) and upload.filename:
            picture = await upload.read()
            kind = picture_kind(picture) or ""
            size = picture_size(picture, kind) if kind else None
            if size is None:
                errors["picture"] = _("The picture must be a PNG or JPEG image.")
                kind = ""
            elif picture_too_large(size):
                errors["picture"] = _(
                    "The picture is too large: at most %(side)s pixels on a side and %(mp)s megapixels "
                    "in all (this one is %(width)s×%(height)s).",
                    side=PICTURE_MAX_SIDE,
                    mp=PICTURE_MAX_PIXELS // 1_000_000,
                    width=size[0],
                    height=size[1],
                )
        if not errors and await featured.week_taken(week):
            return await self._page(409, {"week_of": _("That week already has its case.")}, raw)
        if errors or method_id is None:  # no method: errors says so
            return await self._page(400, errors, raw)
        sha = ""
        if picture:
            sha = hashlib.sha256(picture).hexdigest()
            target = media_folder(request) / f"{sha}.{kind}"

            def keep() -> None:
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    temporary = target.with_suffix(".part")
                    temporary.write_bytes(picture)
                    temporary.replace(target)

            await anyio.to_thread.run_sync(keep)
        await featured.add_case(method_id, week, writeup, sha, kind, robots, public_base(request))
        return Redirect(path="/organiser/featured/")
