"""The analytics engine of the decisioning: signals and conditions for all accounts, with Ibis.

:class:`IbisSignalEngine` implements :class:`~tierwise.services.decision_ports.SignalEngine`:

1. the ledger is read in bulk (:func:`~tierwise.adapters.sql.ledger_reader.read_ledger`), with
   the offer outcomes of the decision store, into a
   :class:`~tierwise.adapters.analytics.ledger.LedgerSnapshot`;
2. :func:`~tierwise.adapters.analytics.signals.compute_signals` builds every signal of every
   account over the events (the event store on DuckDB, or its Parquet export on Spark);
3. condition milestones are added to ``milestones_reached``, and every trigger, near miss and
   the save play's ``at_risk`` becomes a boolean column
   (:mod:`tierwise.adapters.condition_columns`);
4. the whole expression runs once on the engine and comes back as one Arrow table, which stays
   columnar (:class:`ArrowSignalRows`): the decide run turns into Python dicts only the rows
   where some condition fired, a batch at a time, and stores every row's signals as compressed
   Arrow chunks (:mod:`tierwise.adapters.signal_chunks`), never as a dict per account.

Where the ledger comes from is a :data:`LedgerSource`: :func:`sql_ledger` in the product, data
made in bulk in the benchmarks.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from tierwise.adapters.analytics.engine import (
    EventSource,
    event_store_events,
    parquet_events,
    require_spark,
    spark_session,
)
from tierwise.adapters.analytics.event_tables import open_event_table, parse_event_table
from tierwise.adapters.analytics.ledger import LedgerSnapshot, OfferRow
from tierwise.adapters.analytics.signals import compute_signals, output_columns, temporary_tables
from tierwise.adapters.condition_columns import condition_column
from tierwise.adapters.event_store import EventStore
from tierwise.adapters.signal_chunks import CHUNK_ROWS, condition_column_name, encode_chunk
from tierwise.adapters.sql.ledger_reader import read_ledger
from tierwise.catalog.versions import Catalog
from tierwise.errors import InvalidInput
from tierwise.services.decision_ports import (
    AccountRecord,
    AccountSignals,
    OutcomeRecord,
    SignalChunk,
    SignalEngine,
    SignalRequest,
    SignalResult,
    SignalRows,
)
from tierwise.signals.conventions import Milestone
from tierwise.signals.derived import DEFAULT_RULES

__all__ = [
    "ENGINES",
    "ArrowSignalRows",
    "IbisSignalEngine",
    "LedgerSource",
    "LedgerView",
    "events_for",
    "sql_ledger",
]

#: The engines ``tierwise decide --engine`` accepts.
ENGINES = ("duckdb", "pyspark")


def events_for(
    engine: str, data_dir: Path, table: str | None = None, mapping: str | None = None
) -> Callable[[], EventSource]:
    """How each engine reads the events: by default those of the data directory's event store
    (DuckDB attaches it read-only; Spark reads its Parquet export, written on demand into
    ``events-parquet``); with ``table`` (and its column ``mapping``) the vendor's own events
    table instead (:mod:`tierwise.adapters.analytics.event_tables`). The table, the mapping and
    Spark's prerequisites are checked here, before any event is read."""
    if engine not in ENGINES:
        raise InvalidInput(
            f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})", field="engine"
        )
    if engine == "pyspark":
        require_spark()
    vendor = parse_event_table(table, mapping)
    if vendor is not None:
        return lambda: open_event_table(
            vendor, engine, lambda: ibis.pyspark.connect(spark_session())
        )
    if engine == "duckdb":
        return lambda: event_store_events(data_dir / "events.duckdb")

    def spark() -> EventSource:
        target = data_dir / "events-parquet"
        with EventStore.open(data_dir, read_only=True) as store:
            store.export_parquet(target)
        backend = ibis.pyspark.connect(spark_session())
        return parquet_events(target, backend)

    return spark


@dataclass(frozen=True, slots=True)
class LedgerView:
    """What the signals need from the ledger as of a moment: the snapshot tables the engine
    joins with the events, and each licensed account's record (by account id)."""

    snapshot: LedgerSnapshot
    records: Mapping[str, AccountRecord]


#: Reads the ledger as of a moment (the SQL store in the product; generated data in benchmarks).
LedgerSource = Callable[[dt.datetime], LedgerView]


def sql_ledger(
    ledger: Engine, catalog: Catalog, outcomes: Callable[[], Sequence[OutcomeRecord]]
) -> LedgerSource:
    """The ledger in SQL, read in bulk, with the decision store's offer outcomes before as-of."""

    def read(as_of: dt.datetime) -> LedgerView:
        read = read_ledger(ledger, catalog, as_of)
        offers = [
            OfferRow(o.account_id, o.offer, o.outcome.value, o.at)
            for o in outcomes()
            if o.at < as_of
        ]
        snapshot = LedgerSnapshot.from_rows(read.licenses, read.entitlements, read.paywall, offers)
        return LedgerView(snapshot, read.records)

    return read


