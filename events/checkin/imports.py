"""An attendee list between its preview and its confirmation.

The preview reads the file (``roster``), sorts its rows into those to import, those already
registered and those with errors, and keeps that on the server (``core.pending``) under a
token bound to the event and the organiser's login. The page shows the counts, a sample
and every row with an error, a page of them at a time; the confirmation posts the token
alone, and the rows are read back from here, checked again and stored.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from core import pending
from events.checkin import rules as checkin
from events.checkin.roster import Roster

SAMPLE = 20  # rows without errors shown as a sample
ERRORS_PER_PAGE = 200  # rows with errors on one page of the preview


class Person(msgspec.Struct, array_like=True):
    name: str
    unit: str
    phone: str
    email: str


class Line(msgspec.Struct, array_like=True):
    """A row of the file as the preview shows it."""

    line: int
    name: str
    unit: str
    phone: str
    email: str
    errors: list[str] = []  # codes (FIELD_ERRORS in the controller)
    imported: bool = False  # already registered: skipped


class Preview(msgspec.Struct):
    filename: str
    encoding: str
    people: list[Person]  # to import
    sample: list[Line]  # the first rows without errors
    errors: list[Line]  # every row with an error
    skipped: int  # rows already registered


def preview_of(parsed: Roster, present: set[tuple[str, ...]], filename: str) -> Preview:
    """Sort the rows read: to import, already registered (the same person: skipped, not an
    error), or refused (a row error, or someone else registered under a key of theirs)."""
    people: list[Person] = []
    sample: list[Line] = []
    errors: list[Line] = []
    skipped = 0
    for r in parsed.rows:
        codes = list(r.errors)
        imported = False
        if not codes:
            keys = checkin.person_keys(r.name, r.unit, r.phone)
            if keys[0] in present:
                imported = True
            elif not present.isdisjoint(keys):
                codes.append("already_registered")
        line = Line(r.line, r.name, r.unit, r.phone, r.email, codes, imported)
        if codes:
            errors.append(line)
            continue
        if len(sample) < SAMPLE:
            sample.append(line)
        if imported:
            skipped += 1
        else:
            people.append(Person(r.name, r.unit, r.phone, r.email))
    return Preview(filename[:200], parsed.encoding, people, sample, errors, skipped)


def owner(event_id: int, user_id: int, login: str) -> str:
    """Whose a kept preview is: this event's attendees, by this person in this login."""
    return f"attendees:{event_id}:{user_id}:{login}"


def keep(data_dir: Path, whose: str, preview: Preview) -> str:
    """Keep the preview; its token. Blocking: run it in a thread."""
    return pending.keep(data_dir, whose, msgspec.json.encode(preview))


def take(data_dir: Path, token: str, whose: str) -> Preview | None:
    """The preview kept under ``token`` for ``whose``; None when there is none (malformed,
    unknown, used, expired, someone else's) or it cannot be read. Blocking."""
    body = pending.take(data_dir, token, whose)
    if body is None:
        return None
    try:
        return msgspec.json.decode(body, type=Preview)
    except msgspec.DecodeError:  # (a ValidationError is one too)
        return None


def checked_again(people: list[Person]) -> list[dict[str, str]] | None:
    """The people to store, each checked again as a typed-in registration is (the kept
    file may be damaged, or left by an older version); None if any fails."""
    clean = []
    for p in people:
        phone, phone_error = checkin.parse_mobile(p.phone)
        person = {
            "name": checkin.clean_text(p.name),
            "unit": checkin.clean_text(p.unit),
            "phone": phone,
            "email": checkin.clean_text(p.email)[:100],
        }
        if checkin.name_error(person["name"]) or checkin.unit_error(person["unit"]) or phone_error:
            return None
        clean.append(person)
    return clean
