"""Everything of one showcase day in one .zip, for the organiser's own records: the agenda,
the registrations in full (mobile numbers not masked: this is the organiser's copy, and the
page says so), check-ins and every attempt, feedback, votes, the current slides and the
printed PDFs, with a README that says what each file is.

The rows are read here; the archive is written to a file on a worker thread, a member at a
time (CSV rows streamed into the zip, slides copied from disk in chunks), and sent from disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import time
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.clock import zone
from events.agenda import queries
from events.agenda import views as agenda_view
from events.checkin import queries as cq
from events.feedback import queries as fq
from events.programme import exports
from events.slides import files as slides
from events.slides import queries as sq
from events.tables import CheckIn, CheckInAttempt
from web.i18n import gettext as _
from web.i18n import lazy

# The archive is read in a spreadsheet by people, not by programs: codes stored in the
# database go out as words (an unknown code as it is).
CHANNELS = {
    "self": lazy("Self check-in"),
    "ticket": lazy("Ticket scanned by staff"),
    "manual": lazy("Found by name at the desk"),
}
OUTCOMES = {
    "ok": lazy("Checked in"),
    "duplicate": lazy("Already checked in"),
    "mismatch": lazy("Last 4 digits did not match"),
    "need_last4": lazy("Asked for the last 4 digits"),
    "ambiguous": lazy("Same name: asked for the last 4 digits"),
    "need_unit": lazy("Asked for the unit"),
    "wrong_unit": lazy("Unit did not match: sent to the desk"),
    "see_staff": lazy("Sent to the desk"),
    "closed": lazy("Check-in not open"),
    "expired": lazy("Code expired"),
    "invalid": lazy("Unknown code"),
}


def _word(words: dict[str, Any], code: str) -> str:
    return _(words[code]) if code in words else code


# A cell that starts like a formula is one in Excel and WPS: written as text instead.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
KEEP_SECONDS = 3600  # archives left behind by an interrupted download are removed after this


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class DayArchive:
    """What goes into the zip: tables, small texts, files on disk and PDFs in memory."""

    tables: list[Table] = field(default_factory=list)
    texts: dict[str, bytes] = field(default_factory=dict)
    files: list[tuple[Path, str]] = field(default_factory=list)  # (source, name in the zip)
    pdfs: dict[str, bytes] = field(default_factory=dict)


def cell(value: Any) -> str:
    """A value as spreadsheet text that never becomes a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


