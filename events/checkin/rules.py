"""Pure check-in logic: ticket codes, rotating door codes, windows, names, phones, rosters.

No database and no HTTP here, so every rule is tested with plain values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

TICKET_BYTES = 24  # 192 bits of randomness; the issue asks for at least 128
TICKET_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
NAME_MAX = 50
UNIT_MAX = 100
DOOR_PERIOD_SECONDS = 15  # a new door QR every 15 s
DOOR_GRACE_WINDOWS = 2  # a code stays valid for the current and two previous periods (30–45 s)


def new_ticket_code() -> str:
    return secrets.token_urlsafe(TICKET_BYTES)


def new_door_secret() -> str:
    return secrets.token_hex(16)


def extract_ticket_code(scanned: str) -> str | None:
    """The ticket code from what a scanner read: the code itself or a ticket URL (/t/<code>)."""
    text = (scanned or "").strip()
    if len(text) > 300:
        return None
    if "/" in text:
        path = urlparse(text).path if "://" in text else text
        text = path.rstrip("/").rsplit("/", 1)[-1]
    return text if TICKET_RE.fullmatch(text) else None


# -- rotating door codes -----------------------------------------------------------------


def door_window(now: dt.datetime, period: int = DOOR_PERIOD_SECONDS) -> int:
    return int(now.timestamp()) // period


def door_code(secret: str, event_id: int, window: int) -> str:
    mac = hmac.new(secret.encode(), f"door:{event_id}:{window}".encode(), hashlib.sha256).hexdigest()
    return f"{window}.{mac[:12]}"


def check_door_code(
    secret: str,
    event_id: int,
    code: str,
    now: dt.datetime,
    period: int = DOOR_PERIOD_SECONDS,
    grace: int = DOOR_GRACE_WINDOWS,
) -> str:
    """'ok', 'expired' (a real code, too old: scan the screen again) or 'invalid'."""
    match = re.fullmatch(r"(\d{1,12})\.([0-9a-f]{12})", code or "")
    if not match:
        return "invalid"
    window = int(match[1])
    if not hmac.compare_digest(door_code(secret, event_id, window).encode(), code.encode()):
        return "invalid"
    current = door_window(now, period)
    if window > current + 1:  # from the future: a forged window or a wrong clock
        return "invalid"
    return "ok" if window >= current - grace else "expired"


# -- when check-in is open ---------------------------------------------------------------


def checkin_state(now: dt.datetime, opens: dt.datetime, closes: dt.datetime) -> str:
    if now < opens:
        return "not_yet"
    if now >= closes:
        return "closed"
    return "open"


def default_window(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Without organiser times: from two hours before the start until the planned end."""
    return start - dt.timedelta(hours=2), end


# -- people ------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """NFKC (full-width letters and digits to half-width), trimmed, inner spaces folded."""
    text = unicodedata.normalize("NFKC", value or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return re.sub(r"\s+", " ", text).strip()


def name_error(name: str) -> str | None:
    if not name:
        return "name_required"
    if len(name) > NAME_MAX:
        return "name_too_long"
    return None


def unit_error(unit: str) -> str | None:
    return "unit_too_long" if len(unit) > UNIT_MAX else None


MOBILE_RE = re.compile(r"1[3-9]\d{9}")
SCIENTIFIC_RE = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+")


def parse_mobile(value: str) -> tuple[str, str | None]:
    """(11 digits, None) for a mainland mobile, ("", None) for nothing, (what was there, code)
    for anything else: the number at the door must be the person's, not a spreadsheet's guess.

    Spaces, dashes and a +86 / 86 / 0086 prefix are fine, and so is a number cell read back
    as "13800001111.0". Refused: Excel's scientific notation ("1.38073E+10", digits already
    lost: "phone_scientific"), fractions, too few or too many digits ("phone_invalid").
    """
    text = clean_text(value)
    if not text:
        return "", None
    if SCIENTIFIC_RE.fullmatch(text.replace(" ", "")):
        return text, "phone_scientific"
    number = text
    whole = re.fullmatch(r"(\d+)\.(\d+)", text)
    if whole:
        if whole[2].strip("0"):
            return text, "phone_invalid"
        number = whole[1]
    if not re.fullmatch(r"\+?[\d \-]+", number):
        return text, "phone_invalid"
    digits = re.sub(r"\D", "", number)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix) :]
            break
    return (digits, None) if MOBILE_RE.fullmatch(digits) else (text, "phone_invalid")


