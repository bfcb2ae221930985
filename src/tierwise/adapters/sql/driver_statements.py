"""The ledger's hot statements, compiled once per dialect and run on the driver's own cursor.

Every transition runs the same handful of statements (read the key, read the subscription,
update it, insert the history entry, the outbox events and the key). Through
``Connection.execute`` each costs about 75 µs of SQLAlchemy bookkeeping (cache key, execution
context, result wrapping) against about 5 µs in the driver, which made SQLAlchemy the largest
single cost of a transition. A :class:`DriverStatement` keeps the Core statement as the single
source of the SQL, compiles it once per dialect, and looks up once the bind processors of its
parameters and the result processors of its columns: the very functions Core applies, so
values are encoded and decoded exactly as before (aware UTC datetimes, dates, JSON with the
engine's serializer). :class:`DriverCursor` runs them in the connection's current transaction
and turns driver errors into SQLAlchemy's exception classes, as ``Connection.execute`` does, so
callers catch the same ``IntegrityError`` on both paths.

Only fixed statements belong here; everything else keeps using ``Connection.execute``. Statement
logging (``echo``) and ``before_cursor_execute`` events do not see these statements.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, ColumnElement

__all__ = ["DriverCursor", "DriverStatement"]

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement's SQL for one dialect, with how to encode parameters and decode rows."""

    sql: str
    names: tuple[str, ...]
    binds: tuple[tuple[str, Processor], ...]
    positional: bool
    columns: tuple[str, ...]
    results: tuple[tuple[int, Processor], ...]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        if self.binds:
            values = dict(values)
            for name, process in self.binds:
                values[name] = process(values[name])
        if self.positional:
            return [values[name] for name in self.names]
        return {name: values[name] for name in self.names}

    def row(self, raw: Sequence[Any]) -> dict[str, Any]:
        if self.results:
            raw = list(raw)
            for index, process in self.results:
                raw[index] = process(raw[index])
        return dict(zip(self.columns, raw, strict=True))


class DriverStatement:
    """A Core statement run on the driver: compiled once per dialect (per engine)."""

    def __init__(
        self, statement: ClauseElement, *, parameters: Sequence[str] | None = None
    ) -> None:
        """``parameters`` names the columns an ``INSERT`` sets (all of them are always given)."""
        self._statement = statement
        self._parameters = list(parameters) if parameters is not None else None
        self._by_dialect: weakref.WeakKeyDictionary[Dialect, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect)
        if found is None:
            found = self._by_dialect[dialect] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self._statement.compile(dialect=dialect, column_keys=self._parameters)
        names = tuple(compiled.positiontup) if dialect.positional else tuple(compiled.binds)
        binds = []
        for name in dict.fromkeys(names):
            process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((name, process))
        columns: list[str] = []
        results = []
        selected: Sequence[ColumnElement[Any]] = getattr(self._statement, "selected_columns", ())
        for index, column in enumerate(selected):
            columns.append(str(column.key))
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                results.append((index, process))
        return _Compiled(
            sql=str(compiled.string),
            names=names,
            binds=tuple(binds),
            positional=bool(dialect.positional),
            columns=tuple(columns),
            results=tuple(results),
        )


class DriverCursor:
    """Runs :class:`DriverStatement` s inside ``connection``'s transaction (begun if needed)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._dialect = connection.dialect
        self._error: type[Exception] = connection.dialect.loaded_dbapi.Error

    def execute(self, statement: DriverStatement, values: Mapping[str, Any]) -> Any:
        """Run ``statement`` with ``values``; returns the driver's cursor (``rowcount``…)."""
        compiled = statement.compiled(self._dialect)
        return self._run(compiled, compiled.parameters(values))

    def first(self, statement: DriverStatement, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row as a mapping of column name to decoded value, or ``None``."""
        compiled = statement.compiled(self._dialect)
        raw = self._run(compiled, compiled.parameters(values)).fetchone()
        return None if raw is None else compiled.row(raw)

    def rows(self, statement: DriverStatement, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row, as mappings of column name to decoded value."""
        compiled = statement.compiled(self._dialect)
        fetched = self._run(compiled, compiled.parameters(values)).fetchall()
        return [compiled.row(raw) for raw in fetched]

    def _run(self, compiled: _Compiled, parameters: Any) -> Any:
        connection = self._connection
        if not connection.in_transaction():  # as Connection.execute would autobegin
            connection.begin()
        dbapi_connection = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, parameters)
        except self._error as error:
            # As Connection.execute does: a lost connection is invalidated (never pooled again).
            lost = self._dialect.is_disconnect(cast(Any, error), dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                compiled.sql,
                parameters,
                error,
                self._error,
                connection_invalidated=lost,
                dialect=self._dialect,
            ) from error
        return cursor
