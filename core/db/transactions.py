"""Transactions on either engine: read-then-write transactions, bulk inserts, imports
claimed once, and the errors both drivers raise for a refused write."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from piccolo.engine.sqlite import TransactionType
from piccolo.query.methods.insert import OnConflictAction

from core.db.engine import current_engine

_write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def write_lock() -> asyncio.Lock:
    """This event loop's queue for SQLite writers (transactions and group commits alike)."""
    loop = asyncio.get_running_loop()
    lock = _write_locks.get(loop)
    if lock is None:
        lock = _write_locks[loop] = asyncio.Lock()
    return lock


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction that reads then writes.

    On SQLite it is IMMEDIATE (it takes the write lock up front instead of failing to
    upgrade a read lock later), and writers of this process queue on an asyncio lock first:
    SQLite's own busy handler sleeps in growing steps, which wastes most of a burst.
    Other processes still wait on the busy timeout.
    """

    engine = current_engine()
    if engine.engine_type != "sqlite":
        async with engine.transaction():
            yield
        return
    if engine.current_transaction.get() is not None:  # nested: the outer one holds the lock
        async with engine.transaction():
            yield
        return
    async with write_lock():
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
        query = table.insert(*rows[start : start + size])
        if returning:
            out.extend(await query.returning(*returning))
        else:
            await query
    return out


async def insert_values(table: Any, columns: Sequence[Any], rows: Sequence[Sequence[object]]) -> None:
    """Inside a write transaction: insert rows of plain values for ``columns`` with the
    driver's own executemany, one prepared statement for them all. For long lists: Piccolo
    builds and converts a table object a row (``insert_in_chunks``), and a statement of
    thousands of placeholders still took it 6-8 s for 50,000 people (the write lock held
    all along on SQLite); this takes about one."""
    if not rows:
        return
    engine = current_engine()
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_values runs inside write_transaction")
    names = ", ".join(f'"{column._meta.db_column_name}"' for column in columns)
    if engine.engine_type == "sqlite":
        marks = ", ".join("?" for _ in columns)
    else:
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks})'
    await transaction.connection.executemany(sql, rows)


async def claim_import(table: Any, parent: Any, parent_id: int, digest: str, size: int) -> int:
    """Inside a write transaction: the row of this (parent, digest) import, made or taken.

    The unique index on (parent, digest) makes a second confirmation of the same rows wait
    here (PostgreSQL: on the first one's row lock; SQLite: one writer anyway) until the first
    has committed; what it reads next then includes the first one's rows."""

    rows = (
        await table.insert(
            table(**{parent._meta.name: parent_id}, digest=digest, size=size, added=0, at=dt.datetime.now(dt.UTC))
        )
        .on_conflict(
            target=(parent, table.digest),
            action=OnConflictAction.do_update,
            values=[table.at],
        )
        .returning(table.id)
    )
    return rows[0]["id"]


def integrity_errors() -> tuple[type[BaseException], ...]:
    """What both drivers raise when a constraint refuses a write."""
    import asyncpg  # noqa: PLC0415 -- the PostgreSQL driver, loaded only where PostgreSQL is used

    return (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


class StaleVersion(Exception):
    """A conditional update found the row at another version than the one the editor
    loaded: someone else saved first, and nothing was written."""
