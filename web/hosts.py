"""Which Host names this server answers to, and whether phones can reach a printed address.

Links and QR codes are built from the configured base URL only (Settings.public_base_url);
refusing other Host names on top of that keeps a forged Host from reaching any page at all
(cache poisoning through a proxy, fresh renders of handouts keyed by a made-up host).
Pure functions plus a small ASGI middleware; nothing here reads the request's Host to build a
link.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Always answered whatever the Host: load balancers and monitors probe by address.
HOST_FREE_PATHS = frozenset({"/healthz"})
REFUSAL = (
    "400 错误的请求：本服务不接受这个主机名（Host）。管理员可设置 SHOWCASE_BASE_URL 或 SHOWCASE_ALLOWED_HOSTS。\n"
    "400 Bad Request: this server does not answer to that host name.\n"
).encode()


def host_name(host: str) -> str:
    """The name in a Host header or URL authority, lowercased, without port or brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def allowed_names(listed: str, base_url: str, listen_host: str) -> frozenset[str] | None:
    """SHOWCASE_ALLOWED_HOSTS (comma-separated; ``*`` turns the check off, returned as None),
    else the host of the base URL (or, with no base URL, the address we listen on) and
    the loopback names."""
    entries = [e.strip() for e in listed.split(",") if e.strip()]
    if "*" in entries:
        return None
    if entries:
        return frozenset(host_name(e) for e in entries)
    names = set(LOOPBACK_NAMES)
    if base_url:
        names.add(host_name(urlsplit(base_url).netloc.rsplit("@", 1)[-1]))
    elif listen_host:
        names.add(host_name(listen_host))
    return frozenset(n for n in names if n)


def host_allowed(host: str, allowed: frozenset[str] | None) -> bool:
    return allowed is None or host_name(host) in allowed


def unreachable_from_phones(url: str) -> bool:
    """True when the URL's host is this machine only (loopback, ``localhost``) or the
    unspecified address (0.0.0.0, ::): a phone scanning a code for it gets nowhere."""
    name = host_name(urlsplit(url).netloc.rsplit("@", 1)[-1])
    if name == "localhost" or name.endswith(".localhost") or not name:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


class AllowedHostsMiddleware:
    """400 for a request whose Host header names a host we do not serve. A request without a
    Host header (HTTP/1.0) has nothing to forge and passes."""

    def __init__(self, app, allowed: Iterable[str] | None) -> None:
        self.app = app
        self.allowed = None if allowed is None else frozenset(allowed)

    async def __call__(self, scope, receive, send) -> None:
        if (
            self.allowed is not None
            and scope["type"] in ("http", "websocket")
            and scope.get("path") not in HOST_FREE_PATHS
        ):
            host = next((v for k, v in scope.get("headers", []) if k == b"host"), None)
            if host is not None and not host_allowed(host.decode("latin-1"), self.allowed):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(REFUSAL)).encode()),
                            (b"cache-control", b"no-store"),
                            (b"x-content-type-options", b"nosniff"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": REFUSAL})
                return
        await self.app(scope, receive, send)
