"""The event store's Parquet export: a first export against an unchanged one and against one
after a new month or a few late events.

Run with ``.venv/bin/python -m benchmarks.parquet_export`` (``--events N``, ``--repeats N``;
``--quick`` for a 200,000-event smoke run).

The store is filled once by DuckDB with ``--events`` events spread evenly over 24 months in
time order (as a store that ingests as events happen; 20,000 accounts, 100,000 users, three
event types, a small JSON properties object per event). Then, each repeated ``--repeats`` times
and timed by wall clock and CPU (``getrusage`` of this process, so DuckDB's threads count):

* **first**: :meth:`EventStore.export_parquet` into an empty directory (every month written);
* **unchanged**: again with no new event (the month stamps are computed, nothing is written);
* **new month**: after appending one more month of events (``events / 24``, a month's worth);
* **late events**: after appending 1,000 events to an old month (2025-06).

Each run checks what the export did (:meth:`EventStore.export_parquet_report`): the months
rewritten and the events in the export. The figure per case is the median of the repetitions.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version as package_version
from pathlib import Path

from tierwise.adapters.event_store import EventStore
from tierwise.adapters.parquet_export import ParquetExport

_MONTHS = 24
_FILL = """
INSERT INTO usage_events
SELECT 'bench', 'evt-{tag}-' || i,
    CASE i % 3 WHEN 0 THEN 'api.call' WHEN 1 THEN 'automation.run' ELSE 'storage.measured' END,
    'acct-' || (i % 20000), 'user-' || (i % 100000),
    TIMESTAMPTZ '{start}' + to_microseconds(i * {step}),
    '{{"n":' || (i % 7) || ',"endpoint":"/v1/boards"}}',
    TIMESTAMPTZ '{start}' + to_microseconds(i * {step})
FROM range({n}) t(i)
"""


def fill(store: EventStore, *, tag: str, n: int, start: str, days: int) -> None:
    """Append ``n`` events evenly over ``days`` days from ``start`` (UTC), keys ``evt-TAG-i``."""
    step = days * 86_400_000_000 // max(n, 1)
    with store.writer() as con:
        con.execute(_FILL.format(tag=tag, n=n, start=f"{start} 00:00:00+00", step=step))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(run: Callable[[], ParquetExport]) -> tuple[float, float, ParquetExport]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    report = run()
    return time.perf_counter() - wall, cpu_seconds() - cpu, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    events = 200_000 if args.quick else args.events
    month = events // _MONTHS

    print(
        f"CPython {platform.python_version()}, duckdb {package_version('duckdb')}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    cases: dict[str, list[tuple[float, float]]] = {}

    def record(case: str, result: tuple[float, float, ParquetExport], months: int | None) -> None:
        """Keep a run's times, having checked it rewrote ``months`` months (None: all)."""
        wall, cpu, report = result
        if len(report.rewritten) != (report.months if months is None else months):
            raise SystemExit(f"{case}: expected {months} month(s) rewritten, got {report}")
        cases.setdefault(case, []).append((wall, cpu))
        print(
            f"  {case}: {wall:.2f} s wall, {cpu:.2f} s CPU, {len(report.rewritten)} of "
            f"{report.months} months rewritten, {report.events:,} events in the export"
        )

    with tempfile.TemporaryDirectory(prefix="tierwise-bench-") as temp:
        root = Path(temp)
        with EventStore.open(root / "data") as store:
            start = time.perf_counter()
            fill(store, tag="base", n=events, start="2025-01-01", days=730)
            print(f"stored {events:,} events in {time.perf_counter() - start:.1f} s")
            target = root / "export"
            for repeat in range(args.repeats):
                shutil.rmtree(target, ignore_errors=True)
                record("first", timed(lambda: store.export_parquet_report(target)), None)
                record("unchanged", timed(lambda: store.export_parquet_report(target)), 0)
                # a month after the last one (2027-01, 2027-02, ...), then 1,000 late events
                fill(store, tag=f"new{repeat}", n=month, start=f"2027-{repeat + 1:02d}-01", days=28)
                record("new month", timed(lambda: store.export_parquet_report(target)), 1)
                fill(store, tag=f"late{repeat}", n=1_000, start="2025-06-01", days=28)
                record("late events", timed(lambda: store.export_parquet_report(target)), 1)
            size = sum(p.stat().st_size for p in target.rglob("*.parquet")) / 2**20
    first = statistics.median(wall for wall, _ in cases["first"])
    print(f"export {size:,.0f} MiB; medians of {args.repeats}:")
    for case, runs in cases.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"  {case:<12} {wall:7.2f} s wall {cpu:7.2f} s CPU  ({wall / first:.1%} of first)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
