"""A Piccolo SQLite engine that keeps its connections open.

Piccolo's ``SQLiteEngine`` opens a fresh connection (and an aiosqlite thread) for every
query outside a transaction; a handler of three queries then ran at ~3% of a bare
endpoint. This engine keeps a small pool of open connections, turns WAL and foreign keys
on once per connection, and waits up to 30 s for a lock rather than failing a write.
"""

from __future__ import annotations

import asyncio
import collections
import os
import sqlite3
import weakref
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Optional, TypeVar

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

# How long a SQLite write waits for a lock another process (or a backup) holds, before the
# request answers 503 "database unavailable": long enough for any real transaction of ours,
# short enough that a phone is told rather than left waiting.
BUSY_TIMEOUT_SECONDS = float(os.environ.get("SHOWCASE_SQLITE_BUSY_SECONDS", "10"))
POOL_SIZE = 8
T = TypeVar("T")


class ShowcaseSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", BUSY_TIMEOUT_SECONDS)
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
        await connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
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
        args: Optional[list[Any]] = None,
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
        args: Optional[list[Any]] = None,
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


# asyncpg sends at most 32,767 parameters with one statement (SQLite's default limit is
# 32,766): an insert of 4,096 rows of 8 columns is already over. Bulk inserts go in chunks.
MAX_PARAMETERS = 32_766


async def insert_in_chunks(table: Any, rows: list[Any], *returning: Any) -> list[dict[str, Any]]:
    """Insert ``rows`` (instances of ``table``) in as few statements as the drivers take,
    in the caller's transaction; the ``returning`` columns of every row, in order."""
    per_row = len(table._meta.columns)  # every column may become a parameter
    size = max(1, MAX_PARAMETERS // per_row)
    out: list[dict[str, Any]] = []
    for start in range(0, len(rows), size):
        query = table.insert(*rows[start:start + size])
        if returning:
            out.extend(await query.returning(*returning))
        else:
            await query
    return out


async def claim_import(table: Any, parent: Any, parent_id: int, digest: str, size: int) -> int:
    """Inside a write transaction: the row of this (parent, digest) import, made or taken.

    The unique index on (parent, digest) makes a second confirmation of the same rows wait
    here (PostgreSQL: on the first one's row lock; SQLite: one writer anyway) until the first
    has committed; what it reads next then includes the first one's rows."""
    import datetime as dt

    from piccolo.query.methods.insert import OnConflictAction

    rows = await table.insert(table(**{parent._meta.name: parent_id}, digest=digest, size=size, added=0,
                                    at=dt.datetime.now(dt.timezone.utc))).on_conflict(
        target=(parent, table.digest), action=OnConflictAction.do_update, values=[table.at],
    ).returning(table.id)
    return rows[0]["id"]


def integrity_errors() -> tuple[type[BaseException], ...]:
    """What both drivers raise when a constraint refuses a write."""
    import asyncpg

    return (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


class _GroupCommit:
    """Write jobs of one event loop waiting for the next shared transaction, and whether a
    flush is already writing (it takes what arrives meanwhile)."""

    def __init__(self, flush: Callable[["_GroupCommit"], Awaitable[None]]) -> None:
        self.flush = flush
        self.pending: list[tuple[Callable[[Any], Any], asyncio.Future]] = []
        self.flushing = False


_group_commits: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _GroupCommit]]" = weakref.WeakKeyDictionary()


async def _enqueue(kind: str, flush: Callable[[_GroupCommit], Awaitable[None]], job: Callable[[Any], Any]) -> Any:
    loop = asyncio.get_running_loop()
    state = _group_commits.setdefault(loop, {}).get(kind)
    if state is None:
        state = _group_commits[loop][kind] = _GroupCommit(flush)
    future: asyncio.Future = loop.create_future()
    state.pending.append((job, future))
    if not state.flushing:
        state.flushing = True
        loop.create_task(state.flush(state))
    return await future


