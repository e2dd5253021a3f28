"""A small per-process TTL cache for hot lookups (the current user, an event's check-in
settings). Processes stay interchangeable: an entry is at most ``ttl`` seconds stale for
changes made by another process, and a process drops its own entry when it changes it."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

# Every cache of the process, so that one call empties them all (a restore, a test's fresh
# database) without anyone knowing their names.
_registry: weakref.WeakSet[TTLCache] = weakref.WeakSet()


def clear_all() -> None:
    """Empty every cache of this process."""
    for cache in list(_registry):
        cache.clear()


class TTLCache:
    def __init__(self, ttl: float, size: int = 4096) -> None:
        self.ttl = ttl
        self.size = size
        self._data: dict[Hashable, tuple[float, Any]] = {}
        self._loading: dict[Hashable, asyncio.Task[Any]] = {}
        _registry.add(self)

    def get(self, key: Hashable) -> Any:
        hit = self._data.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: Hashable, value: Any) -> None:
        if len(self._data) >= self.size:
            self._data.clear()
        self._data[key] = (time.monotonic() + self.ttl, value)

    def drop(self, key: Hashable) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()

    async def get_or_load(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        """The entry, or ``load()``'s answer kept for ``ttl`` (None is not kept). Requests that
        miss together share one load: when an entry expires under a crowd (500 phones at the
        door), one query refills it instead of one per waiting request."""
        hit = self.get(key)
        if hit is not None:
            return hit
        loop = asyncio.get_running_loop()
        running = self._loading.get(key)
        if running is None or running.done() or running.get_loop() is not loop:
            running = loop.create_task(self._load(key, load))
            self._loading[key] = running
            running.add_done_callback(
                lambda task: self._loading.pop(key, None) if self._loading.get(key) is task else None
            )
        return await asyncio.shield(running)  # a waiter given up on does not cancel the others' load

    async def _load(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        value = await load()
        if value is not None:
            self.put(key, value)
        return value
