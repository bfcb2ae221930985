"""A free plan has no contract to renew: ``days_to_renewal`` is null and the account is never in
the renewal window, on the engine's path and on the per-account rules alike.

The hand-built dataset's acme (A1) is Team with its term ending 2026-04-14, 30 days after as-of
(2026-03-15): inside the 60-day renewal window. The same account with ``paid`` false (a free
plan's term) must get every signal alike except those two. Acme's health puts it at risk under
the default thresholds, so these rules switch the at-risk stage off to reach the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from tierwise.adapters.analytics.engine import event_store_events
from tierwise.adapters.analytics.ledger import LICENSES_SCHEMA, LedgerSnapshot
from tierwise.adapters.analytics.signals import compute_signals
from tierwise.signals.derived import DerivationRules, derive
from tierwise.signals.lifecycle import LifecycleThresholds

from . import dataset

#: No account is at risk (health is never below 0, red flags never reach 99).
NO_RISK = DerivationRules(
    lifecycle=LifecycleThresholds(at_risk_health_below=0.0, at_risk_red_flags=99)
)


def _rows(store_dir: Path, ledger: LedgerSnapshot) -> dict[str, dict[str, Any]]:
    events = event_store_events(store_dir / "events.duckdb")
    try:
        table = compute_signals(
            events,
            ledger,
            dataset.catalog(),
            dataset.AS_OF,
            milestones_defined=dataset.MILESTONES,
            rules=NO_RISK,
        )
        rows = events.table._find_backend().to_pyarrow(table).to_pylist()
    finally:
        events.table._find_backend().disconnect()
    return {row["account_id"]: row for row in rows}


def _acme_unpaid(ledger: LedgerSnapshot) -> LedgerSnapshot:
    licenses = [
        row | {"paid": False} if row["account_id"] == "A1" else row
        for row in ledger.licenses.to_pylist()
    ]
    return LedgerSnapshot.from_arrow(
        pa.Table.from_pylist(licenses, schema=LICENSES_SCHEMA),
        ledger.entitlements,
        ledger.paywall,
        ledger.offers,
    )


def test_a_term_without_a_paid_contract_has_no_renewal_and_no_renewal_window(
    store_dir: Path,
) -> None:
    # given acme's signals as a paid Team term, and as a term that pays nothing
    paid = _rows(store_dir, dataset.ledger())["A1"]
    free = _rows(store_dir, _acme_unpaid(dataset.ledger()))["A1"]

    # then the paid term is 30 days from renewal (2026-03-15 → 2026-04-14) and in the window
    assert paid["days_to_renewal"] == 30
    assert paid["lifecycle_stage"] == "renewal_window"
    # and the free one has no renewal, so the next rule decides its stage, on both paths alike
    assert free["days_to_renewal"] is None
    assert free["lifecycle_stage"] != "renewal_window"
    assert free["lifecycle_stage"] == derive(free, NO_RISK)["lifecycle_stage"]
    different = {name for name in paid if paid[name] != free[name]}
    assert different == {"days_to_renewal", "lifecycle_stage"}


def test_a_licenses_table_without_paid_is_taken_as_paid() -> None:
    # given a licenses table made elsewhere, without the column
    licenses = dataset.ledger().licenses.drop_columns(["paid"])
    # when it is read, every term counts as a paid contract
    snapshot = LedgerSnapshot.from_arrow(licenses, dataset.ledger().entitlements)
    assert snapshot.licenses["paid"].to_pylist() == [True, True]
