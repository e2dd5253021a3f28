"""Organiser console: events, their agendas, generation, publishing."""

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.guards import organiser_guard, requires_role
from core.clock import zone
from core.db.transactions import StaleVersion
from core.wording import joined, person_label, quoted, unit_and_branch
from events import days
from events.agenda import queries
from events.agenda import rules as agenda
from events.agenda import views as agenda_view
from events.agenda.rules import GenerationPlan
from events.http import load_event
from presenters.catalog import queries as catalog
from presenters.review import queries as review
from web.errors import Said, loaded_version, stale_edit
from web.forms import Field, FormBody, parse_form
from web.i18n import gettext as _
from web.i18n import lazy
from web.openapi import answers
from web.routing import settings_of

EVENT_FIELDS = (
    Field("title", lazy("Title")),
    Field("theme", lazy("Theme"), required=False, max_length=200),
    Field("date", lazy("Date"), kind="date"),
    Field("start_time", lazy("Start time"), kind="time"),
    Field("end_time", lazy("End time"), kind="time"),
    Field("timezone", lazy("Time zone"), kind="timezone", max_length=50),
    Field("venue", lazy("Venue"), required=False, max_length=200),
    Field("description", lazy("Description"), kind="textarea", required=False, max_length=5000),
    Field("theme_color", lazy("Theme colour"), kind="color"),
    Field(
        "slug",
        lazy("Public address"),
        kind="slug",
        required=False,
        help=lazy("Used in the public link: /e/<address>. Leave empty to make one from the title."),
    ),
)

ITEM_FIELDS = (
    Field("kind", lazy("Type"), kind="select", choices_key="kinds"),
    Field("method_id", lazy("Method"), kind="select", required=False, choices_key="methods"),
    Field("presenter_id", lazy("Presenter"), kind="select", required=False, choices_key="presenters"),
    Field("title", lazy("Title"), required=False, help=lazy("For segments; presentations show the method title")),
    Field("duration", lazy("Minutes"), kind="int", minimum=agenda.MIN_DURATION, maximum=agenda.MAX_DURATION),
)

GENERATE_FIELDS = (
    Field("talk_minutes", lazy("Talk length (minutes)"), kind="int", minimum=1, maximum=480),
    Field("qa_minutes", lazy("Q&A (minutes)"), kind="int", minimum=0, maximum=120, required=False),
    Field(
        "break_every", lazy("A break after every N talks (0 = none)"), kind="int", minimum=0, maximum=50, required=False
    ),
    Field("break_minutes", lazy("Break length (minutes)"), kind="int", minimum=1, maximum=120),
    Field("opening_minutes", lazy("Opening (minutes, 0 = none)"), kind="int", minimum=0, maximum=120, required=False),
    Field("closing_minutes", lazy("Closing (minutes, 0 = none)"), kind="int", minimum=0, maximum=120, required=False),
)


ALL_METHODS = "all"  # ?call=all: every method in the pool, whatever call it came from


@dataclass
class MethodSource:
    """What the generator lists: one call's approved methods, or (``key`` ALL_METHODS) every
    method in the pool. ``error`` and ``status`` say why a ?call= asked for was refused (the
    default list is shown instead); ``note`` why the default is the whole pool."""

    key: str  # the call's id as text, or ALL_METHODS: the chooser's value and the form's
    call: dict[str, Any] | None
    methods: list[dict[str, Any]]
    calls: list[dict[str, Any]]
    pool: frozenset[int]  # every method id in the pool
    note: str = ""
    error: str = ""
    status: int = 200
    origins: dict[int, dict[str, Any]] = field(default_factory=dict)


def call_asked(raw: str) -> int | None:
    """A ?call= value as a call's id: None when it cannot be one; 0 when it is a number too
    long for an id (no such call)."""
    raw = raw.strip()
    if not raw.isdecimal() or not raw.isascii():
        return None
    return int(raw) if len(raw) < 10 else 0


