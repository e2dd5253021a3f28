"""The scanners' API: one ticket (or one person picked by name) checked in, idempotently."""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from accounts.guards import token_user
from core.clock import now
from events.checkin import queries as cq
from events.checkin import rules as checkin
from events.checkin.schemas import CheckInIn, CheckInOut, PersonOut
from events.checkin.windows import checkin_window, load_event, window_message
from events.http import hub_of, local
from web.i18n import format_time
from web.i18n import gettext as _
from web.openapi import ErrorOut
from web.routing import API_TOKEN


class CheckInApi(Controller):
    """The scanners' endpoint. Token-only (Authorization: Bearer), so no cookie and no CSRF
    token: the hot path of the day stays cheap and cannot be driven cross-site."""

    opt = API_TOKEN
    # The token check is called in the handler, not declared as a guard: Litestar copies
    # the route handler for every guard call, which was a tenth of this route's time.

    @post(
        "/api/events/{event_id:int}/checkins",
        status_code=200,
        tags=["check-in"],
        response_description="Already checked in (status already), with the time of the first check-in.",
        responses={
            201: ResponseSpec(CheckInOut, description="Checked in now (status checked_in).", generate_examples=False),
            404: ResponseSpec(
                CheckInOut | ErrorOut,  # type: ignore[arg-type]
                description="Not a ticket of this event (status invalid), or no such event.",
                generate_examples=False,
            ),
            409: ResponseSpec(
                CheckInOut,
                description="The door is not open now (status closed): nothing stored.",
                generate_examples=False,
            ),
        },
    )
    async def check_in(
        self, request: Request, event_id: FromPath[int], data: JSONBody[CheckInIn]
    ) -> Response[CheckInOut]:
        """Idempotent: a repeat answers 200 "already" with the first time, never a second row."""
        scanner = (await token_user(request, "staff", "organiser")).id
        event = await load_event(event_id)
        state = checkin.checkin_state(now(), *checkin_window(event))
        if state != "open":
            await cq.log_attempt(event_id, "closed", "ticket", scanner)
            return Response(CheckInOut(status="closed", message=window_message(event, state)), status_code=409)
        code = checkin.extract_ticket_code(data.code) if data.code else None
        if data.code and not code and data.attendee_id is None:
            await cq.log_attempt(event_id, "invalid", "ticket", scanner, detail=data.code[:8])
            return Response(CheckInOut(status="invalid", message=_("Not a ticket for this event.")), status_code=404)
        outcome = await cq.check_in_ticket(
            event_id, code, "manual" if data.attendee_id else "ticket", scanner, data.attendee_id
        )
        if outcome.status == "invalid":
            return Response(CheckInOut(status="invalid", message=_("Not a ticket for this event.")), status_code=404)
        at = local(event, outcome.checked_in_at)
        person = PersonOut(id=outcome.attendee_id or 0, name=outcome.name, unit=outcome.unit)
        if outcome.status == "already":
            return Response(
                CheckInOut(
                    status="already",
                    message=_("Already checked in at %(time)s.", time=format_time(at))
                    if at
                    else _("Already checked in"),
                    checked_in_at=at,
                    attendee=person,
                ),
                status_code=200,
            )
        hub_of(request).announce_soon(event_id)  # the projector's count
        return Response(
            CheckInOut(status="checked_in", message=_("Checked in."), checked_in_at=at, attendee=person),
            status_code=201,
        )
