"""JSON API for events and agendas: typed msgspec Structs in and out."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Controller, Request, delete, get, post, put
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, JSONBody

from accounts.guards import organiser_guard, requires_role
from core.db.transactions import StaleVersion, integrity_errors
from events import days
from events.agenda import queries
from events.agenda import rules as agenda
from events.agenda import views as agenda_view
from events.agenda.schemas import (
    AgendaItemIn,
    AgendaItemOut,
    AgendaOut,
    DeletedEventOut,
    EventIn,
    EventOut,
    GenerateIn,
    ReorderIn,
    WarningOut,
)
from presenters.catalog import queries as catalog
from web.errors import Said, loaded_version, stale_edit
from web.forms import check_year
from web.i18n import gettext as _
from web.openapi import answers
from web.routing import public_base, settings_of


def invalid(key: str, message: str) -> ClientException:
    return ClientException(status_code=400, detail=_("Validation failed"), extra=[{"key": key, "message": message}])


def hhmm(value: dt.time | dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def event_out(event: dict[str, Any], request: Request) -> EventOut:
    return EventOut(
        id=event["id"],
        title=event["title"],
        theme=event["theme"],
        date=event["date"],
        start_time=hhmm(event["start_time"]),
        end_time=hhmm(event["end_time"]),
        timezone=event["timezone"],
        venue=event["venue"],
        description=event["description"],
        theme_color=event["theme_color"],
        slug=event["slug"],
        status=event["status"],
        public_url=f"{public_base(request)}/e/{event['slug']}",
        version=event["version"],
    )


def wanted_version(request: Request, given: int | None) -> int | None:
    """The version the caller loaded: the body's ``version``, else an If-Match header."""
    return given if given is not None else loaded_version(request.headers.get("if-match"))


async def event_values(data: EventIn, event_id: int | None, default_zone: str) -> dict[str, Any]:
    timezone = data.timezone or default_zone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid("timezone", _("Unknown time zone.")) from None
    try:
        check_year(data.date)
    except ValueError as exc:
        raise invalid("date", str(exc)) from None
    start = dt.time.fromisoformat(data.start_time)
    end = dt.time.fromisoformat(data.end_time)
    if end <= start:
        raise invalid("end_time", _("The end time must be after the start time."))
    if data.slug and await days.slug_taken(data.slug, event_id):
        raise ClientException(
            status_code=409,
            detail=_("This address is already used by another event."),
            extra=[{"key": "slug", "message": _("This address is already used by another event.")}],
        )
    return {
        "title": data.title,
        "theme": data.theme,
        "date": data.date,
        "start_time": start,
        "end_time": end,
        "timezone": timezone,
        "venue": data.venue,
        "description": data.description,
        "theme_color": data.theme_color.lower(),
        "slug": data.slug,
        "status": data.status,
    }


async def found_event(event_id: int) -> dict[str, Any]:
    event = await days.get_event(event_id)
    if event is None:
        raise NotFoundException(detail=f"No event with id {event_id}")
    return event


async def agenda_out(event: dict[str, Any]) -> AgendaOut:
    view = agenda_view.build(event, await queries.agenda_rows(event["id"]))
    return AgendaOut(
        event_id=event["id"],
        starts=hhmm(view.start),
        ends=hhmm(view.end),
        planned_end=hhmm(view.planned_end),
        items=[
            AgendaItemOut(
                id=i["id"],
                position=i["position"],
                kind=i["kind"],
                title=i["display_title"],
                duration=i["duration"],
                start=hhmm(i["start"]),
                end=hhmm(i["end"]),
                method_id=i["method_id"],
                presenter_id=i["presenter_id"],
                method_title=i["method_title"],
                branch=i["branch"],
                unit=i["unit"],
                presenter=i["presenter"],
                version=i["version"],
            )
            for i in view.items
        ],
        warnings=[
            WarningOut(code=w.code, message=agenda_view.warning_message(w), item_ids=list(w.item_ids))
            for w in view.warnings
        ],
    )


async def item_values(data: JSONBody[AgendaItemIn]) -> dict[str, Any]:
    if data.method_id is not None and not await catalog.exists("methods", data.method_id):
        raise invalid("method_id", _("No method with this id."))
    if data.presenter_id is not None and not await catalog.exists("presenters", data.presenter_id):
        raise invalid("presenter_id", _("No presenter with this id."))
    return {
        "kind": data.kind,
        "title": data.title.strip(),
        "duration": data.duration,
        "method": data.method_id,
        "presenter": data.presenter_id,
    }