async def method_source(raw: str | None) -> MethodSource:
    """The list to plan from for ?call= (None or empty: the newest call with approved
    applications; without any, the whole pool). A refused value falls back to that default,
    with the message and the 4xx status to answer with."""
    calls = await review.calls_for_planning()
    pool = await catalog.list_methods()
    error, status = "", 200
    raw = (raw or "").strip()
    if raw == ALL_METHODS:
        return await _pool_source(calls, pool)
    if raw:
        call_id = call_asked(raw)
        chosen = next((c for c in calls if c["id"] == call_id), None)
        if chosen is not None:
            return MethodSource(
                str(chosen["id"]), chosen, await review.approved_methods(chosen["id"]), calls, _ids(pool)
            )
        if call_id is None:
            error, status = _("Choose a call from the list."), 400
        elif call_id and await review.get_call(call_id):  # there, but not in the list: archived
            error, status = (
                _(
                    "This call is archived: take it out of the archive under Calls to plan from it, or choose all methods in the pool."
                ),
                400,
            )
        else:
            error, status = _("No such call for methods."), 404
    default = next((c for c in calls if c["approved"]), None)
    if default is None:
        source = await _pool_source(calls, pool)
        source.note = _("No call has approved applications yet: these are all the methods in the pool.")
    else:
        source = MethodSource(
            str(default["id"]), default, await review.approved_methods(default["id"]), calls, _ids(pool)
        )
    source.error, source.status = error, status
    return source


async def _pool_source(calls: list[dict[str, Any]], pool: list[dict[str, Any]]) -> MethodSource:
    origins = {m["id"]: m for m in await review.approved_methods()}
    return MethodSource(ALL_METHODS, None, pool, calls, _ids(pool), origins=origins)


def _ids(rows: list[dict[str, Any]]) -> frozenset[int]:
    return frozenset(r["id"] for r in rows)


def event_time_errors(values: dict[str, Any]) -> dict[str, str]:
    start, end = values.get("start_time"), values.get("end_time")
    if start and end and end <= start:
        return {"end_time": _("The end time must be after the start time.")}
    return {}


async def item_choices() -> dict[str, list[tuple[Any, str]]]:
    methods = await catalog.list_methods()
    presenters = await catalog.list_presenters()
    return {
        "kinds": [(k, _(agenda_view.KIND_LABELS[k])) for k in agenda.KINDS],
        "methods": [(m["id"], joined(m["title"], unit_and_branch(m["unit"], m["branch"]))) for m in methods],
        "presenters": [(p["id"], person_label(p["name"], p["role"], p["unit"])) for p in presenters],
    }


def event_form_raw(event: dict[str, Any]) -> dict[str, str]:
    raw = {f.name: str(event.get(f.name) or "") for f in EVENT_FIELDS}
    raw["start_time"] = event["start_time"].strftime("%H:%M")
    raw["end_time"] = event["end_time"].strftime("%H:%M")
    raw["version"] = str(event["version"])
    return raw


