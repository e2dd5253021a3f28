"""Security headers on every response: a Content-Security-Policy for pages (scripts only
from our own origin, never inline; nothing may frame us), no MIME sniffing, no referrer to
other sites (private links carry tokens in their paths), and HSTS behind HTTPS."""

from __future__ import annotations

from litestar.types import Message, Scope

# Inline style attributes stay allowed (bar widths, an event's theme colour); scripts do not.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(), payment=()"),
)


def security_headers(secure: bool):
    """A before-send hook (it sees every response, a 404 for an unknown path included, which
    route middleware never does); ``secure`` (behind HTTPS) adds Strict-Transport-Security."""
    extra = ((b"strict-transport-security", b"max-age=31536000"),) if secure else ()
    csp = (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or [])
        present = {name.lower() for name, _ in headers}
        add = [h for h in (*ALWAYS, *extra) if h[0] not in present]
        content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        # Pages and SVG (which can carry script) get the policy; a PDF is left to its viewer.
        if (
            content_type.startswith((b"text/html", b"image/svg")) or not content_type
        ) and b"content-security-policy" not in present:
            add.append(csp)
        message["headers"] = headers + add

    return add_headers
