"""Group commit: write jobs that arrive together share one transaction and one COMMIT.

Under a burst of check-ins or feedback, one thread hop (SQLite) or one WAL flush
(PostgreSQL) then serves dozens of writes instead of one each."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from core.db.engine import current_engine
from core.db.transactions import write_lock

T = TypeVar("T")


class _GroupCommit:
    """Write jobs of one event loop waiting for the next shared transaction, and whether a
    flush is already writing (it takes what arrives meanwhile)."""

    def __init__(self, flush: Callable[[_GroupCommit], Coroutine[Any, Any, None]]) -> None:
        self.flush = flush
        self.pending: list[tuple[Callable[[Any], Any], asyncio.Future]] = []
        self.flushing = False


_group_commits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _GroupCommit]] = (
    weakref.WeakKeyDictionary()
)


async def _enqueue(
    kind: str, flush: Callable[[_GroupCommit], Coroutine[Any, Any, None]], job: Callable[[Any], Any]
) -> Any:
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


def _run_batch(
    connection: sqlite3.Connection, jobs: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
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
    lock = write_lock()
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
            for (_, future), (ok, value) in zip(batch, results, strict=True):
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
            for (_, future), (ok, value) in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(value) if ok else future.set_exception(value)
    finally:
        state.flushing = False


async def pg_group_commit(job: Callable[[Any], Awaitable[T]]) -> T:
    """PostgreSQL: run ``job(connection)`` in a transaction shared with the jobs that arrive
    meanwhile; answer after the COMMIT. One WAL flush then serves
    a whole burst of check-ins instead of one each."""
    return await _enqueue("postgres", _pg_flush, job)