def _run_batch(connection: sqlite3.Connection, jobs: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    """In the connection's thread: every job in one transaction, each in its own savepoint,
    so one job's error undoes only that job."""
    results: list[tuple[bool, Any]] = []
    connection.execute("BEGIN IMMEDIATE")
    try:
        for job in jobs:
            connection.execute("SAVEPOINT job")
            try:
                results.append((True, job(connection)))
            except Exception as exc:  # noqa: BLE001 - handed back to the job's caller
                connection.execute("ROLLBACK TO job")
                results.append((False, exc))
            connection.execute("RELEASE job")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return results


async def _flush(state: _GroupCommit) -> None:
    engine = current_engine()
    loop = asyncio.get_running_loop()
    lock = _write_locks.get(loop)
    if lock is None:
        lock = _write_locks[loop] = asyncio.Lock()
    try:
        while state.pending:
            batch, state.pending = state.pending, []
            async with lock:
                connection = await engine._acquire()
                try:
                    results = await connection._execute(_run_batch, connection._conn, [job for job, _ in batch])
                except BaseException as exc:
                    if isinstance(exc, sqlite3.Error):
                        await engine._release(connection)
                    else:
                        await engine._discard(connection)
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                await engine._release(connection)
            for (_, future), (ok, value) in zip(batch, results):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
    finally:
        state.flushing = False


async def run_in_write_thread(fn: Callable[[sqlite3.Connection], T]) -> T:
    """SQLite only: run ``fn(connection)`` in a write transaction in the connection's own
    thread, and answer only after it is committed.

    Jobs that arrive while a transaction is being written share the next one (group
    commit): under a burst of check-ins, one thread hop and one COMMIT serve dozens of
    them, where one each capped a process at ~1,200 a second. Each job runs in its own
    savepoint, so a failing job affects no other."""
    return await _enqueue("sqlite", _flush, fn)


async def _pg_run_alone(pool: Any, job: Callable[[Any], Awaitable[Any]]) -> tuple[bool, Any]:
    try:
        async with pool.acquire() as connection:
            async with connection.transaction():
                return True, await job(connection)
    except Exception as exc:  # noqa: BLE001 - handed back to the job's caller
        return False, exc


async def _pg_flush(state: _GroupCommit) -> None:
    """One transaction for the whole batch, without a savepoint per job (each would cost
    two more round trips). If any job fails, the batch is rolled back and every job is run
    again on its own, so one bad job never takes the others with it."""
    pool = current_engine().pool
    try:
        while state.pending:
            batch, state.pending = state.pending, []
            results: list[tuple[bool, Any]] = []
            try:
                async with pool.acquire() as connection:
                    async with connection.transaction():
                        for job, _ in batch:
                            results.append((True, await job(connection)))
            except Exception:  # noqa: BLE001 - isolate the failing job below
                results = [await _pg_run_alone(pool, job) for job, _ in batch]
            for (_, future), (ok, value) in zip(batch, results):
                if not future.done():
                    future.set_result(value) if ok else future.set_exception(value)
    finally:
        state.flushing = False


async def pg_group_commit(job: Callable[[Any], Awaitable[T]]) -> T:
    """PostgreSQL: run ``job(connection)`` in a transaction shared with the jobs that arrive
    meanwhile; answer after the COMMIT. One WAL flush then serves
    a whole burst of check-ins instead of one each."""
    return await _enqueue("postgres", _pg_flush, job)


_engine: Any = None


def current_engine() -> Any:
    """Piccolo's engine_finder() re-imports the config on every call (~90 µs); the engine
    never changes within a process, so ask once."""
    global _engine
    if _engine is None:
        from piccolo.engine import engine_finder

        _engine = engine_finder()
    return _engine


class StaleVersion(Exception):
    """A conditional update found the row at another version than the one the editor
    loaded: someone else saved first, and nothing was written."""
