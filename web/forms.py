"""Parsing HTML form posts into typed values, with messages in the user's language.

A form page re-renders with the user's input and a message beside each wrong field; nothing
is stored until every field is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar.enums import RequestEncodingType
from litestar.params import Body

from core.clock import FIRST_DAY, LAST_DAY
from core.text import clean_line, clean_text
from web.i18n import gettext as _

# The body of an HTML form post, as a dict of its fields.
FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


# The dates this service accepts: a showcase day, a deadline or a call falls in this century.
# Beyond it the dates are typos or "never", and year 9999 overflowed every clock computation.
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])?$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # an English msgid; the page translates it
    kind: str = (
        "text"  # text, suggest (text with suggestions), textarea, int, date, time, select, color, slug, timezone
    )
    required: bool = True
    max_length: int = 100
    minimum: int = 0
    maximum: int = 0
    help: str = ""
    choices_key: str = ""  # which choice list the page supplies (select fields)


@dataclass
class FormResult:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_form(
    fields: Sequence[Field],
    data: Mapping[str, Any],
    choices: Mapping[str, Sequence[tuple[Any, str]]] | None = None,
) -> FormResult:
    result = FormResult()
    for f in fields:
        raw = data.get(f.name, "")
        if isinstance(raw, list):
            raw = raw[0] if raw else ""
        # Cleaned before anything else, so what is checked is what is stored (NUL never gets
        # here: the request was refused, see web.errors.refuse_nul).
        text = (clean_text if f.kind == "textarea" else clean_line)(str(raw)).strip()
        result.raw[f.name] = text
        if not text:
            if f.required:
                result.errors[f.name] = _("This field is required.")
            else:
                result.values[f.name] = None if f.kind in ("int", "select", "date", "time") else ""
            continue
        try:
            result.values[f.name] = _convert(f, text, (choices or {}).get(f.choices_key or f.name))
        except ValueError as exc:
            result.errors[f.name] = str(exc)
    return result


def _convert(f: Field, text: str, choices: Sequence[tuple[Any, str]] | None) -> Any:
    if f.kind in ("text", "textarea", "suggest"):
        if len(text) > f.max_length:
            raise ValueError(_("At most %(n)s characters (this has %(m)s).", n=f.max_length, m=len(text)))
        return text
    if f.kind == "int":
        if not re.fullmatch(r"-?\d{1,9}", text):
            raise ValueError(_("Enter a whole number."))
        number = int(text)
        if number < f.minimum or (f.maximum and number > f.maximum):
            raise ValueError(_("Enter a number from %(lo)s to %(hi)s.", lo=f.minimum, hi=f.maximum))
        return number
    if f.kind == "date":
        message = _("Enter a date as YYYY-MM-DD, e.g. 2026-07-01.")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(message)
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(message) from None
        return check_year(day)
    if f.kind == "time":
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)(?::00)?", text)
        if not match:
            raise ValueError(_("Enter a time as HH:MM (24-hour), e.g. 09:00."))
        return dt.time(int(match[1]), int(match[2]))
    if f.kind == "color":
        if not COLOR_RE.fullmatch(text):
            raise ValueError(_("Enter a colour as #RRGGBB."))
        return text.lower()
    if f.kind == "slug":
        if not SLUG_RE.fullmatch(text):
            raise ValueError(_("Use 3–60 lowercase letters, digits and hyphens, e.g. shuixin-2026."))
        return text
    if f.kind == "timezone":
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("Unknown time zone.")) from None
        return text
    if f.kind == "select":
        for value, _label in choices or ():
            if str(value) == text:
                return value
        raise ValueError(_("Choose one of the options."))
    raise AssertionError(f.kind)


D = TypeVar("D", bound=dt.date)  # a date, or a datetime (a subclass)


def check_year(value: D) -> D:
    """The value itself when it falls in years 2000–2100 (a datetime too); else ValueError
    with the message for the page or the API."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(_("Enter a date between the years 2000 and 2100."))
    return value


def parse_local_datetime(text: str, tz: dt.tzinfo) -> dt.datetime | None:
    """A <input type=datetime-local> value in the event's zone; empty means None.
    Raises ValueError with a message for the page."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        raise ValueError(_("Enter a date and time as YYYY-MM-DD HH:MM.")) from None
    return check_year(moment)
