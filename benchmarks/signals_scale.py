"""Signals at scale: every signal of every account, three ways, on the same generated company.

Run with ``.venv/bin/python -m benchmarks.signals_scale`` (``--scale 0.01`` for a quick check;
``--runs N``; ``--check`` compares the three implementations' values at small scales).

Data (generated inside DuckDB with ``range()`` and hash-based pseudo-random columns, written to
Parquet): ``1,000,000 × scale`` accounts and ``100,000,000 × scale`` events over the 90 days before
as-of — product usage (API calls, automation runs, board views, feature uses, storage and gauge
reports, 8 users per account) plus tickets, surveys, failed payments, roles and champions in the
documented conventions — and the ledger snapshot (licenses over the example catalog's four plans,
paywall hits, offers). Each timed run is a fresh process that reads the Parquet files and
materialises one row per account:

* **tierwise** — :func:`tierwise.adapters.analytics.signals.compute_signals` on DuckDB, its
  activity part staged in a temporary table (``stage=temporary_tables(backend)``), the result
  read as one Arrow table (``to_pyarrow``, as the decision run reads it);
* **hand SQL** — one hand-written DuckDB query computing the same columns (the floor), read
  the same way;
* **pandas** — a straightforward pandas implementation (group-bys per family, the derived
  signals through the per-account rules), on a sample of the accounts and their events
  (``--pandas-sample``, 10 % by default), its time extrapolated linearly to all accounts.

DuckDB runs with ``threads=2``, ``memory_limit`` (``--memory-limit``, 6GB by default) and, like
:func:`~tierwise.adapters.analytics.engine.duckdb_backend`, no insertion order kept; peak
memory is each process's maximum resident set size. Medians over ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.signals_pandas import pandas_signals
from benchmarks.signals_sql import hand_sql
from tierwise.adapters.analytics.engine import duckdb_backend, parquet_events
from tierwise.adapters.analytics.ledger import LedgerSnapshot
from tierwise.adapters.analytics.signals import compute_signals, output_columns, temporary_tables
from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.model import CatalogVersion, FeatureKind
from tierwise.signals.health import DEFAULT_HEALTH

AS_OF = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
CATALOG = Path(__file__).parents[1] / "examples" / "catalog.yaml"
ACCOUNTS, EVENTS, DAYS = 1_000_000, 100_000_000, 90

#: Event types and their shares of all events (per 10,000).
TYPE_SHARES = (
    ("api.call", 5500),
    ("automation.run", 2500),
    ("board.viewed", 1400),
    ("feature.used", 200),
    ("storage.measured", 100),
    ("feature.gauge", 100),
    ("support.ticket.opened", 50),
    ("support.ticket.closed", 30),
    ("survey.nps", 30),
    ("survey.csat", 20),
    ("payment.failed", 20),
    ("user.identified", 30),
    ("account.champion", 20),
)

_EVENTS_SQL = """
WITH draws AS (
    SELECT i, '{type}' AS type, (hash(i) % {accounts})::BIGINT AS acct,
           (hash(i + 1000000000000) >> 1)::BIGINT AS h2,
           (hash(i + 2000000000000) >> 1)::BIGINT AS h3
    FROM range({start}, {stop}) t(i)
)
SELECT 'bench' AS source, i::VARCHAR AS id, type, 'a' || acct AS account,
    CASE WHEN type IN ('storage.measured', 'feature.gauge', 'payment.failed')
         THEN NULL ELSE 'u' || acct || '-' || (h2 // 10000) % 8 END AS subject,
    TIMESTAMPTZ '{as_of}' - to_microseconds(((h3 // 7) % ({days} * 86400000000))::BIGINT) AS time,
    CASE type
        WHEN 'feature.used'
            THEN '{{"feature":"' || ['sso','advanced_reports','audit_logs'][h3 % 3 + 1] || '"}}'
        WHEN 'storage.measured' THEN '{{"gigabytes":' || (h3 % 2000) / 10 || '}}'
        WHEN 'feature.gauge' THEN '{{"feature":"' || ['projects','guests'][h3 % 2 + 1]
            || '","value":' || h3 % 120 || '}}'
        WHEN 'support.ticket.opened' THEN '{{"ticket_id":"t' || h3 % 40 || '","severity":"'
            || ['low','normal','high','urgent'][(h3 // 40) % 4 + 1] || '"}}'
        WHEN 'support.ticket.closed' THEN '{{"ticket_id":"t' || h3 % 40 || '"}}'
        WHEN 'survey.nps' THEN '{{"score":' || h3 % 11 || '}}'
        WHEN 'survey.csat' THEN '{{"score":' || 1 + h3 % 5 || '}}'
        WHEN 'user.identified'
            THEN '{{"role":"' || ['engineer','designer','manager','it_admin'][h3 % 4 + 1] || '"}}'
        WHEN 'account.champion' THEN '{{"user_id":"u' || acct || '-' || h3 % 8 || '"}}'
        ELSE '{{}}' END AS properties
FROM draws
"""

_LICENSES_SQL = """
WITH k AS (SELECT i, (hash(i + 7000000000000) >> 1)::BIGINT AS h FROM range({accounts}) t(i)),
planned AS (
    SELECT *, CASE WHEN h % 20 < 8 THEN 'free' WHEN h % 20 < 15 THEN 'team'
                   WHEN h % 20 < 19 THEN 'business' ELSE 'enterprise' END AS plan
    FROM k
)
SELECT 'A' || i AS account_id, 'a' || i AS external_id,
    ['software','healthcare','finance','retail', NULL][h % 5 + 1] AS industry,
    ['EU','US','APAC'][(h // 5) % 3 + 1] AS region,
    CASE WHEN (h // 15) % 10 = 0 THEN NULL ELSE 1 + (h // 150) % 3000 END AS company_size,
    plan, CASE plan WHEN 'free' THEN 1 WHEN 'team' THEN 2 WHEN 'business' THEN 3 ELSE 4 END
        AS plan_rank,
    CASE WHEN (h // 7) % 3 = 0 THEN 'year' ELSE 'month' END AS interval,
    1 + (h // 11) % 3 AS term_years, 'active' AS status,
    CASE WHEN plan = 'team' AND (h // 13) % 20 = 0 THEN 'business' END AS trial_plan,
    CASE WHEN (h // 17) % 10 = 0
         THEN TIMESTAMPTZ '{as_of}' - to_days(((h // 19) % 300)::INTEGER) END AS last_trial_at,
    3 + (h // 23) % 40 AS seats, 1 + (h // 29) % 42 AS seats_assigned,
    DATE '{day}' - ((h // 31) % 1200)::INTEGER AS first_started,
    DATE '{day}' + ((h // 37) % 400)::INTEGER AS term_end,
    DATE '{day}' - ((h // 41) % 28)::INTEGER AS period_start,
    DATE '{day}' - ((h // 41) % 28)::INTEGER + 30 AS period_end,
    plan AS profile
FROM planned
"""


def catalog() -> CatalogVersion:
    return load_catalog_path(CATALOG).latest


def generate(directory: Path, scale: float) -> dict[str, int]:
    """Write ``events/*.parquet`` and the ledger tables (Parquet) into ``directory``."""
    accounts, events = max(10, int(ACCOUNTS * scale)), max(1_000, int(EVENTS * scale))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = 2")
    (directory / "events").mkdir(parents=True, exist_ok=True)
    # clustered by type, as a warehouse table partitioned or sorted by event type would be:
    # written type by type (no sort needed), so row-group statistics let each type-filtered scan
    # skip the other types' groups
    start, chunk = 0, 12_500_000
    for type_, share in TYPE_SHARES:
        count = events * share // 10_000
        for part, first in enumerate(range(start, start + count, chunk)):
            sql = _EVENTS_SQL.format(
                type=type_,
                accounts=accounts,
                start=first,
                stop=min(start + count, first + chunk),
                as_of=AS_OF.isoformat(),
                days=DAYS,
            )
            con.execute(
                f"COPY ({sql}) TO '{directory}/events/{type_}-{part}.parquet' "
                "(FORMAT parquet, ROW_GROUP_SIZE 250000)"
            )
        start += count
    licenses = con.sql(
        _LICENSES_SQL.format(accounts=accounts, as_of=AS_OF.isoformat(), day=AS_OF.date())
    ).to_arrow_table()
    pq.write_table(licenses, directory / "licenses.parquet")
    version = catalog()
    rows: list[tuple[str, str, bool, float | None]] = []
    for key, plan in version.plans.items():
        for feature_key, feature in version.features.items():
            value = plan.entitlements.get(feature_key, False)
            if feature.kind is FeatureKind.BOOLEAN:
                rows.append((key, feature_key, value is True, None))
            elif value == "unlimited":
                rows.append((key, feature_key, True, None))
            else:
                limit = 0 if value is False else int(value)
                rows.append((key, feature_key, limit > 0, float(limit)))
    entitlements = pa.table(
        {
            name: [row[i] for row in rows]
            for i, name in enumerate(("profile", "feature", "entitled", "limit"))
        }
    )
    pq.write_table(entitlements, directory / "entitlements.parquet")
    paywall = con.sql(
        f"""SELECT 'A' || hash(i + 9000000000000) % {accounts} AS account_id,
                   ['sso','projects','audit_logs','api_calls'][i % 4 + 1] AS feature,
                   CASE WHEN i % 3 = 0 THEN 'soft_limit' ELSE 'denied' END AS kind,
                   TIMESTAMPTZ '{AS_OF.isoformat()}' - to_minutes(i % 86400) AS at
            FROM range({max(1, accounts // 10)}) t(i)"""
    ).to_arrow_table()
    pq.write_table(paywall, directory / "paywall.parquet")
    offers = con.sql(
        f"""SELECT 'A' || hash(i + 9500000000000) % {accounts} AS account_id,
                   'team_to_business' AS offer,
                   ['shown','shown','declined','accepted','dismissed'][i % 5 + 1] AS outcome,
                   TIMESTAMPTZ '{AS_OF.isoformat()}' - to_minutes(i % 86400) AS at
            FROM range({max(1, accounts // 20)}) t(i)"""
    ).to_arrow_table()
    pq.write_table(offers, directory / "offers.parquet")
    con.close()
    return {"accounts": accounts, "events": start}


def ledger(directory: Path) -> LedgerSnapshot:
    return LedgerSnapshot.from_arrow(
        pq.read_table(directory / "licenses.parquet"),
        pq.read_table(directory / "entitlements.parquet"),
        pq.read_table(directory / "paywall.parquet"),
        pq.read_table(directory / "offers.parquet"),
    )


# -- the three implementations, each run in a fresh process -------------------------------------


def run_tierwise(directory: Path, memory_limit: str) -> tuple[int, Any]:
    backend = duckdb_backend(threads=2, memory_limit=memory_limit, temp_directory=directory / "tmp")
    table = compute_signals(
        parquet_events(directory / "events", backend),
        ledger(directory),
        catalog(),
        AS_OF,
        stage=temporary_tables(backend),
    )
    result = backend.to_pyarrow(table)
    return result.num_rows, result


def run_sql(directory: Path, memory_limit: str) -> tuple[int, Any]:
    con = duckdb.connect()
    for setting in (
        "SET TimeZone = 'UTC'",
        "SET threads = 2",
        f"SET memory_limit = '{memory_limit}'",
        "SET preserve_insertion_order = false",
        "SET parquet_metadata_cache = true",
    ):
        con.execute(setting)
    con.execute(f"SET temp_directory = '{directory / 'tmp'}'")
    snapshot = ledger(directory)
    for name in ("licenses", "entitlements", "paywall", "offers"):
        con.register(name, getattr(snapshot, name))
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{directory}/events/*.parquet')")
    columns = ", ".join(f'"{name}"' for name in output_columns(catalog(), DEFAULT_HEALTH))
    result = con.sql(f"SELECT {columns} FROM ({hand_sql(AS_OF)})").to_arrow_table()
    return result.num_rows, result


def run_pandas(directory: Path, sample: float) -> tuple[int, Any]:
    return pandas_signals(directory, ledger(directory), catalog(), AS_OF, sample)


def worker(kind: str, directory: Path, memory_limit: str, sample: float, keep: Path | None) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime  # the imports are not part of the work
    start = time.perf_counter()
    if kind == "tierwise":
        rows, result = run_tierwise(directory, memory_limit)
    elif kind == "sql":
        rows, result = run_sql(directory, memory_limit)
    else:
        rows, result = run_pandas(directory, sample)
    seconds = time.perf_counter() - start
    if keep is not None:
        pq.write_table(
            result if isinstance(result, pa.Table) else pa.Table.from_pandas(result), keep
        )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak_mb = usage.ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "peak_mb": peak_mb}))


def timed(
    kind: str, directory: Path, args: argparse.Namespace, keep: Path | None = None
) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.signals_scale",
        "--worker",
        kind,
        "--data",
        str(directory),
        "--memory-limit",
        args.memory_limit,
        "--pandas-sample",
        str(args.pandas_sample),
    ]
    if keep is not None:
        command += ["--keep", str(keep)]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def compare(directory: Path, args: argparse.Namespace) -> None:
    """At a small scale, check that the three implementations give the same values."""
    paths = {kind: directory / f"result-{kind}.parquet" for kind in ("tierwise", "sql", "pandas")}
    for kind, path in paths.items():
        timed(kind, directory, args, keep=path)
    tables = {kind: pq.read_table(path).to_pylist() for kind, path in paths.items()}
    reference = {row["account_id"]: row for row in tables["tierwise"]}
    for kind in ("sql", "pandas"):
        mismatches = 0
        for row in tables[kind]:
            expected = reference[row["account_id"]]
            for name, value in row.items():
                other = expected[name]
                same = (
                    math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9)
                    if isinstance(value, float) and isinstance(other, float)
                    else value == other
                )
                if not same:
                    mismatches += 1
                    if mismatches <= 5:
                        print(
                            f"  {kind} differs: {row['account_id']} {name}: {value!r} vs {other!r}"
                        )
        checked = len(tables[kind])
        print(
            f"check: {kind} agrees with tierwise on {checked:,} accounts × {len(tables[kind][0])}"
            f" columns"
            if mismatches == 0
            else f"check: {kind}: {mismatches} differences"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--pandas-sample", type=float, default=0.1)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument(
        "--only", choices=("tierwise", "sql", "pandas"), help="time one implementation only"
    )
    parser.add_argument("--worker", choices=("tierwise", "sql", "pandas"))
    parser.add_argument("--data", type=Path)
    parser.add_argument("--keep", type=Path)
    parser.add_argument(
        "--cache",
        type=Path,
        help="keep the generated data in this directory and reuse it when it holds this scale",
    )
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.memory_limit, args.pandas_sample, args.keep)
        return
    print(
        f"CPython {platform.python_version()}, duckdb {package_version('duckdb')}, "
        f"ibis {package_version('ibis-framework')}, pandas {package_version('pandas')}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="tierwise-signals-") as temp:
        root = Path(temp) if args.cache is None else args.cache / f"scale-{args.scale:g}"
        start = time.perf_counter()
        marker = root / "generated.json"
        if marker.exists():
            size = json.loads(marker.read_text())
            verb = "reused"
        else:
            root.mkdir(parents=True, exist_ok=True)
            size = generate(root, args.scale)
            marker.write_text(json.dumps(size))
            verb = "generated"
        megabytes = sum(p.stat().st_size for p in (root / "events").glob("*.parquet")) / 2**20
        print(
            f"{verb} {size['accounts']:,} accounts and {size['events']:,} events "
            f"({megabytes:,.0f} MiB of Parquet) in {time.perf_counter() - start:.1f} s"
        )
        if args.check:
            compare(root, args)
        kinds = ["tierwise", "sql"] + ([] if args.skip_pandas else ["pandas"])
        if args.only:
            kinds = [args.only]
        results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
        for run in range(args.runs):
            for kind in kinds:
                result = timed(kind, root, args)
                results[kind].append(result)
                print(
                    f"  run {run + 1} {kind}: {result['seconds']:.1f} s, "
                    f"{result['rows']:,} rows, peak {result['peak_mb']:,.0f} MiB"
                )
        medians = {
            kind: statistics.median(r["seconds"] for r in runs) for kind, runs in results.items()
        }
        cpus = {kind: statistics.median(r["cpu"] for r in runs) for kind, runs in results.items()}
        peaks = {kind: max(r["peak_mb"] for r in runs) for kind, runs in results.items()}
        if "pandas" in medians:
            medians["pandas (all accounts, extrapolated)"] = medians["pandas"] / args.pandas_sample
        print(f"\nmedians over {args.runs} runs:")
        for kind, seconds in medians.items():
            peak = peaks.get(kind.split(" ")[0])
            cpu = cpus.get(kind.split(" ")[0], 0.0) / (
                1 if "extrapolated" not in kind else args.pandas_sample
            )
            print(
                f"  {kind:38} {seconds:8.1f} s   CPU {cpu:8.1f} s"
                + (f"   peak {peak:,.0f} MiB" if peak else "")
            )
        if "tierwise" in medians and "sql" in medians:
            print(f"  tierwise / hand SQL: {medians['tierwise'] / medians['sql']:.2f}x")
        if "pandas" in medians and "tierwise" in medians:
            extrapolated = medians["pandas (all accounts, extrapolated)"]
            print(f"  pandas (extrapolated) / tierwise: {extrapolated / medians['tierwise']:.1f}x")


if __name__ == "__main__":
    main()
