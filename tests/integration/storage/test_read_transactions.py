"""Read-only transactions (:func:`~tierwise.adapters.sql.engine.reading`), on SQLite and PostgreSQL.

On SQLite a reading transaction begins deferred: it takes no write lock, so a writer is never
kept waiting by it and it never waits for one (it reads the snapshot of its first read, WAL), and
its connection refuses writes (``query_only``), while the engine's own transactions still take
the write lock at begin. On PostgreSQL the reading engine reads as the engine does.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import OperationalError

from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.adapters.sql import engine as engine_module
from tierwise.adapters.sql import tables as t
from tierwise.adapters.sql.engine import reading
from tierwise.licensing.accounts import Account

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _add_account(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.accounts.add(
            Account(id="acc_1", external_id="crm-1", name="A", currency="USD", created_at=AT)
        )
        uow.commit()


def _name(connection: Connection) -> str:
    return str(connection.execute(select(t.accounts.c.name)).scalar_one())


def _sqlite_file(engine: Engine) -> str:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, not the database")
    path = engine.url.database
    assert path is not None
    return path


@pytest.fixture
def other(engine: Engine) -> Iterator[sqlite3.Connection]:
    """A second writer on the same SQLite file that never waits for the lock."""
    connection = sqlite3.connect(_sqlite_file(engine), timeout=0, isolation_level=None)
    yield connection
    if connection.in_transaction:
        connection.execute("ROLLBACK")
    connection.close()


def test_a_reading_transaction_reads_what_was_committed(engine: Engine) -> None:
    # given
    _add_account(engine)
    # when
    with reading(engine).connect() as connection:
        name = _name(connection)
    # then
    assert name == "A"


def test_a_reading_transaction_leaves_the_write_lock_free(
    engine: Engine, other: sqlite3.Connection
) -> None:
    # given a reading transaction that has read (on SQLite, it now holds a snapshot)
    _add_account(engine)
    with reading(engine).connect() as connection:
        assert _name(connection) == "A"
        # when another writer takes the lock without waiting and commits a change
        other.execute("BEGIN IMMEDIATE")  # would raise "database is locked" under IMMEDIATE
        other.execute("UPDATE accounts SET name = 'B'")
        other.execute("COMMIT")
        # then the reader still reads its snapshot
        assert _name(connection) == "A"
    # and a new reading transaction reads the change
    with reading(engine).connect() as connection:
        assert _name(connection) == "B"


def test_a_reading_transaction_does_not_wait_for_a_writer(
    engine: Engine, other: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a writer holding the lock with a change not committed yet, and an engine that
    # waits no time at all for a lock
    _add_account(engine)
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_SECONDS", 0)
    impatient = engine_module.create_ledger_engine(str(engine.url))
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE accounts SET name = 'B'")
    try:
        # when / then a reader reads the committed state at once
        with reading(impatient).connect() as connection:
            assert _name(connection) == "A"
        # while the engine's own transactions still need the lock (BEGIN IMMEDIATE, sent
        # straight to the driver: its error arrives unwrapped)
        with (
            pytest.raises(sqlite3.OperationalError, match="locked"),
            impatient.connect() as connection,
        ):
            _name(connection)
    finally:
        impatient.dispose()


def test_a_write_through_a_reading_connection_is_refused(
    engine: Engine, other: sqlite3.Connection
) -> None:
    # given
    _sqlite_file(engine)
    _add_account(engine)
    # when / then
    with (
        pytest.raises(OperationalError, match="readonly database"),
        reading(engine).begin() as connection,
    ):
        connection.execute(update(t.accounts).values(name="B"))
    # and nothing was written, the lock is free
    other.execute("BEGIN IMMEDIATE")
    assert other.execute("SELECT name FROM accounts").fetchone() == ("A",)


def test_a_pooled_connection_used_for_reading_writes_again_with_the_lock(
    engine: Engine, other: sqlite3.Connection
) -> None:
    # given a pooled connection that served a reading transaction
    _add_account(engine)
    with reading(engine).connect() as connection:
        assert _name(connection) == "A"
        used = connection.connection.dbapi_connection
    # when the engine's own transaction gets the same connection back from the pool
    with engine.begin() as connection:
        assert connection.connection.dbapi_connection is used
        connection.execute(update(t.accounts).values(name="B"))
        # then it writes, holding the write lock from its begin
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    with reading(engine).connect() as connection:
        assert _name(connection) == "B"
