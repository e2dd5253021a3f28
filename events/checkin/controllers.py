"""Check-in: the door QR and self check-in, personal tickets, staff scanning, attendance."""

import hashlib
import secrets
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.guards import issue_api_token, organiser_guard, user_of
from core import pending
from core.clock import now, zone
from core.qr import qr_svg
from core.signing import sign, unsign
from events import days
from events.agenda import queries
from events.agenda import views as agenda_view
from events.checkin import imports, roster
from events.checkin import queries as cq
from events.checkin import rules as checkin
from events.checkin.schemas import AttendanceOut, PersonOut
from events.checkin.windows import attendance_out, checkin_window, load_event, staff_guard, window_message
from events.http import DEVICE_COOKIE, device_of, hub_of, local
from presenters.units.queries import cached_unit_suggestions
from presenters.units.rules import canonical, full_names
from web.errors import Said
from web.forms import FormBody, parse_local_datetime
from web.i18n import format_time, lazy
from web.i18n import gettext as _
from web.openapi import CSV, XLSX, answers
from web.responses import spreadsheet
from web.routing import PUBLIC, public_base, settings_of

DOOR_PASS_MINUTES = 10
ATTENDEES_PER_PAGE = 200  # rows on one page of the registrations

FIELD_ERRORS = {
    "name_required": lazy("Please enter your name."),
    "name_too_long": lazy("The name is too long (at most 50 characters)."),
    "unit_too_long": lazy("The unit is too long (at most 100 characters)."),
    "last4_invalid": lazy("Enter exactly the last 4 digits of your mobile number."),
    "phone_invalid": lazy("Not an 11-digit mainland mobile number."),
    "phone_scientific": lazy(
        "The spreadsheet program turned this number into scientific notation (like 1.38073E+10) and digits are lost: format the mobile column as text and export the list again."
    ),
    "email_invalid": lazy("The email address does not look right."),
    "duplicate_row": lazy("The same person appears twice."),
    "already_registered": lazy("Already registered for this event."),
}
FILE_ERRORS = {
    "empty": lazy("The file is empty."),
    "too_big": lazy("The file is too large (at most 16 MB)."),
    "bad_xlsx": lazy("This .xlsx file cannot be read. Save it again from the spreadsheet program."),
    "not_a_table": lazy("This is not a spreadsheet. Upload .xlsx or .csv."),
    "bad_encoding": lazy("The text encoding of this file is not UTF-8 or GBK."),
    "no_name_column": lazy(
        "No name column found. The first row needs a column titled 姓名 (or name); 单位, 手机, 邮箱 are optional."
    ),
    "too_many_rows": lazy(
        "Too many rows (at most 50,000). Split the list into several files and import them one by one."
    ),
    "too_many_cells": lazy("A row has too many cells (at most 200)."),
    "cell_too_long": lazy("A cell is too long (at most 10,000 characters)."),
    "bad_archive": lazy(
        "This file is an archive that unpacks to far more than its size (too many parts, or parts "
        "that inflate too much): it was refused."
    ),
}


# A self check-in that needs one more answer: the field to ask for, and the question.
ASK_AGAIN = {
    "need_last4": (
        "last4",
        lazy(
            "Someone registered under this name with a mobile number: enter its last 4 digits. Not registered? Please go to the check-in desk."
        ),
    ),
    "ambiguous": (
        "last4",
        lazy("Several people with this name are registered: enter the last 4 digits of your mobile number."),
    ),
    "mismatch": (
        "last4",
        lazy("These 4 digits do not match the registration under this name. Check them, or ask the staff at the door."),
    ),
    "need_unit": ("unit", lazy("Enter the unit you registered with.")),
}


IMPORT_GONE = lazy("This import has expired or was already confirmed: upload the file again.")


def _import_owner(request: Request[Any, Any, Any], event_id: int) -> str:
    """A kept import belongs to this event and to the organiser's login that previewed it."""
    user = user_of(request)
    login = request.session.get("sid") if isinstance(request.session, dict) else None
    return imports.owner(event_id, user.id if user else 0, str(login or ""))


async def _import_refused(event_id: int, message: str, status: int) -> Template:
    """The import page with what was wrong, and its way back to the upload form."""
    return Template(
        "events/import_preview.html",
        status_code=status,
        context={"event": await days.get_event(event_id), "file_error": message, "errors": [], "sample": []},
    )


