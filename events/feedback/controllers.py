"""Audience feedback: rate each presentation from the phone; results for organisers."""

import datetime as dt
import secrets
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.guards import organiser_guard
from core.clock import now, zone
from core.text import clean_text
from events import days
from events.agenda import queries
from events.agenda import views as agenda_view
from events.checkin import queries as cq
from events.feedback import queries as fq
from events.feedback import rules as feedback
from events.http import DEVICE_COOKIE, device_of, local, published_event
from events.live import queries as live_queries
from web.errors import Said
from web.forms import FormBody, parse_local_datetime
from web.i18n import format_date, format_time, lazy
from web.i18n import gettext as _
from web.openapi import CSV, XLSX, answers
from web.responses import spreadsheet
from web.routing import PUBLIC, settings_of

ERRORS = {
    "rating_required": lazy("Choose a rating from 1 to 5."),
    "rating_invalid": lazy("A rating is a whole number from 1 to 5."),
    "comment_too_long": lazy("The comment is too long (at most 500 characters)."),
}


def presentations(
    event: dict[str, Any],
    view: agenda_view.AgendaView,
    now: dt.datetime,
    only: int | None = None,
    starts: dict[int, dt.datetime] | None = None,
) -> list[dict[str, Any]]:
    """The presentations with their feedback window state (``only``: just that one). Each
    opens at its start: the real (or expected) one from ``starts`` once the stage control
    runs the day, else the planned one."""
    starts = starts or {}
    closes = event.get("feedback_closes_at") or feedback.default_close(view.planned_end)
    items = []
    for item in view.items:
        if item["kind"] != "presentation" or (only is not None and item["id"] != only):
            continue
        opens = view.start if event.get("feedback_from_event_start") else starts.get(item["id"], item["start"])
        items.append({**item, "state": feedback.window_state(now, opens, closes), "opens": opens, "closes": closes})
    return items


