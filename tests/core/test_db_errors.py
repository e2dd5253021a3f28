"""Which errors say "the database cannot be reached" (503): only real connection failures.
A statement the driver refuses (too many parameters, a missing table) is our fault, not an
outage, and must not tell the organiser to wait for a database that is up. The exceptions
here are the drivers' own, raised by real connections."""

from __future__ import annotations

import asyncio
import socket
import sqlite3

import pytest

from web.errors import database_unreachable


def sqlite_error(sql: str, args: tuple = ()) -> sqlite3.Error:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(sql, args)
    except sqlite3.Error as exc:
        return exc
    finally:
        connection.close()
    raise AssertionError("no error")


def test_database_unreachable_not_for_sqlite_statement_errors():
    too_many = sqlite_error("SELECT 1 WHERE 0 IN (" + ",".join("?" * 300_000) + ")", tuple(range(300_000)))
    assert "too many SQL variables" in str(too_many)
    assert not database_unreachable(too_many)
    assert not database_unreachable(sqlite_error("SELECT * FROM no_such_table"))


def test_database_unreachable_for_a_locked_sqlite_file(tmp_path):
    path = tmp_path / "x.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0.05)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("INSERT INTO t VALUES (1)")
    holder.execute("ROLLBACK")
    assert database_unreachable(locked.value)


def test_database_unreachable_for_refused_connections_not_for_missing_files(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(OSError) as refused:
        socket.create_connection(("127.0.0.1", port), timeout=2)
    assert database_unreachable(refused.value)
    with pytest.raises(OSError) as missing:
        open(tmp_path / "nothing.pdf", "rb")
    assert not database_unreachable(missing.value)


def test_database_unreachable_not_for_asyncpg_too_many_parameters():
    from tests.services import PG_ADMIN, need_postgres

    need_postgres()
    import asyncpg

    async def errors() -> tuple[BaseException, BaseException]:
        connection = await asyncpg.connect(PG_ADMIN)
        try:
            try:
                await connection.execute(
                    "SELECT 1 WHERE 0 IN (" + ",".join(f"${i}::int" for i in range(1, 32_770)) + ")", *range(32_769)
                )
            except Exception as exc:  # noqa: BLE001
                too_many = exc
        finally:
            await connection.close()
        try:
            await connection.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001
            closed = exc
        return too_many, closed

    too_many, closed = asyncio.run(errors())
    assert isinstance(too_many, asyncpg.InterfaceError) and "32767" in str(too_many)
    assert not database_unreachable(too_many)
    assert database_unreachable(closed)  # "connection is closed": the connection really is gone
