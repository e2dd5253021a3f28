"""Printed handouts: the organiser's print page, each document as PDF and as an HTML
preview, and the public programme download."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
from litestar import Controller, MediaType, Request, Response, get
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import File, Template

from accounts.guards import organiser_guard
from events import days
from events.checkin import queries as cq
from events.handouts import archive as day_archive
from events.handouts import documents as handout_docs
from events.handouts import render as handouts
from events.handouts.responses import pdf_response, preview_response
from events.http import load_event
from web.i18n import lazy
from web.openapi import PDF, ZIP, answers
from web.routing import PUBLIC, public_base, settings_of
from web.templating import jinja_env


def _size_parameter(sizes: tuple[str, ...]) -> Any:
    """The ?size= of a handout, as the schema states it: one of ``sizes`` in any case; empty
    or left out, a4."""
    pattern = (
        "^(?:" + "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in s) for s in sizes) + ")?$"
    )
    return QueryParameter(
        name="size", description=f"Paper size: {' or '.join(sizes)}; empty: a4.", schema_extra={"pattern": pattern}
    )


BookletSize = Annotated[str, _size_parameter(handouts.SIZES["booklet"])]
PosterSize = Annotated[str, _size_parameter(handouts.SIZES["poster"])]


def _size(kind: str, size: str) -> str:
    size = (size or "a4").lower()
    if size not in handouts.SIZES[kind]:
        raise ClientException(detail=lazy("This document is not made in that paper size."))
    return size


class HandoutPages(Controller):
    path = "/organiser/events/{event_id:int}/handouts"
    guards = [organiser_guard]

    @get("/")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        event = await load_event(event_id)
        stats = await cq.attendance(event_id)
        settings = await cq.event_for_checkin(event_id)
        return Template(
            "events/handouts.html",
            context={
                "event": event,
                "registered": stats["registered"],
                "rotating": bool(settings and settings["rotating_door_code"]),
            },
        )

    async def _document(
        self, request: Request, event_id: int, kind: str, size: str
    ) -> tuple[handout_docs.Document, str]:
        event = await load_event(event_id)
        base = public_base(request)
        if kind == "booklet":
            document = await handout_docs.booklet(event, base, _size(kind, size))
        elif kind == "poster":
            document = await handout_docs.poster(event, base, _size(kind, size))
        else:
            document = await handout_docs.tickets(event, base)
        query = f"?size={document.size}" if len(handouts.SIZES[kind]) > 1 else ""
        return document, query

    async def _pdf(self, request: Request, event_id: int, kind: str, size: str) -> Response[bytes]:
        document, _query = await self._document(request, event_id, kind, size)
        return await pdf_response(request, document)

    async def _preview(self, request: Request, event_id: int, kind: str, size: str) -> Response[str]:
        document, query = await self._document(request, event_id, kind, size)
        return preview_response(
            request,
            document,
            f"/organiser/events/{event_id}/handouts/",
            f"/organiser/events/{event_id}/handouts/{kind}.pdf{query}",
        )

    @get("/booklet.pdf", media_type=PDF, responses=answers(304))
    async def booklet_pdf(self, request: Request, event_id: FromPath[int], size: BookletSize = "a4") -> Response[bytes]:
        return await self._pdf(request, event_id, "booklet", size)

    @get("/booklet.html", media_type=MediaType.HTML)
    async def booklet_html(self, request: Request, event_id: FromPath[int], size: BookletSize = "a4") -> Response[str]:
        return await self._preview(request, event_id, "booklet", size)

    @get("/poster.pdf", media_type=PDF, responses=answers(304))
    async def poster_pdf(self, request: Request, event_id: FromPath[int], size: PosterSize = "a4") -> Response[bytes]:
        return await self._pdf(request, event_id, "poster", size)

    @get("/poster.html", media_type=MediaType.HTML)
    async def poster_html(self, request: Request, event_id: FromPath[int], size: PosterSize = "a4") -> Response[str]:
        return await self._preview(request, event_id, "poster", size)

    @get("/tickets.pdf", media_type=PDF, responses=answers(304))
    async def tickets_pdf(self, request: Request, event_id: FromPath[int]) -> Response[bytes]:
        return await self._pdf(request, event_id, "tickets", "a4")

    @get("/tickets.html", media_type=MediaType.HTML)
    async def tickets_html(self, request: Request, event_id: FromPath[int]) -> Response[str]:
        return await self._preview(request, event_id, "tickets", "a4")


class ResultsReport(Controller):
    """The feedback results as a printable report (issue: results for the party committee)."""

    path = "/organiser/events/{event_id:int}/feedback"
    guards = [organiser_guard]

    @get("/report.pdf", media_type=PDF, responses=answers(304))
    async def report_pdf(self, request: Request, event_id: FromPath[int]) -> Response[bytes]:
        return await pdf_response(request, await handout_docs.report(await load_event(event_id)))

    @get("/report.html", media_type=MediaType.HTML)
    async def report_html(self, request: Request, event_id: FromPath[int]) -> Response[str]:
        document = await handout_docs.report(await load_event(event_id))
        return preview_response(
            request,
            document,
            f"/organiser/events/{event_id}/feedback/",
            f"/organiser/events/{event_id}/feedback/report.pdf",
        )


class PublicProgramme(Controller):
    opt = PUBLIC

    @get("/e/{slug:str}/programme.pdf", media_type=PDF, responses=answers(304))
    async def programme(self, request: Request, slug: FromPath[str], size: BookletSize = "a4") -> Response[bytes]:
        """The programme anyone may download once the event is published (404 before)."""
        event: dict[str, Any] | None = await days.get_event_by_slug(slug[:60])  # not the 2-second copy
        if event is None or event["status"] != "published":
            raise NotFoundException(detail=lazy("This event does not exist or has not been published yet."))
        document = await handout_docs.booklet(event, public_base(request), _size("booklet", size))
        return await pdf_response(request, document, public=True)


class DayArchivePages(Controller):
    """Everything of this day in one .zip, for the organiser's own records (Print tab)."""

    path = "/organiser/events/{event_id:int}"
    guards = [organiser_guard]

    @get("/archive.zip", media_type=ZIP)
    async def archive(self, request: Request, event_id: FromPath[int]) -> File:
        """A GET that changes nothing (so no CSRF token is needed), behind the organiser's
        login; built on disk in a thread and sent from there, then deleted."""
        event = await load_event(event_id)
        base = public_base(request)
        env = jinja_env(request.app)
        data_dir = Path(settings_of(request).data_dir)
        cache = handouts.cache_for(data_dir)

        async def pdf(kind: str) -> Path | bytes:
            if kind == "booklet":
                document = await handout_docs.booklet(event, base, "a4")
            elif kind == "poster":
                document = await handout_docs.poster(event, base, "a4")
            elif kind == "tickets":
                document = await handout_docs.tickets(event, base)
            else:
                document = await handout_docs.report(event)
            made = await handout_docs.pdf(env, document, cache)
            cached = cache.path(document.key)
            return cached if cached.is_file() else made

        day = await day_archive.gather(event, f"{base}/e/{event['slug']}", data_dir, pdf)
        path = await anyio.to_thread.run_sync(day_archive.write, data_dir / "exports", day)
        return File(
            path=path,
            media_type="application/zip",
            content_disposition_type="attachment",
            filename=f"showcase-{event['slug']}-{event['date']}.zip",
            headers={"Cache-Control": "private, no-store"},
            background=BackgroundTask(path.unlink, missing_ok=True),
        )
