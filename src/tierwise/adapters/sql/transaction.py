"""One SQL transaction per unit of work: the begin, commit, rollback and close all SQL units share.

How a transaction starts is the engine's business (see :mod:`tierwise.adapters.sql.engine`):
SQLite begins with ``BEGIN IMMEDIATE`` so writers queue for the lock up front, PostgreSQL with a
plain ``BEGIN`` at READ COMMITTED. What is decided here is the same for every unit: a SQLite lock
still busy when the busy timeout runs out is a :class:`~tierwise.errors.ConcurrentChange` (the
caller may retry; nothing was done), leaving without a commit rolls back, and the connection goes
back to the pool on leaving, whatever happened.
"""

from __future__ import annotations

import abc
import sqlite3
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import OperationalError

from tierwise.errors import ConcurrentChange

__all__ = ["SqlTransaction"]


class SqlTransaction(abc.ABC):
    """The SQL half of a unit of work: one connection and one transaction, open while entered.

    A SQL unit of work lists this class before its port (``class SqlX(SqlTransaction, XPort)``),
    so that these ``__enter__``, ``__exit__``, :meth:`commit` and :meth:`rollback` are the ones
    used, and creates its repositories on the connection in :meth:`_bind`.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    @abc.abstractmethod
    def _bind(self, connection: Connection) -> None:
        """Create the unit's repositories on ``connection``, inside the open transaction."""

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        try:
            self._transaction = connection.begin()
        except (OperationalError, sqlite3.OperationalError) as error:
            # SQLite: the lock stayed busy past the timeout. The engine sends BEGIN IMMEDIATE
            # straight to the driver, so the driver's own error arrives here unwrapped.
            connection.close()
            cause = error.orig if isinstance(error, OperationalError) else error
            raise ConcurrentChange(f"the database is busy: {cause}") from None
        self._connection = connection
        self._bind(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def commit(self) -> None:
        """Make everything done in this transaction permanent, at once."""
        if self._transaction is None:
            raise RuntimeError("commit outside of a unit of work")
        self._transaction.commit()

    def rollback(self) -> None:
        """Forget everything not committed (called on exit; harmless after a commit)."""
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
