"""Every operator of the trigger language gives the same answer vectorised and per account."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from tierwise.adapters.condition_columns import condition_column
from tierwise.offers.expression_evaluation import evaluate
from tierwise.offers.expressions import parse

ROWS: list[dict[str, Any]] = [
    {"util": 0.86, "hits": 3, "plan": "team", "trial": True, "nps": 9, "zero": 0},
    {"util": 0.5, "hits": 0, "plan": "business", "trial": False, "nps": None, "zero": 0},
    {"util": None, "hits": 7, "plan": None, "trial": None, "nps": 4, "zero": 0},
    {"util": 1.2, "hits": None, "plan": "free", "trial": False, "nps": 6, "zero": 0},
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
    "not (nps > 8)",
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
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_a_condition_column_agrees_with_the_evaluator(text: str) -> None:
    # given four accounts with nulls in different places
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
    vectorised = ibis.duckdb.connect().to_pyarrow(table.select(fired=column))["fired"].to_pylist()
    per_account = [evaluate(expression, row).fired for row in ROWS]
    # then
    assert vectorised == per_account
