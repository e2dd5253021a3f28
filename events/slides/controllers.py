"""The presenter portal (a private link, no account) and the organiser's slides page:
status per slot, portal links, deadlines, uploads for a presenter, the slide pack."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery, PathParameter
from litestar.response import File, Redirect, Template

from accounts.guards import organiser_guard
from core.clock import now, zone
from core.qr import qr_svg
from core.storage import object_path
from core.text import clean_text
from events import days
from events.agenda import queries
from events.agenda import views as agenda_view
from events.feedback import queries as fq
from events.feedback import rules as feedback
from events.http import load_event, local
from events.slides import files as slides
from events.slides import queries as sq
from web.errors import Said
from web.forms import FormBody, parse_local_datetime
from web.i18n import format_date, format_time, lazy
from web.i18n import gettext as _
from web.openapi import DOCUMENT_TYPES, ZIP, answers, downloads
from web.routing import PUBLIC, public_base, settings_of
from web.uploads import download_document, receive_document

SUMMARY_MAX = 2000
# The upload routes read their body themselves, as it streams: Litestar's own limit is off
# there (ours, SHOWCASE_SLIDES_MAX_MB, applies while it streams) and so is the CSRF
# middleware, which would read a whole multipart form into memory to find its token. The
# portal's token is the capability; the organiser's upload carries the CSRF token in its URL.
STREAMED = {"exclude_from_csrf": True}


async def take_upload(request: Request, event_id: int, item_id: int, by_organiser: bool) -> tuple[int | None, str]:
    """Receive, check by content, store, number. Returns (version, "") or (None, message);
    the previous versions are never touched."""
    settings = settings_of(request)
    stored, error = await receive_document(request, settings.data_dir, settings.slides_max_mb)
    if stored is None:
        return None, error
    version = await sq.add_version(
        event_id, item_id, stored.sha256, stored.size, stored.filename, stored.kind, by_organiser
    )
    return version, ""


def download(request: Request, row: dict[str, Any]) -> File:
    return download_document(object_path(settings_of(request).data_dir, row["sha256"]), row["filename"], row["kind"])


async def slot_view(event: dict[str, Any], item_id: int) -> dict[str, Any] | None:
    """The slot as the presenter sees it: time, running order, duration, method."""
    view = agenda_view.build(event, await queries.agenda_rows(event["id"]))
    talks = [i for i in view.items if i["kind"] == "presentation"]
    for order, item in enumerate(talks, start=1):
        if item["id"] == item_id:
            return {**item, "order": order, "of": len(talks), "view": view}
    return None


class PresenterPortal(Controller):
    """/p/<token>: what a presenter sees, on a phone or a desk."""

    path = "/p/{token:str}"
    opt = PUBLIC

    async def _presenter(self, request: Request, token: str) -> dict[str, Any]:
        presenter = await sq.presenter_for_token(request.app.state["secret"], token)
        if presenter is None:
            raise NotFoundException(
                detail=lazy("This link does not work (any more). Ask the organisers for a new one.")
            )
        return presenter

    async def _slots(self, presenter: dict[str, Any]) -> list[dict[str, Any]]:
        slots = []
        at = now()
        for row in await sq.presenter_items(presenter["id"]):
            event = await days.get_event(row["event"])
            if event is None:
                continue
            slot = await slot_view(event, row["id"])
            if slot is None:
                continue
            limits = await sq.deadlines(event["id"])
            closes = event.get("feedback_closes_at") or feedback.default_close(slot["view"].planned_end)
            results = None
            if at >= closes:
                ratings = [r for r in await fq.all_feedback(event["id"]) if r["item"] == row["id"]]
                results = {
                    "summary": feedback.summarise([r["rating"] for r in ratings]),
                    "comments": [r["comment"] for r in ratings if r["comment"] and not r["hidden"]],
                }
            slots.append(
                {
                    "event": event,
                    "slot": slot,
                    "versions": await sq.versions(row["id"]),
                    "deadline": limits["slides_deadline"],
                    "lock": limits["summary_lock_at"],
                    "uploads_open": limits["slides_deadline"] is None or at < limits["slides_deadline"],
                    "summary_open": row["method_id"] is not None
                    and await sq.summary_locked(row["method_id"], at) is None,
                    "method_id": row["method_id"],
                    "results": results,
                    "feedback_closes": closes,
                    "local": (lambda m, e=event: local(e, m)),
                }
            )
        return slots

    async def _page(self, request: Request, token: str, status: int = 200, **extra: Any) -> Template:
        presenter = await self._presenter(request, token)
        context = {
            "presenter": presenter,
            "slots": await self._slots(presenter),
            "token": token,
            "errors": {},
            "saved": request.query_params.get("saved", ""),
            "accepted": slides.ACCEPTED,
            "limit_mb": f"{settings_of(request).slides_max_mb:g}",
            "format_date": format_date,
        }
        context.update(extra)
        return Template("presenters/portal.html", context=context, status_code=status)

    @get("/")
    async def portal(self, request: Request, token: FromPath[str]) -> Template:
        return await self._page(request, token)

    async def _own_slot(self, request: Request, token: str, item_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        presenter = await self._presenter(request, token)
        mine = {r["id"]: r for r in await sq.presenter_items(presenter["id"])}
        if item_id not in mine:
            raise NotFoundException(detail=lazy("This slot is not yours."))
        return presenter, mine[item_id]

    @post("/summary/{item_id:int}", responses=answers(302, 403, 409))
    async def summary(self, request: Request, token: FromPath[str], item_id: FromPath[int], data: FormBody) -> Response:
        _presenter, row = await self._own_slot(request, token, item_id)
        limits = await sq.deadlines(row["event"])
        text = clean_text(str(data.get("summary", ""))).strip()
        if row["method_id"] is None:
            return await self._page(request, token, 409, errors={item_id: _("No method is chosen for this slot yet.")})
        if limits["summary_lock_at"] is not None and now() >= limits["summary_lock_at"]:
            return await self._page(
                request, token, 403, errors={item_id: _("Summaries are locked: ask the organisers.")}
            )
        if await sq.summary_locked(row["method_id"], now()) is not None:  # the same method, locked by another event
            return await self._page(
                request,
                token,
                403,
                errors={
                    item_id: _(
                        "This method's summary is locked for another event it is presented at: ask the organisers."
                    )
                },
            )
        if len(text) > SUMMARY_MAX:
            return await self._page(
                request,
                token,
                400,
                errors={item_id: _("The summary is too long (at most %(n)s characters).", n=SUMMARY_MAX)},
            )
        await sq.update_summary(row["method_id"], text)
        return Redirect(path=f"/p/{token}?saved=summary")

    # One URL shape, /p/{token}/slides/{number}, for both ways (one path in the OpenAPI schema):
    # POST uploads to an agenda item, GET downloads a version.
    @post(
        "/slides/{number:int}",
        opt=STREAMED,
        request_max_body_size=None,
        responses=answers(302, 403, 507, s403="Uploads are closed (past the deadline)."),
    )
    async def upload(
        self,
        request: Request,
        token: FromPath[str],
        number: Annotated[int, PathParameter(description="The agenda item (your slot) the slides are for.")],
    ) -> Response:
        item_id = number
        _presenter, row = await self._own_slot(request, token, item_id)
        limits = await sq.deadlines(row["event"])
        if limits["slides_deadline"] is not None and now() >= limits["slides_deadline"]:
            return await self._page(
                request,
                token,
                403,
                errors={item_id: _("Uploads closed at the deadline: send your slides to the organisers.")},
            )
        version, error = await take_upload(request, row["event"], item_id, by_organiser=False)
        if error:
            return await self._page(request, token, 400, errors={item_id: error})
        return Redirect(path=f"/p/{token}?saved=slides")

    @get("/slides/{number:int}", responses=downloads(*DOCUMENT_TYPES, description="The slides."))
    async def file(
        self,
        request: Request,
        token: FromPath[str],
        number: Annotated[int, PathParameter(description="The version of the slides to download.")],
    ) -> File:
        version_id = number
        presenter = await self._presenter(request, token)
        row = await sq.get_version(version_id)
        mine = {r["id"] for r in await sq.presenter_items(presenter["id"])}
        if row is None or row["item"] not in mine:
            raise NotFoundException(detail=lazy("No such file."))
        return download(request, row)


class SlidePages(Controller):
    path = "/organiser/events/{event_id:int}/slides"
    guards = [organiser_guard]

    @get("/")
    async def index(self, request: Request, event_id: FromPath[int], made: FromQuery[str] = "") -> Template:
        """The slides of every presentation; ``made`` names the presenter whose portal link
        was just created, shown first, ready to send."""
        event = await load_event(event_id)
        view = agenda_view.build(event, await queries.agenda_rows(event_id))
        talks = [i for i in view.items if i["kind"] == "presentation"]
        current = await sq.current_by_item(event_id)
        limits = await sq.deadlines(event_id)
        presenter_ids = sorted({t["presenter_id"] for t in talks if t["presenter_id"]})
        links = await sq.active_links(presenter_ids)
        secret = request.app.state["secret"]
        base = public_base(request)
        portal = {pid: f"{base}/p/{sq.link_token(secret, link['id'], link['nonce'])}" for pid, link in links.items()}
        new = int(made) if made.isdecimal() and len(made) < 12 and int(made) in portal else None
        return Template(
            "events/slides.html",
            context={
                "event": event,
                "talks": talks,
                "current": current,
                "limits": limits,
                "links": links,
                "portal": portal,
                "new": new,
                "new_talks": [t for t in talks if new is not None and t["presenter_id"] == new],
                "qr": qr_svg,
                "local": lambda m: local(event, m),
                "format_date": format_date,
                "format_time": format_time,
                "csrf": request.cookies.get("csrftoken", ""),
                "errors": {},
                "accepted": slides.ACCEPTED,
            },
        )

    @post("/settings")
    async def save_settings(self, event_id: FromPath[int], data: FormBody) -> Redirect:
        event = await load_event(event_id)
        tz = zone(event["timezone"])
        try:
            deadline = parse_local_datetime(str(data.get("deadline", "")), tz)
            lock = parse_local_datetime(str(data.get("lock", "")), tz)
        except ValueError as exc:
            raise ClientException(detail=Said(str(exc))) from None
        await sq.settings(event_id, deadline, lock)
        return Redirect(path=f"/organiser/events/{event_id}/slides/")

    async def _presenter_of_event(self, event_id: int, presenter_id: int) -> None:
        rows = await queries.agenda_rows(event_id)
        if presenter_id not in {r["presenter_id"] for r in rows}:
            raise NotFoundException(detail=lazy("This presenter has no slot in this event."))

    @post("/links/{presenter_id:int}")
    async def new_link(self, event_id: FromPath[int], presenter_id: FromPath[int], data: FormBody) -> Redirect:
        await load_event(event_id)
        await self._presenter_of_event(event_id, presenter_id)
        valid_days = str(data.get("days", "")).strip()
        if valid_days and not (valid_days.isdecimal() and 1 <= int(valid_days) <= 365):
            raise ClientException(detail=lazy("Valid for: a number of days from 1 to 365, or empty for no expiry."))
        expires = now() + dt.timedelta(days=int(valid_days)) if valid_days else None
        await sq.create_link(presenter_id, expires)
        return Redirect(path=f"/organiser/events/{event_id}/slides/?made={presenter_id}#new-link")

    @post("/links/{presenter_id:int}/revoke")
    async def revoke(self, event_id: FromPath[int], presenter_id: FromPath[int]) -> Redirect:
        await load_event(event_id)
        await self._presenter_of_event(event_id, presenter_id)
        await sq.revoke_links(presenter_id)
        return Redirect(path=f"/organiser/events/{event_id}/slides/#presenter-{presenter_id}")

    @post("/{item_id:int}/upload", opt=STREAMED, request_max_body_size=None, responses=answers(302, 507))
    async def upload(self, request: Request, event_id: FromPath[int], item_id: FromPath[int]) -> Response:
        """The organiser uploads for a presenter, deadline or not. CSRF: the token comes in
        the URL (a form's file body is never parsed just to find it)."""
        cookie = request.cookies.get("csrftoken", "")
        given = request.query_params.get("csrf", "")
        if not cookie or not given or given != cookie:
            raise PermissionDeniedException(detail=lazy("The form expired. Reload the page and try again."))
        await load_event(event_id)
        if await queries.item_event(item_id) != event_id:
            raise NotFoundException(detail=lazy("No such agenda item."))
        version, error = await take_upload(request, event_id, item_id, by_organiser=True)
        if error:
            raise ClientException(detail=Said(error))
        return Redirect(path=f"/organiser/events/{event_id}/slides/#item-{item_id}")

    @get("/file/{version_id:int}", responses=downloads(*DOCUMENT_TYPES, description="The slides."))
    async def file(self, request: Request, event_id: FromPath[int], version_id: FromPath[int]) -> File:
        row = await sq.get_version(version_id)
        if row is None or row["event"] != event_id:
            raise NotFoundException(detail=lazy("No such file."))
        return download(request, row)

    @get("/file/{version_id:int}/preview.png", media_type="image/png")
    async def preview(self, request: Request, event_id: FromPath[int], version_id: FromPath[int]) -> File:
        """The first page of a PDF, as a small picture (poppler's pdftoppm), kept by content."""
        row = await sq.get_version(version_id)
        if row is None or row["event"] != event_id or row["kind"] != "pdf":
            raise NotFoundException(detail=lazy("No preview for this file."))
        data_dir = settings_of(request).data_dir
        target = Path(data_dir) / "slides" / "previews" / f"{row['sha256']}.png"
        if not target.exists():
            ok = await anyio.to_thread.run_sync(slides_preview, object_path(data_dir, row["sha256"]), target)
            if not ok:
                raise NotFoundException(detail=lazy("No preview for this file."))
        return File(
            path=target,
            media_type="image/png",
            content_disposition_type="inline",
            headers={"Cache-Control": "private, max-age=86400"},
        )

    @get("/pack.zip", media_type=ZIP)
    async def pack(self, request: Request, event_id: FromPath[int]) -> File:
        """The current slides of every slot in running order, for the presentation laptop.
        Stored uncompressed (slides are compressed already), built on disk, never in memory."""
        event = await load_event(event_id)
        view = agenda_view.build(event, await queries.agenda_rows(event_id))
        talks = [i for i in view.items if i["kind"] == "presentation"]
        numbered = [{**t, "order": n} for n, t in enumerate(talks, start=1)]
        data_dir = settings_of(request).data_dir
        members = await sq.pack_members(event_id, numbered, data_dir)
        if not members:
            raise NotFoundException(detail=lazy("No slides uploaded yet."))
        folder = Path(data_dir) / "slides" / "packs"
        path = await anyio.to_thread.run_sync(build_pack, folder, members)
        return File(
            path=path,
            media_type="application/zip",
            content_disposition_type="attachment",
            filename=f"slides-{event['slug']}.zip",
            headers={"Cache-Control": "private, no-store"},
        )


def build_pack(folder: Path, members: list[tuple[Path, dict[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("*.zip"), key=lambda p: p.stat().st_mtime)[:-20]:
        old.unlink(missing_ok=True)  # keep the last few: one may still be downloading
    handle = tempfile.NamedTemporaryFile(dir=folder, suffix=".zip", delete=False)
    with handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
        for source, row in members:
            name = slides.pack_name(row["order"], row.get("unit") or "", row["display_title"], row["kind"])
            archive.write(source, arcname=name)
    return Path(handle.name)


def slides_preview(pdf: Path, target: Path) -> bool:

    if not shutil.which("pdftoppm"):
        return False

    target.parent.mkdir(parents=True, exist_ok=True)
    stem = target.parent / f".{target.stem}.{secrets.token_hex(4)}"  # rendered aside, then renamed whole
    try:
        subprocess.run(
            ["pdftoppm", "-f", "1", "-l", "1", "-singlefile", "-scale-to", "480", "-png", str(pdf), str(stem)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        Path(f"{stem}.png").replace(target)
    except (subprocess.SubprocessError, OSError):
        Path(f"{stem}.png").unlink(missing_ok=True)
        return False
    return True
