"""Rate limits: a sliding minute per key (a phone, an address). In one process the counts
live in memory; with SHOWCASE_REDIS_URL they live in Redis, where each hit is one atomic
transaction (drop the hits older than a minute, add this one, count), so several app
processes share one limit and two simultaneous posts can never both slip through."""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Receive, Scope, Send

WINDOW = 60.0  # seconds


@dataclass(frozen=True)
class Limit:
    name: str
    per_minute: int
    applies: Callable[[Scope], bool]  # cheap: method and path only
    key: Callable[[Scope], str]


class MemoryCounts:
    def __init__(self, size: int = 100_000) -> None:
        self.hits: dict[str, deque[float]] = {}
        self.size = size

    def hit(self, key: str, now: float) -> int:
        hits = self.hits.get(key)
        if hits is None:
            if len(self.hits) >= self.size:
                self._forget_idle(now)
            hits = self.hits[key] = deque()
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        hits.append(now)
        return len(hits)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self.hits.items() if not v or v[-1] <= now - WINDOW]:
            del self.hits[key]
        if len(self.hits) >= self.size:  # a flood of new keys: forget the oldest half, not everyone
            for key in list(self.hits)[: self.size // 2]:
                del self.hits[key]


class RedisCounts:
    def __init__(self, url: str, namespace: str = "showcase:limit:") -> None:
        import redis.asyncio as redis  # noqa: PLC0415 -- Redis is loaded only with SHOWCASE_REDIS_URL

        self.redis = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        self.namespace = namespace

    async def hit(self, keys: list[str], now: float) -> list[int]:
        """Every limit a request falls under, in one round trip and one transaction."""
        member = f"{now:.6f}:{secrets.token_hex(4)}"
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in keys:
                name = self.namespace + key
                pipe.zremrangebyscore(name, 0, now - WINDOW)
                pipe.zadd(name, {member: now})
                pipe.zcard(name)
                pipe.expire(name, int(WINDOW) + 1)
            replies = await pipe.execute()
        return [int(count) for count in replies[2::4]]


def rate_limits(limits: list[Limit], redis_url: str = "") -> Callable[[ASGIApp], ASGIApp]:
    """The middleware: a post over a limit is answered 429 (a page in the user's language)."""
    # In memory each limit counts apart: a flood against one (say, made-up phones) cannot
    # push another (the login attempts of an address) out.
    redis_counts = RedisCounts(redis_url) if redis_url else None
    memory = {limit.name: MemoryCounts() for limit in limits}
    clock: Callable[[], float] = time.time if redis_url else time.monotonic  # shared wall clock across processes

    def middleware(app: ASGIApp) -> ASGIApp:
        async def limited(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                applying = [limit for limit in limits if limit.applies(scope)]
                if applying:
                    now = clock()
                    keys = [f"{limit.name}:{limit.key(scope)}" for limit in applying]
                    if redis_counts is not None:
                        counts = await redis_counts.hit(keys, now)
                    else:
                        counts = [memory[limit.name].hit(key, now) for limit, key in zip(applying, keys, strict=True)]
                    if any(n > limit.per_minute for n, limit in zip(counts, applying, strict=True)):
                        raise TooManyRequestsException()
            await app(scope, receive, send)

        return limited

    return middleware


def cookie(scope: Scope, name: str) -> str | None:
    prefix = name.encode() + b"="
    for header, value in scope.get("headers", ()):
        if header == b"cookie":
            for part in value.split(b";"):
                part = part.strip()
                if part.startswith(prefix):
                    return part[len(prefix) :].decode("latin-1")
    return None


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"
