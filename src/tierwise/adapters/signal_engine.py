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
4. the whole expression runs once on the engine and comes back as Arrow rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ibis
from sqlalchemy import Engine

from tierwise.adapters.analytics.engine import (
    EventSource,
    event_store_events,
    parquet_events,
    spark_session,
)
from tierwise.adapters.analytics.ledger import LedgerSnapshot, OfferRow
from tierwise.adapters.analytics.signals import compute_signals, output_columns
from tierwise.adapters.condition_columns import condition_column
from tierwise.adapters.event_store import EventStore
from tierwise.adapters.sql.ledger_reader import read_ledger
from tierwise.catalog.versions import Catalog
from tierwise.errors import InvalidInput
from tierwise.services.decision_ports import (
    AccountSignals,
    OutcomeRecord,
    SignalEngine,
    SignalRequest,
    SignalResult,
)
from tierwise.signals.conventions import Milestone
from tierwise.signals.derived import DEFAULT_RULES

__all__ = ["ENGINES", "IbisSignalEngine", "events_for"]

#: The engines ``tierwise decide --engine`` accepts.
ENGINES = ("duckdb", "pyspark")


def events_for(engine: str, data_dir: Path) -> Callable[[], EventSource]:
    """How each engine reads the events of a data directory: DuckDB attaches the event store
    read-only; Spark reads its Parquet export (written on demand into ``events-parquet``)."""
    if engine == "duckdb":
        return lambda: event_store_events(data_dir / "events.duckdb")
    if engine == "pyspark":

        def spark() -> EventSource:
            target = data_dir / "events-parquet"
            with EventStore.open(data_dir, read_only=True) as store:
                store.export_parquet(target)
            backend = ibis.pyspark.connect(spark_session())
            return parquet_events(target, backend)

        return spark
    raise InvalidInput(f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})", field="engine")


class IbisSignalEngine(SignalEngine):
    """Signals and vectorised conditions over the ledger and the events (module docstring)."""

    def __init__(
        self,
        *,
        ledger: Engine,
        catalog: Catalog,
        events: Callable[[], EventSource],
        outcomes: Callable[[], Sequence[OutcomeRecord]],
    ) -> None:
        self._ledger = ledger
        self._catalog = catalog
        self._events = events
        self._outcomes = outcomes

    def compute(self, request: SignalRequest) -> SignalResult:
        started = time.perf_counter()
        as_of = request.as_of
        read = read_ledger(self._ledger, self._catalog, as_of)
        offers = [
            OfferRow(o.account_id, o.offer, o.outcome.value, o.at)
            for o in self._outcomes()
            if o.at < as_of
        ]
        snapshot = LedgerSnapshot.from_rows(read.licenses, read.entitlements, read.paywall, offers)
        version = self._catalog.version_at(as_of.date())
        source = self._events()
        table = compute_signals(
            source,
            snapshot,
            version,
            as_of,
            milestones_defined=[Milestone(k, e, n) for k, e, n in request.event_milestones],
        )
        if request.condition_milestones:
            reached = table["milestones_reached"]
            for expression in request.condition_milestones.values():
                reached = reached + ibis.ifelse(condition_column(table, expression), 1, 0)
            table = table.mutate(milestones_reached=reached)
        names = list(request.conditions)
        table = table.mutate(
            **{
                f"_c{i}": condition_column(table, request.conditions[name])
                for i, name in enumerate(names)
            }
        )
        rows = table.to_pyarrow().to_pylist()
        columns = output_columns(version, DEFAULT_RULES.health)
        accounts = []
        for row in rows:
            record = read.records.get(row["account_id"])
            if record is None:
                continue
            values = {name: row[name] for name in columns if name not in ("account_id",)}
            fired = frozenset(name for i, name in enumerate(names) if row[f"_c{i}"])
            accounts.append(AccountSignals(record, values, fired))
        accounts.sort(key=lambda a: a.account.external_id)
        return SignalResult(tuple(accounts), source.engine, time.perf_counter() - started)


def moment(as_of: dt.date) -> dt.datetime:
    """The first moment of the as-of day (UTC): signals count what happened before it."""
    return dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC)