async def gather(
    event: dict[str, Any], public_url: str, data_dir: Path, pdf: Callable[[str], Awaitable[Path | bytes]]
) -> DayArchive:
    """Read everything of the day. ``pdf(kind)`` makes one printed document (booklet,
    poster, tickets, report): its file in the renderer's cache, or its bytes."""
    tz = zone(event["timezone"])

    def local(moment: dt.datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    day = DayArchive()
    view = agenda_view.build(event, await queries.agenda_rows(event["id"]))
    titles = {item["id"]: item["display_title"] for item in view.items}
    day.tables.append(
        Table(
            "agenda.csv",
            [_("Start"), _("End"), _("Kind"), _("Title"), _("Unit"), _("Party branch"), _("Presenter"), _("Minutes")],
            [
                [
                    local(i["start"]),
                    local(i["end"]),
                    i["kind_label"],
                    i["display_title"],
                    i.get("unit") or "",
                    i.get("branch") or "",
                    i.get("presenter") or "",
                    i["duration"],
                ]
                for i in view.items
            ],
        )
    )
    export = exports.to_export(event, view, public_url)
    day.texts["agenda.ics"] = exports.to_ics(export)
    day.texts["schedule.json"] = exports.to_frab_json(export)
    day.texts["schedule.xml"] = exports.to_frab_xml(export)

    people = await cq.list_attendees(event["id"], limit=1_000_000)
    names = {p["id"]: p for p in people}
    day.tables.append(
        Table(
            "attendees.csv",
            [
                _("Full name"),
                _("Unit"),
                _("Mobile"),
                _("Email"),
                _("Source"),
                _("Ticket code"),
                _("Registered at"),
                _("Checked in at"),
            ],
            [
                [
                    p["name"],
                    p["unit"],
                    p["phone"],
                    p["email"],
                    _("Walk-in") if p["source"] == "walk-in" else _("Registered"),
                    p["ticket_code"],
                    local(p["created_at"]),
                    local(p["checked_in_at"]),
                ]
                for p in people
            ],
        )
    )
    checkins = (
        await CheckIn.select(CheckIn.attendee, CheckIn.checked_in_at, CheckIn.channel, CheckIn.scanner)
        .where(CheckIn.event == event["id"])
        .order_by(CheckIn.checked_in_at)
    )
    day.tables.append(
        Table(
            "checkins.csv",
            [_("Full name"), _("Unit"), _("Checked in at"), _("Channel"), _("Scanner")],
            [
                [
                    names.get(c["attendee"], {}).get("name", ""),
                    names.get(c["attendee"], {}).get("unit", ""),
                    local(c["checked_in_at"]),
                    _word(CHANNELS, c["channel"]),
                    c["scanner"] or "",
                ]
                for c in checkins
            ],
        )
    )
    attempts = await CheckInAttempt.select().where(CheckInAttempt.event == event["id"]).order_by(CheckInAttempt.id)
    day.tables.append(
        Table(
            "checkin_attempts.csv",
            [_("Time"), _("Outcome"), _("Channel"), _("Scanner"), _("Full name"), _("Detail")],
            [
                [
                    local(a["at"]),
                    _word(OUTCOMES, a["outcome"]),
                    _word(CHANNELS, a["channel"]),
                    a["scanner"] or "",
                    names.get(a["attendee"], {}).get("name", ""),
                    a["detail"],
                ]
                for a in attempts
            ],
        )
    )
    feedback = await fq.all_feedback(event["id"])
    day.tables.append(
        Table(
            "feedback.csv",
            [_("Presentation"), _("Rating"), _("Comment"), _("Hidden"), _("Changed at")],
            [
                [
                    titles.get(f["item"], ""),
                    f["rating"],
                    f["comment"],
                    _("yes") if f["hidden"] else "",
                    local(f["updated_at"]),
                ]
                for f in feedback
            ],
        )
    )
    votes = await fq.all_votes(event["id"])
    day.tables.append(
        Table(
            "votes.csv",
            [_("Rating of the day"), _("Audience choice"), _("Comment"), _("Hidden")],
            [
                [v["rating"] or "", titles.get(v["choice"], ""), v["comment"], _("yes") if v["hidden"] else ""]
                for v in votes
            ],
        )
    )

    talks = [{**t, "order": n} for n, t in enumerate((i for i in view.items if i["kind"] == "presentation"), start=1)]
    for source, row in await sq.pack_members(event["id"], talks, data_dir):
        day.files.append(
            (
                source,
                "slides/" + slides.pack_name(row["order"], row.get("unit") or "", row["display_title"], row["kind"]),
            )
        )
    for kind, name in (
        ("booklet", "booklet.pdf"),
        ("poster", "poster.pdf"),
        ("tickets", "tickets.pdf"),
        ("report", "feedback-report.pdf"),
    ):
        made = await pdf(kind)
        if isinstance(made, Path):
            day.files.append((made, f"handouts/{name}"))  # the renderer's cached file: copied from disk
        else:
            day.pdfs[f"handouts/{name}"] = made
    day.texts["README.txt"] = readme(event, day).encode("utf-8")
    return day


def readme(event: dict[str, Any], day: DayArchive) -> str:
    lines = [
        f"{event['title']} · {event['date']}",
        _(
            "Everything of this day, exported at %(time)s.",
            time=dt.datetime.now(zone(event["timezone"])).strftime("%Y-%m-%d %H:%M"),
        ),
        "",
        _(
            "This archive holds personal data in full (names, units, mobile numbers not masked, emails). "
            "Keep it where only the organisers can read it, and delete it when it is no longer needed."
        ),
        "",
        "agenda.csv — " + _("the running order with times, units, branches and presenters"),
        "agenda.ics, schedule.json, schedule.xml — " + _("the agenda for calendars and schedule displays"),
        "attendees.csv — " + _("every registration and walk-in, with ticket code and check-in time"),
        "checkins.csv — " + _("who checked in, when, and how"),
        "checkin_attempts.csv — " + _("every check-in attempt (the audit trail)"),
        "feedback.csv — " + _("each rating and comment on a presentation (hidden ones marked)"),
        "votes.csv — " + _("ratings of the day and the audience's choice"),
        "slides/ — "
        + _(
            "the current slides of each presentation, in running order (%(n)s files)",
            n=sum(1 for _source, name in day.files if name.startswith("slides/")),
        ),
        "handouts/ — " + _("the programme booklet, check-in poster, ticket sheets and feedback report as PDF"),
        "",
        _("The .csv files are UTF-8 and open in Excel and WPS."),
    ]
    return "\n".join(lines) + "\n"


def write(folder: Path, day: DayArchive) -> Path:
    """The zip on disk (blocking: run it in a thread). Tables are streamed row by row and
    files copied in chunks, so memory stays small whatever the size of the day."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.zip"):
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix="day-", suffix=".zip", delete=False)
    try:
        with handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in day.texts.items():
                archive.writestr(name, data)
            for table in day.tables:
                with archive.open(name_info(table.name, zipfile.ZIP_DEFLATED), "w") as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    writer = csv.writer(text)
                    writer.writerow(table.header)
                    writer.writerows([cell(v) for v in row] for row in table.rows)
                    text.flush()
                    text.detach()
            for source, name in day.files:
                archive.write(source, arcname=name, compress_type=zipfile.ZIP_STORED)  # read in chunks
            for name, data in day.pdfs.items():
                archive.writestr(name_info(name, zipfile.ZIP_STORED), data)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return Path(handle.name)


def name_info(name: str, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = compression
    info.flag_bits |= 0x800  # names are UTF-8 (Chinese file names open right in Windows)
    return info
