"""The one transaction both SQL units of work share (ledger and webhooks), on SQLite and PostgreSQL.

Each test runs for :class:`SqlUnitOfWork` and :class:`SqlWebhookUnitOfWork`: a commit keeps what
was written, leaving without one forgets it, an error inside rolls back, the connection always
goes back to the pool, and on SQLite the write lock is taken at begin (``BEGIN IMMEDIATE``) and a
lock still busy after the timeout is a ``ConcurrentChange`` that changed nothing.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.adapters.sql import engine as engine_module
from tierwise.adapters.sql.transaction import SqlTransaction
from tierwise.adapters.sql.webhook_store import SqlWebhookUnitOfWork
from tierwise.errors import ConcurrentChange
from tierwise.licensing.accounts import Account

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Unit:
    """A unit of work class with one write and the read that sees it."""

    open: Callable[[Engine], SqlTransaction]
    write: Callable[[Any], None]
    written: Callable[[Any], bool]


def _add_account(uow: SqlUnitOfWork) -> None:
    uow.accounts.add(
        Account(id="acc_1", external_id="crm-1", name="A", currency="USD", created_at=AT)
    )


def _move_cursor(uow: SqlWebhookUnitOfWork) -> None:
    uow.sources.set_cursor("test", 7)


UNITS = {
    "ledger": Unit(SqlUnitOfWork, _add_account, lambda uow: uow.accounts.get("acc_1") is not None),
    "webhooks": Unit(
        SqlWebhookUnitOfWork, _move_cursor, lambda uow: uow.sources.cursor("test") == 7
    ),
}


@pytest.fixture(params=list(UNITS))
def unit(request: pytest.FixtureRequest) -> Unit:
    return UNITS[request.param]


def _checked_out(engine: Engine) -> int:
    """Connections taken from the engine's pool and not given back."""
    assert isinstance(engine.pool, QueuePool)
    return engine.pool.checkedout()


def _written(unit: Unit, engine: Engine) -> bool:
    with unit.open(engine) as uow:
        return unit.written(uow)


def test_a_commit_keeps_the_write(unit: Unit, engine: Engine) -> None:
    # when
    with unit.open(engine) as uow:
        unit.write(uow)
        uow.commit()
    # then
    assert _written(unit, engine)
    assert _checked_out(engine) == 0


def test_leaving_without_a_commit_forgets_the_write(unit: Unit, engine: Engine) -> None:
    # when
    with unit.open(engine) as uow:
        unit.write(uow)
        assert unit.written(uow)  # visible inside its own transaction
    # then
    assert not _written(unit, engine)
    assert _checked_out(engine) == 0


def test_an_error_inside_rolls_back_and_returns_the_connection(unit: Unit, engine: Engine) -> None:
    # given a write followed by a failure inside the unit
    def write_then_fail() -> None:
        with unit.open(engine) as uow:
            unit.write(uow)
            _ = 1 / 0

    # when / then the failure passes through
    with pytest.raises(ZeroDivisionError):
        write_then_fail()
    # and
    assert not _written(unit, engine)
    assert _checked_out(engine) == 0


def test_a_commit_outside_the_unit_is_refused(unit: Unit, engine: Engine) -> None:
    # given a unit never entered
    uow = unit.open(engine)
    # when / then
    with pytest.raises(RuntimeError, match="commit outside of a unit of work"):
        uow.commit()


def _sqlite_file(engine: Engine) -> str:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, not the database")
    path = engine.url.database
    assert path is not None
    return path


def test_sqlite_takes_the_write_lock_at_begin(unit: Unit, engine: Engine) -> None:
    # given a unit that has begun and not written anything yet
    path = _sqlite_file(engine)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    # when another writer asks for the lock / then it is already taken (BEGIN IMMEDIATE)
    with unit.open(engine), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    # and once the unit is left, the lock is free again
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_a_sqlite_lock_busy_past_the_timeout_is_a_concurrent_change(
    unit: Unit, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a writer holding the lock, and a unit that waits for it no time at all
    path = _sqlite_file(engine)
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_SECONDS", 0)
    impatient = engine_module.create_ledger_engine(str(engine.url))
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        # when / then
        with pytest.raises(ConcurrentChange, match="the database is busy"):
            unit.open(impatient).__enter__()
        assert _checked_out(impatient) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # and the same unit works once the lock is free
    with unit.open(impatient) as uow:
        unit.write(uow)
        uow.commit()
    assert _written(unit, engine)
    impatient.dispose()
