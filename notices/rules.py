"""Notices' decisions on plain values: when to try again, what a robot's URL may look like
and how it is shown, what an e-mail address is, and a notice's Message-ID."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

MAX_ATTEMPTS = 8
FIRST_DELAY = 30.0  # seconds before the second attempt; doubled each time after
LONGEST_DELAY = 6 * 3600.0
STATES = ("pending", "sending", "sent", "failed", "held")
WECOM_HOST = "qyapi.weixin.qq.com"
WECOM_PATH = "/cgi-bin/webhook/send"
EMAIL = re.compile(r"^[^@\s<>,;\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


def retry_delay(attempts: int, first: float = FIRST_DELAY) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, ... at most 6 h."""
    return min(first * 2 ** max(0, attempts - 1), LONGEST_DELAY)


def after_failure(attempts: int, at: dt.datetime, max_attempts: int = MAX_ATTEMPTS, first: float = FIRST_DELAY):
    """(state, next attempt) after the ``attempts``-th failure: pending again later, or failed for good."""
    if attempts >= max_attempts:
        return "failed", at
    return "pending", at + dt.timedelta(seconds=retry_delay(attempts, first))


def is_email(text: str) -> bool:
    """An address a notice can go to (one address, nothing else around it)."""
    return len(text) <= 254 and bool(EMAIL.match(text.strip()))


def wecom_url_problem(url: str) -> str | None:
    """Why this is not a WeCom group robot's webhook URL (None: it is one).
    https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<the robot's key>"""
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or parts.hostname != WECOM_HOST or parts.port not in (None, 443):
        return "host"
    if parts.path != WECOM_PATH:
        return "path"
    keys = parse_qs(parts.query).get("key", [])
    if len(keys) != 1 or not re.fullmatch(r"[A-Za-z0-9-]{8,100}", keys[0]):
        return "key"
    return None


def masked_url(url: str) -> str:
    """The URL as it may be shown: the host and the key's first and last four characters,
    https://qyapi.weixin.qq.com/…key=abcd…wxyz."""
    parts = urlsplit(url)
    key = (parse_qs(parts.query).get("key") or [""])[0]
    shown = f"{key[:4]}…{key[-4:]}" if len(key) >= 12 else "…"
    return f"{parts.scheme}://{parts.hostname or ''}/…key={shown}"


def message_id(notice_id: int, created: dt.datetime, domain: str) -> str:
    """The same Message-ID at every attempt of a notice: a copy sent again after a crash
    is recognisable as the same message (and mail clients show it once)."""
    return f"<notice-{notice_id}.{int(created.timestamp())}@{domain or 'showcase.invalid'}>"
