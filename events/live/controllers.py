"""The live day: stage control (organisers, phone or laptop), the projector view, and the
server-sent streams that keep every screen and attendee page up to date."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from litestar.params import FromPath
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.response.sse import ServerSentEventMessage

from accounts.guards import organiser_guard
from core.clock import now as clock
from core.qr import qr_svg
from events.agenda import queries
from events.agenda import views as agenda_view
from events.checkin import queries as cq
from events.checkin import rules as checkin
from events.http import hub_of, load_event, published_event
from events.hub import LiveHub
from events.live import queries as live_queries
from web.forms import FormBody
from web.i18n import gettext as _
from web.i18n import lazy
from web.openapi import answers
from web.routing import PUBLIC, public_base, settings_of

HEARTBEAT_SECONDS = 15.0
RETRY_MS = 2000
EXTEND_CHOICES = (1, 2, 5, 10)


def who(item: dict[str, Any]) -> str:
    return " · ".join(x for x in (item.get("unit"), item.get("branch")) if x)


def screen_items(view: agenda_view.AgendaView) -> dict[int, dict[str, Any]]:
    """What screens show of each item, in the page's language, keyed by id for the script."""
    return {
        item["id"]: {
            "t": item["display_title"],
            "w": who(item),
            "p": item.get("presenter") or "",
            "k": item["kind_label"],
            "talk": item["kind"] == "presentation",
        }
        for item in view.items
    }


async def current_stage(event_id: int) -> live_queries.Stage:
    stage = await live_queries.read_stage(event_id)
    if stage is None:
        raise NotFoundException(detail=lazy("No such event."))
    return stage


async def live_stream(
    hub: LiveHub, event_id: int, with_count: bool, seconds: float
) -> AsyncIterator[ServerSentEventMessage]:
    """One screen's stream: the board now, then every change; a ping when nothing changes
    (the page reconnects when even those stop). It ends after ``seconds``; the browser
    reconnects and catches up at once."""
    viewer = hub.join(event_id, with_count)
    ends = time.monotonic() + seconds
    try:
        while (left := ends - time.monotonic()) > 0:
            board = await viewer.next(min(HEARTBEAT_SECONDS, left))
            if board is None:
                if time.monotonic() < ends:
                    yield ServerSentEventMessage(event="ping", data="")
                continue
            yield ServerSentEventMessage(data=board)
    except asyncio.CancelledError:
        raise
    finally:
        hub.leave(viewer)


