"""The SQL unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from sqlalchemy import Connection

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
from tierwise.adapters.sql.transaction import SqlTransaction
from tierwise.services.ports import UnitOfWork

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork(SqlTransaction, UnitOfWork):
    """Opens a transaction on enter; :meth:`commit` makes it permanent, leaving rolls it back."""

    def _bind(self, connection: Connection) -> None:
        self.accounts = SqlAccounts(connection)
        self.subscriptions = SqlSubscriptions(connection)
        self.seats = SqlSeats(connection)
        self.history = SqlHistory(connection)
        self.outbox = SqlOutbox(connection)
        self.idempotency = SqlIdempotency(connection, self.history)
        self.grants = SqlGrants(connection)
        self.signals = SqlSignals(connection)
