"""A vendor's own events table, named in configuration, read through a column mapping.

``tierwise decide`` reads the event store by default. A vendor whose events already live in a
warehouse names that table instead (``--events-table`` / ``TIERWISE_EVENTS_TABLE``) and says
which of its columns play our canonical ones (``--events-mapping`` /
``TIERWISE_EVENTS_MAPPING``); the signals are then computed from it, on DuckDB or on Spark,
without copying the events anywhere.

A table reference is one of:

=================================  ===============================================================
``PATH.parquet`` or a directory    a Parquet file, or every ``*.parquet`` under the directory
                                   (any depth, e.g. ``month=YYYY-MM/``); both engines
``FILE.duckdb#[schema.]table``     a table of a DuckDB database file, attached read-only
                                   (``--engine duckdb``)
``[database.]table``               a table of the Spark session's catalog (``--engine pyspark``)
=================================  ===============================================================

A mapping is ``ours=theirs`` pairs separated by commas, e.g.
``account=org_id,time=occurred_at,type=event_name,subject=user_key,properties=payload``. Our
columns are ``account``, ``subject``, ``type``, ``time`` and ``properties`` (a JSON text column);
``subject=`` or ``properties=`` with nothing after the ``=`` says the table has none. A column not
named keeps our name. Any other name on the left is an event property read from a plain column
(``score=nps_score``), for warehouses that flatten properties; it wins over the JSON member.
Every mistake is an :class:`~tierwise.errors.InvalidInput` naming the field (``events_table`` or
``events_mapping``), found before any event is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tierwise.adapters.analytics.engine import (
    CANONICAL_COLUMNS,
    ColumnMapping,
    EventSource,
    duckdb_backend,
    events_from_table,
    parquet_events,
)
from tierwise.errors import InvalidInput

__all__ = ["EventTable", "open_event_table", "parse_column_mapping", "parse_event_table"]

_OURS = (*CANONICAL_COLUMNS, "properties")
_OPTIONAL = ("subject", "properties")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}")
_DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")


@dataclass(frozen=True, slots=True)
class EventTable:
    """Where a vendor's events are (``kind`` ``parquet``, ``duckdb`` or ``catalog``) and how its
    columns map to ours."""

    kind: str
    location: str
    table: str | None
    mapping: ColumnMapping

    def describe(self) -> str:
        """The reference as the user gave it, for messages."""
        if self.kind == "duckdb":
            return f"{self.location}#{self.table}"
        return self.location if self.table is None else self.table


def parse_column_mapping(text: str | None) -> ColumnMapping:
    """``ours=theirs,...`` as a :class:`ColumnMapping` (module docstring); none is the identity."""
    if text is None or not text.strip():
        return ColumnMapping()
    canonical: dict[str, str | None] = {}
    properties: dict[str, str] = {}
    for pair in text.split(","):
        ours, equals, theirs = (part.strip() for part in pair.partition("="))
        if not equals or not _NAME.fullmatch(ours):
            raise InvalidInput(
                f"{pair.strip()!r} is not ours=theirs (for example account=org_id)",
                field="events_mapping",
            )
        if ours in canonical or ours in properties:
            raise InvalidInput(f"{ours!r} is mapped twice", field="events_mapping")
        if theirs and not _NAME.fullmatch(theirs):
            raise InvalidInput(
                f"{theirs!r} (for {ours!r}) is not a column name", field="events_mapping"
            )
        if ours in _OURS:
            if not theirs and ours not in _OPTIONAL:
                raise InvalidInput(
                    f"{ours!r} needs a column (only {' and '.join(_OPTIONAL)} may be left empty)",
                    field="events_mapping",
                )
            canonical[ours] = theirs or None
        elif not theirs:
            raise InvalidInput(f"property {ours!r} needs a column", field="events_mapping")
        else:
            properties[ours] = theirs
    return ColumnMapping(
        account=canonical.get("account") or "account",
        subject=canonical.get("subject", "subject"),
        type=canonical.get("type") or "type",
        time=canonical.get("time") or "time",
        properties=canonical.get("properties", "properties"),
        property_columns=properties,
    )


def parse_event_table(reference: str | None, mapping: str | None = None) -> EventTable | None:
    """The configured events table, or ``None`` (read the event store) when none is named.

    A mapping without a table is refused: it would silently do nothing."""
    if reference is None or not reference.strip():
        if mapping is not None and mapping.strip():
            raise InvalidInput(
                "an events mapping needs an events table (--events-table)", field="events_mapping"
            )
        return None
    reference = reference.strip()
    columns = parse_column_mapping(mapping)
    location, hash_sign, table = reference.partition("#")
    if hash_sign:
        if not location.endswith(_DUCKDB_SUFFIXES):
            raise InvalidInput(
                f"{reference!r}: FILE#TABLE names a DuckDB file ({', '.join(_DUCKDB_SUFFIXES)})",
                field="events_table",
            )
        if not _TABLE.fullmatch(table):
            raise InvalidInput(
                f"{reference!r}: {table!r} after # is not a table name", field="events_table"
            )
        _require_file(Path(location), reference)
        return EventTable("duckdb", location, table, columns)
    path = Path(reference)
    if reference.endswith(".parquet") or path.is_dir():
        _require_file(path, reference)
        return EventTable("parquet", reference, None, columns)
    if reference.endswith(_DUCKDB_SUFFIXES):
        raise InvalidInput(
            f"{reference!r}: name the table too, as {reference}#TABLE", field="events_table"
        )
    if not _TABLE.fullmatch(reference):
        raise InvalidInput(
            f"{reference!r} is not a Parquet path, a directory, FILE.duckdb#TABLE or a table name",
            field="events_table",
        )
    return EventTable("catalog", reference, reference, columns)


def open_event_table(
    table: EventTable, engine: str, spark: Callable[[], Any] | None = None
) -> EventSource:
    """The table as canonical events on ``engine`` (``duckdb`` or ``pyspark``; ``spark`` makes
    the Ibis PySpark backend). Raises :class:`InvalidInput` when the engine cannot read it or the
    table or a mapped column is missing."""
    if engine == "duckdb":
        if table.kind == "parquet":
            return parquet_events(Path(table.location), mapping=table.mapping)
        if table.kind == "catalog":
            raise InvalidInput(
                f"{table.describe()!r} is a catalog table, which only --engine pyspark reads; "
                "on duckdb name a Parquet path or FILE.duckdb#TABLE",
                field="events_table",
            )
        backend = duckdb_backend()
        backend.attach(table.location, name="vendor_events", read_only=True)
        found = _table(backend, table, database="vendor_events")
        return events_from_table(found, table.mapping)
    if engine == "pyspark":
        if spark is None:
            raise InvalidInput("--engine pyspark needs a Spark session", field="engine")
        if table.kind == "duckdb":
            raise InvalidInput(
                f"{table.describe()!r} is a DuckDB file, which Spark cannot read; export it to "
                "Parquet or use --engine duckdb",
                field="events_table",
            )
        backend = spark()
        if table.kind == "parquet":
            return parquet_events(Path(table.location), backend, table.mapping)
        return events_from_table(_table(backend, table), table.mapping)
    raise InvalidInput(f"unknown engine {engine!r}", field="engine")


def _table(backend: Any, table: EventTable, database: str | None = None) -> Any:
    assert table.table is not None
    *schema, name = table.table.split(".")
    where: str | tuple[str, ...] | None = database
    if schema:
        where = ".".join(schema) if database is None else (database, *schema)
    try:
        return backend.table(name, database=where)
    except Exception as error:  # each backend raises its own "no such table"
        raise InvalidInput(
            f"no events table {table.describe()!r}: {str(error).splitlines()[0]}",
            field="events_table",
        ) from None


def _require_file(path: Path, reference: str) -> None:
    if not path.exists():
        raise InvalidInput(f"{reference!r}: no such file or directory", field="events_table")
    if path.is_dir() and not any(path.rglob("*.parquet")):
        raise InvalidInput(f"{reference!r}: no *.parquet file under it", field="events_table")
