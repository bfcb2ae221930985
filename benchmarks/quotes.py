"""Quotes per second for a plan change with proration and discounts, on one core.

Run with ``.venv/bin/python -m benchmarks.quotes`` (add ``--quick`` for a short smoke run).

The change: Team × N seats + Automation pack, billed monthly, moves mid-period to Business ×
M seats + Automation pack + Audit logs, billed yearly, on a 3-year term (a 10 % term discount and
the annual prepay saving; credits for the old items, a new yearly period for the new ones, and a
3-year price path). The catalog is ``examples/catalog.yaml`` read by the YAML loader.

So that no per-quote result can be served from a cache, the inputs vary: 240 distinct
subscriptions (12 period starts × 20 current seat counts) each quoted at 10 moments in its period,
2,400 distinct quotes per pass. What is allowed to be warm is what a server keeps warm: the
priced configurations of the catalog version (see :mod:`tierwise.pricing.pricebook`). The first,
cold pass is reported separately.

Each repetition times one pass over all inputs; the figure is the median of the repetitions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.model import BillingInterval, CatalogVersion
from tierwise.pricing.periods import billing_date, billing_period
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange, quote_change

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "catalog.yaml"
TARGET_PER_SECOND = 20_000

Case = tuple[CurrentSubscription, ProposedChange, dt.datetime]


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


def build_cases() -> list[Case]:
    """2,400 distinct (subscription, change, moment) inputs of the same kind of change."""
    cases: list[Case] = []
    for month in range(1, 13):
        anchor = 1 + (month * 7) % 28
        start = billing_date(2026, month, anchor)
        period = billing_period(start, BillingInterval.MONTH, anchor)
        for seats in range(12, 32):
            current = CurrentSubscription(
                plan="team",
                interval=BillingInterval.MONTH,
                currency="USD",
                period_start=start,
                seats=seats,
                add_ons=("automation_pack",),
                anchor_day=anchor,
            )
            change = ProposedChange(
                to_plan="business",
                to_seats=seats + 8,
                to_interval=BillingInterval.YEAR,
                to_add_ons=("automation_pack", "audit_logs"),
                term_years=3,
            )
            for step in range(10):
                offset = dt.timedelta(days=1 + step * (period.days - 2) // 10, hours=step)
                at = dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC) + offset
                cases.append((current, change, at))
    return cases


def one_pass(version: CatalogVersion, cases: list[Case]) -> float:
    """Seconds to quote every case once."""
    started = time.perf_counter()
    for current, change, at in cases:
        quote_change(version, current, change, at)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="three short repetitions")
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args(argv)
    repetitions = 3 if args.quick else args.repetitions

    pinning = _pin_to_one_core()
    version = load_catalog_path(EXAMPLE).version("2026.1")
    cases = build_cases()
    if args.quick:
        cases = cases[:600]
    sample = quote_change(version, *cases[len(cases) // 2])
    if not (sample.lines and sample.discounts and len(sample.price_path) == 3):
        raise SystemExit("the benchmark case no longer prorates, discounts and has a price path")

    cold = one_pass(version, cases)
    gc.collect()
    gc.disable()  # the collector's pauses are noise here; each pass allocates a few MB
    try:
        rates = [len(cases) / one_pass(version, cases) for _ in range(repetitions)]
    finally:
        gc.enable()
    median = statistics.median(rates)

    print(f"python {platform.python_version()} on {platform.machine()}, {pinning}")
    print(f"{len(cases)} distinct quotes per pass, {repetitions} repetitions")
    print(f"sample: due now {sample.due_now}, {len(sample.lines)} lines, {sample.timing.value}")
    print(f"cold first pass: {len(cases) / cold:,.0f} quotes/s")
    print(f"min {min(rates):,.0f}  median {median:,.0f}  max {max(rates):,.0f} quotes/s")
    verdict = "meets" if median >= TARGET_PER_SECOND else "MISSES"
    print(f"median {median:,.0f} quotes/s {verdict} the target of {TARGET_PER_SECOND:,}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