async def _kept_import(request: Request[Any, Any, Any], event_id: int, token: str) -> imports.Preview | Template:
    """The preview kept under ``token`` for this event and login; else the page saying so:
    400 for a token of the wrong form, 410 when there is none (used, expired, another
    event's or another person's)."""
    if not pending.well_formed(token):
        return await _import_refused(event_id, _(IMPORT_GONE), 400)
    found = await anyio.to_thread.run_sync(
        imports.take, settings_of(request).data_dir, token, _import_owner(request, event_id)
    )
    return await _import_refused(event_id, _(IMPORT_GONE), 410) if found is None else found


async def door_secret(event: dict[str, Any]) -> str:
    """The event's door secret (made on first use); 404 when the event was deleted meanwhile."""
    secret = await cq.ensure_door_secret(event)
    if secret is None:
        raise NotFoundException(detail=lazy("No such event."))
    return secret


async def published_event_for_checkin(slug: str) -> dict[str, Any]:
    """The day a phone at the door asks for, from the 2-second caches (by slug, then its
    check-in settings by id): 500 phones at once must not each read the event row."""
    event = await days.cached_event_by_slug(slug[:60])
    found = await cq.event_for_checkin(event["id"]) if event is not None and event["status"] == "published" else None
    if found is None:  # (or deleted since the line above)
        raise NotFoundException(detail=lazy("This event does not exist or has not been published yet."))
    return found


