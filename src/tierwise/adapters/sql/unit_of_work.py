"""The SQL unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import OperationalError

from tierwise.adapters.sql.repositories import (
    SqlAccounts,
    SqlGrants,
    SqlHistory,
    SqlIdempotency,
    SqlOutbox,
    SqlSeats,
    SqlSignals,
    SqlSubscriptions,
)
from tierwise.errors import ConcurrentChange
from tierwise.services.ports import UnitOfWork

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork(UnitOfWork):
    """Opens a transaction on enter; :meth:`commit` makes it permanent, leaving rolls it back."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        try:
            self._transaction = connection.begin()
        except OperationalError as error:  # SQLite: the lock stayed busy past the timeout
            connection.close()
            raise ConcurrentChange(f"the database is busy: {error.orig}") from None
        self._connection = connection
        self.accounts = SqlAccounts(connection)
        self.subscriptions = SqlSubscriptions(connection)
        self.seats = SqlSeats(connection)
        self.history = SqlHistory(connection)
        self.outbox = SqlOutbox(connection)
        self.idempotency = SqlIdempotency(connection, self.history)
        self.grants = SqlGrants(connection)
        self.signals = SqlSignals(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc, traceback)
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def commit(self) -> None:
        if self._transaction is None:
            raise RuntimeError("commit outside of a unit of work")
        self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