def overall_state(event: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """The overall vote opens with the first presentation and closes with feedback."""
    if not items:
        return "not_yet"
    return feedback.window_state(now(), min(i["opens"] for i in items), items[0]["closes"])


def state_message(event: dict[str, Any], item: dict[str, Any]) -> str:
    if item["state"] == "not_yet":
        return _(
            "Feedback opens when this presentation starts (%(time)s).", time=format_time(local(event, item["opens"]))
        )
    if item["state"] == "closed":
        return _("Feedback closed at %(time)s.", time=format_time(local(event, item["closes"])))
    return ""


class FeedbackPages(Controller):
    opt = PUBLIC

    async def _context(self, request: Request, slug: str) -> tuple[dict, list[dict], str, Any]:
        event = await published_event(slug)
        view = await agenda_view.cached_agenda_view(event)
        device = device_of(request)
        attendee = await fq.checked_in_attendee(event["id"], device)
        return event, presentations(event, view, now(), starts=await live_queries.starts(event["id"])), device, attendee

    def _who_may(self, event: dict, device: str, attendee: Any) -> str:
        """'' if this phone may give feedback, else the reason."""
        if event["feedback_anonymous"]:
            return ""
        return "" if attendee else _("Only people checked in at the door can give feedback: check in first.")

    @get("/e/{slug:str}/feedback")
    async def index(self, request: Request, slug: FromPath[str]) -> Template:
        event, items, device, attendee = await self._context(request, slug)
        given = await fq.mine(event["id"], device)
        vote = await fq.my_vote(event["id"], device) or {}
        return Template(
            "events/feedback_list.html",
            context={
                "event": event,
                "items": items,
                "given": given,
                "blocked": self._who_may(event, device, attendee),
                "saved": request.query_params.get("saved", ""),
                "overall_state": overall_state(event, items),
                "vote": vote,
                "errors": {},
                "live": await live_queries.attendee_live(event),
            },
        )

    @post("/e/{slug:str}/feedback/overall", responses=answers(302, 403))
    async def vote(self, request: Request, slug: FromPath[str], data: FormBody) -> Response:
        """The day as a whole: an optional rating and comment, and the audience-choice vote."""
        event, items, device, attendee = await self._context(request, slug)
        blocked = self._who_may(event, device, attendee)
        state = overall_state(event, items)
        errors: dict[str, str] = {}
        rating, comment, choice = None, clean_text(str(data.get("comment", ""))).strip(), None
        if str(data.get("rating", "")).strip():
            rating, error = feedback.parse_rating(data.get("rating"))
            if error:
                errors["overall_rating"] = _(ERRORS[error])
        if feedback.comment_error(comment):
            errors["overall_comment"] = _(ERRORS["comment_too_long"])
        choice_raw = str(data.get("choice", "")).strip()
        if choice_raw:
            choice = int(choice_raw) if choice_raw.isdecimal() else -1
            if choice not in {i["id"] for i in items}:
                errors["choice"] = _("Choose one of this event's presentations.")
        if blocked or not device or state != "open" or errors or data.get("website"):
            status = 400 if errors or data.get("website") else 403
            return Template(
                "events/feedback_list.html",
                status_code=status,
                context={
                    "event": event,
                    "items": items,
                    "given": await fq.mine(event["id"], device),
                    "blocked": blocked
                    or ("" if device else _("Only people checked in at the door can give feedback: check in first.")),
                    "saved": "",
                    "overall_state": state,
                    "errors": errors,
                    "vote": {"rating": rating, "comment": comment[:600], "choice": choice},
                    "live": await live_queries.attendee_live(event),
                },
            )
        await fq.save_vote(event["id"], device, attendee, choice, rating, comment)
        return Redirect(path=f"/e/{event['slug']}/feedback?saved=overall")

    @get("/e/{slug:str}/feedback/{item_id:int}", responses=answers(200))
    async def form(self, request: Request, slug: FromPath[str], item_id: FromPath[int]) -> Response:
        event, items, device, attendee = await self._context(request, slug)
        item = next((i for i in items if i["id"] == item_id), None)
        if item is None:
            raise NotFoundException(detail=lazy("This presentation is not part of this event."))
        given = (await fq.mine(event["id"], device)).get(item_id, {})
        page = Template(
            "events/feedback_form.html",
            context={
                "event": event,
                "item": item,
                "message": state_message(event, item),
                "errors": {},
                "raw": {"rating": str(given.get("rating", "")), "comment": given.get("comment", "")},
                "blocked": self._who_may(event, device, attendee),
                "changing": bool(given),
            },
        )
        if event["feedback_anonymous"] and not device:
            page.set_cookie(
                DEVICE_COOKIE,
                secrets.token_urlsafe(24),
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="lax",
                secure=settings_of(request).secure_cookies,
            )
        return page

    @post("/e/{slug:str}/feedback/{item_id:int}", responses=answers(303, 403))
    async def submit(self, request: Request, slug: FromPath[str], item_id: FromPath[int], data: FormBody) -> Response:
        """The hot path of the day: who may rate is checked in the same statement that stores
        the rating, so a post costs one write and no separate read."""
        event = await published_event(slug)
        items = presentations(
            event,
            await agenda_view.cached_agenda_view(event),
            now(),
            only=item_id,
            starts=await live_queries.starts(event["id"]),
        )
        device = device_of(request)
        item = items[0] if items else None
        if item is None:
            raise NotFoundException(detail=lazy("This presentation is not part of this event."))
        raw = {"rating": str(data.get("rating", ""))[:10], "comment": clean_text(str(data.get("comment", "")))}

        def again(status: int, **extra: Any) -> Template:
            values = {
                "event": event,
                "item": item,
                "message": "",
                "errors": {},
                "raw": {**raw, "comment": raw["comment"][:600]},
                "blocked": "",
                "changing": False,
            }
            values.update(extra)
            return Template("events/feedback_form.html", context=values, status_code=status)

        if not device:
            return again(403, blocked=_("Only people checked in at the door can give feedback: check in first."))
        if item["state"] != "open":
            return again(403, message=state_message(event, item))
        if data.get("website"):
            return again(400, message=_("The form could not be sent. Please try again."))
        rating, error = feedback.parse_rating(raw["rating"])
        comment = raw["comment"].strip()
        errors = {}
        if error:
            errors["rating"] = _(ERRORS[error])
        if feedback.comment_error(comment):
            errors["comment"] = _(ERRORS["comment_too_long"])
        if errors:
            return again(400, errors=errors)
        if not await fq.save(event["id"], item_id, device, rating, comment, event["feedback_anonymous"]):  # type: ignore[arg-type]
            return again(403, blocked=_("Only people checked in at the door can give feedback: check in first."))
        # 303 See Other, the answer to a form post, as a plain response: Litestar's Redirect
        # resolves and validates its target, a tenth of this whole request.
        return Response(
            b"", status_code=303, headers={"Location": f"/e/{quote(event['slug'])}/feedback?saved={item_id}"}
        )


class FeedbackResults(Controller):
    path = "/organiser/events/{event_id:int}/feedback"
    guards = [organiser_guard]

    @get("/")
    async def results(self, event_id: FromPath[int]) -> Template:
        event = await days.get_event(event_id)
        if event is None:
            raise NotFoundException(detail=lazy("No such event."))
        view = agenda_view.build(event, await queries.agenda_rows(event_id))
        items = presentations(event, view, now(), starts=await live_queries.starts(event_id))
        rows = await fq.all_feedback(event_id)
        by_item: dict[int, list[dict]] = {}
        for row in rows:
            by_item.setdefault(row["item"], []).append(row)
        summaries = {i["id"]: feedback.summarise([r["rating"] for r in by_item.get(i["id"], [])]) for i in items}
        ranking = feedback.rank(summaries)
        stats = await cq.attendance(event_id)
        gave = len({r["attendee"] for r in rows if r["attendee"]})
        closes = local(event, items[0]["closes"]) if items else None
        votes = await fq.all_votes(event_id)
        choices = {i["id"]: sum(1 for v in votes if v["choice"] == i["id"]) for i in items}
        overall = feedback.summarise([v["rating"] for v in votes if v["rating"]])
        return Template(
            "events/feedback_results.html",
            context={
                "event": event,
                "items": {i["id"]: i for i in items},
                "order": [i["id"] for i in items],
                "ranking": ranking,
                "summaries": summaries,
                "comments": by_item,
                "checked_in": stats["checked_in"],
                "gave": gave,
                "closes": closes,
                "local": lambda m: local(event, m),
                "format_date": format_date,
                "choices": choices,
                "votes": votes,
                "overall": overall,
                "winner": max(choices, key=lambda i: choices[i]) if choices and max(choices.values()) else None,
            },
        )

    @get("/results.csv", media_type=CSV)
    async def export_csv(self, event_id: FromPath[int]) -> Response[bytes]:
        return await self._export(event_id, "csv")

    @get("/results.xlsx", media_type=XLSX)
    async def export_xlsx(self, event_id: FromPath[int]) -> Response[bytes]:
        return await self._export(event_id, "xlsx")

    async def _export(self, event_id: int, fmt: str) -> Response[bytes]:
        """Every rating and comment, with its presentation; then, in rows labelled as such,
        each phone's overall rating of the day with its audience-choice vote, the votes each
        presentation got and the day's average. Hidden comments marked, not dropped."""
        event = await days.get_event(event_id)
        if event is None:
            raise NotFoundException(detail=lazy("No such event."))
        view = agenda_view.build(event, await queries.agenda_rows(event_id))
        titles = {i["id"]: (i["display_title"], i.get("unit") or "", i.get("branch") or "") for i in view.items}
        rows: list[list[object]] = [
            [
                *titles.get(r["item"], ("", "", "")),
                r["rating"],
                r["comment"],
                _("hidden") if r["hidden"] else "",
                local(event, r["updated_at"]).strftime("%Y-%m-%d %H:%M"),
            ]
            for r in await fq.all_feedback(event_id)
        ]
        header = [_("Method"), _("Unit"), _("Branch"), _("Rating"), _("Comment"), _("Hidden"), _("Time")]
        votes = await fq.all_votes(event_id)
        rows += [
            [],
            [_("Overall rating of the day and audience choice (one row per phone)")],
            [
                _("Audience choice"),
                _("Unit"),
                _("Branch"),
                _("Overall rating of the day"),
                _("Comment"),
                _("Hidden"),
                _("Time"),
            ],
        ]
        rows += [
            [
                *titles.get(v["choice"], ("", "", "")),
                v["rating"] if v["rating"] else "",
                v["comment"],
                _("hidden") if v["hidden"] else "",
                local(event, v["updated_at"]).strftime("%Y-%m-%d %H:%M"),
            ]
            for v in votes
        ]
        counts = {i: sum(1 for v in votes if v["choice"] == i) for i in titles}
        rows += [[], [_("Audience-choice votes")], [_("Method"), _("Unit"), _("Branch"), _("Votes")]]
        talks = [i["id"] for i in view.items if i["kind"] == "presentation"]
        rows += [[*titles[i], counts[i]] for i in sorted(talks, key=lambda i: -counts[i])]
        overall = feedback.summarise([v["rating"] for v in votes if v["rating"]])
        rows += [
            [],
            [
                _("Overall rating of the day (average)"),
                "",
                "",
                overall.mean if overall.mean is not None else "",
                _("%(n)s ratings", n=overall.count),
            ],
        ]
        return await spreadsheet(f"feedback-{event['slug']}", header, rows, fmt, sheet_title="评价")

    @post("/{feedback_id:int}/hidden")
    async def hide(self, event_id: FromPath[int], feedback_id: FromPath[int], data: FormBody) -> Redirect:
        if not await fq.set_hidden(event_id, feedback_id, data.get("hidden") == "yes"):
            raise NotFoundException(detail=lazy("No such feedback."))
        return Redirect(path=f"/organiser/events/{event_id}/feedback/#comments")

    @post("/votes/{vote_id:int}/hidden")
    async def hide_vote(self, event_id: FromPath[int], vote_id: FromPath[int], data: FormBody) -> Redirect:
        if not await fq.set_vote_hidden(event_id, vote_id, data.get("hidden") == "yes"):
            raise NotFoundException(detail=lazy("No such feedback."))
        return Redirect(path=f"/organiser/events/{event_id}/feedback/#overall")

    @post("/settings")
    async def save_settings(self, event_id: FromPath[int], data: FormBody) -> Redirect:
        event = await days.get_event(event_id)
        if event is None:
            raise NotFoundException(detail=lazy("No such event."))
        try:
            closes = parse_local_datetime(str(data.get("closes", "")), zone(event["timezone"]))
        except ValueError as exc:
            raise ClientException(detail=Said(str(exc))) from None
        await fq.settings(event_id, data.get("anonymous") == "on", data.get("from_start") == "on", closes)
        return Redirect(path=f"/organiser/events/{event_id}/feedback/")
