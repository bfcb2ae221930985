"""Where events are read from: the event store, a Parquet dataset, Spark, or a warehouse table.

Whatever the engine, signals read one canonical event table, an :class:`EventSource`:

==========  ==========================================================================
``account`` the vendor's account id (the ledger's ``external_id``); rows without one are ignored
``subject`` the user, or null
``type``    the event type
``time``    when it happened (a timestamp; one without a zone is read as UTC)
==========  ==========================================================================

plus the properties the signals read (a meter's property, ``severity``, ``score``…), taken from a
JSON text column or from plain columns of the vendor's table (:class:`ColumnMapping`). JSON is
read with each engine's own function (DuckDB ``json_extract_string``, Spark
``get_json_object``), never by a Python UDF; a property is a number when its text is one.

Engines: :func:`duckdb_backend` (the default, embedded), :func:`event_store_events` (the
``events.duckdb`` file, attached read-only), :func:`parquet_events` (the Parquet export, on
DuckDB or Spark), :func:`spark_session` (a local PySpark session for tests and one machine; give
a cluster's session in production), and :func:`events_from_table` for any Ibis table.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
from ibis.backends.duckdb import Backend as DuckDBBackend
from ibis.expr import types as ir

from tierwise.errors import InvalidInput

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "CANONICAL_COLUMNS",
    "ColumnMapping",
    "EventSource",
    "duckdb_backend",
    "event_store_events",
    "events_from_table",
    "parquet_events",
    "require_spark",
    "spark_session",
]

CANONICAL_COLUMNS = ("account", "subject", "type", "time")
_UTC = dt.Timestamp(timezone="UTC")


def _json_text(document: str, path: str) -> str:  # type: ignore[empty-body]
    """The member of a JSON document at ``path`` as text (strings unquoted); null if absent.
    The body is never run: each engine's own function of that signature is called."""


_duckdb_json_text: Callable[..., Any] = ibis.udf.scalar.builtin(name="json_extract_string")(
    _json_text
)
_spark_json_text: Callable[..., Any] = ibis.udf.scalar.builtin(name="get_json_object")(_json_text)


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """The vendor's column names for our canonical event columns.

    ``properties`` names a JSON text column (or ``None`` when there is none);
    ``property_columns`` maps a property name to a plain column, for warehouses that flatten
    event properties (``{"score": "nps_score"}``); a mapped column wins over the JSON member.
    """

    account: str = "account"
    subject: str | None = "subject"
    type: str = "type"
    time: str = "time"
    properties: str | None = "properties"
    property_columns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventSource:
    """Canonical events plus the way to read their properties on this engine."""

    table: ir.Table
    engine: str
    property_columns: Mapping[str, str] = field(default_factory=dict)
    has_json: bool = True

    def text(self, table: ir.Table, name: str) -> ir.StringValue:
        """The property ``name`` of each event as text (null when absent)."""
        if name in self.property_columns:
            return table[self.property_columns[name]].cast("string")
        if not self.has_json:
            return ibis.null("string")
        document = table["properties"]
        if self.engine == "duckdb":
            return _duckdb_json_text(document, '$."' + _escaped(name) + '"')
        if self.engine == "pyspark":
            return _spark_json_text(document, "$['" + _escaped(name, "'") + "']")
        return document.cast("json")[name].str

    def number(self, table: ir.Table, name: str) -> ir.FloatingValue:
        """The property as a number: null when absent or when its text is not a number."""
        if name in self.property_columns:
            return table[self.property_columns[name]].try_cast("float64")
        return self.text(table, name).try_cast("float64")


