"""What the check-in API takes and answers (msgspec Structs: they appear in OpenAPI)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class CheckInIn(msgspec.Struct, forbid_unknown_fields=True):
    """What a scanner sends: the ticket code (or the whole scanned URL), or an attendee id
    picked by name when the QR will not scan."""

    code: Annotated[str, msgspec.Meta(max_length=300)] = ""
    attendee_id: Id | None = None


class PersonOut(msgspec.Struct):
    id: int
    name: str
    unit: str
    phone: str = ""
    checked_in_at: dt.datetime | None = None


class CheckInOut(msgspec.Struct):
    status: Literal["checked_in", "already", "invalid", "closed"]
    message: str
    checked_in_at: dt.datetime | None = None
    attendee: PersonOut | None = None


class AttendanceOut(msgspec.Struct):
    checked_in: int
    registered: int
    walk_ins: int
    arrivals: list[list]  # [["09:05", 12], ...] per 5 minutes
