"""Decide at scale: signals, decisions and the stored run for every account.

Run with ``.venv/bin/python -m benchmarks.decide_scale`` (``--scale 0.01`` for a quick check;
``--runs N``; ``--data DIR`` reuses a directory generated earlier, by this benchmark or by
``benchmarks.signals_scale``, whose generator this one imports unchanged).

Data: :func:`benchmarks.signals_scale.generate` — ``1,000,000 × scale`` accounts and
``100,000,000 × scale`` events as Parquet, and the ledger snapshot (licenses, entitlement
profiles, paywall hits, offers). Each timed run is a fresh process that times the whole
:meth:`~tierwise.services.decisions.Decisions.decide` of the product with the example catalog and
playbook:

* **signals** — the ledger view (the snapshot from Parquet, and each account's record made from
  its license row, standing in for the SQL ledger read), every signal of every account and every
  trigger, near miss and ``at_risk`` as one Ibis expression on DuckDB (``threads=2``,
  ``--memory-limit``), fetched as one Arrow table;
* **decisions** — the outcome of every account where some condition fired, computed column-wise
  (:func:`~tierwise.services.decision_batch.decide_batch`: a run this large keeps no documents),
  and the run's summary;
* **store** — the run written to a fresh SQLite decision store (the embedded default), migrated
  before the clock starts, with the generated offer outcomes loaded as the cadence's history.

Reported per run and as medians: wall seconds of the three stages, CPU seconds of the process
(its threads included), its peak resident memory, how many accounts fired, and one account's
stored decision read back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import insert

from benchmarks.signals_scale import AS_OF, CATALOG, generate, ledger
from tierwise.adapters.analytics.engine import duckdb_backend, parquet_events
from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.playbook_files import load_playbook_path
from tierwise.adapters.signal_engine import IbisSignalEngine, LedgerView
from tierwise.adapters.sql import create_ledger_engine, upgrade_database
from tierwise.adapters.sql.decision_store import SqlDecisionStore
from tierwise.adapters.sql.decision_tables import offer_outcomes
from tierwise.catalog.model import BillingInterval
from tierwise.licensing.events import JsonObject
from tierwise.pricing.quotes import CurrentSubscription
from tierwise.services.decision_making import DecisionRules
from tierwise.services.decision_ports import (
    AccountRecord,
    DecisionRun,
    SignalRequest,
    SignalResult,
    SignalRows,
)
from tierwise.services.decisions import Decisions

PLAYBOOK = Path(__file__).parents[1] / "examples" / "playbook.yaml"
#: The generated regions, and the catalog currency each account of a region pays in.
CURRENCIES = {"EU": "EUR", "US": "USD", "APAC": "JPY"}


class LicenseRecords(Mapping[str, AccountRecord]):
    """Each generated account's ledger record, made from its license row when asked for (the
    decide run asks for those it decides or stores).

    Every record is its own ``AccountRecord``, as the SQL ledger read makes one per account; the
    ``CurrentSubscription`` inside it is a frozen value, and accounts whose license terms are
    equal share one (the million generated accounts have 77,705 distinct terms): each row's terms
    are numbered once, column-wise, when the view is made."""

    _TERMS = ("plan", "interval", "region", "period_start", "seats", "term_years")

    def __init__(self, licenses: pa.Table, catalog_version: str) -> None:
        self._version = catalog_version
        self._index = {key: i for i, key in enumerate(licenses["account_id"].to_pylist())}
        self._external = licenses["external_id"].to_pylist()
        # the distinct terms, numbered: a code per row, and the first row of each code
        joint = np.zeros(licenses.num_rows, np.int64)
        for name in self._TERMS:
            encoded = pc.dictionary_encode(licenses[name]).combine_chunks()
            codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            joint = joint * len(encoded.dictionary) + codes
        _, first, terms = np.unique(joint, return_index=True, return_inverse=True)
        self._terms: list[int] = terms.reshape(-1).tolist()
        self._first = licenses.take(pa.array(first)).select(list(self._TERMS)).to_pylist()
        self._subscriptions: list[CurrentSubscription | None] = [None] * len(first)
        intervals = {value.value: value for value in BillingInterval}
        self._currencies = [CURRENCIES[row["region"]] for row in self._first]
        self._intervals = [intervals[row["interval"]] for row in self._first]

    def _subscription(self, code: int) -> CurrentSubscription:
        terms = self._first[code]
        subscription = self._subscriptions[code] = CurrentSubscription(
            plan=terms["plan"],
            interval=self._intervals[code],
            currency=self._currencies[code],
            period_start=terms["period_start"],
            seats=terms["seats"],
            term_years=terms["term_years"],
        )
        return subscription

    def __getitem__(self, key: str) -> AccountRecord:
        i = self._index[key]
        code = self._terms[i]
        external_id = self._external[i]
        return AccountRecord(
            account_id=key,
            external_id=external_id,
            name=f"Account {external_id}",
            currency=self._currencies[code],
            catalog_version=self._version,
            subscription_id=f"S{key}",
            subscription=self._subscriptions[code] or self._subscription(code),
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def decision_store(directory: Path) -> SqlDecisionStore:
    """A fresh, migrated SQLite decision store holding the generated offers as outcomes."""
    path = directory / "decide-bench.db"
    path.unlink(missing_ok=True)
    engine = create_ledger_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    offers = pq.read_table(directory / "offers.parquet").to_pylist()
    with engine.begin() as connection:
        connection.execute(
            insert(offer_outcomes),
            [
                {
                    "account_id": o["account_id"],
                    "offer": o["offer"],
                    "outcome": o["outcome"],
                    "channel": "in_app",
                    "placement": None,
                    "at": o["at"],
                }
                for o in offers
            ],
        )
    return SqlDecisionStore(engine)


def _cpu() -> float:
    """CPU seconds of this process (all its threads) and of any finished child process."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def worker(directory: Path, memory_limit: str) -> None:
    catalog = load_catalog_path(CATALOG)
    check = load_playbook_path(PLAYBOOK, catalog.latest)
    assert check.playbook is not None
    assert check.conditions is not None
    store = decision_store(directory)

    def view(as_of: dt.datetime) -> LedgerView:
        snapshot = ledger(directory)
        return LedgerView(snapshot, LicenseRecords(snapshot.licenses, catalog.latest.version))

    def events() -> Any:
        backend = duckdb_backend(
            threads=2, memory_limit=memory_limit, temp_directory=directory / "tmp"
        )
        return parquet_events(directory / "events", backend)

    class TimedEngine(IbisSignalEngine):
        """The engine, with the CPU seconds of its work kept (the signals stage)."""

        cpu = 0.0

        def compute(self, request: SignalRequest) -> SignalResult:
            before = _cpu()
            result = super().compute(request)
            TimedEngine.cpu += _cpu() - before
            return result

    class TimedStore(SqlDecisionStore):
        """The store, with the CPU seconds of saving the run kept (the store stage)."""

        cpu = 0.0

        def save_run(
            self, run: DecisionRun, decided: Mapping[str, JsonObject], signals: SignalRows
        ) -> None:
            before = _cpu()
            super().save_run(run, decided, signals)
            TimedStore.cpu += _cpu() - before

    store = TimedStore(store.engine)
    engine = TimedEngine(ledger=view, catalog=catalog, events=events)
    decisions = Decisions(
        DecisionRules(check.playbook, check.conditions, catalog),
        engine,
        store,
        new_run_id=lambda at: f"run_{at.strftime('%Y%m%dT%H%M%S')}",
    )
    cpu_before = _cpu()  # imports and setup are not part of the work
    start = time.perf_counter()
    result = decisions.decide(AS_OF, started_at=dt.datetime.now(dt.UTC))
    seconds = time.perf_counter() - start
    cpu = _cpu() - cpu_before
    usage = resource.getrusage(resource.RUSAGE_SELF)
    summary = result.run.summary
    reads = []
    for row in range(0, len(result.decisions), max(1, len(result.decisions) // 7)):
        account = result.decisions.record(row).external_id
        read = time.perf_counter()
        stored = store.decision(account)
        reads.append((time.perf_counter() - read) * 1000)
        assert stored is not None
        assert stored.signals
    read_ms = statistics.median(reads)
    database = directory / "decide-bench.db"
    print(
        json.dumps(
            {
                "seconds": seconds,
                "signals": result.signal_seconds,
                "decisions": result.decide_seconds - result.store_seconds,
                "store": result.store_seconds,
                "cpu": cpu,
                "cpu_signals": TimedEngine.cpu,
                "cpu_store": TimedStore.cpu,
                "cpu_decisions": cpu - TimedEngine.cpu - TimedStore.cpu,
                "peak_mb": usage.ru_maxrss / 1024,
                "accounts": summary["accounts"],
                "fired": result.fired,
                "with_offer": summary["with_offer"],
                "read_ms": read_ms,
                "store_mb": database.stat().st_size / 2**20,
            }
        )
    )


def timed(directory: Path, memory_limit: str) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.decide_scale",
        "--worker",
        "--data",
        str(directory),
        "--memory-limit",
        memory_limit,
    ]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--data", type=Path, help="a directory generated earlier (kept)")
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args.data, args.memory_limit)
        return
    print(
        f"CPython {platform.python_version()}, duckdb {package_version('duckdb')}, "
        f"ibis {package_version('ibis-framework')}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="tierwise-decide-") as temp:
        root = args.data or Path(temp)
        if args.data is None:
            start = time.perf_counter()
            size = generate(root, args.scale)
            print(
                f"generated {size['accounts']:,} accounts and {size['events']:,} events "
                f"in {time.perf_counter() - start:.1f} s"
            )
        runs = []
        for run in range(args.runs):
            load = os.getloadavg()[0]
            result = timed(root, args.memory_limit)
            runs.append(result)
            print(
                f"  run {run + 1} (load {load:.1f}): {result['seconds']:.1f} s = signals "
                f"{result['signals']:.1f} + decisions {result['decisions']:.1f} + store "
                f"{result['store']:.1f}; CPU {result['cpu']:.1f} s = "
                f"{result['cpu_signals']:.1f} + {result['cpu_decisions']:.1f} + "
                f"{result['cpu_store']:.1f}; peak "
                f"{result['peak_mb']:,.0f} MiB; {result['accounts']:,} accounts, "
                f"{result['fired']:,} fired, {result['with_offer']:,} with an "
                f"offer; store {result['store_mb']:,.0f} MiB; one stored decision read "
                f"{result['read_ms']:.1f} ms (median)"
            )
        print(f"\nmedians over {args.runs} runs:")
        for key in (
            "seconds",
            "signals",
            "decisions",
            "store",
            "cpu",
            "cpu_signals",
            "cpu_decisions",
            "cpu_store",
        ):
            print(f"  {key:10} {statistics.median(r[key] for r in runs):8.1f} s")
        print(f"  peak       {max(r['peak_mb'] for r in runs):8,.0f} MiB")


if __name__ == "__main__":
    main()
