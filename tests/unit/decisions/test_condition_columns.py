"""Every operator of the trigger language gives the same answer vectorised and per account.

Two sets: four hand-written accounts with nulls in different places, and 400 seeded accounts per
trigger (numbers on a 0.25 grid, exact in binary, so the Decimal and float paths compute the
same; texts, flags and many nulls). Random trees over random rows are in
``test_condition_properties``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import ibis
import pyarrow as pa
import pytest
from ibis.backends.duckdb import Backend

from tierwise.adapters.condition_columns import condition_column
from tierwise.offers.expression_evaluation import evaluate
from tierwise.offers.expressions import parse

ROWS: list[dict[str, Any]] = [
    {"util": 0.86, "hits": 3, "plan": "team", "trial": True, "nps": 9, "zero": 0},
    {"util": 0.5, "hits": 0, "plan": "business", "trial": False, "nps": None, "zero": 0},
    {"util": None, "hits": 7, "plan": None, "trial": None, "nps": 4, "zero": 0},
    {"util": 1.2, "hits": None, "plan": "free", "trial": False, "nps": 6, "zero": 0},
    {"util": float("nan"), "hits": 1, "plan": "team", "trial": True, "nps": 0, "zero": 0},
]

EXPRESSIONS = [
    "util >= 0.8",
    "util > 0.86",
    "util < 0.6",
    "util <= 0.5",
    "plan == 'team'",
    "plan != 'team'",
    "nps != 5",
    "plan in ['team', 'business']",
    "plan not in ['team', 'business']",
    "nps between 5 and 9",
    "nps not between 5 and 9",
    "nps is null",
    "util is not null",
    "util is null",
    "not (nps > 8)",
    "not (util > 1)",
    "util >= 0.8 and hits >= 3",
    "util >= 0.8 or hits >= 3",
    "trial",
    "not trial",
    "hits / zero > 1",
    "hits / zero is null",
    "util * 100 - hits >= 80",
    "-util < -1",
    "(util + 0.1) * 2 >= 1.9 or (plan == 'free' and not trial)",
    "true",
    "false or hits + 1 >= 4",
    "absent is null",
    "absent > 1 or not (absent == 'x')",
    "plan > 'a'",
    "plan == 3",
    "hits in ['3', 3]",
    "hits not in ['3', true]",
    "util between 0 and 'x'",
    "trial == true",
    "hits",
]


@pytest.fixture(scope="module")
def duckdb() -> Iterator[Backend]:
    con = ibis.duckdb.connect()
    yield con
    con.disconnect()


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_a_condition_column_agrees_with_the_evaluator(text: str, duckdb: Backend) -> None:
    # given five accounts with nulls (and a NaN, read as null) in different places
    table = ibis.memtable(
        {name: [row[name] for row in ROWS] for name in ROWS[0]},
        schema={
            "util": "float64",
            "hits": "int64",
            "plan": "string",
            "trial": "boolean",
            "nps": "int64",
            "zero": "int64",
        },
    )
    expression = parse(text)
    # when
    column = condition_column(table, expression)
    vectorised = duckdb.to_pyarrow(table.select(fired=column))["fired"].to_pylist()
    per_account = [evaluate(expression, row).fired for row in ROWS]
    # then: never null, and the same verdict per account
    assert vectorised == per_account


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
def test_a_trigger_fires_for_exactly_the_accounts_the_evaluator_fires_for(
    text: str, duckdb: Backend
) -> None:
    # given
    rows = _accounts(400, seed=len(text))
    tree = parse(text)
    table = ibis.memtable(pa.Table.from_pylist(rows, schema=_SCHEMA))
    # when
    fired = table.select("account_id", fired=condition_column(table, tree))
    vectorised = {r["account_id"]: r["fired"] for r in duckdb.to_pyarrow(fired).to_pylist()}
    # then: never null, and the same verdict per account
    expected = {row["account_id"]: evaluate(tree, row).fired for row in rows}
    assert vectorised == expected
    assert any(expected.values()) or text == "util_projects >= null"
