"""The decide run's store stage: ``SqlDecisionStore.save_run`` of a million accounts.

Run with ``.venv/bin/python -m benchmarks.decision_store`` (``--accounts 100000`` for a quick
check; ``--runs N``; ``--url postgresql://postgres@127.0.0.1:5432/DB`` for PostgreSQL, whose
tables are dropped and migrated afresh, instead of a fresh SQLite file in a temporary directory).

Data, made here in a few seconds rather than computed (the decide benchmark,
:mod:`benchmarks.decide_scale`, takes minutes before it reaches the store):

* **signals** — an :class:`~tierwise.adapters.signal_engine.ArrowSignalRows` of ``--accounts``
  accounts shaped like the engine's output for the example catalog and playbook: 109 columns
  after the ids (11 texts of a few values, some null; 31 integers; 37 doubles, some mostly null;
  16 booleans; 16 condition verdicts, some condition firing for 85% of the accounts), random
  internal account ids (the ledger's are random) and external ids in sorted order;
* **decided** — an :func:`~tierwise.services.decisions.outcome_of`-shaped document for each of
  the 85% that fired (channels chosen, ranked offers with expected values, suppressed offers
  with rules, in the proportions a 20,000-account decide run of the example playbook gave).

Each timed run saves into a freshly migrated store (migrated before the clock starts) and
reports wall and CPU seconds of ``save_run`` (CPU of every thread), and of it the chunk encoding
(the engine's ``chunks()``, timed in the thread that pulls them: the store makes the next chunk
in a worker thread while it stores one, so the two overlap) and the rest (decisions encoded,
rows written, commit included); then the median of ``decision(account)`` for accounts spread
over the run (the real-time path: a cold read decodes the account's chunk; a warm one finds it
decoded) and ``decisions(run_id)`` of a separate run of ``--list-accounts`` accounts (every
stored decision as objects, one dict of signals each: meant for small runs, so not timed at a
million).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator, Mapping
from importlib.metadata import version as package_version
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import Engine, text

from tierwise.adapters.signal_chunks import condition_column_name
from tierwise.adapters.signal_engine import ArrowSignalRows
from tierwise.adapters.sql import create_ledger_engine, upgrade_database
from tierwise.adapters.sql.decision_store import SqlDecisionStore
from tierwise.catalog.model import BillingInterval
from tierwise.licensing.events import JsonObject
from tierwise.pricing.quotes import CurrentSubscription
from tierwise.services.decision_ports import (
    AccountRecord,
    AccountSignals,
    DecisionRun,
    SignalChunk,
    SignalRows,
)

AS_OF = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
#: Share of accounts where some condition fired (the decide benchmark's data: 85%).
FIRED = 0.85
CONDITIONS = 16
_TEXTS: dict[str, list[str | None]] = {
    "plan": ["free", "team", "business", "enterprise"],
    "interval": ["month", "year"],
    "industry": ["software", "healthcare", "retail", "finance", None],
    "region": ["EU", "US", "APAC"],
    "size_band": ["1-10", "11-50", "51-200", "201-1000", "1000+", None],
    "role_mix": ["designer", "engineer", None, None, None, None],
    "status": ["active", "active", "active", "past_due"],
    "last_offer_outcome": [None] * 20 + ["shown", "accepted", "declined"],
    "lifecycle_stage": ["onboarding", "adopting", "expanding", "at_risk"],
    "segment": ["smb", "mid_market", "enterprise"],
    "currency": ["EUR", "USD", "JPY"],
}


def _ints(rng: np.random.Generator, n: int, high: int, nulls: float) -> pa.Array:
    values = rng.integers(0, high, n)
    return pa.array(values, mask=rng.random(n) < nulls if nulls else None)


def _doubles(rng: np.random.Generator, n: int, distinct: int, nulls: float) -> pa.Array:
    # Ratios and scores take a limited number of values (the engine's 20,000-account run of the
    # example playbook: 1 to 9,205 distinct values a column, a few hundred typically).
    pool = rng.random(distinct) * 100.0
    values = pool[rng.integers(0, distinct, n)]
    return pa.array(values, mask=rng.random(n) < nulls if nulls else None)


def signal_table(accounts: int, seed: int = 7) -> pa.Table:
    """Signals of ``accounts`` accounts with the engine's column kinds (module docstring)."""
    rng = np.random.default_rng(seed)
    n = accounts
    # Random internal ids (the ledger's are random) and vendor ids in sorted order.
    account_ids = [f"acc_{v:016x}" for v in rng.integers(0, 2**63, n)]
    columns: dict[str, pa.Array] = {
        "account_id": pa.array(account_ids),
        "external_id": pa.array([f"cus_{i:08d}" for i in range(n)]),
    }
    for name, choices in _TEXTS.items():
        picks = rng.integers(0, len(choices), n)
        columns[name] = pa.array([choices[p] for p in picks], pa.string())
    for i in range(31):  # counts, many mostly zero; a few mostly null (days since an event)
        high = (1, 1, 3, 10, 100, 1_000)[i % 6]
        columns[f"count_{i}"] = _ints(rng, n, high, 0.8 if i % 6 == 5 else 0.0)
    for i in range(37):  # ratios, usage, limits and health parts; some mostly null
        distinct = (2, 6, 20, 120, 1_000, 9_000)[i % 6]
        columns[f"ratio_{i}"] = _doubles(rng, n, distinct, (0.0, 0.5, 0.9)[i % 3])
    for i in range(16):  # entitlements and red flags
        columns[f"flag_{i}"] = pa.array(rng.random(n) < (0.1 + 0.05 * i))
    # Verdicts: each account fires some condition with probability FIRED.
    fired = rng.random(n) < FIRED
    which = rng.integers(0, CONDITIONS, n)
    for i in range(CONDITIONS):
        columns[condition_column_name(i)] = pa.array(fired & ((which == i) | (rng.random(n) < 0.1)))
    return pa.table(columns)