class EventsApi(Controller):
    path = "/api/events"
    guards = [organiser_guard]
    tags = ["events"]

    @get("/")
    async def list_events(self, request: Request) -> list[EventOut]:
        return [event_out(e, request) for e in await days.list_events()]

    @post("/", responses=answers(409, s409="The address (slug) is already used by another event."))
    async def create_event(self, request: Request, data: JSONBody[EventIn]) -> EventOut:
        try:
            event_id = await days.create_event(await event_values(data, None, settings_of(request).default_timezone))
        except integrity_errors():
            raise ClientException(status_code=409, detail=_("This address is already used by another event.")) from None
        return event_out(await found_event(event_id), request)

    @get("/{event_id:int}")
    async def read_event(self, request: Request, event_id: FromPath[int]) -> EventOut:
        return event_out(await found_event(event_id), request)

    @put(
        "/{event_id:int}",
        responses=answers(
            409,
            s409="The address (slug) is already used by another event, or someone else saved this event "
            "after the version given (in version or If-Match).",
        ),
    )
    async def replace_event(self, request: Request, event_id: FromPath[int], data: JSONBody[EventIn]) -> EventOut:
        await found_event(event_id)
        try:
            await days.update_event(
                event_id,
                await event_values(data, event_id, settings_of(request).default_timezone),
                wanted_version(request, data.version),
            )
        except integrity_errors():
            raise ClientException(status_code=409, detail=_("This address is already used by another event.")) from None
        except StaleVersion:
            raise stale_edit() from None
        return event_out(await found_event(event_id), request)

    @delete("/{event_id:int}")
    async def delete_event(self, event_id: FromPath[int]) -> None:
        """Deleted softly: an admin may restore it for 30 days (POST .../restore)."""
        if not await days.delete_event(event_id):
            raise NotFoundException(detail=f"No event with id {event_id}")

    @get("/{event_id:int}/agenda")
    async def read_agenda(self, event_id: FromPath[int]) -> AgendaOut:
        return await agenda_out(await found_event(event_id))

    @post("/{event_id:int}/agenda/items")
    async def add_item(self, event_id: FromPath[int], data: JSONBody[AgendaItemIn]) -> AgendaOut:
        event = await found_event(event_id)
        await queries.add_item(event_id, await item_values(data))
        return await agenda_out(event)

    @put(
        "/{event_id:int}/agenda/items/{item_id:int}",
        responses=answers(409, s409="Someone else saved this item after the version given (in version or If-Match)."),
    )
    async def replace_item(
        self, request: Request, event_id: FromPath[int], item_id: FromPath[int], data: JSONBody[AgendaItemIn]
    ) -> AgendaOut:
        event = await found_event(event_id)
        try:
            changed = await queries.update_item(
                event_id, item_id, await item_values(data), wanted_version(request, data.version)
            )
        except StaleVersion:
            raise stale_edit() from None
        if not changed:
            raise NotFoundException(detail=f"No agenda item {item_id} in event {event_id}")
        return await agenda_out(event)

    @delete("/{event_id:int}/agenda/items/{item_id:int}", status_code=200)
    async def delete_item(self, event_id: FromPath[int], item_id: FromPath[int]) -> AgendaOut:
        event = await found_event(event_id)
        if not await queries.delete_item(event_id, item_id):
            raise NotFoundException(detail=f"No agenda item {item_id} in event {event_id}")
        return await agenda_out(event)

    @put("/{event_id:int}/agenda/order")
    async def reorder(self, event_id: FromPath[int], data: JSONBody[ReorderIn]) -> AgendaOut:
        event = await found_event(event_id)
        if not await queries.reorder(event_id, data.item_ids):
            raise invalid("item_ids", _("The order must list every item of this agenda exactly once."))
        return await agenda_out(event)

    @post(
        "/{event_id:int}/agenda/generate",
        responses=answers(
            409,
            s409="A presentation left out already holds feedback, votes or slides: send drop_data true to drop them.",
        ),
    )
    async def generate(self, event_id: FromPath[int], data: JSONBody[GenerateIn]) -> AgendaOut:
        event = await found_event(event_id)
        methods = {m["id"]: m for m in await catalog.list_methods(list(data.method_ids))}
        missing = [m for m in data.method_ids if m not in methods]
        if missing:
            raise invalid("method_ids", _("No method with id %(ids)s.", ids=", ".join(map(str, missing))))
        if len(set(data.method_ids)) != len(data.method_ids):
            raise invalid("method_ids", _("A method is listed twice."))
        presenters = await catalog.presenter_for_branches([m["branch_id"] for m in methods.values()])
        plan = agenda.GenerationPlan(
            method_ids=list(data.method_ids),
            talk_minutes=data.talk_minutes,
            qa_minutes=data.qa_minutes,
            break_every=data.break_every,
            break_minutes=data.break_minutes,
            opening_minutes=data.opening_minutes,
            closing_minutes=data.closing_minutes,
            presenters={m: presenters[v["branch_id"]] for m, v in methods.items() if v["branch_id"] in presenters},
        )
        if agenda.plan_error(plan):  # each field is within its own limit; together they may not be
            raise invalid(
                "talk_minutes", _("A talk with its Q&A may last at most %(n)s minutes.", n=agenda.MAX_DURATION)
            )
        titles = {k: _(v) for k, v in agenda_view.DEFAULT_SEGMENT_TITLES.items()}
        try:
            await queries.replace_agenda(event_id, agenda.generate(plan), titles, drop_collected=data.drop_data)
        except queries.WouldLose as lost:
            raise ClientException(
                status_code=409,
                detail=Said(agenda_view.loss_message(lost.collected)),
                extra=[{"key": "method_ids", "message": agenda_view.loss_message(lost.collected)}],
            ) from None
        return await agenda_out(event)


class DeletedEventsApi(Controller):
    """Undoing a delete is the admin's (managing the organisation, not organising a day):
    apart from EventsApi, whose every route needs the organiser role."""

    path = "/api/events"
    guards = [requires_role("admin")]
    tags = ["events"]

    @get("/deleted")
    async def deleted_events(self) -> list[DeletedEventOut]:
        """Deleted events that can still be restored (admins only)."""
        return [
            DeletedEventOut(
                id=e["id"],
                title=e["title"],
                date=e["date"],
                slug=e["slug"],
                deleted_at=e["deleted_at"],
                restorable_until=e["restorable_until"],
            )
            for e in await days.deleted_events()
        ]

    @post("/{event_id:int}/restore", status_code=200)
    async def restore_event(self, request: Request, event_id: FromPath[int]) -> EventOut:
        """Undo a delete within 30 days (admins only); 404 after that or for an event not deleted."""
        if not await days.restore_event(event_id):
            raise NotFoundException(
                detail=Said(
                    _(
                        "No deleted event with this id can be restored (events can be restored for %(n)s days after deletion).",
                        n=days.RESTORE_DAYS,
                    )
                )
            )
        return event_out(await found_event(event_id), request)