class SelfCheckIn(Controller):
    """What an attendee's phone sees after scanning the door QR. No JavaScript needed."""

    opt = PUBLIC

    async def _page(self, event: dict, status: int = 200, **context: Any) -> Template:
        values = {
            "units": await cached_unit_suggestions(),
            "event": event,
            "errors": {},
            "raw": {},
            "message": "",
            "state": "open",
            "door": "",
            "ambiguous": False,
        }
        values.update(context)
        return Template("events/checkin.html", context=values, status_code=status)

    @get(
        "/e/{slug:str}/checkin",
        responses=answers(200, 302, 403, s302="Checked in already, from this phone.", s403="The door is not open now."),
    )
    async def form(self, request: Request, slug: FromPath[str], c: FromQuery[str] = "") -> Response:
        event = await published_event_for_checkin(slug)
        mine = await cq.device_checkin(event["id"], device_of(request))
        if mine:
            return Redirect(path=f"/e/{event['slug']}/checkin/done")
        state = checkin.checkin_state(now(), *checkin_window(event))
        if state != "open":
            return await self._page(event, 403, state=state, message=window_message(event, state))
        response = await self._page(event)
        if event["rotating_door_code"]:
            secret = await door_secret(event)
            verdict = checkin.check_door_code(secret, event["id"], c[:40], now())
            has_pass = unsign(request.app.state["secret"], request.cookies.get(f"door_{event['id']}")) == str(
                event["id"]
            )
            if verdict != "ok" and not has_pass:
                await cq.log_attempt(
                    event["id"], "expired" if verdict == "expired" else "invalid", "self", detail="door"
                )
                return await self._page(
                    event, 403, state="expired", message=_("This code has expired. Scan the code on the screen again.")
                )
            if verdict == "ok":
                response.set_cookie(
                    f"door_{event['id']}",
                    sign(request.app.state["secret"], str(event["id"]), DOOR_PASS_MINUTES * 60),
                    max_age=DOOR_PASS_MINUTES * 60,
                    httponly=True,
                    samesite="lax",
                    path=f"/e/{event['slug']}",
                    secure=settings_of(request).secure_cookies,
                )
        return response

    @post(
        "/e/{slug:str}/checkin",
        responses=answers(
            200, 302, 403, 409, s403="The door is not open now.", s409="Not found as given, or see the check-in desk."
        ),
    )
    async def submit(self, request: Request, slug: FromPath[str], data: FormBody) -> Response:
        event = await published_event_for_checkin(slug)
        state = checkin.checkin_state(now(), *checkin_window(event))
        if state != "open":
            await cq.log_attempt(event["id"], "closed", "self")
            return await self._page(event, 403, state=state, message=window_message(event, state))
        if event["rotating_door_code"]:
            if unsign(request.app.state["secret"], request.cookies.get(f"door_{event['id']}")) != str(event["id"]):
                await cq.log_attempt(event["id"], "expired", "self", detail="door pass")
                return await self._page(
                    event, 403, state="expired", message=_("This code has expired. Scan the code on the screen again.")
                )
        if data.get("website"):  # a honeypot field people never see
            return await self._page(event, 400, message=_("The form could not be sent. Please try again."))
        raw = {k: str(data.get(k, ""))[:300] for k in ("name", "unit", "last4")}
        name, unit, last4 = (
            checkin.clean_text(raw["name"]),
            canonical(checkin.clean_text(raw["unit"]), await cached_unit_suggestions()),
            checkin.clean_text(raw["last4"]),
        )
        errors = {}
        for key, code in (
            ("name", checkin.name_error(name)),
            ("unit", checkin.unit_error(unit)),
            ("last4", checkin.last4_error(last4)),
        ):
            if code:
                errors[key] = _(FIELD_ERRORS[code])
        if errors:
            return await self._page(event, 400, errors=errors, raw=raw)
        device = device_of(request) or secrets.token_urlsafe(24)
        outcome = await cq.check_in_self(event["id"], name, unit, last4, device)
        if outcome.status in ASK_AGAIN:
            field, message = ASK_AGAIN[outcome.status]
            return await self._page(event, 409, raw=raw, ambiguous=field == "last4", errors={field: _(message)})
        if outcome.status in ("see_staff", "wrong_unit"):
            return await self._page(
                event,
                409,
                state="see_staff",
                message=_("Please go to the check-in desk, where the staff will verify who you are."),
            )
        if outcome.status == "already" and device_of(request) != device:
            # checked in before, from another phone (or by staff): say so, do not loop back
            at = local(event, outcome.checked_in_at)  # None: the check-in was undone meanwhile
            message = (
                _("%(name)s checked in at %(time)s.", name=outcome.name, time=format_time(at))
                if at
                else _("Already checked in")
            )
            return await self._page(event, 200, state="already", message=message)
        if outcome.status == "checked_in":
            hub_of(request).announce_soon(event["id"])  # the projector's count
        response = Redirect(path=f"/e/{event['slug']}/checkin/done")
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=settings_of(request).secure_cookies,
        )
        return response

    @get("/e/{slug:str}/checkin/done", responses=answers(200, 302, s302="Not checked in from this phone."))
    async def done(self, request: Request, slug: FromPath[str]) -> Response:
        event = await published_event_for_checkin(slug)
        mine = await cq.device_checkin(event["id"], device_of(request))
        if not mine:
            return Redirect(path=f"/e/{event['slug']}/checkin")
        full = await days.get_event(event["id"])
        if full is None:  # deleted since the check-in
            raise NotFoundException(detail=lazy("This event does not exist or has not been published yet."))
        view = agenda_view.build(full, await queries.agenda_rows(event["id"]))
        return Template(
            "events/checkin_done.html",
            context={
                "event": full,
                "view": view,
                "name": mine["name"],
                "unit": mine["unit"],
                "at": format_time(local(event, mine["checked_in_at"])),
            },
        )

    @get("/t/{code:str}")
    async def ticket(self, request: Request, code: FromPath[str]) -> Template:
        """The attendee's own ticket: a QR for the staff scanner, readable in WeChat."""
        found = checkin.extract_ticket_code(code)
        attendee = await cq.attendee_by_ticket(found) if found else None
        if attendee is None:
            raise NotFoundException(detail=lazy("This ticket does not exist."))
        at = await cq.checked_in_at(attendee["id"])
        url = f"{public_base(request)}/t/{attendee['ticket_code']}"
        return Template(
            "events/ticket.html",
            context={
                "attendee": attendee,
                "qr": qr_svg(url, _("Ticket QR code")),
                "checked_in_at": at,
            },
        )