class EventPages(Controller):
    path = "/organiser"
    guards = [organiser_guard]

    @get("/")
    async def index(self) -> Template:
        return Template("events/list.html", context={"events": await days.list_events()})

    # -- events -------------------------------------------------------------------------

    def _event_form(self, raw: dict, errors: dict, event: dict | None, status: int = 200) -> Template:
        return Template(
            "events/event_form.html",
            context={"fields": EVENT_FIELDS, "raw": raw, "errors": errors, "event": event},
            status_code=status,
        )

    @get("/events/new")
    async def new_event(self, request: Request) -> Template:
        raw = {
            "timezone": settings_of(request).default_timezone,
            "theme_color": "#b71c1c",
            "start_time": "09:00",
            "end_time": "11:30",
        }
        return self._event_form(raw, {}, None)

    async def _parse_event(self, data: dict, event_id: int | None) -> tuple[Any, dict]:
        form = parse_form(EVENT_FIELDS, data)
        form.errors.update(event_time_errors(form.values))
        if (
            "slug" not in form.errors
            and form.values.get("slug")
            and await days.slug_taken(form.values["slug"], event_id)
        ):
            form.errors["slug"] = _("This address is already used by another event.")
        return form, form.values

    @post("/events/new", responses=answers(302))
    async def create_event(self, data: FormBody) -> Response:
        form, values = await self._parse_event(data, None)
        if not form.ok:
            return self._event_form(form.raw, form.errors, None, 400)
        event_id = await days.create_event(values)
        return Redirect(path=f"/organiser/events/{event_id}")

    @get("/events/{event_id:int}")
    async def dashboard(self, event_id: FromPath[int]) -> Template:
        return await self._dashboard_page(event_id, {"kind": "presentation", "duration": "20"}, {})

    async def _dashboard_page(self, event_id: FromPath[int], raw: dict, errors: dict, status: int = 200) -> Template:
        event = await load_event(event_id)
        rows = await queries.agenda_rows(event_id)
        view = agenda_view.build(event, rows)
        checks = [
            (_("The agenda has presentations"), any(r["kind"] == "presentation" for r in rows)),
            (
                _("Every presentation has a method and a presenter"),
                not any(w.code in ("missing_method", "missing_presenter") for w in view.warnings),
            ),
            (_("The day ends on time"), not any(w.code == "overrun" for w in view.warnings)),
            (_("Nobody presents twice"), not any(w.code == "presenter_twice" for w in view.warnings)),
            (_("A venue is set"), bool(event["venue"])),
            (_("Published"), event["status"] == "published"),
        ]
        return Template(
            "events/dashboard.html",
            context={
                "event": event,
                "view": view,
                "checks": checks,
                "warnings": [agenda_view.warning_message(w) for w in view.warnings],
                "warned_items": {i for w in view.warnings for i in w.item_ids},
                "item_fields": ITEM_FIELDS,
                "choices": await item_choices(),
                "raw": raw,
                "errors": errors,
            },
            status_code=status,
        )

    @get("/events/{event_id:int}/edit")
    async def edit_event(self, event_id: FromPath[int]) -> Template:
        event = await load_event(event_id)
        return self._event_form(event_form_raw(event), {}, event)

    @post("/events/{event_id:int}/edit", responses=answers(302, 409))
    async def update_event(self, event_id: FromPath[int], data: FormBody) -> Response:
        event = await load_event(event_id)
        form, values = await self._parse_event(data, event_id)
        form.raw["version"] = str(data.get("version") or "")
        if not form.ok:
            return self._event_form(form.raw, form.errors, event, 400)
        try:
            await days.update_event(event_id, values, loaded_version(data.get("version")))
        except StaleVersion:
            raise stale_edit() from None
        return Redirect(path=f"/organiser/events/{event_id}")

    @post("/events/{event_id:int}/delete")
    async def delete_event(self, event_id: FromPath[int], data: FormBody) -> Redirect:
        if data.get("confirm") != "yes":
            raise ClientException(detail=lazy("Tick the box to confirm."))
        if not await days.delete_event(event_id):
            raise NotFoundException(detail=lazy("No such event."))
        return Redirect(path="/organiser/")

    @post("/events/{event_id:int}/status")
    async def set_status(self, event_id: FromPath[int], data: FormBody) -> Redirect:
        await load_event(event_id)
        status = data.get("status")
        if status not in ("draft", "published"):
            raise ClientException(detail=lazy("Unknown status."))
        await days.update_event(event_id, {"status": status})
        return Redirect(path=f"/organiser/events/{event_id}")

    # -- agenda items -------------------------------------------------------------------

    async def _parse_item(self, data: dict) -> Any:
        return parse_form(ITEM_FIELDS, data, await item_choices())

    async def _dashboard_with_errors(self, event_id: FromPath[int], raw: dict, errors: dict) -> Template:
        return await self._dashboard_page(event_id, raw, errors, 400)

    @post("/events/{event_id:int}/items", responses=answers(302))
    async def add_item(self, event_id: FromPath[int], data: FormBody) -> Response:
        await load_event(event_id)
        form = await self._parse_item(data)
        if not form.ok:
            return await self._dashboard_with_errors(event_id, form.raw, form.errors)
        await queries.add_item(event_id, item_values(form.values))
        return Redirect(path=f"/organiser/events/{event_id}#agenda")

    @post("/events/{event_id:int}/items/{item_id:int}/update", responses=answers(302, 409))
    async def update_item(self, event_id: FromPath[int], item_id: FromPath[int], data: FormBody) -> Response:
        await load_event(event_id)
        form = await self._parse_item(data)
        if not form.ok:
            return await self._dashboard_with_errors(event_id, form.raw, {f"{k}": v for k, v in form.errors.items()})
        try:
            changed = await queries.update_item(
                event_id, item_id, item_values(form.values), loaded_version(data.get("version"))
            )
        except StaleVersion:
            raise stale_edit() from None
        if not changed:
            raise NotFoundException(detail=lazy("No such agenda item."))
        return Redirect(path=f"/organiser/events/{event_id}#item-{item_id}")

    @get("/events/{event_id:int}/items/{item_id:int}/delete")
    async def confirm_delete_item(self, event_id: FromPath[int], item_id: FromPath[int]) -> Template:
        """Removing an item asks first, naming it and what it has collected."""
        event = await load_event(event_id)
        rows = await queries.agenda_rows(event_id)
        view = agenda_view.build(event, rows)
        item = next((i for i in view.items if i["id"] == item_id), None)
        if item is None:
            raise NotFoundException(detail=lazy("No such agenda item."))
        held = await queries.collected([r for r in rows if r["id"] == item_id])
        return Template(
            "events/item_delete.html",
            context={
                "event": event,
                "item": item,
                "quoted_title": quoted(item["display_title"]),
                "held": held[0] if held else None,
            },
        )

    @post(
        "/events/{event_id:int}/items/{item_id:int}/delete",
        responses=answers(303, s303="Deleted; or, not confirmed, on to the page that asks first."),
    )
    async def delete_item(self, event_id: FromPath[int], item_id: FromPath[int], data: FormBody) -> Redirect:
        if data.get("confirm") != "yes":  # not confirmed (an old page's button): ask first
            return Redirect(path=f"/organiser/events/{event_id}/items/{item_id}/delete", status_code=303)
        if not await queries.delete_item(event_id, item_id):
            raise NotFoundException(detail=lazy("No such agenda item."))
        return Redirect(path=f"/organiser/events/{event_id}#agenda", status_code=303)

    @post("/events/{event_id:int}/items/{item_id:int}/move")
    async def move_item(self, event_id: FromPath[int], item_id: FromPath[int], data: FormBody) -> Redirect:
        """The no-JavaScript way to reorder: one step up or down."""
        order = await queries.item_ids(event_id)
        if item_id not in order:
            raise NotFoundException(detail=lazy("No such agenda item."))
        offset = -1 if data.get("direction") == "up" else 1
        await queries.reorder(event_id, agenda.move(order, item_id, offset))
        return Redirect(path=f"/organiser/events/{event_id}#item-{item_id}")

    # -- generation ---------------------------------------------------------------------

    def _generate_form(
        self,
        event: dict,
        source: MethodSource,
        raw: dict,
        errors: dict,
        selected: set,
        current: list,
        status: int = 200,
        losses: str = "",
    ) -> Template:
        listed = {m["id"] for m in source.methods}
        elsewhere = dict.fromkeys(quoted(r["method_title"]) for r in current if r["method_id"] not in listed | {None})
        return Template(
            "events/generate.html",
            context={
                "event": event,
                "source": source,
                "all_methods": ALL_METHODS,
                "methods": [{**m, "place": unit_and_branch(m["unit"], m["branch"])} for m in source.methods],
                "on_agenda": {r["method_id"] for r in current if r["method_id"]},
                "elsewhere": _("; ").join(elsewhere),
                "fields": GENERATE_FIELDS,
                "raw": raw,
                "errors": errors,
                "selected": selected,
                "has_agenda": bool(current),
                "losses": losses,
            },
            status_code=status if status != 200 else source.status,
        )

    @get("/events/{event_id:int}/generate")
    async def generate_form(self, request: Request, event_id: FromPath[int]) -> Template:
        """The methods of the call chosen with ?call= (by default the newest call with approved
        applications), or with ?call=all every method in the pool."""
        event = await load_event(event_id)
        source = await method_source(request.query_params.get("call"))
        raw = {
            "talk_minutes": "15",
            "qa_minutes": "5",
            "break_every": "2",
            "break_minutes": "10",
            "opening_minutes": "10",
            "closing_minutes": "10",
        }
        current = await queries.agenda_rows(event_id)
        chosen = {r["method_id"] for r in current if r["method_id"]}
        return self._generate_form(event, source, raw, {}, chosen, current)

    @post("/events/{event_id:int}/generate", responses=answers(302, 409))
    async def generate(self, event_id: FromPath[int], data: FormBody) -> Response:
        """Generates from the methods chosen among the list the page showed: ``call`` (sent by
        the page) names it; a form without it plans from the whole pool, as before calls."""
        event = await load_event(event_id)
        asked = data.get("call", ALL_METHODS)
        # two values for one choice are not one of the page's (a list reads as no call's id)
        source = await method_source(asked if isinstance(asked, str) else "?")
        form = parse_form(GENERATE_FIELDS, data)
        chosen_raw = data.get("method_ids", [])
        chosen_raw = chosen_raw if isinstance(chosen_raw, list) else [chosen_raw]
        asked_ids = list(dict.fromkeys(int(x) for x in chosen_raw if str(x).isdecimal() and len(str(x)) < 10))
        known = {m["id"]: m for m in source.methods}
        chosen = [m for m in asked_ids if m in known]
        if source.error:
            form.errors["call"] = source.error
        elif (set(asked_ids) - set(known)) & source.pool:
            form.errors["method_ids"] = _(
                "Some chosen methods are not among this call's approved methods: choose again from the list."
            )
        elif not chosen:
            form.errors["method_ids"] = _("Choose at least one method.")
        if await queries.item_ids(event_id) and data.get("replace") != "yes":
            form.errors["replace"] = _("Tick the box to replace the current agenda.")
        plan_values = {k: (v or 0) for k, v in form.values.items()}
        if form.ok:
            presenters = await catalog.presenter_for_branches([known[m]["branch_id"] for m in chosen])
            plan = GenerationPlan(
                method_ids=chosen,
                presenters={
                    m: presenters[known[m]["branch_id"]] for m in chosen if known[m]["branch_id"] in presenters
                },
                **plan_values,
            )
            if agenda.plan_error(plan):  # each field within its own limit; together they may not be
                form.errors["qa_minutes"] = _(
                    "A talk with its Q&A may last at most %(n)s minutes.", n=agenda.MAX_DURATION
                )
        if not form.ok:
            return self._generate_form(
                event,
                source,
                form.raw,
                form.errors,
                set(chosen),
                await queries.agenda_rows(event_id),
                source.status if source.error else 400,
            )
        titles = {k: _(v) for k, v in agenda_view.DEFAULT_SEGMENT_TITLES.items()}
        try:
            await queries.replace_agenda(
                event_id, agenda.generate(plan), titles, drop_collected=data.get("drop") == "yes"
            )
        except queries.WouldLose as lost:
            return self._generate_form(
                event,
                source,
                form.raw,
                form.errors,
                set(chosen),
                await queries.agenda_rows(event_id),
                409,
                losses=agenda_view.loss_message(lost.collected),
            )
        return Redirect(path=f"/organiser/events/{event_id}#agenda")


