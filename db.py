"""A Piccolo SQLite engine that keeps its connections open.

Piccolo's ``SQLiteEngine`` opens a fresh connection (and an aiosqlite thread) for every
query outside a transaction; a handler of three queries then ran at ~3% of a bare
endpoint. This engine keeps a small pool of open connections, turns WAL and foreign keys
on once per connection, and waits up to 30 s for a lock rather than failing a write.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

BUSY_TIMEOUT_SECONDS = 30
POOL_SIZE = 4


class ShowcaseSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", BUSY_TIMEOUT_SECONDS)
        super().__init__(path=path, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._wal_checked = False

    async def _open(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        # Pooled connections outlive any one command: a daemon worker thread lets the
        # process exit (SQLite's journal keeps committed data safe either way).
        pending._thread.daemon = True
        connection = await pending
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        await connection.execute("PRAGMA foreign_keys = 1")
        if not self._wal_checked:
            await connection.execute("PRAGMA journal_mode = WAL")
            self._wal_checked = True
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def _acquire(self) -> aiosqlite.Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection._running and connection._connection is not None:
                return connection
        return await self._open()

    async def _release(self, connection: aiosqlite.Connection) -> None:
        try:
            if connection.in_transaction:
                await connection.rollback()
        except (sqlite3.Error, ValueError):
            await _close_quietly(connection)
            return
        if len(self._idle) < POOL_SIZE:
            self._idle.append(connection)
        else:
            await _close_quietly(connection)

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
            return rows
        except sqlite3.Error:
            raise
        except BaseException:
            # Cancelled or broken mid-query: the connection's state is unknown.
            await _close_quietly(connection)
            raise
        finally:
            if connection._running:
                await self._release(connection)

    async def close_pool(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await _close_quietly(connection)


async def _close_quietly(connection: aiosqlite.Connection) -> None:
    try:
        await aiosqlite.Connection.close(connection)
    except Exception:  # noqa: BLE001 - closing a broken connection must not mask the error
        pass




_write_locks: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = weakref.WeakKeyDictionary()


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction that reads then writes.

    On SQLite it is IMMEDIATE (it takes the write lock up front instead of failing to
    upgrade a read lock later), and writers of this process queue on an asyncio lock first:
    SQLite's own busy handler sleeps in growing steps, which wastes most of a burst.
    Other processes still wait on the busy timeout.
    """
    from piccolo.engine import engine_finder
    from piccolo.engine.sqlite import TransactionType

    engine = engine_finder()
    if engine.engine_type != "sqlite":
        async with engine.transaction():
            yield
        return
    if engine.current_transaction.get() is not None:  # nested: the outer one holds the lock
        async with engine.transaction():
            yield
        return
    loop = asyncio.get_running_loop()
    lock = _write_locks.get(loop)
    if lock is None:
        lock = _write_locks[loop] = asyncio.Lock()
    async with lock:
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield


def integrity_errors() -> tuple[type[BaseException], ...]:
    """What both drivers raise when a constraint refuses a write."""
    import asyncpg

    return (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
