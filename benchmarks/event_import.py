"""Bulk import of usage events per second: ``tierwise events import`` on CSV and Parquet.

Run with ``.venv/bin/python -m benchmarks.event_import`` (``--events N``, ``--repeats N``;
``--quick`` for a 200,000-event smoke run).

The events are generated once by DuckDB into a temporary directory — 20,000 accounts, 100,000
users, three event types, a year of timestamps, a small JSON properties object per event — as a
CSV file (RFC 3339 text times, properties as JSON text) and as a Parquet file. Each repetition
imports one file into a *fresh* data directory with :func:`import_events`, the function behind
the CLI: read with DuckDB's reader, check every row, deduplicate (within the file and against the
store) and commit. The time is the wall time of that call, so reading, checking, deduplication and
the durable commit are all in it. After the timed runs, the same file is imported once more into
the filled store (every row a duplicate) to show the cost of the anti-join against stored events.
The figure per format is the median of the repetitions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import tempfile
import time
from importlib.metadata import version as package_version
from pathlib import Path

import duckdb

from tierwise.adapters.event_import import ImportReport, import_events
from tierwise.adapters.event_store import EventStore

_GENERATE = """
SELECT 'bench' AS source, 'evt-' || i AS id,
    CASE i % 3 WHEN 0 THEN 'api.call' WHEN 1 THEN 'automation.run' ELSE 'storage.measured' END
        AS type,
    'acct-' || (i % 20000) AS account,
    'user-' || (i % 100000) AS subject,
    strftime(TIMESTAMP '2025-01-01' + to_seconds(i % 31536000), '%Y-%m-%dT%H:%M:%SZ') AS time,
    '{"n":' || (i % 7) || ',"endpoint":"/v1/boards"}' AS properties
FROM range({n}) t(i)
"""


def generate(
    directory: Path, events: int, *, formats: tuple[str, ...] = ("csv", "parquet")
) -> dict[str, Path]:
    """Write the inputs (CSV and/or Parquet, the same rows as text); return them by format."""
    rows = _GENERATE.replace("{n}", str(int(events)))
    written: dict[str, Path] = {}
    con = duckdb.connect()
    for name in formats:
        path = directory / f"events.{name}"
        option = "HEADER" if name == "csv" else "FORMAT parquet"
        con.execute(f"COPY ({rows}) TO '{path}' ({option})")
        written[name] = path
    con.close()
    return written


def timed_import(store: EventStore, path: Path) -> tuple[float, ImportReport]:
    received = dt.datetime.now(dt.UTC)
    start = time.perf_counter()
    report = import_events(store, [path], received_at=received)
    return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    events = 200_000 if args.quick else args.events

    print(
        f"CPython {platform.python_version()}, duckdb {package_version('duckdb')}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="tierwise-bench-") as temp:
        root = Path(temp)
        start = time.perf_counter()
        inputs = generate(root, events)
        print(f"generated {events:,} events in {time.perf_counter() - start:.1f} s")
        for name, path in inputs.items():
            size = path.stat().st_size / 2**20
            rates = []
            for repeat in range(args.repeats):
                data_dir = root / f"data-{name}-{repeat}"
                with EventStore.open(data_dir) as store:
                    seconds, report = timed_import(store, path)
                if report.inserted != events or report.rejected:
                    raise SystemExit(f"{name}: expected {events} new events, got {report}")
                rates.append(events / seconds)
                print(
                    f"  {name} run {repeat + 1}: {seconds:.2f} s, {events / seconds:,.0f} events/s"
                )
                if repeat < args.repeats - 1:
                    shutil.rmtree(data_dir)
            with EventStore.open(data_dir) as store:
                seconds, report = timed_import(store, path)
            if report.duplicates != events or report.inserted:
                raise SystemExit(f"{name}: the re-import should be all duplicates, got {report}")
            print(
                f"{name} ({size:,.0f} MiB): median {statistics.median(rates):,.0f} events/s "
                f"(min {min(rates):,.0f}, max {max(rates):,.0f}); re-import of the same "
                f"{events:,} as duplicates: {events / seconds:,.0f} events/s, "
                f"store {(data_dir / 'events.duckdb').stat().st_size / 2**20:,.0f} MiB"
            )


if __name__ == "__main__":
    main()
