"""Triggers compiled to Ibis (DuckDB) agree with the per-account evaluator, operator by operator.

Accounts are generated with a seeded generator: numbers on a 0.25 grid (exact in binary, so the
Decimal and float paths compute the same), texts, flags and many nulls.
"""

from __future__ import annotations

import random

import ibis
import pyarrow as pa
import pytest

from tierwise.adapters.analytics.triggers import compile_trigger
from tierwise.offers.expression_evaluation import evaluate
from tierwise.offers.expressions import parse

TRIGGERS = (
    "util_projects >= 0.75",
    "util_projects > 0.75 and paywall_sso >= 2",
    "util_projects < 0.5 or paywall_sso == 0",
    "nps <= 6",
    "nps != 5",
    "not (nps > 8)",
    "plan == 'team'",
    "plan != 'team'",
    "plan in ['team', 'business']",
    "plan not in ['team']",
    "paywall_sso in [1, 2]",
    "nps between 3 and 7",
    "nps not between 3 and 7",
    "nps is null",
    "nps is not null and not on_trial",
    "on_trial",
    "not on_trial",
    "seats_assigned / seats >= 0.75",
    "usage_api_calls / limit_api_calls > 0.5",
    "-nps < -6",
    "mau * 2 - 1 >= seats",
    "mau + 1 > seats or (plan == 'business' and nps is null)",
    "util_projects >= null",
    "true and paywall_sso > 1",
)


def _accounts(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)

    def maybe(value: object) -> object:
        return None if rng.random() < 0.2 else value

    return [
        {
            "account_id": f"A{i}",
            "util_projects": maybe(rng.randrange(0, 7) / 4),
            "paywall_sso": maybe(rng.randrange(0, 4)),
            "nps": maybe(rng.randrange(0, 11)),
            "plan": maybe(rng.choice(["free", "team", "business"])),
            "on_trial": maybe(rng.random() < 0.5),
            "seats": maybe(rng.randrange(0, 5)),
            "seats_assigned": maybe(rng.randrange(0, 5)),
            "mau": maybe(rng.randrange(0, 6)),
            "usage_api_calls": maybe(rng.randrange(0, 9) * 0.25),
            "limit_api_calls": maybe(rng.randrange(0, 3) * 1.0),
        }
        for i in range(count)
    ]


_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("util_projects", pa.float64()),
        ("paywall_sso", pa.int64()),
        ("nps", pa.float64()),
        ("plan", pa.string()),
        ("on_trial", pa.bool_()),
        ("seats", pa.int64()),
        ("seats_assigned", pa.int64()),
        ("mau", pa.int64()),
        ("usage_api_calls", pa.float64()),
        ("limit_api_calls", pa.float64()),
    ]
)


@pytest.mark.parametrize("text", TRIGGERS)
def test_a_compiled_trigger_fires_for_exactly_the_accounts_the_evaluator_fires_for(
    text: str,
) -> None:
    # given
    rows = _accounts(400, seed=len(text))
    tree = parse(text)
    con = ibis.duckdb.connect()
    table = ibis.memtable(pa.Table.from_pylist(rows, schema=_SCHEMA))
    # when
    fired = table.select("account_id", fired=compile_trigger(tree, table))
    vectorised = {r["account_id"]: r["fired"] for r in con.to_pyarrow(fired).to_pylist()}
    # then: never null, and the same verdict per account
    expected = {row["account_id"]: evaluate(tree, row).fired for row in rows}
    assert vectorised == expected
    assert any(expected.values()) or text == "util_projects >= null"
    con.disconnect()