def sse(request: Request, event_id: int, with_count: bool) -> ServerSentEvent:
    """A live stream, while this process holds fewer than SHOWCASE_LIVE_STREAMS_MAX: past
    that, 503 (the page keeps what it shows and tries again), so that open streams can never
    take every connection a process has."""
    settings, hub = settings_of(request), hub_of(request)
    if hub.total() >= settings.live_streams_max:
        raise ServiceUnavailableException(
            detail=lazy("Too many live screens are open right now. This page will try again.")
        )
    return ServerSentEvent(
        live_stream(hub, event_id, with_count, settings.live_stream_seconds),
        retry_duration=RETRY_MS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


class StagePages(Controller):
    path = "/organiser/events/{event_id:int}"
    guards = [organiser_guard]

    @get("/stage")
    async def stage(self, request: Request, event_id: FromPath[int]) -> Template:
        return await self._page(request, event_id)

    async def _page(self, request: Request, event_id: int, status: int = 200, error: str = "") -> Template:
        event = await load_event(event_id)
        view = agenda_view.build(event, await queries.agenda_rows(event_id))
        stage = await current_stage(event_id)
        board = stage.board(clock(), with_count=True)
        done = request.query_params.get("done", "") if not error else ""
        if done == "finished" and stage.rehearsal:
            done = "rehearsed"
        return Template(
            "events/stage.html",
            status_code=status,
            context={
                "event": event,
                "view": view,
                "board": board,
                "expected": live_queries.expected_by_id(board),
                "actual": {s.id: s for s in stage.slots},
                "screen": screen_items(view),
                "message": error or _stage_message(done),
                "extend_choices": EXTEND_CHOICES,
                "warning": bool(error) or done in ("stale", "unchanged", "rehearsing", "no_rehearsal"),
                "ended": board["day"] == "done",
                "rehearsal": stage.rehearsal,
                # A rehearsal can start before the day really starts: nothing recorded yet.
                "may_rehearse": not stage.rehearsal and not any(s.actual_start for s in stage.slots),
                "tab": "stage",
            },
        )

    @post("/stage", responses=answers(302))
    async def act(self, request: Request, event_id: FromPath[int], data: FormBody) -> Response:
        """A stage action. Bad input answers 400 with the stage page and what was wrong."""
        await load_event(event_id)
        action = str(data.get("action", ""))
        refuse = lambda message: self._page(request, event_id, 400, str(message))  # noqa: E731
        if action not in live_queries.ACTIONS and action not in live_queries.REHEARSAL_ACTIONS and action != "reset":
            return await refuse(_("Unknown stage action."))
        try:
            version = int(str(data.get("v", "")))
        except ValueError:
            return await refuse(_("The form is missing the stage version: reload the page."))
        args: dict[str, int] = {}
        if action == "extend":
            minutes = str(data.get("minutes", ""))
            args["minutes"] = int(minutes) if minutes.isdecimal() else 0
            if not 1 <= args["minutes"] <= 60:
                return await refuse(_("Extend by 1 to 60 minutes."))
        if action == "skip":
            item = str(data.get("item", ""))
            if not item.isdecimal():
                return await refuse(_("Choose the item to skip."))
            args["item"] = int(item)
            if args["item"] not in await queries.item_ids(event_id):
                return await refuse(_("That item is not on this event's agenda."))
        if action == "reset":
            if data.get("confirm") != "yes":
                return await refuse(_("Tick the box to confirm that the recorded times should be cleared."))
            await live_queries.reset(event_id)
            outcome = "reset"
        else:
            outcome = await live_queries.act(event_id, action, version, clock(), **args)
            if outcome == "started":
                message = _(
                    "The day has already started for real: a rehearsal is only possible before it starts. To rehearse again, first clear the recorded times."
                )
                return await self._page(request, event_id, 409, message)
            if outcome == "ok":
                outcome = action
            elif outcome == "unchanged" and action in live_queries.REHEARSAL_ACTIONS:
                outcome = "rehearsing" if action == "rehearse" else "no_rehearsal"
        await hub_of(request).announce(event_id)
        return Redirect(path=f"/organiser/events/{event_id}/stage?done={outcome}")

    @get("/projector")
    async def projector(self, request: Request, event_id: FromPath[int]) -> Template:
        """The room's screen: full screen, 16:9, readable from the back of the hall."""
        event = await load_event(event_id)
        ci = await _checkin_event(event_id)
        view = agenda_view.build(event, await queries.agenda_rows(event_id))
        stage = await current_stage(event_id)
        board = stage.board(clock(), with_count=True)
        base = public_base(request)
        checkin_url = f"{base}/e/{event['slug']}/checkin"
        return Template(
            "events/projector.html",
            context={
                "event": event,
                "board": board,
                "screen": screen_items(view),
                "rotating": ci["rotating_door_code"],
                "period": checkin.DOOR_PERIOD_SECONDS,
                "checkin_qr": qr_svg(checkin_url, _("Check-in QR code")),
                "rate_qr": {
                    i["id"]: qr_svg(f"{base}/e/{event['slug']}/feedback/{i['id']}", _("Feedback QR code"))
                    for i in view.items
                    if i["kind"] == "presentation"
                },
                "published": event["status"] == "published",
            },
        )

    @get("/live")
    async def stream(self, request: Request, event_id: FromPath[int]) -> ServerSentEvent:
        await load_event(event_id)
        return sse(request, event_id, with_count=True)


async def _checkin_event(event_id: int) -> dict[str, Any]:

    event = await cq.event_for_checkin(event_id)
    if event is None:
        raise NotFoundException(detail=lazy("No such event."))
    return event


def _stage_message(done: str) -> str:
    return {
        "next": _("Moved on: the next item is on stage."),
        "end": _("The item on stage has ended; the stage is free."),
        "back": _("Went back: the previous item is on stage again."),
        "extend": _("The item on stage was extended; everything after it moves."),
        "skip": _("Done: the item is skipped (or back on the agenda)."),
        "reset": _("The recorded times were cleared."),
        "rehearse": _(
            "The rehearsal has started. Press Start to rehearse the first item: the public agenda and feedback are not affected."
        ),
        "end_rehearsal": _("The rehearsal has ended and its times were cleared."),
        "go_live": _("The rehearsal has ended and its times were cleared: the day has started for real."),
        "rehearsing": _("A rehearsal is already on."),
        "no_rehearsal": _("There is no rehearsal to end: nothing was cleared."),
        "rehearsed": _("The rehearsal has reached the end of the agenda. End the rehearsal to clear its times."),
        "finished": _("The last item has ended: the day is over."),
        "stale": _(
            "Someone else changed the stage a moment ago, so nothing was done. Check what is on stage now and press again if still needed."
        ),
        "unchanged": _("Nothing to do: nothing is on stage or nothing comes next."),
    }.get(done, "")


class LivePublic(Controller):
    opt = PUBLIC

    @get("/e/{slug:str}/live")
    async def stream(self, request: Request, slug: FromPath[str]) -> ServerSentEvent:
        event = await published_event(slug)
        return sse(request, event["id"], with_count=False)
