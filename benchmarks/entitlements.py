"""Entitlement checks per second: tierwise from a cached snapshot vs GrowthBook local evaluation.

Run with ``.venv/bin/python -m benchmarks.entitlements`` (add ``--quick`` for a short smoke run).

One process, one core (pinned where the OS allows), both sides one after the other, repeated; the
figure for each side is the median of the repetitions. The same account is asked the same eight
questions on both sides, round-robin:

* tierwise: :func:`tierwise.licensing.entitlements.check` on a snapshot of a Business account with
  the automation pack, resolved once from ``examples/catalog.yaml`` (three boolean features, one
  unlimited limit, one gauge limit, three metered counters of which one is in the soft-limit zone,
  so the slower path with its upsell hint is part of the mix);
* GrowthBook: the Python SDK evaluating features built from the same catalog (a rule per plan on
  the ``plan`` attribute, and one on the ``add_ons`` attribute), loaded locally with
  ``GrowthBook(attributes=..., features=...)``, no network. A limit check there is
  ``usage + requested <= gb.get_feature_value(key, 0)``; a boolean is ``gb.is_on(key)``.
  GrowthBook answers only the value; tierwise also computes remaining, zone, grace and the hint.

Before timing, both sides must agree on every answer, so the comparison is like for like.
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
from collections.abc import Callable
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import yaml
from growthbook import GrowthBook

from tierwise.catalog.model import CatalogDocument, CatalogVersion, FeatureKind
from tierwise.catalog.versions import build_catalog
from tierwise.licensing.entitlements import (
    EntitlementSnapshot,
    EntitlementSources,
    check,
    resolve_entitlements,
)
from tierwise.licensing.snapshot_cache import SnapshotCache

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "catalog.yaml"
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ACCOUNT = "acc_northwind_42"
PLAN, ADD_ONS, VERSION = "business", ("automation_pack",), 12
#: (feature, usage, requested): what the product asks, round-robin.
QUESTIONS: tuple[tuple[str, int, int], ...] = (
    ("sso", 0, 1),  # boolean, allowed
    ("advanced_reports", 0, 1),  # boolean, allowed
    ("audit_logs", 0, 1),  # boolean, denied (an add-on away)
    ("projects", 40, 1),  # limit, unlimited
    ("guests", 12, 1),  # limit 100
    ("api_calls", 120_000, 1),  # metered, 250,000 a month
    ("automation_runs", 3_000, 1),  # metered, 25,000 + 20,000 from the pack
    ("storage_gb", 850, 1),  # metered, 1,000: in the soft-limit zone (from 800)
)
GB_UNLIMITED = 10**15


def load_catalog() -> CatalogVersion:
    document = CatalogDocument.model_validate(yaml.safe_load(EXAMPLE.read_text()))
    return build_catalog(document).versions[0]


def growthbook_features(catalog: CatalogVersion) -> dict[str, Any]:
    """The catalog's plans as GrowthBook feature definitions: one forced rule per plan."""
    features: dict[str, Any] = {}
    for key, feature in catalog.features.items():
        boolean = feature.kind is FeatureKind.BOOLEAN
        rules: list[dict[str, Any]] = []
        for add_on_key, add_on in catalog.add_ons.items():
            if key in add_on.entitlements and not boolean:
                for plan_key in add_on.available_for:
                    base = catalog.plans[plan_key].entitlements.get(key, 0)
                    extra = add_on.entitlements[key]
                    assert isinstance(base, int)
                    assert isinstance(extra, int)
                    condition = {"plan": plan_key, "add_ons": {"$elemMatch": {"$eq": add_on_key}}}
                    rules.append({"condition": condition, "force": base + extra})
        for plan_key, plan in catalog.plans.items():
            value = plan.entitlements.get(key, False if boolean else 0)
            forced = GB_UNLIMITED if value == "unlimited" else value
            rules.append({"condition": {"plan": plan_key}, "force": forced})
        features[key] = {"defaultValue": False if boolean else 0, "rules": rules}
    return features


