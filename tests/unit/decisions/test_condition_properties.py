"""Random trees over random signal rows: the vectorised column (Ibis on DuckDB) and the
per-account evaluator give the same verdict for every row.

Trees may be ill-typed (a text compared with a number, arithmetic on a flag, a signal the table
lacks): the two paths must still agree. Rows hold nulls, NaN (read as null) and infinities. The
one inherent difference — Decimal against float arithmetic — is kept out by construction: numbers
are multiples of 0.25 of bounded size, so sums, differences and products are exact on both paths,
and a quotient (of two such leaves) is only compared, never computed with further: a correctly
rounded quotient then orders the same against any other value either path can form.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibis.backends.duckdb import Backend

from tierwise.adapters.condition_columns import condition_column
from tierwise.offers.expression_ast import (
    And,
    Arithmetic,
    ArithmeticOp,
    Between,
    Comparison,
    ComparisonOp,
    Expression,
    InList,
    IsNull,
    Literal,
    LiteralKind,
    Negate,
    Not,
    Or,
    Signal,
    text_of,
)
from tierwise.offers.expression_evaluation import evaluate

SCHEMA = pa.schema(
    [
        ("ratio", pa.float64()),
        ("score", pa.float64()),
        ("hits", pa.int64()),
        ("seats", pa.int32()),
        ("plan", pa.string()),
        ("on_trial", pa.bool_()),
    ]
)
NUMERIC = ("ratio", "score", "hits", "seats")
#: ``ghost`` is a signal the table does not have: null on both paths.
NAMES = (*NUMERIC, "plan", "on_trial", "ghost")

quarters = st.integers(-40, 40).map(lambda k: k / 4)
floats = st.one_of(
    st.none(), quarters, st.sampled_from([float("nan"), float("inf"), float("-inf")])
)
rows = st.lists(
    st.fixed_dictionaries(
        {
            "ratio": floats,
            "score": st.one_of(st.none(), quarters),
            "hits": st.one_of(st.none(), st.integers(-5, 5)),
            "seats": st.one_of(st.none(), st.integers(0, 4)),
            "plan": st.one_of(st.none(), st.sampled_from(["free", "team", "business", ""])),
            "on_trial": st.one_of(st.none(), st.booleans()),
        }
    ),
    min_size=1,
    max_size=12,
)

numbers = st.integers(-40, 40).map(lambda k: Literal(LiteralKind.NUMBER, Decimal(k) / 4))
texts = st.sampled_from(["free", "team", "business", ""]).map(
    lambda t: Literal(LiteralKind.TEXT, t)
)
booleans = st.booleans().map(lambda b: Literal(LiteralKind.BOOLEAN, b))
items = st.one_of(numbers, texts, booleans)
signals = st.sampled_from(NAMES).map(Signal)
leaves = st.one_of(items, st.just(Literal(LiteralKind.NULL, None)), signals)
exact_ops = st.sampled_from([ArithmeticOp.ADD, ArithmeticOp.SUBTRACT, ArithmeticOp.MULTIPLY])

#: sums, differences, products and negations: exact in Decimal and in float64
exact_terms = st.recursive(
    leaves,
    lambda children: st.one_of(
        children.map(Negate), st.builds(Arithmetic, exact_ops, children, children)
    ),
    max_leaves=3,
)
quotients = st.builds(Arithmetic, st.just(ArithmeticOp.DIVIDE), leaves, leaves)
operands = st.one_of(exact_terms, exact_terms, quotients, quotients.map(Negate))


def _extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(
        children.map(Not),
        many.map(And),
        many.map(Or),
        st.builds(IsNull, children, st.booleans()),
        st.builds(Comparison, st.sampled_from(ComparisonOp), children, operands),
    )


predicates = st.one_of(
    st.builds(Comparison, st.sampled_from(ComparisonOp), operands, operands),
    st.builds(InList, operands, st.lists(items, min_size=1, max_size=3).map(tuple), st.booleans()),
    st.builds(Between, operands, operands, operands, st.booleans()),
    st.builds(IsNull, operands, st.booleans()),
    operands,  # a bare value where a condition belongs
)
trees = st.recursive(predicates, _extend, max_leaves=6)


@pytest.fixture(scope="module")
def duckdb() -> Iterator[Backend]:
    con = ibis.duckdb.connect()
    yield con
    con.disconnect()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=trees, signal_rows=rows)
def test_the_column_and_the_evaluator_agree_on_every_row(
    duckdb: Backend, tree: Expression, signal_rows: list[dict[str, Any]]
) -> None:
    # given
    table = ibis.memtable(pa.Table.from_pylist(signal_rows, schema=SCHEMA))
    # when
    column = condition_column(table, tree)
    vectorised = duckdb.to_pyarrow(table.select(fired=column))["fired"].to_pylist()
    # then: a verdict for every row (never null), the evaluator's
    per_account = [evaluate(tree, row).fired for row in signal_rows]
    assert vectorised == per_account, text_of(tree)
