"""The vectorised derivations (Ibis on DuckDB) equal the per-account ones on generated accounts.

Values are drawn from sets that include every threshold exactly, nulls, zeros and negative
zeros, so boundaries and missing values are exercised in both paths.
"""

from __future__ import annotations

import random

import ibis
import pyarrow as pa
import pytest

from tierwise.adapters.analytics.rules import derive_columns
from tierwise.signals.conditions import SignalValue
from tierwise.signals.derived import DEFAULT_RULES, DerivationRules, derive
from tierwise.signals.health import DEFAULT_HEALTH
from tierwise.signals.lifecycle import LifecycleThresholds
from tierwise.signals.red_flags import RedFlagThresholds
from tierwise.signals.segments import SegmentRule

FEATURES = ("projects", "api_calls", "guests")
_NUMBERS: dict[str, list[float | None]] = {
    "mau": [None, 0, 1, 3, 6, 40],
    "seats_assigned": [None, 0, 1, 5, 10],
    "usage_change_30d": [None, -1.0, -0.5, -0.3, -0.29, -0.0, 0.0, 0.25, 3.0],
    "adoption_breadth": [None, 0.0, 0.3, 0.49, 0.5, 0.6, 1.0],
    "open_severe_tickets": [None, 0, 1, 2, 5],
    "nps": [None, 0, 4, 6, 7, 9, 10],
    "csat": [None, 1, 2, 3.5, 4.5, 5],
    "failed_payments_30d": [None, 0, 1, 2],
    "champion_inactive_days": [None, 0, 29, 30, 90],
    "days_to_renewal": [None, -3, 0, 60, 61, 400],
    "tenure_days": [None, 0, 29, 30, 179, 180, 900],
    "seat_utilisation": [None, 0.0, 0.89, 0.9, 1.2],
    "active_growth_30d": [None, -0.5, 0.19, 0.2, 1.0],
    "paywall_hits_30d": [None, 0, 2, 3, 10],
    **{f"util_{key}": [None, 0.0, 0.5, 0.79, 0.8, 1.3] for key in FEATURES},
}
_LABELS: dict[str, list[str | None]] = {
    "size_band": [None, "1-10", "11-50", "51-200", "201-1000", "1000+"],
    "industry": [None, "software", "healthcare"],
    "region": [None, "EU", "US"],
    "plan": [None, "team", "business"],
    "role_mix": [None, "engineer", "it_admin"],
}


def _accounts(count: int, seed: int) -> list[dict[str, SignalValue]]:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        row: dict[str, SignalValue] = {"account_id": f"A{index}"}
        row |= {name: rng.choice(choices) for name, choices in _NUMBERS.items()}
        row |= {name: rng.choice(choices) for name, choices in _LABELS.items()}
        rows.append(row)
    return rows


def _arrow(rows: list[dict[str, SignalValue]]) -> pa.Table:
    fields = [pa.field("account_id", pa.string())]
    fields += [pa.field(name, pa.float64()) for name in _NUMBERS]
    fields += [pa.field(name, pa.string()) for name in _LABELS]
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


CUSTOM = DerivationRules(
    health=DEFAULT_HEALTH.with_weights(engagement=30, payments=5),
    red_flags=RedFlagThresholds(detractor_nps=5, champion_inactive_days=45),
    lifecycle=LifecycleThresholds(at_risk_red_flags=1, renewal_window_days=90),
    segments=(
        SegmentRule("eu_health", industries=("healthcare",), regions=("EU",)),
        SegmentRule("engineers", roles=("engineer",), plans=("team", "business")),
    ),
)


@pytest.mark.parametrize(("rules", "seed"), [(DEFAULT_RULES, 1), (CUSTOM, 2)])
def test_vectorised_derivations_equal_the_per_account_ones(
    rules: DerivationRules, seed: int
) -> None:
    # given
    rows = _accounts(600, seed)
    con = ibis.duckdb.connect()
    # when
    table = derive_columns(ibis.memtable(_arrow(rows)), FEATURES, rules)
    vectorised = {row["account_id"]: row for row in con.to_pyarrow(table).to_pylist()}
    # then
    for row in rows:
        expected = derive(row, rules)
        actual = vectorised[row["account_id"]]
        for name in ("util_max", "health_score", "red_flags", "lifecycle_stage", "segment"):
            assert actual[name] == expected[name], (name, row)
        factors = rules.health.score(row).factors
        assert [actual[f"health_{f.key}"] for f in factors] == [f.points for f in factors]
    con.disconnect()


def test_an_account_without_a_paid_contract_is_never_in_the_renewal_window_on_either_path() -> None:
    # given the same calm account with a paid term 10 days from renewal, and with no paid
    # contract (days_to_renewal null, as the engine gives a free plan)
    calm: dict[str, SignalValue] = dict.fromkeys([*_NUMBERS, *_LABELS])
    calm |= {"nps": 9, "csat": 5, "mau": 40, "seats_assigned": 5, "tenure_days": 900}
    calm |= {"adoption_breadth": 1.0, "usage_change_30d": 0.25, "failed_payments_30d": 0}
    rows = [
        {"account_id": "paid"} | calm | {"days_to_renewal": 10},
        {"account_id": "free"} | calm | {"days_to_renewal": None},
    ]
    con = ibis.duckdb.connect()
    table = derive_columns(ibis.memtable(_arrow(rows)), FEATURES, DEFAULT_RULES)
    vectorised = {row["account_id"]: row for row in con.to_pyarrow(table).to_pylist()}
    con.disconnect()
    # then both paths agree: the paid term is in the window, the free one falls through to the
    # next rule that holds
    stages = {row["account_id"]: derive(row)["lifecycle_stage"] for row in rows}
    assert {key: row["lifecycle_stage"] for key, row in vectorised.items()} == stages
    assert stages["paid"] == "renewal_window"
    assert stages["free"] not in ("renewal_window", None)
