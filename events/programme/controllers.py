"""Public pages: the published agenda, good on a phone, and its exports."""

from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.response import Template

from events import days
from events.agenda import queries
from events.agenda import views as agenda_view
from events.http import published_event
from events.live import queries as live_queries
from events.programme import exports
from web.openapi import ICS
from web.routing import PUBLIC, public_base


class PublicPages(Controller):
    opt = PUBLIC

    @get("/")
    async def home(self) -> Template:
        return Template("events/home.html", context={"events": await days.list_published_events()})

    @get("/e/{slug:str}")
    async def agenda_page(self, slug: FromPath[str]) -> Template:
        event = await published_event(slug)
        view = await agenda_view.cached_agenda_view(event)
        return Template(
            "events/public_agenda.html",
            context={"event": event, "view": view, "live": await live_queries.attendee_live(event)},
        )

    async def _export(self, request: Request, slug: FromPath[str]) -> exports.ExportEvent:
        event = await published_event(slug)
        view = agenda_view.build(event, await queries.agenda_rows(event["id"]))
        return exports.to_export(event, view, f"{public_base(request)}/e/{event['slug']}")

    @get("/e/{slug:str}/agenda.ics", media_type=ICS)
    async def ics(self, request: Request, slug: FromPath[str]) -> Response[bytes]:
        data = exports.to_ics(await self._export(request, slug))
        return Response(
            data,
            media_type="text/calendar",  # Litestar adds "; charset=utf-8" to text types itself
            headers={"Content-Disposition": f'attachment; filename="{slug}.ics"'},
        )

    @get(
        "/e/{slug:str}/schedule.json",
        responses={
            200: ResponseSpec(
                dict[str, Any],
                description="The schedule in the frab/c3voc format (https://c3voc.de/schedule/schema.json).",
                generate_examples=False,
            )
        },
    )
    async def schedule_json(self, request: Request, slug: FromPath[str]) -> Response[bytes]:
        return Response(exports.to_frab_json(await self._export(request, slug)), media_type="application/json")

    @get("/e/{slug:str}/schedule.xml", media_type=MediaType.XML)
    async def schedule_xml(self, request: Request, slug: FromPath[str]) -> Response[bytes]:
        return Response(
            exports.to_frab_xml(await self._export(request, slug)), media_type="application/xml; charset=utf-8"
        )
