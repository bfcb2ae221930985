"""The local event store: raw usage events in one DuckDB file, deduplicated on (source, id).

Layout and format
    ``<data dir>/events.duckdb`` holds the table ``usage_events`` (one row per accepted event:
    ``source``, ``id``, ``type``, ``account``, ``subject``, ``time``, ``properties`` as JSON text,
    ``received_at``; times are ``TIMESTAMPTZ`` in UTC). A DuckDB table rather than a directory of
    Parquet files because ingest arrives in many small batches: a table takes each batch in one
    ACID transaction and stays compact, whereas each small batch would be a new Parquet file to
    compact later. DuckDB (and Ibis on DuckDB) read the table directly; for Spark and other
    engines :meth:`EventStore.export_parquet` keeps a Hive-partitioned Parquet dataset
    (``month=YYYY-MM/data_0.parquet``, UTC timestamps) that they read as-is, rewriting only the
    months whose events changed since its last run (:mod:`tierwise.adapters.parquet_export`).

Exactly once
    An event is stored only when no stored event has the same ``(source, id)``; within one batch
    the first occurrence wins. The check and the write happen under the process's writer lock
    and the write is one transaction: a batch that fails anywhere stores nothing, and its retry
    counts every event once. Same key means same event, whatever the payload (the CloudEvents
    rule); later copies are counted as ``duplicates``.

    How the check is made depends on the size of the write. Batches (:meth:`EventStore.append`,
    :meth:`EventStore.append_table` — the HTTP path) probe the writer's in-memory key index
    (:mod:`tierwise.adapters.event_keys`: a 64-bit hash of each stored key with its rowid); a
    hash that is found is confirmed by comparing the stored row's actual key, so the cost of a
    batch does not grow with the store and no hash collision can drop an event. Bulk writes
    (:func:`insert_new_events`: file imports, the demo generator) anti-join the staged rows
    against every stored key in one set-based statement, which is cheap per row when the staged
    side is large; the index catches up with their rows (read back from the table's end) before
    the next batch.

Processes and threads
    DuckDB lets one process open a database file for writing (others may only read, and only
    while no process writes). The API server process opens the store once at start-up and owns
    the writer for its lifetime; its threads share that :class:`EventStore`, whose writes are
    serialised by a lock and whose reads each use their own cursor. A second process — such as
    ``tierwise events import`` while the server runs — gets
    :class:`~tierwise.errors.EventStoreUnavailable` instead of waiting; run the import before
    starting the server, or send the events through the API. Readers in other processes use the
    Parquet export.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tierwise.adapters.event_keys import KeyIndex, key_hashes
from tierwise.adapters.parquet_export import ParquetExport, export_months
from tierwise.catalog.model import Aggregation, Meter
from tierwise.errors import EventStoreUnavailable, InvalidInput
from tierwise.usage.events import UsageEvent
from tierwise.usage.meters import MeterTotal, Quantity, Window

__all__ = [
    "EVENTS_FILE",
    "EVENT_SCHEMA",
    "AppendResult",
    "EventStore",
    "StoreStats",
    "atomic",
    "events_table",
    "insert_new_events",
]

#: The database file's name inside the data directory.
EVENTS_FILE = "events.duckdb"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage_events (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    account VARCHAR,
    subject VARCHAR,
    time TIMESTAMPTZ NOT NULL,
    properties VARCHAR NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
)
"""