class ArrowSignalRows(SignalRows):
    """The engine's result as one Arrow table (signal columns, then one boolean column per
    condition), rows in external id order; Python objects are made only for the rows asked."""

    _BATCH = 4_096

    def __init__(
        self,
        table: pa.Table,
        conditions: Sequence[str],
        columns: Sequence[str],
        records: Mapping[str, AccountRecord],
    ) -> None:
        verdicts = [condition_column_name(i) for i in range(len(conditions))]
        known = pc.is_in(table["account_id"], value_set=pa.array(list(records), pa.string()))
        if not pc.all(known).as_py():
            table = table.filter(known)
        table = table.sort_by("external_id")
        self._ids: list[str] = table["account_id"].to_pylist()
        self._values = [name for name in columns if name != "account_id"]
        self._table = table.select([*self._values, *verdicts])
        self._conditions = tuple(conditions)
        self._verdicts = dict(zip(conditions, verdicts, strict=True))
        self._records = records
        self._stages: list[str | None] | None = None
        any_fired = pa.array([False] * table.num_rows, pa.bool_())
        for name in verdicts:
            any_fired = pc.or_(any_fired, table[name])
        self._fired_rows = pc.indices_nonzero(any_fired)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def fired_count(self) -> int:
        return len(self._fired_rows)

    def _signals(self, row: int, data: dict[str, object]) -> AccountSignals:
        fired = frozenset(
            name
            for i, name in enumerate(self._conditions)
            if data.pop(condition_column_name(i), False)
        )
        return AccountSignals(self._records[self._ids[row]], data, fired)

    def account(self, row: int) -> AccountSignals:
        return self._signals(row, self._table.slice(row, 1).to_pylist()[0])

    def record(self, row: int) -> AccountRecord:
        return self._records[self._ids[row]]

    def lifecycle_stage(self, row: int) -> str | None:
        if self._stages is None:
            self._stages = self._table["lifecycle_stage"].to_pylist()
        return self._stages[row]

    def fired(
        self, start: int = 0, stop: int | None = None
    ) -> Iterator[tuple[int, AccountSignals]]:
        stop = len(self._fired_rows) if stop is None else min(stop, len(self._fired_rows))
        for first in range(start, stop, self._BATCH):
            rows = self._fired_rows.slice(first, min(self._BATCH, stop - first))
            for row, data in zip(rows.to_pylist(), self._table.take(rows).to_pylist(), strict=True):
                yield row, self._signals(row, data)

    def fired_rows(self) -> npt.NDArray[np.int64]:
        return np.asarray(self._fired_rows.to_numpy(), np.int64)

    def values(self, name: str, rows: npt.NDArray[np.int64]) -> pa.Array:
        if name not in self._table.column_names:
            return pa.nulls(len(rows))
        return self._table[name].take(pa.array(rows)).combine_chunks()

    def verdicts(self, condition: str, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        column = self._verdicts.get(condition)
        if column is None:
            return np.zeros(len(rows), np.bool_)
        taken = self._table[column].take(pa.array(rows)).combine_chunks()
        return np.asarray(taken.fill_null(False).to_numpy(zero_copy_only=False), np.bool_)

    def chunks(self) -> Iterator[SignalChunk]:
        for start in range(0, len(self._ids), CHUNK_ROWS):
            rows = self._table.slice(start, CHUNK_ROWS)
            ids = self._ids[start : start + CHUNK_ROWS]
            yield SignalChunk(
                tuple(ids),
                tuple(rows["external_id"].to_pylist()),
                encode_chunk(rows, self._conditions),
            )


class IbisSignalEngine(SignalEngine):
    """Signals and vectorised conditions over the ledger and the events (module docstring)."""

    def __init__(
        self,
        *,
        ledger: LedgerSource,
        catalog: Catalog,
        events: Callable[[], EventSource],
    ) -> None:
        self._ledger = ledger
        self._catalog = catalog
        self._events = events

    def compute(self, request: SignalRequest) -> SignalResult:
        started = time.perf_counter()
        as_of = request.as_of
        view = self._ledger(as_of)
        version = self._catalog.version_at(as_of.date())
        source = self._events()
        # On DuckDB the per-user activity is written to a temporary table first: run as part of
        # the one query it spills to disk at a million accounts (half the CPU staged; same values).
        # Ibis's PySpark backend has no temporary tables, so Spark runs the one query.
        staged = (
            temporary_tables(source.table._find_backend()) if source.engine == "duckdb" else None
        )
        table = compute_signals(
            source,
            view.snapshot,
            version,
            as_of,
            milestones_defined=[Milestone(k, e, n) for k, e, n in request.event_milestones],
            stage=staged,
        )
        if request.condition_milestones:
            reached = table["milestones_reached"]
            for expression in request.condition_milestones.values():
                reached = reached + ibis.ifelse(condition_column(table, expression), 1, 0)
            table = table.mutate(milestones_reached=reached)
        names = list(request.conditions)
        table = table.mutate(
            **{
                condition_column_name(i): condition_column(table, request.conditions[name])
                for i, name in enumerate(names)
            }
        )
        rows = ArrowSignalRows(
            table.to_pyarrow(),
            names,
            output_columns(version, DEFAULT_RULES.health),
            view.records,
        )
        return SignalResult(rows, source.engine, time.perf_counter() - started)


def moment(as_of: dt.date) -> dt.datetime:
    """The first moment of the as-of day (UTC): signals count what happened before it."""
    return dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC)