class Records(Mapping[str, AccountRecord]):
    """Each account's ledger record, made when asked for (``save_run`` asks for none)."""

    def __init__(self, account_ids: list[str]) -> None:
        self._ids = {key: i for i, key in enumerate(account_ids)}

    def __getitem__(self, key: str) -> AccountRecord:
        i = self._ids[key]
        return AccountRecord(
            account_id=key,
            external_id=f"cus_{i:08d}",
            name=f"Account {i}",
            currency="EUR",
            catalog_version="2026-01",
            subscription_id=f"S{i}",
            subscription=CurrentSubscription(
                plan="team",
                interval=BillingInterval.MONTH,
                currency="EUR",
                period_start=AS_OF.date(),
            ),
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def signal_rows(table: pa.Table) -> ArrowSignalRows:
    """The engine's rows of :func:`signal_table`."""
    ids: list[str] = table["account_id"].to_pylist()
    conditions = [f"trigger:c{i}" for i in range(CONDITIONS)]
    names = [n for n in table.column_names if not n.startswith("_c")]
    return ArrowSignalRows(table, conditions, names, Records(ids))


_CHOSEN: list[JsonObject] = [
    {"csm": {"save_play": {"name": "Health check before anything else"}}},
    {
        "in_app": {
            "offer": "business_for_project_limit",
            "strength": "offer",
            "target": {"kind": "plan"},
            "expected_value": "260.57",
        }
    },
    {},
    {
        "in_app": {
            "offer": "team_seats_headroom",
            "strength": "nudge",
            "target": {"kind": "seats"},
            "expected_value": "84.00",
        },
        "email": {
            "offer": "team_seats_headroom",
            "strength": "nudge",
            "target": {"kind": "seats"},
            "expected_value": "84.00",
        },
    },
]
_RANKED: list[list[JsonObject]] = [
    [],
    [{"offer": "business_for_project_limit", "expected_value": "260.57"}],
    [
        {"offer": "annual_for_stable_monthly", "expected_value": "1310.40"},
        {"offer": "team_seats_headroom", "expected_value": "84.00"},
    ],
]
_SUPPRESSED: list[list[JsonObject]] = [
    [],
    [{"offer": "team_for_free_limits", "rules": ["audience.plans", "not_already_there"]}],
    [
        {"offer": "annual_for_stable_monthly", "rules": ["audience.plans", "lifecycle"]},
        {"offer": "team_seats_headroom", "rules": ["audience.plans"]},
    ],
    [
        {"offer": "annual_for_stable_monthly", "rules": ["at_risk", "quiet.severe_ticket"]},
        {"offer": "business_for_project_limit", "rules": ["audience.plans", "at_risk"]},
        {"offer": "team_for_free_limits", "rules": ["at_risk", "quiet.severe_ticket"]},
    ],
]


def decided_for(table: pa.Table, seed: int = 11) -> dict[str, JsonObject]:
    """An ``outcome_of``-shaped document for each account of ``table`` where some condition
    fired (the nested parts are shared between documents: they are serialised all the same)."""
    rng = np.random.default_rng(seed)
    fired = np.zeros(table.num_rows, dtype=bool)
    for i in range(CONDITIONS):
        fired |= table[condition_column_name(i)].to_numpy()
    account_ids = table["account_id"].to_pylist()
    external_ids = table["external_id"].to_pylist()
    picks = rng.integers(0, 1_000_000, table.num_rows)
    return {
        account_ids[row]: {
            "external_id": external_ids[row],
            "currency": ("EUR", "USD", "JPY")[pick % 3],
            "at_risk": pick % 5 == 0,
            "chosen": _CHOSEN[pick % 4],
            "ranked": _RANKED[pick % 7 % 3],
            "suppressed": _SUPPRESSED[pick % 11 % 4],
        }
        for row, pick in zip(np.flatnonzero(fired).tolist(), picks.tolist(), strict=False)
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class TimedRows(SignalRows):
    """``rows`` whose ``chunks()`` counts the wall and CPU seconds spent making each chunk (in
    the thread that makes them: the store makes the next chunk in a worker thread)."""

    def __init__(self, rows: ArrowSignalRows) -> None:
        self._rows = rows
        self.seconds = 0.0
        self.cpu = 0.0

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def fired_count(self) -> int:
        return self._rows.fired_count

    def account(self, row: int) -> AccountSignals:
        return self._rows.account(row)

    def record(self, row: int) -> AccountRecord:
        return self._rows.record(row)

    def lifecycle_stage(self, row: int) -> str | None:
        return self._rows.lifecycle_stage(row)

    def fired(
        self, start: int = 0, stop: int | None = None
    ) -> Iterator[tuple[int, AccountSignals]]:
        return self._rows.fired(start, stop)

    def fired_rows(self) -> npt.NDArray[np.int64]:
        return self._rows.fired_rows()

    def values(self, name: str, rows: npt.NDArray[np.int64]) -> pa.Array:
        return self._rows.values(name, rows)

    def verdicts(self, condition: str, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return self._rows.verdicts(condition, rows)

    def chunks(self) -> Iterator[SignalChunk]:
        chunks = self._rows.chunks()
        while True:
            wall, cpu = time.perf_counter(), time.thread_time()
            chunk = next(chunks, None)
            self.seconds += time.perf_counter() - wall
            self.cpu += time.thread_time() - cpu
            if chunk is None:
                return
            yield chunk


def fresh_engine(url: str | None, directory: Path) -> Engine:
    """A migrated, empty database: a new SQLite file, or ``url`` with its tables dropped."""
    if url is None:
        path = directory / "decisions.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    engine = create_ledger_engine(url)
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade_database(engine)
    return engine


def _run(run_id: str, accounts: int, minutes: int = 0) -> DecisionRun:
    return DecisionRun(
        run_id=run_id,
        as_of=AS_OF,
        started_at=AS_OF + dt.timedelta(minutes=minutes),
        engine="duckdb",
        playbook="benchmark 1",
        summary={"accounts": accounts},
    )


def timed_save(
    engine: Engine, rows: ArrowSignalRows, decided: Mapping[str, JsonObject], run_id: str
) -> dict[str, float]:
    """One ``save_run`` into ``engine``: wall and CPU seconds, the chunk encoding's share."""
    store = SqlDecisionStore(engine)
    timed = TimedRows(rows)
    wall, cpu = time.perf_counter(), _cpu()
    store.save_run(_run(run_id, len(rows)), decided, timed)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {
        "wall": wall,
        "cpu": cpu,
        "encode_wall": timed.seconds,
        "encode_cpu": timed.cpu,
        "store_cpu": cpu - timed.cpu,
    }


def read_times(engine: Engine, accounts: list[str]) -> dict[str, float]:
    """Median milliseconds (wall and CPU) of ``decision(account)`` over ``accounts``, each read
    cold (a new store: the account's chunk read and decoded) and again warm (the chunk kept)."""
    times: dict[str, list[float]] = {"cold": [], "warm": [], "cold_cpu": [], "warm_cpu": []}
    for account in accounts:
        store = SqlDecisionStore(engine)
        for kind in ("cold", "warm"):
            wall, cpu = time.perf_counter(), time.process_time()
            found = store.decision(account)
            times[f"{kind}_cpu"].append((time.process_time() - cpu) * 1000)
            times[kind].append((time.perf_counter() - wall) * 1000)
            assert found is not None, account
            assert found.signals, account
    return {f"read_{kind}_ms": statistics.median(values) for kind, values in times.items()}


def database_mb(engine: Engine, directory: Path) -> float:
    if engine.dialect.name == "sqlite":
        return (
            sum(
                Path(f"{directory / 'decisions.db'}{s}").stat().st_size
                for s in ("", "-wal")
                if Path(f"{directory / 'decisions.db'}{s}").exists()
            )
            / 2**20
        )
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    return float(size or 0) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--list-accounts", type=int, default=20_480)
    parser.add_argument("--url", help="a PostgreSQL database to use (its tables are dropped)")
    args = parser.parse_args()
    print(
        f"CPython {platform.python_version()}, SQLAlchemy {package_version('sqlalchemy')}, "
        f"pyarrow {package_version('pyarrow')}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    start = time.perf_counter()
    table = signal_table(args.accounts)
    rows = signal_rows(table)
    decided = decided_for(table)
    del table
    print(
        f"made {len(rows):,} accounts' signals and {len(decided):,} decisions "
        f"in {time.perf_counter() - start:.1f} s"
    )
    step = max(1, len(rows) // 50)
    sample = [rows.record(row).account_id for row in range(0, len(rows), step)]
    sample += [rows.record(row).external_id for row in range(step // 2, len(rows), step)]
    results = []
    with tempfile.TemporaryDirectory(prefix="tierwise-decisions-") as temp:
        directory = Path(temp)
        for run in range(args.runs):
            engine = fresh_engine(args.url, directory)
            load = os.getloadavg()[0]
            result = timed_save(engine, rows, decided, f"run_{run}")
            result |= read_times(engine, sample)
            result["mb"] = database_mb(engine, directory)
            results.append(result)
            print(
                f"  run {run + 1} (load {load:.1f}): save {result['wall']:.2f} s wall, CPU "
                f"{result['cpu']:.2f} s = chunks {result['encode_cpu']:.2f} (made in "
                f"{result['encode_wall']:.2f} s wall) + store {result['store_cpu']:.2f}; "
                f"database {result['mb']:,.0f} MiB; decision() {result['read_cold_ms']:.2f} ms "
                f"cold, {result['read_warm_ms']:.2f} ms warm (CPU {result['read_cold_cpu_ms']:.2f}"
                f" / {result['read_warm_cpu_ms']:.2f} ms; medians)"
            )
            engine.dispose()
        print(f"\nmedians over {args.runs} runs:")
        for key in ("wall", "encode_wall", "cpu", "encode_cpu", "store_cpu"):
            print(f"  {key:12} {statistics.median(r[key] for r in results):8.2f} s")
        for key in ("read_cold_ms", "read_warm_ms", "read_cold_cpu_ms", "read_warm_cpu_ms"):
            print(f"  {key:12} {statistics.median(r[key] for r in results):8.2f} ms")
        engine = fresh_engine(args.url, directory)
        small = signal_table(args.list_accounts)
        small_rows = signal_rows(small)
        SqlDecisionStore(engine).save_run(
            _run("small", len(small_rows)), decided_for(small), small_rows
        )
        store = SqlDecisionStore(engine)
        listed = []
        for _ in range(3):
            start = time.perf_counter()
            every = store.decisions("small")
            listed.append(time.perf_counter() - start)
            assert len(every) == len(small_rows)
        print(
            f"decisions(run_id) of {len(small_rows):,} accounts: "
            f"{statistics.median(listed):.2f} s (median of 3)"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