class StaffCheckIn(Controller):
    """What door staff may do, and nothing more: scan, look up, check in."""

    guards = [staff_guard]

    @get("/staff/")
    async def staff_home(self) -> Template:
        """Door staff's start page: the events they can scan tickets for."""
        return Template("events/staff_home.html", context={"events": await days.list_published_events()})

    @get("/organiser/events/{event_id:int}/scan")
    async def scanner(self, request: Request, event_id: FromPath[int]) -> Template:
        event = await load_event(event_id)
        token = issue_api_token(request.app.state["secret"], request.scope["user"], request.session.get("sid") or "")
        return Template("events/scan.html", context={"event": event, "token": token})

    @get("/api/events/{event_id:int}/attendees", tags=["check-in"])
    async def lookup(self, event_id: FromPath[int], q: FromQuery[str] = "") -> list[PersonOut]:
        """Manual lookup by name, or by exactly the last 4 digits of the mobile, when a QR will
        not scan. Other runs of digits find nobody: the numbers shown are masked."""
        event = await load_event(event_id)
        query = checkin.clean_text(q)[:50]
        if len(query) < 1:
            return []
        rows = await cq.list_attendees(event_id, query, limit=20)
        return [
            PersonOut(
                id=r["id"],
                name=r["name"],
                unit=r["unit"],
                phone=checkin.mask_phone(r["phone"]),
                checked_in_at=local(event, r["checked_in_at"]),
            )
            for r in rows
        ]

    @get("/api/events/{event_id:int}/attendance", tags=["check-in"])
    async def attendance_json(self, event_id: FromPath[int]) -> AttendanceOut:
        event = await load_event(event_id)
        return await attendance_out(event)


