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
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence
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


def extract_ticket_code(scanned: str) -> Optional[str]:
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


def check_door_code(secret: str, event_id: int, code: str, now: dt.datetime,
                    period: int = DOOR_PERIOD_SECONDS, grace: int = DOOR_GRACE_WINDOWS) -> str:
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


def name_error(name: str) -> Optional[str]:
    if not name:
        return "name_required"
    if len(name) > NAME_MAX:
        return "name_too_long"
    return None


def unit_error(unit: str) -> Optional[str]:
    return "unit_too_long" if len(unit) > UNIT_MAX else None


def clean_phone(value: str) -> str:
    """Digits only, without a +86 / 0086 country prefix."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix):]
    return digits


def phone_error(phone: str) -> Optional[str]:
    if phone and not (6 <= len(phone) <= 15):
        return "phone_invalid"
    return None


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


def last4_error(value: str) -> Optional[str]:
    return None if not value or re.fullmatch(r"\d{4}", value) else "last4_invalid"


@dataclass(frozen=True)
class Registration:
    id: int
    name: str
    unit: str
    phone: str


def match_registration(candidates: Iterable[Registration], name: str, last4: str = "") -> tuple[str, Optional[int]]:
    """Find the pre-registered person a self check-in means.

    ('one', id): that registration. ('none', None): nobody registered by that name, a
    walk-in. ('ambiguous', None): several registrations share the name; ask for the last
    four digits. ('mismatch', None): registered by that name, but not with those digits.
    ('see_staff', None): even the digits match several (a list imported twice): the desk
    decides, the form does not ask the same question again.
    """
    same_name = [c for c in candidates if clean_text(c.name) == name]
    if not same_name:
        return "none", None
    if last4:
        matching = [c for c in same_name if c.phone.endswith(last4)]
        if len(matching) == 1:
            return "one", matching[0].id
        return ("mismatch", None) if not matching else ("see_staff", None)
    if len(same_name) == 1:
        return "one", same_name[0].id
    return "ambiguous", None


# -- live attendance ---------------------------------------------------------------------

def arrivals_per_bucket(times: Sequence[dt.datetime], minutes: int = 5) -> list[tuple[dt.datetime, int]]:
    """Arrivals counted per N-minute bucket, from the first arrival to the last, gaps as 0."""
    if not times:
        return []
    size = dt.timedelta(minutes=minutes)

    def floor(moment: dt.datetime) -> dt.datetime:
        return moment - dt.timedelta(minutes=moment.minute % minutes, seconds=moment.second,
                                     microseconds=moment.microsecond)

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