def last4_query(query: str) -> str | None:
    """What a staff lookup may find by digits: a whole last four, nothing else.

    None: not a digit query (search names). "": digits, but not exactly four (find nobody:
    a longer run of digits would let anyone read a masked number back a digit at a time).
    """
    text = clean_text(query)
    if not re.fullmatch(r"[\d +\-]*\d[\d +\-]*", text):
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) == 4 else ""


def person_keys(name: str, unit: str, phone: str) -> tuple[tuple[str, ...], ...]:
    """Who counts as one registered person, for imports: the same name, unit and mobile
    (the first key); with a mobile, also the same name and mobile under another unit."""
    keys: tuple[tuple[str, ...], ...] = (("person", name, unit, phone),)
    return keys + ((("mobile", name, phone),) if phone else ())


def mask_phone(phone: str) -> str:
    """138****1234: enough for a person to recognise their own number, no more."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(0, len(phone) - 4) + phone[-4:]


def last4_error(value: str) -> str | None:
    return None if not value or re.fullmatch(r"\d{4}", value) else "last4_invalid"


LAST4_TRIES = 5  # wrong answers for one registration before only the desk can check it in


def same_unit(a: str, b: str) -> bool:
    """Units as people type them: width, case and spaces do not matter, the words do."""

    def fold(text: str) -> str:
        return clean_text(text).casefold().replace(" ", "")

    return bool(fold(a)) and fold(a) == fold(b)


@dataclass(frozen=True)
class Registration:
    id: int
    name: str
    unit: str
    phone: str


def match_registration(
    candidates: Iterable[Registration], name: str, unit: str = "", last4: str = "", locked: Iterable[int] = ()
) -> tuple[str, int | None]:
    """Find the pre-registered person a self check-in means, or say what is missing. Never guess.

    ('one', id): that registration. ('none', None): nobody registered by that name, a walk-in.
    ('need_last4', None): one registration by that name has a mobile: a name (even with a
    unit) is not enough, ask for its last four digits. ('ambiguous', None): the same for
    several registrations. ('mismatch', None): digits that fit nobody by that name, a wrong
    try. ('need_unit', None): the only registration by that name has no mobile but a unit:
    ask for it. ('wrong_unit', None): that unit is not the one on file (a wrong try too): the
    desk checks. ('see_staff', None): the desk decides (a list imported twice, several by
    that name and no mobile to tell them apart, too many wrong tries).
    ``locked``: registrations that had too many wrong tries; while one of them has that name,
    no answer is given that would tell right digits from wrong ones.
    """
    same_name = [c for c in candidates if clean_text(c.name) == name]
    if not same_name:
        return "none", None
    if set(locked) & {c.id for c in same_name}:
        return "see_staff", None
    with_mobile = [c for c in same_name if c.phone]
    in_unit = [c for c in same_name if unit and same_unit(c.unit, unit)]
    if last4 and with_mobile:
        matching = [c for c in with_mobile if c.phone.endswith(last4)]
        if not matching:
            return "mismatch", None
        if len(matching) > 1:  # the same last four twice: the unit may tell them apart
            matching = [c for c in matching if same_unit(c.unit, unit)]
        return ("one", matching[0].id) if len(matching) == 1 else ("see_staff", None)
    if len(in_unit) == 1 and not in_unit[0].phone:
        return "one", in_unit[0].id  # no mobile on file: name and unit are all there is
    if with_mobile:
        return ("need_last4", None) if len(same_name) == 1 else ("ambiguous", None)
    # Nobody by that name has a mobile on file.
    if len(same_name) > 1 or in_unit:
        return "see_staff", None  # several (or the same unit twice): the desk tells them apart
    only = same_name[0]
    if not clean_text(only.unit):
        return "one", only.id  # name alone is all the organiser gave
    if not unit:
        return "need_unit", None
    return "wrong_unit", None  # another unit: never this registration; the desk checks


# -- live attendance ---------------------------------------------------------------------


def arrivals_per_bucket(times: Sequence[dt.datetime], minutes: int = 5) -> list[tuple[dt.datetime, int]]:
    """Arrivals counted per N-minute bucket, from the first arrival to the last, gaps as 0."""
    if not times:
        return []
    size = dt.timedelta(minutes=minutes)

    def floor(moment: dt.datetime) -> dt.datetime:
        return moment - dt.timedelta(
            minutes=moment.minute % minutes, seconds=moment.second, microseconds=moment.microsecond
        )

    ordered = sorted(times)
    first, last = floor(ordered[0]), floor(ordered[-1])
    counts: dict[dt.datetime, int] = {}
    for moment in ordered:
        counts[floor(moment)] = counts.get(floor(moment), 0) + 1
    buckets = []
    cursor = first
    while cursor <= last:
        buckets.append((cursor, counts.get(cursor, 0)))
        cursor += size
    return buckets