def events_from_table(table: ir.Table, mapping: ColumnMapping = ColumnMapping()) -> EventSource:
    """Read any Ibis table (a warehouse's events table) through a column mapping.

    Raises :class:`InvalidInput` (field ``events_mapping``) naming the first mapped column the
    table lacks, and when the time column is not a timestamp."""
    wanted = [
        ("account", mapping.account),
        ("subject", mapping.subject),
        ("type", mapping.type),
        ("time", mapping.time),
        ("properties", mapping.properties),
        *mapping.property_columns.items(),
    ]
    for ours, theirs in wanted:
        if theirs is not None and theirs not in table.columns:
            raise InvalidInput(
                f"the events table has no column {theirs!r} for {ours!r} (its columns: "
                f"{', '.join(table.columns)}); map it with {ours}=COLUMN"
                + (f" or {ours}= for none" if ours in ("subject", "properties") else ""),
                field="events_mapping",
            )
    time = table[mapping.time]
    if not time.type().is_timestamp():
        raise InvalidInput(
            f"column {mapping.time!r} (time) is {time.type()}, not a timestamp",
            field="events_mapping",
        )
    columns: dict[str, ir.Value] = {
        "account": table[mapping.account].cast("string"),
        "subject": (
            ibis.null("string")
            if mapping.subject is None
            else table[mapping.subject].cast("string")
        ),
        "type": table[mapping.type].cast("string"),
        "time": time if time.type().timezone is not None else time.cast(_UTC),
    }
    if mapping.properties is not None:
        columns["properties"] = table[mapping.properties].cast("string")
    flattened = {name: f"p_{index}" for index, name in enumerate(mapping.property_columns)}
    for name, alias in flattened.items():
        columns[alias] = table[mapping.property_columns[name]]
    backend = table._find_backend()  # ibis' way to learn the engine
    return EventSource(
        table=table.select(**columns),
        engine=backend.name,
        property_columns=flattened,
        has_json=mapping.properties is not None,
    )


def duckdb_backend(
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: Path | None = None,
) -> DuckDBBackend:
    """An in-memory DuckDB for analytics, in UTC, optionally bounded in threads and memory.

    Results come in no particular order (``preserve_insertion_order`` off: at a million
    accounts, keeping the signal rows in scan order cost ~2 s of CPU read as Arrow, ~4 s
    written to a table; one run each on a busy box), so whoever reads them keys or sorts them,
    as the decision run does by external id. Parquet metadata is cached:
    one signal query reads the event files' footers once per event family otherwise."""
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    con.raw_sql("SET preserve_insertion_order = false")
    con.raw_sql("SET parquet_metadata_cache = true")
    if threads is not None:
        con.raw_sql(f"SET threads = {int(threads)}")
    if memory_limit is not None:
        con.raw_sql(f"SET memory_limit = '{_quoted(memory_limit)}'")
    if temp_directory is not None:
        con.raw_sql(f"SET temp_directory = '{_quoted(str(temp_directory))}'")
    return con


def event_store_events(path: Path, backend: DuckDBBackend | None = None) -> EventSource:
    """The event store's ``usage_events`` table, attached read-only to a DuckDB backend.

    DuckDB lets no other process read the file while one writes it (the API server): then read
    the Parquet export with :func:`parquet_events` instead.
    """
    con = backend if backend is not None else duckdb_backend()
    con.attach(str(path), name="event_store", read_only=True)
    return events_from_table(con.table("usage_events", database="event_store"))


def parquet_events(
    directory: Path, backend: Any | None = None, mapping: ColumnMapping = ColumnMapping()
) -> EventSource:
    """A Parquet dataset of events (a directory such as the event store's export,
    ``month=YYYY-MM/*.parquet``, or one file) on DuckDB (the default) or any backend with
    ``read_parquet``, such as PySpark's."""
    con = backend if backend is not None else duckdb_backend()
    source = str(directory)
    if con.name == "duckdb" and Path(directory).is_dir():
        source = str(Path(directory) / "**" / "*.parquet")
    return events_from_table(con.read_parquet(source), mapping)


def require_spark() -> None:
    """Raise :class:`InvalidInput` (field ``engine``) unless PySpark is installed and Java can be
    found, so ``--engine pyspark`` stops at once with the reason instead of an import error or a
    JVM trace half-way through a run."""
    if importlib.util.find_spec("pyspark") is None:
        raise InvalidInput(
            "--engine pyspark needs PySpark: pip install 'tierwise[spark]'", field="engine"
        )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise InvalidInput(
            "--engine pyspark needs Java 17: no java on the PATH and JAVA_HOME is not set",
            field="engine",
        )


def spark_session(
    *, master: str = "local[2]", app_name: str = "tierwise-signals", shuffle_partitions: int = 4
) -> SparkSession:
    """A local Spark session set up for signals: UTC, no web UI, few shuffle partitions, and
    Python workers that run this interpreter (so they find the same packages)."""
    from pyspark.sql import SparkSession  # an optional extra: imported only when asked for

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )


def _escaped(name: str, quote: str = '"') -> str:
    return name.replace("\\", "\\\\").replace(quote, "\\" + quote)


def _quoted(text: str) -> str:
    return text.replace("'", "''")