def growthbook_check(gb: GrowthBook, catalog: CatalogVersion) -> Callable[[str, int, int], bool]:
    """An entitlement check on top of GrowthBook's local evaluation."""
    booleans = {k for k, f in catalog.features.items() if f.kind is FeatureKind.BOOLEAN}
    is_on, get = gb.is_on, gb.get_feature_value

    def gb_check(feature: str, usage: int, requested: int) -> bool:
        if feature in booleans:
            return is_on(feature)
        return bool(usage + requested <= get(feature, 0))

    return gb_check


def time_tierwise(snapshot: EntitlementSnapshot, rounds: int) -> float:
    questions, started = QUESTIONS, time.perf_counter()
    for _ in range(rounds):
        for feature, usage, requested in questions:
            check(snapshot, feature, usage, requested)
    return time.perf_counter() - started


def time_tierwise_with_cache(cache: SnapshotCache, rounds: int) -> float:
    questions, get, started = QUESTIONS, cache.get, time.perf_counter()
    for _ in range(rounds):
        for feature, usage, requested in questions:
            snapshot = get(ACCOUNT, VERSION)
            assert snapshot is not None
            check(snapshot, feature, usage, requested)
    return time.perf_counter() - started


def time_growthbook(gb_check: Callable[[str, int, int], bool], rounds: int) -> float:
    questions, started = QUESTIONS, time.perf_counter()
    for _ in range(rounds):
        for feature, usage, requested in questions:
            gb_check(feature, usage, requested)
    return time.perf_counter() - started


def measure(
    sides: dict[str, tuple[Callable[[int], float], int]], repeats: int
) -> dict[str, list[float]]:
    """Checks per second of each repetition of each side, after one warm-up run each.

    The sides take turns within every repetition, so a burst of noise from the shared machine
    hits all of them rather than one.
    """
    for run, rounds in sides.values():
        run(max(rounds // 10, 1))
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, (run, rounds) in sides.items():
            gc.collect()
            rates[name].append(rounds * len(QUESTIONS) / run(rounds))
    return rates


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity on this OS)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run, for smoke tests")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    tierwise_rounds = 2_000 if args.quick else 150_000
    growthbook_rounds = 200 if args.quick else 6_000

    pinned = pin_to_one_core()
    catalog = load_catalog()
    sources = EntitlementSources(
        catalog=catalog, plan=PLAN, add_ons=ADD_ONS, currency="USD", seats=30, version=VERSION
    )
    snapshot = resolve_entitlements(sources, NOW)
    cache = SnapshotCache()
    cache.put(ACCOUNT, snapshot)
    gb = GrowthBook(
        attributes={"id": ACCOUNT, "plan": PLAN, "add_ons": list(ADD_ONS)},
        features=growthbook_features(catalog),
    )
    gb_check = growthbook_check(gb, catalog)
    for feature, usage, requested in QUESTIONS:  # like for like, or the numbers mean nothing
        allowed = check(snapshot, feature, usage, requested).allowed
        assert allowed == gb_check(feature, usage, requested), feature

    sides: dict[str, tuple[Callable[[int], float], int]] = {
        "tierwise check (snapshot in hand)": (
            lambda n: time_tierwise(snapshot, n),
            tierwise_rounds,
        ),
        "tierwise cache.get + check": (
            lambda n: time_tierwise_with_cache(cache, n),
            tierwise_rounds,
        ),
        "GrowthBook is_on / get_feature_value": (
            lambda n: time_growthbook(gb_check, n),
            growthbook_rounds,
        ),
    }
    results = measure(sides, repeats)
    gb.destroy()

    print(f"python {platform.python_version()} ({sys.implementation.name}), {pinned}")
    print(f"growthbook {package_version('growthbook')}, {repeats} repetitions, median reported")
    print(f"{'side':<42} {'median checks/s':>16} {'min':>12} {'max':>12}")
    for name, rates in results.items():
        median = statistics.median(rates)
        print(f"{name:<42} {median:>16,.0f} {min(rates):>12,.0f} {max(rates):>12,.0f}")
    tierwise = statistics.median(results["tierwise check (snapshot in hand)"])
    growthbook = statistics.median(results["GrowthBook is_on / get_feature_value"])
    print(f"ratio tierwise / GrowthBook: {tierwise / growthbook:,.1f}x")
    verdict = "met" if tierwise >= 1_000_000 else "NOT met"
    print(f"target 1,000,000 checks/s on one core: {verdict}")


if __name__ == "__main__":
    main()