class AttendancePages(Controller):
    path = "/organiser/events/{event_id:int}"
    guards = [organiser_guard]

    @get("/attendance")
    async def attendance(self, request: Request, event_id: FromPath[int]) -> Template:
        event = await load_event(event_id)
        full = await days.get_event(event_id)
        opens, closes = checkin_window(event)
        url = f"{public_base(request)}/e/{event['slug']}/checkin"
        return Template(
            "events/attendance.html",
            context={
                "event": full,
                "ci": event,
                "stats": await attendance_out(event),
                "missing": await cq.not_arrived(event_id, 300),
                "opens": local(event, opens),
                "closes": local(event, closes),
                "checkin_url": url,
                "qr": qr_svg(url, _("Check-in QR code")),
                "mask": checkin.mask_phone,
                "state": checkin.checkin_state(now(), opens, closes),
            },
        )

    @post("/checkin-settings", responses=answers(302))
    async def settings(self, event_id: FromPath[int], data: FormBody) -> Response:
        event = await load_event(event_id)
        tz = zone(event["timezone"])
        try:
            values = [parse_local_datetime(str(data.get(key, "")), tz) for key in ("opens", "closes")]
        except ValueError as exc:
            raise ClientException(detail=Said(str(exc))) from None
        if values[0] and values[1] and values[1] <= values[0]:
            raise ClientException(detail=lazy("Check-in must close after it opens."))
        await cq.update_checkin_settings(event_id, values[0], values[1], data.get("rotating") == "on")
        if data.get("rotating") == "on":
            await door_secret(event)
        return Redirect(path=f"/organiser/events/{event_id}/attendance")

    @get("/door")
    async def door(self, event_id: FromPath[int]) -> Template:
        """The projector's door code. With rotation on, it refreshes itself."""
        event = await load_event(event_id)
        opens, closes = checkin_window(event)
        state = checkin.checkin_state(now(), opens, closes)
        stats = await cq.attendance(event_id)
        return Template(
            "events/door.html",
            context={
                "event": event,
                "period": checkin.DOOR_PERIOD_SECONDS,
                "state": state,
                "message": window_message(event, state) if state != "open" else "",
                "count": stats["checked_in"],
            },
        )

    @get("/door/qr", media_type="image/svg+xml")
    async def door_qr(self, request: Request, event_id: FromPath[int]) -> Response[str]:
        event = await load_event(event_id)
        url = f"{public_base(request)}/e/{event['slug']}/checkin"
        if event["rotating_door_code"]:
            secret = await door_secret(event)
            url += f"?c={checkin.door_code(secret, event_id, checkin.door_window(now()))}"
        svg = qr_svg(url, _("Check-in QR code")).replace("<svg", '<svg xmlns:xlink="http://www.w3.org/1999/xlink"', 0)
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    # -- registrations ------------------------------------------------------------------

    async def _attendees_page(
        self, event: dict[str, Any], q: str = "", page: str = "", status: int = 200, **context: Any
    ) -> Template:
        """One page of the registrations (or of a search in them), with the links to the others."""
        query = checkin.clean_text(q)[:50]
        total = await cq.count_attendees(event["id"], query)
        pages = max(1, -(-total // ATTENDEES_PER_PAGE))
        number = min(max(int(page), 1), pages) if page.strip().isdigit() and len(page) < 9 else 1
        rows = await cq.list_attendees(
            event["id"], query, limit=ATTENDEES_PER_PAGE, offset=(number - 1) * ATTENDEES_PER_PAGE
        )
        values = {
            "event": await days.get_event(event["id"]),
            "rows": rows,
            "total": total,
            "page": number,
            "pages": pages,
            "first": (number - 1) * ATTENDEES_PER_PAGE + 1,
            "q": q[:50],
            "mask": checkin.mask_phone,
            "local": lambda m: local(event, m),
            "units": await cached_unit_suggestions(),
            "errors": {},
            "raw": {},
        }
        values.update(context)
        return Template("events/attendees.html", context=values, status_code=status)

    @get("/attendees")
    async def attendees(self, event_id: FromPath[int], q: FromQuery[str] = "", page: FromQuery[str] = "") -> Template:
        return await self._attendees_page(await load_event(event_id), q, page)

    @post("/attendees", responses=answers(302))
    async def add_attendee(self, event_id: FromPath[int], data: FormBody) -> Response:
        event = await load_event(event_id)
        phone, phone_error = checkin.parse_mobile(str(data.get("phone", ""))[:40])
        person = {
            "name": checkin.clean_text(str(data.get("name", ""))[:300]),
            "unit": canonical(checkin.clean_text(str(data.get("unit", ""))[:300]), await cached_unit_suggestions()),
            "phone": phone,
            "email": checkin.clean_text(str(data.get("email", ""))[:200]),
        }
        errors = {}
        for key, code in (
            ("name", checkin.name_error(person["name"])),
            ("unit", checkin.unit_error(person["unit"])),
            ("phone", phone_error),
        ):
            if code:
                errors[key] = _(FIELD_ERRORS[code])
        if person["email"] and ("@" not in person["email"] or len(person["email"]) > 100):
            errors["email"] = _(FIELD_ERRORS["email_invalid"])
        if errors:
            return await self._attendees_page(event, status=400, errors=errors, raw=person)
        await cq.add_attendees(event_id, [person])
        return Redirect(path=f"/organiser/events/{event_id}/attendees")

    @post("/attendees/{attendee_id:int}/delete")
    async def remove_attendee(self, event_id: FromPath[int], attendee_id: FromPath[int]) -> Redirect:
        if not await cq.delete_attendee(event_id, attendee_id):
            raise NotFoundException(detail=lazy("No such attendee."))
        return Redirect(path=f"/organiser/events/{event_id}/attendees")

    @post("/attendees/erase")
    async def erase(self, event_id: FromPath[int], data: FormBody) -> Redirect:
        await load_event(event_id)
        if data.get("confirm") != "yes":
            raise ClientException(detail=lazy("Tick the box to confirm."))
        await cq.erase_personal_data(event_id)
        return Redirect(path=f"/organiser/events/{event_id}/attendees")

    @post(
        "/attendees/import",
        request_max_body_size=roster.MAX_BYTES + 64 * 1024,
        responses=answers(200, s200="The preview of the import, to confirm."),
    )
    async def import_preview(
        self,
        request: Request[Any, Any, Any],
        event_id: FromPath[int],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[Any]:
        """Step 1: read the file and keep what it holds on the server, for the preview page
        (counts, a sample, every row with an error). Nothing is stored in the database."""
        await load_event(event_id)
        upload = data.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        filename = getattr(upload, "filename", "") or ""
        # Off the event loop: even a file refused at its limits takes a moment to read.
        parsed = await anyio.to_thread.run_sync(roster.parse_roster, content, filename)
        del content
        if parsed.error:
            return await _import_refused(event_id, _(FILE_ERRORS[parsed.error]), 400)
        found = imports.preview_of(parsed, await cq.registered_people(event_id), filename)
        token = await anyio.to_thread.run_sync(
            imports.keep, settings_of(request).data_dir, _import_owner(request, event_id), found
        )
        # The page has an address of its own: reloading it sends nothing again, and the
        # rows with errors are read a page at a time.
        return Redirect(path=f"/organiser/events/{event_id}/attendees/import/{token}", status_code=303)

    @get(
        "/attendees/import/{token:str}",
        responses=answers(
            200,
            400,
            410,
            s410="This preview is gone: confirmed already, over an hour old, or another login's or event's.",
        ),
    )
    async def import_page(
        self, request: Request[Any, Any, Any], event_id: FromPath[int], token: FromPath[str], page: FromQuery[str] = ""
    ) -> Template:
        await load_event(event_id)
        found = await _kept_import(request, event_id, token)
        if isinstance(found, Template):
            return found
        pages = max(1, -(-len(found.errors) // imports.ERRORS_PER_PAGE))
        number = min(max(int(page), 1), pages) if page.strip().isdigit() and len(page) < 9 else 1
        first = (number - 1) * imports.ERRORS_PER_PAGE

        def shown(line: imports.Line) -> dict[str, Any]:
            return {
                "line": line.line,
                "name": line.name,
                "unit": line.unit,
                "phone": line.phone if line.errors else checkin.mask_phone(line.phone),
                "email": line.email,
                "imported": line.imported,
                "errors": [_(FIELD_ERRORS.get(e, e)) for e in line.errors],
            }

        return Template(
            "events/import_preview.html",
            context={
                "event": await days.get_event(event_id),
                "file_error": "",
                "token": token,
                "filename": found.filename,
                "valid_count": len(found.people),
                "imported_count": found.skipped,
                "error_count": len(found.errors),
                "sample": [shown(line) for line in found.sample],
                "errors": [shown(line) for line in found.errors[first : first + imports.ERRORS_PER_PAGE]],
                "page": number,
                "pages": pages,
                "minutes": pending.MAX_AGE // 60,
            },
        )

    @post("/attendees/import/confirm")
    async def import_confirm(
        self, request: Request[Any, Any, Any], event_id: FromPath[int], data: FormBody
    ) -> Response[Any]:
        """Step 2: store the rows the preview kept, checked again; the page sends only
        their token."""
        await load_event(event_id)
        token = str(data.get("token", ""))
        found = await _kept_import(request, event_id, token)
        if isinstance(found, Template):
            return found
        clean = imports.checked_again(found.people)
        if clean is None:
            raise ClientException(detail=lazy("The import could not be read. Upload the file again."))
        # a unit named by its short name is stored by its full name, as the door reads it
        names = full_names(await cached_unit_suggestions())
        clean = [{**p, "unit": names.get(p["unit"], p["unit"])} for p in clean]
        outcome = None
        if clean:
            # The same rows confirmed twice (two tabs of one list, or two confirmations
            # of one preview at the same moment) are one import: the database knows each
            # confirmed list by this digest.
            digest = hashlib.sha256(msgspec.json.encode(clean)).hexdigest()
            outcome = await cq.import_attendees(event_id, digest, clean)
        await anyio.to_thread.run_sync(pending.discard, settings_of(request).data_dir, token)  # used up
        if outcome is None:
            return Redirect(path=f"/organiser/events/{event_id}/attendees")
        added, skipped = outcome
        return Redirect(
            path=f"/organiser/events/{event_id}/attendees",
            query_params={"imported": str(added), "skipped": str(skipped)},
        )

    # -- exports ------------------------------------------------------------------------

    async def _export_rows(self, event: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
        rows = await cq.list_attendees(event["id"], limit=100_000)
        header = [_("Full name"), _("Unit"), _("Mobile"), _("Source"), _("Checked in at")]
        body = []
        for r in rows:
            at = local(event, r["checked_in_at"])
            body.append(
                [
                    r["name"],
                    r["unit"],
                    checkin.mask_phone(r["phone"]),
                    _("Walk-in") if r["source"] == "walk-in" else _("Registered"),
                    at.strftime("%Y-%m-%d %H:%M") if at else "",
                ]
            )
        return header, body

    async def _export(self, event_id: int, fmt: str) -> Response[bytes]:
        event = await load_event(event_id)
        header, body = await self._export_rows(event)
        return await spreadsheet(f"attendance-{event['slug']}", header, body, fmt, sheet_title="签到")

    @get("/attendance.csv", media_type=CSV)
    async def export_csv(self, event_id: FromPath[int]) -> Response[bytes]:
        return await self._export(event_id, "csv")

    @get("/attendance.xlsx", media_type=XLSX)
    async def export_xlsx(self, event_id: FromPath[int]) -> Response[bytes]:
        return await self._export(event_id, "xlsx")
