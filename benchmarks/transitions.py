"""Transitions per second on the embedded SQLite store (WAL, one file, one process).

Run with ``.venv/bin/python -m benchmarks.transitions`` (``--quick`` for a short smoke run).

One *transition* is what ``tierwise subscription change`` does: ``Ledger.handle`` of a
``ChangeSubscription`` with an idempotency key, end to end — look up the key, load the
subscription, bring it up to date, price the change with the quote engine under its price lock,
apply it, write the subscription back with the optimistic version check, append the history entry
(before, after, quote), queue the domain event in the outbox, store the key and its receipt, and
commit (``BEGIN IMMEDIATE`` … ``COMMIT``) to a SQLite file in WAL mode with ``synchronous=NORMAL``.

The stream cycles 200 subscriptions through seat changes 5 → 6 → 7 → 5 (immediate, prorated
changes with a credit and a charge each), so every transition reads and writes a real row. Each
repetition times a fixed number of transitions in a fresh database; the figure is the median.
The process is not pinned (SQLite's file I/O runs in it too); the load average is printed because
the numbers move with it on shared machines. It also reports the rate from process CPU
time, which is what an otherwise idle core would give.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.sql import SqlUnitOfWork, create_ledger_engine, sqlite_url, upgrade_database
from tierwise.catalog.versions import Catalog
from tierwise.services import commands as c
from tierwise.services.context import LedgerContext
from tierwise.services.ledger import Ledger

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "catalog.yaml"
TARGET_PER_SECOND = 500
START = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
SUBSCRIPTIONS = 200


def _prepared(catalog: Catalog, folder: Path) -> tuple[Ledger, list[str]]:
    engine = create_ledger_engine(sqlite_url(folder))
    upgrade_database(engine)
    ledger = Ledger(lambda: SqlUnitOfWork(engine), LedgerContext(catalog))
    ids = []
    for number in range(SUBSCRIPTIONS):
        account = ledger.handle(
            c.CreateAccount(at=START, external_id=f"crm-{number}", name="A", currency="USD")
        ).subject_id
        ids.append(
            ledger.handle(
                c.CreateSubscription(at=START, account=account, plan="team", seats=5)
            ).subject_id
        )
    return ledger, ids


def one_repetition(catalog: Catalog, count: int) -> tuple[float, float]:
    """Transitions per second (wall clock, CPU time) over ``count`` transitions."""
    with tempfile.TemporaryDirectory() as folder:
        ledger, ids = _prepared(catalog, Path(folder))
        commands = [
            c.ChangeSubscription(
                at=START + dt.timedelta(hours=1, seconds=n),
                subscription_id=ids[n % len(ids)],
                seats=5 + (n // len(ids) + 1) % 3,
                idempotency_key=f"bench-{n}",
            )
            for n in range(count)
        ]
        began, cpu = time.perf_counter(), time.process_time()
        for command in commands:
            ledger.handle(command)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    return count / elapsed, count / cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--transitions", type=int, default=2000)
    options = parser.parse_args(argv)
    repetitions = 2 if options.quick else options.repetitions
    count = 200 if options.quick else options.transitions
    catalog = load_catalog_path(EXAMPLE)
    load_before = os.getloadavg()
    runs = [one_repetition(catalog, count) for _ in range(repetitions)]
    load_after = os.getloadavg()
    rates = [wall for wall, _ in runs]
    cpu_rates = [cpu for _, cpu in runs]
    median = statistics.median(rates)
    cpu_median = statistics.median(cpu_rates)
    print(f"CPython {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(f"load average before {_load(load_before)}, after {_load(load_after)}")
    print(f"{repetitions} repetitions of {count} transitions on embedded SQLite (WAL)")
    print(
        f"wall clock: median {median:,.0f} transitions/s "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f})"
    )
    print(
        f"CPU time:   median {cpu_median:,.0f} transitions/s "
        f"(min {min(cpu_rates):,.0f}, max {max(cpu_rates):,.0f}), "
        f"{1000 / cpu_median:.2f} ms of CPU per transition"
    )
    verdict = "met" if median >= TARGET_PER_SECOND else "MISSED"
    print(f"target {TARGET_PER_SECOND:,}/s on the wall clock: {verdict}")
    return 0 if median >= TARGET_PER_SECOND else 1


def _load(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in averages)


if __name__ == "__main__":
    sys.exit(main())
