"""Statements run on the driver read and write exactly what Core reads and writes (both stores)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from tierwise.adapters.sql import tables as t
from tierwise.adapters.sql.driver_statements import DriverCursor, DriverStatement

_INSERT_KEY = DriverStatement(
    insert(t.idempotency_keys), parameters=[c.name for c in t.idempotency_keys.columns]
)
_GET_KEY = DriverStatement(
    select(t.idempotency_keys).where(t.idempotency_keys.c.key == bindparam("key"))
)
_AT = dt.datetime(2026, 3, 10, 9, 30, 15, 250_000, tzinfo=dt.UTC)


def _key(key: str, receipt: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "command": "Change", "fingerprint": "f" * 64, "receipt": receipt, "at": _AT}


def test_a_row_written_on_the_driver_reads_back_the_same_through_core(engine: Engine) -> None:
    # given a row with JSON and an aware instant (2 h east of UTC = 07:30:15.25 UTC)
    east = dt.timezone(dt.timedelta(hours=2))
    receipt = {"data": {"seats": 6, "lines": [{"amount": "12.50"}], "none": None}, "ok": True}
    row = _key("k-1", receipt) | {"at": _AT.astimezone(east)}
    # when it is inserted on the driver
    with engine.begin() as connection:
        DriverCursor(connection).execute(_INSERT_KEY, row)
    # then Core reads the same values, the instant normalised to UTC
    with engine.connect() as connection:
        stored = connection.execute(select(t.idempotency_keys)).mappings().one()
    assert dict(stored) == _key("k-1", receipt)


def test_a_row_written_through_core_reads_back_the_same_on_the_driver(engine: Engine) -> None:
    # given a row inserted through Core
    receipt = {"data": {"quote": None, "after": {"plan": "team"}}}
    with engine.begin() as connection:
        connection.execute(insert(t.idempotency_keys), _key("k-2", receipt))
    # when the driver statement reads it
    with engine.connect() as connection:
        found = DriverCursor(connection).first(_GET_KEY, {"key": "k-2"})
        missing = DriverCursor(connection).first(_GET_KEY, {"key": "nope"})
    # then the values are those Core gives: decoded JSON, an aware UTC instant
    assert found == _key("k-2", receipt)
    assert found is not None
    assert found["at"].tzinfo == dt.UTC
    assert missing is None


def test_a_driver_error_is_raised_as_the_sqlalchemy_exception_core_raises(engine: Engine) -> None:
    # given a stored key
    with engine.begin() as connection:
        DriverCursor(connection).execute(_INSERT_KEY, _key("k-3", {}))
    # when the same key is inserted again on the driver
    # then it is SQLAlchemy's IntegrityError, as Connection.execute would raise
    with engine.connect() as connection, pytest.raises(IntegrityError):
        DriverCursor(connection).execute(_INSERT_KEY, _key("k-3", {}))


def test_a_driver_statement_runs_inside_the_connections_transaction(engine: Engine) -> None:
    # given a connection with no transaction begun
    with engine.connect() as connection:
        # when a driver statement writes and the connection rolls back
        DriverCursor(connection).execute(_INSERT_KEY, _key("k-4", {}))
        assert connection.in_transaction()
        connection.rollback()
    # then nothing was kept (the statement did not run in autocommit)
    with engine.connect() as connection:
        assert connection.execute(select(t.idempotency_keys)).first() is None


def test_a_lost_connection_is_invalidated_as_core_would(engine: Engine) -> None:
    # given a connection whose server session is ended from outside (PostgreSQL only: an
    # embedded SQLite file has no server to lose)
    if engine.dialect.name != "postgresql":
        pytest.skip("only a server database can drop a connection")
    with engine.connect() as connection:
        backend = connection.execute(select(func.pg_backend_pid())).scalar_one()
        with engine.connect() as other:
            other.execute(select(func.pg_terminate_backend(backend)))
        # when a driver statement runs on it
        with pytest.raises(DBAPIError) as raised:
            DriverCursor(connection).first(_GET_KEY, {"key": "k"})
        # then the error says so and the connection is invalidated (never pooled again)
        assert raised.value.connection_invalidated
        assert connection.invalidated
    # and the engine goes on with a fresh connection
    with engine.connect() as connection:
        assert DriverCursor(connection).first(_GET_KEY, {"key": "k"}) is None