class DeletedEvents(Controller):
    """The admin's page of deleted events: each can be restored, as it was, for 30 days."""

    path = "/admin/events"
    guards = [requires_role("admin")]

    @get("/")
    async def index(self, request: Request) -> Template:
        events = [
            {
                **e,
                "deleted_at": e["deleted_at"].astimezone(zone(e["timezone"])),
                "restorable_until": e["restorable_until"].astimezone(zone(e["timezone"])),
            }
            for e in await days.deleted_events()
        ]
        return Template(
            "events/deleted.html",
            context={
                "events": events,
                "days": days.RESTORE_DAYS,
                "restored": request.query_params.get("restored", "")
                if request.query_params.get("restored", "").isdecimal()
                else "",
            },
        )

    @post("/{event_id:int}/restore", responses=answers(303))
    async def restore(self, event_id: FromPath[int]) -> Redirect:
        if not await days.restore_event(event_id):
            raise NotFoundException(
                detail=Said(
                    _(
                        "No deleted event with this id can be restored (events can be restored for %(n)s days after deletion).",
                        n=days.RESTORE_DAYS,
                    )
                )
            )
        return Redirect(path=f"/admin/events/?restored={event_id}", status_code=303)


def item_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": values["kind"],
        "title": values.get("title") or "",
        "method": values.get("method_id"),
        "presenter": values.get("presenter_id"),
        "duration": values["duration"],
    }
