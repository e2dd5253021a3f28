"""A Piccolo SQLite engine that keeps its connections open.

Piccolo's ``SQLiteEngine`` opens a fresh connection (and an aiosqlite thread) for every
query outside a transaction; a handler of three queries then ran at ~3% of a bare
endpoint. This engine keeps a small pool of open connections, turns WAL and foreign keys
on once per connection, and waits for a lock (``busy_seconds``, from the settings) rather
than failing a write at once.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from typing import Any

import aiosqlite
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

POOL_SIZE = 8


class ShowcaseSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, busy_seconds: float = 10.0, **kwargs: Any) -> None:
        # How long a write waits for a lock another process (or a backup) holds, before the
        # request answers 503 "database unavailable" (SHOWCASE_SQLITE_BUSY_SECONDS).
        self.busy_seconds = busy_seconds
        kwargs.setdefault("timeout", busy_seconds)
        super().__init__(path=path, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._open = 0
        self._waiters: collections.deque[asyncio.Future] = collections.deque()
        self._wal_checked = False

    async def _connect(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        # Pooled connections outlive any one command: a daemon worker thread lets the
        # process exit (SQLite's journal keeps committed data safe either way).
        pending._thread.daemon = True
        connection = await pending
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute(f"PRAGMA busy_timeout = {int(self.busy_seconds * 1000)}")
        await connection.execute("PRAGMA foreign_keys = 1")
        if not self._wal_checked:
            await connection.execute("PRAGMA journal_mode = WAL")
            self._wal_checked = True
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def _acquire(self) -> aiosqlite.Connection:
        """An idle connection, a new one while fewer than POOL_SIZE are open, else wait.

        Opening a connection costs a thread and several PRAGMAs: under a burst, opening one
        per waiting request (and closing it again) was most of the cost."""
        while True:
            while self._idle:
                connection = self._idle.pop()
                if connection._running and connection._connection is not None:
                    return connection
                self._open -= 1
            if self._open < POOL_SIZE:
                self._open += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._open -= 1
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                try:
                    waiter.set_result(None)
                    return
                except RuntimeError:  # its loop is gone (a finished test)
                    continue

    async def _release(self, connection: aiosqlite.Connection) -> None:
        try:
            if connection.in_transaction:
                await connection.rollback()
        except (sqlite3.Error, ValueError):
            await self._discard(connection)
            return
        self._idle.append(connection)
        self._wake_one()

    async def _discard(self, connection: aiosqlite.Connection) -> None:
        self._open -= 1
        await _close_quietly(connection)
        self._wake_one()

    async def get_connection(self) -> aiosqlite.Connection:
        """A pooled connection for a transaction; its close() hands it back."""
        connection = await self._acquire()
        engine = self

        async def close() -> None:
            await engine._release(connection)

        connection.close = close  # type: ignore[method-assign]
        return connection

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        connection = await self._acquire()
        try:
            async with connection.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
            if connection.in_transaction:
                await connection.commit()
        except sqlite3.Error:
            await self._release(connection)
            raise
        except BaseException:
            # Cancelled or broken mid-query: the connection's state is unknown.
            await self._discard(connection)
            raise
        await self._release(connection)
        return rows

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        """Piccolo re-sends PRAGMA foreign_keys before every query in a transaction; our
        connections have it on from the start, so that round trip is skipped."""
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def close_pool(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            self._open -= 1
            await _close_quietly(connection)


async def _close_quietly(connection: aiosqlite.Connection) -> None:
    try:
        await aiosqlite.Connection.close(connection)
    except Exception:  # noqa: BLE001 - closing a broken connection must not mask the error
        pass


_engine: Any = None


def current_engine() -> Any:
    """Piccolo's engine_finder() re-imports the config on every call (~90 µs); the engine
    never changes within a process, so ask once."""
    global _engine
    if _engine is None:
        _engine = engine_finder()
    return _engine