_TIME = pa.timestamp("us", tz="UTC")
#: The columns of a batch handed to :meth:`EventStore.append_table` (those of ``usage_events``).
EVENT_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("account", pa.string()),
        pa.field("subject", pa.string()),
        pa.field("time", _TIME, nullable=False),
        pa.field("properties", pa.string(), nullable=False),
        pa.field("received_at", _TIME, nullable=False),
    ]
)
_NAMES = list(EVENT_SCHEMA.names)
_COLUMNS = ", ".join(_NAMES)


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What one batch did: events stored, and events already known (by ``(source, id)``)."""

    inserted: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    events: int
    accounts: int
    sources: int
    first_time: dt.datetime | None
    last_time: dt.datetime | None
    types: dict[str, int]


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction on ``con``: commit on success, roll back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_new_events(
    con: duckdb.DuckDBPyConnection, staged: str, *, valid: str = "TRUE"
) -> AppendResult:
    """Insert the rows of the staged table that are new, as one set-based statement.

    ``staged`` has the store's columns plus ``seq`` (the row's position, for "first wins"
    within the batch); ``valid`` is a predicate on it selecting the rows to consider. Duplicates
    inside the batch are found by grouping on a 64-bit hash first (cheap), then exactly on the
    keys of the few colliding rows. Runs inside the caller's transaction.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE batch_repeats AS
        SELECT source, id, min(seq) AS keep FROM {staged}
        WHERE ({valid}) AND hash(source, id) IN (
            SELECT hash(source, id) FROM {staged} WHERE ({valid})
            GROUP BY 1 HAVING count(*) > 1)
        GROUP BY source, id HAVING count(*) > 1
        """
    )
    candidates = _scalar(con, f"SELECT count(*) FROM {staged} WHERE ({valid})")
    inserted = _scalar(
        con,
        f"""
        INSERT INTO usage_events
        SELECT s.source, s.id, s.type, s.account, s.subject, s.time, s.properties, s.received_at
        FROM {staged} s
        ANTI JOIN usage_events e ON e.source = s.source AND e.id = s.id
        ANTI JOIN batch_repeats r ON r.source = s.source AND r.id = s.id AND r.keep <> s.seq
        WHERE ({valid})
        """,
    )
    con.execute("DROP TABLE batch_repeats")
    return AppendResult(inserted=inserted, duplicates=candidates - inserted)


class EventStore:
    """Append-only raw usage events with exactly-once deduplication and meter totals.

    Open it with :meth:`open` on the data directory; close it (or use it as a context manager)
    so that DuckDB checkpoints and releases the file lock.
    """

    def __init__(self, path: Path, *, read_only: bool = False, threads: int | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._keys: KeyIndex | None = None
        self._keys_current = False
        self._batch_writer: duckdb.DuckDBPyConnection | None = None
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as error:
            raise _unavailable(path, error) from None
        self._con.execute("SET TimeZone = 'UTC'")
        if threads is not None:
            self._con.execute(f"SET threads = {int(threads)}")
        if not read_only:
            self._con.execute(_SCHEMA)

    @classmethod
    def open(
        cls, data_dir: Path, *, read_only: bool = False, threads: int | None = None
    ) -> EventStore:
        """The store of a data directory (``<data_dir>/events.duckdb``), created if missing.

        ``threads`` caps DuckDB's worker threads for this database (its default is one per
        core). A server that appends many small batches gives it 1: a statement over 1,000 rows
        gains nothing from a second thread, and waking it costs CPU on every statement.
        """
        return cls(Path(data_dir) / EVENTS_FILE, read_only=read_only, threads=threads)

    def close(self) -> None:
        with self._lock:
            if self._batch_writer is not None:
                self._batch_writer.close()
                self._batch_writer = None
        self._con.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """This process's writer, held exclusively (in autocommit mode) until the block ends.

        Rows written here (bulk SQL such as imports) are added to the key index by the next
        :meth:`append_table`, which reads them back from the table's end.
        """
        with self._lock:
            try:
                with self._cursor() as con:
                    yield con
            finally:
                self._keys_current = False

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction on this process's writer: commits on success, else rolls back."""
        with self.writer() as con, atomic(con):
            yield con

    def append(self, events: Iterable[UsageEvent]) -> AppendResult:
        """Store the events not seen before, all or nothing.

        ``events`` is read whole before anything is written, so a stream that fails part-way (a
        producer error, a bad event) leaves the store as it was.
        """
        return self.append_table(events_table(list(events)))

    def append_table(self, table: pa.Table) -> AppendResult:
        """Store the rows of ``table`` (the store's columns, see :data:`EVENT_SCHEMA`) whose key
        is new, all or nothing, in one transaction; the first of repeated keys wins.

        The keys are probed in the writer's :class:`~tierwise.adapters.event_keys.KeyIndex`
        (module docstring: "Exactly once"), so the cost of a batch does not grow with the store.
        The new rows are written by one ``INSERT`` statement, which DuckDB runs as one
        transaction; nothing else writes meanwhile (the writer lock is held from the probe to the
        commit).
        """
        return self.append_tables([table])[0]

    def append_tables(self, tables: Sequence[pa.Table]) -> list[AppendResult]:
        """Store several batches in one transaction, as if appended one after the other: one
        result per batch, in order (a key of a later batch already in an earlier one is that
        batch's duplicate), and all of them stored or none.

        One write of several batches costs less than a write of each: the statements, the
        commit and its WAL sync are paid once (the server groups the requests that arrive
        together this way, see :mod:`tierwise.api.ingestion`).
        """
        sizes = [table.num_rows for table in tables]
        parts = [
            table if table.schema == EVENT_SCHEMA else table.select(_NAMES).cast(EVENT_SCHEMA)
            for table in tables
            if table.num_rows
        ]
        if not parts:
            return [AppendResult(inserted=0, duplicates=0) for _ in tables]
        table = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
        with self._lock:
            con = self._batch_writer
            if con is None:
                con = self._batch_writer = self._con.cursor()
                con.execute("SET TimeZone = 'UTC'")
            try:
                keys = self._current_keys(con)
                positions = pa.array(np.arange(table.num_rows, dtype=np.int64))
                con.register("incoming_events", table.append_column("position", positions))
                hashes = key_hashes(con, "incoming_events")
                repeated = _repeats_in_batch(table, hashes)
                stored = _stored_keys(con, keys.candidates(hashes), skip=repeated)
                kept = table
                keep = np.ones(table.num_rows, dtype=bool)
                if repeated or stored:
                    keep[list(repeated | stored)] = False
                    kept = table.filter(pa.array(keep))
                    con.register("incoming_events", kept)
                if kept.num_rows:
                    con.execute(f"INSERT INTO usage_events SELECT {_COLUMNS} FROM incoming_events")
                    con.fetchall()
                con.unregister("incoming_events")
            except BaseException:
                self._keys_current = False  # the insert may or may not have committed
                self._batch_writer = None
                con.close()
                raise
            first = keys.next_row
            keys.add(hashes[keep], np.arange(first, first + kept.num_rows, dtype=np.int64))
        results: list[AppendResult] = []
        start = 0
        for size in sizes:
            inserted = int(np.count_nonzero(keep[start : start + size]))
            results.append(AppendResult(inserted=inserted, duplicates=size - inserted))
            start += size
        return results

    def index_keys(self) -> int:
        """Build (or catch up) the writer's key index now rather than on the first append —
        the server does it at start-up — and return the number of keys it holds."""
        with self._lock, self._cursor() as con:
            return len(self._current_keys(con))

    def _current_keys(self, con: duckdb.DuckDBPyConnection) -> KeyIndex:
        """The key index, brought up to date with the table (called under the writer lock)."""
        keys = self._keys
        if keys is None:
            keys = self._keys = KeyIndex.of_table(con)
        elif not self._keys_current:
            stored = _scalar(con, "SELECT count(*) FROM usage_events")
            if stored != keys.count:
                tail = KeyIndex.of_table(con, from_row=keys.next_row)
                if keys.count + tail.count == stored:
                    keys.add(*tail.entries())
                else:  # rows went missing (deleted by hand?): start afresh
                    keys = self._keys = KeyIndex.of_table(con)
        self._keys_current = True
        return keys

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self._con.cursor()
        try:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        finally:
            con.close()

    # -- reading --------------------------------------------------------------------------------

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own, so that threads can read while another writes."""
        with self._cursor() as con:
            yield con

    def count(self) -> int:
        with self.reader() as con:
            return _scalar(con, "SELECT count(*) FROM usage_events")

    def events(
        self, *, account: str | None = None, window: Window | None = None
    ) -> list[UsageEvent]:
        """Stored events (optionally of one account, inside a window), ordered by time and key."""
        where: list[str] = ["TRUE"]
        params: list[object] = []
        if account is not None:
            where.append("account = ?")
            params.append(account)
        if window is not None:
            where.append("time >= ? AND time < ?")
            params += [window.start, window.end]
        with self.reader() as con:
            rows = con.execute(
                "SELECT source, id, type, account, subject, epoch_us(time), properties, "
                f"epoch_us(received_at) FROM usage_events WHERE {' AND '.join(where)} "
                "ORDER BY time, source, id",
                params,
            ).fetchall()
        return [
            UsageEvent(
                source=source,
                id=id_,
                type=type_,
                account=account_,
                subject=subject,
                time=_from_us(time_us),
                properties=json.loads(properties),
                received_at=_from_us(received_us),
            )
            for source, id_, type_, account_, subject, time_us, properties, received_us in rows
        ]

    def meter_totals(
        self, meter: Meter, window: Window, *, accounts: Sequence[str] | None = None
    ) -> dict[str, MeterTotal]:
        """Each account's meter value over ``window`` — the same rules as
        :func:`tierwise.usage.meters.measure_by_account`, computed in SQL over the raw events."""
        rows = self._totals(meter, window, accounts, period=None)
        return {account: total for account, _, total in rows}

    def meter_totals_by_period(
        self,
        meter: Meter,
        window: Window,
        *,
        period: Literal["month", "year"] = "month",
        accounts: Sequence[str] | None = None,
    ) -> dict[tuple[str, dt.datetime], MeterTotal]:
        """Totals per account and calendar period (UTC) inside ``window``, keyed by the period's
        start. Events land in the period of their own ``time``, however late they arrived."""
        rows = self._totals(meter, window, accounts, period=period)
        return {(account, start): total for account, start, total in rows if start is not None}

    def stats(self) -> StoreStats:
        with self.reader() as con:
            row = con.execute(
                "SELECT count(*), count(DISTINCT account), count(DISTINCT source), "
                "epoch_us(min(time)), epoch_us(max(time)) FROM usage_events"
            ).fetchone()
            types = con.execute(
                "SELECT type, count(*) FROM usage_events GROUP BY type ORDER BY 2 DESC, 1"
            ).fetchall()
        assert row is not None  # an aggregate without GROUP BY always returns one row
        events, accounts, sources, first, last = row
        return StoreStats(
            events=events,
            accounts=accounts,
            sources=sources,
            first_time=None if first is None else _from_us(first),
            last_time=None if last is None else _from_us(last),
            types=dict(types),
        )

    def export_parquet(self, directory: Path) -> int:
        """Bring the Parquet dataset in ``directory`` (partitioned by ``month=YYYY-MM``, UTC) up
        to date with the store and return the number of events it holds — every stored event,
        whether this run wrote it or kept it from an earlier export.

        Only the months whose events changed since the last export are written again (all of
        them on the first export, or when the directory was exported from another store), and
        each is swapped in with one rename, so a reader never sees a half-written month
        (:mod:`tierwise.adapters.parquet_export`; :meth:`export_parquet_report` tells which
        months were rewritten). Spark reads it with ``spark.read.parquet(directory)``.
        """
        return self.export_parquet_report(directory).events

    def export_parquet_report(self, directory: Path) -> ParquetExport:
        """:meth:`export_parquet`, telling what it did: the events and months now in the
        export, the months rewritten and removed by this run, and whether it rebuilt it all."""
        with self.reader() as con:
            return export_months(con, self.path, Path(directory))

    def _totals(
        self,
        meter: Meter,
        window: Window,
        accounts: Sequence[str] | None,
        *,
        period: Literal["month", "year"] | None,
    ) -> list[tuple[str, dt.datetime | None, MeterTotal]]:
        aggregation = meter.aggregation
        if meter.property is None and aggregation not in (
            Aggregation.COUNT,
            Aggregation.UNIQUE_COUNT,
        ):
            raise InvalidInput(
                f"a {aggregation.value} meter needs a property", field="meter.property"
            )
        bucket = "NULL::BIGINT" if period is None else f"epoch_us(date_trunc('{period}', time))"
        params: list[Any] = [
            "$" if meter.property is None else _json_path(meter.property),
            meter.event,
            window.start,
            window.end,
        ]
        only = ""
        if accounts is not None:
            only = "AND list_contains(?, account)"
            params.append(list(accounts))
        numeric = "t IN ('BIGINT', 'UBIGINT', 'DOUBLE')"
        integer = "t IN ('BIGINT', 'UBIGINT')"
        sql = f"""
            WITH matching AS (
                SELECT account, {bucket} AS bucket, subject, time, received_at, source, id,
                       json_extract(properties, ?) AS v
                FROM usage_events
                WHERE type = ? AND account IS NOT NULL AND time >= ? AND time < ? {only}
            ), typed AS (SELECT *, json_type(v) AS t FROM matching)
            SELECT account, bucket, count(*) AS n,
                count(DISTINCT subject), count(subject),
                count(DISTINCT CASE WHEN t <> 'NULL' THEN v::VARCHAR END),
                count(*) FILTER (WHERE t <> 'NULL'),
                count(*) FILTER (WHERE {numeric}),
                bool_or(t = 'DOUBLE'),
                sum(CASE WHEN {integer} THEN v::HUGEINT END),
                fsum(CASE WHEN {numeric} THEN v::DOUBLE END),
                max(CASE WHEN {integer} THEN v::HUGEINT END),
                max(CASE WHEN t = 'DOUBLE' THEN v::DOUBLE END),
                arg_max(v::VARCHAR, {{'t': time, 'r': received_at, 's': source, 'i': id}})
                    FILTER (WHERE {numeric})
            FROM typed GROUP BY account, bucket ORDER BY account, bucket
        """
        with self.reader() as con:
            rows = con.execute(sql, params).fetchall()
        return [
            (row[0], None if row[1] is None else _from_us(row[1]), _total(aggregation, meter, row))
            for row in rows
        ]


def _total(aggregation: Aggregation, meter: Meter, row: tuple[Any, ...]) -> MeterTotal:
    (
        _,
        _,
        n,
        users,
        with_user,
        distinct,
        present,
        numbers,
        any_float,
        int_sum,
        float_sum,
        int_max,
        float_max,
        latest,
    ) = row
    if aggregation is Aggregation.COUNT:
        return MeterTotal(n, n)
    if aggregation is Aggregation.UNIQUE_COUNT:
        if meter.property is None:
            return MeterTotal(users, with_user)
        return MeterTotal(distinct, present, n - present)
    skipped = n - numbers
    if aggregation is Aggregation.SUM:
        total: Quantity = float(float_sum) if any_float else int(int_sum or 0)
        return MeterTotal(total, numbers, skipped)
    if numbers == 0:
        return MeterTotal(None, 0, skipped)
    if aggregation is Aggregation.MAX:
        candidates: list[Quantity] = [int(v) for v in (int_max,) if v is not None]
        candidates += [float(v) for v in (float_max,) if v is not None]
        return MeterTotal(max(candidates), numbers, skipped)
    value = json.loads(latest)
    return MeterTotal(value, numbers, skipped)


def events_table(events: Sequence[UsageEvent]) -> pa.Table:
    """Events as a batch for :meth:`EventStore.append_table`."""
    return pa.table(
        {
            "source": [e.source for e in events],
            "id": [e.id for e in events],
            "type": [e.type for e in events],
            "account": [e.account for e in events],
            "subject": [e.subject for e in events],
            "time": pa.array([_to_us(e.time) for e in events], _TIME),
            "properties": [_json(e) for e in events],
            "received_at": pa.array([_to_us(e.received_at) for e in events], _TIME),
        },
        schema=EVENT_SCHEMA,
    )


def _json(event: UsageEvent) -> str:
    return json.dumps(dict(event.properties), separators=(",", ":"), ensure_ascii=False)


def _repeats_in_batch(table: pa.Table, hashes: npt.NDArray[np.uint64]) -> set[int]:
    """Positions of the batch whose key already occurred earlier in it (the first copy wins).

    Only rows whose hash occurs more than once can repeat a key; their keys are compared
    exactly. (One sort finds whether any hash repeats; the usual batch has none.)
    """
    ordered = np.sort(hashes)
    if not np.any(ordered[1:] == ordered[:-1]):
        return set()
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    shared = np.flatnonzero(counts[inverse] > 1).tolist()
    sources, ids = table.column("source"), table.column("id")
    seen: set[tuple[str, str]] = set()
    later: set[int] = set()
    for position in shared:
        key = (sources[position].as_py(), ids[position].as_py())
        if key in seen:
            later.add(position)
        else:
            seen.add(key)
    return later


def _stored_keys(
    con: duckdb.DuckDBPyConnection, candidates: dict[int, list[int]], *, skip: set[int]
) -> set[int]:
    """Positions of the registered batch ``incoming_events`` whose key is stored, among the
    index's ``candidates`` (position → rowids stored under the same hash).

    Each candidate is compared exactly with the rows at its rowids (one statement; retries of a
    recent batch hit a few neighbouring row groups). A candidate that matches none of them — a
    hash collision — is looked for in the whole table.
    """
    pairs = [(p, row) for p, rows in candidates.items() if p not in skip for row in rows]
    if not pairs:
        return set()
    positions, rows = zip(*pairs, strict=True)
    matched = con.execute(
        """
        WITH candidate AS (SELECT unnest($positions) AS position, unnest($rows) AS row),
        batch AS (SELECT position, source, id FROM incoming_events),
        stored AS (SELECT rowid AS row, source, id FROM usage_events
                   WHERE rowid BETWEEN $first AND $last)
        SELECT DISTINCT c.position FROM candidate c
        JOIN batch b ON b.position = c.position
        JOIN stored s ON s.row = c.row AND s.source = b.source AND s.id = b.id
        """,
        {"positions": list(positions), "rows": list(rows), "first": min(rows), "last": max(rows)},
    ).fetchall()
    stored = {int(position) for (position,) in matched}
    collided = sorted(set(positions) - stored)
    if collided:
        found = con.execute(
            """
            SELECT b.position FROM incoming_events b
            SEMI JOIN usage_events e ON e.source = b.source AND e.id = b.id
            WHERE list_contains($collided, b.position)
            """,
            {"collided": collided},
        ).fetchall()
        stored |= {int(position) for (position,) in found}
    return stored


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


def _to_us(moment: dt.datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


def _json_path(name: str) -> str:
    """A JSON path to a top-level member, quoted so that any member name is read literally."""
    return '$."' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unavailable(path: Path, error: duckdb.Error) -> EventStoreUnavailable:
    if "lock" in str(error).lower():
        return EventStoreUnavailable(
            f"the event store {path} is open for writing in another process (DuckDB allows one "
            "writer); stop the tierwise server or send the events through its API",
            field="data_dir",
        )
    return EventStoreUnavailable(f"cannot open the event store {path}: {error}", field="data_dir")
