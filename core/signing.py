"""Short signed values for cookies (HMAC-SHA256 with the app's secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def sign(secret: bytes, value: str, max_age: int) -> str:
    expires = int(time.time()) + max_age
    payload = f"{value}|{expires}"
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}|{mac}"


def unsign(secret: bytes, token: str | None) -> str | None:
    """The value, or None when the token is forged, malformed or expired."""
    if not token or token.count("|") < 2 or len(token) > 300:
        return None
    payload, mac = token.rsplit("|", 1)
    expected = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    value, expires = payload.rsplit("|", 1)
    if not expires.isdecimal() or int(expires) < time.time():
        return None
    return value


def capability_token(secret: bytes, purpose: str, ident: int, nonce: str) -> str:
    """A private link's token: ``<id>-<mac>``, the MAC an HMAC-SHA256 of the purpose, id and
    a random nonce stored with the row. The database alone cannot rebuild it; a new nonce
    makes a new link."""

    mac = hmac.new(secret, f"{purpose}:{ident}:{nonce}".encode(), hashlib.sha256).digest()
    return f"{ident}-{base64.urlsafe_b64encode(mac).decode().rstrip('=')[:32]}"


def token_id(token: str) -> int | None:
    """The id a capability token names (not yet checked), or None if it is malformed."""
    head, _, mac = (token or "").partition("-")
    return int(head) if head.isdecimal() and len(head) <= 12 and 20 <= len(mac) <= 40 else None
