"""Properties of the trigger language: text round trip, deterministic total evaluation."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

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
from tierwise.offers.expressions import KEYWORDS, parse

NAMES = ("a", "b", "util_projects", "plan", "on_trial", "nps")

numbers = st.decimals(
    allow_nan=False, allow_infinity=False, places=3, min_value=-10_000, max_value=10_000
).map(lambda d: Literal(LiteralKind.NUMBER, d))
texts = st.text(max_size=8).map(lambda t: Literal(LiteralKind.TEXT, t))
booleans = st.booleans().map(lambda b: Literal(LiteralKind.BOOLEAN, b))
items = st.one_of(numbers, texts, booleans)
names = st.one_of(
    st.sampled_from(NAMES),
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
        lambda n: "__" not in n and n not in KEYWORDS
    ),
).map(Signal)
leaves = st.one_of(items, st.just(Literal(LiteralKind.NULL, None)), names)


def _extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(
        children.map(Negate),
        children.map(Not),
        st.builds(Arithmetic, st.sampled_from(ArithmeticOp), children, children),
        st.builds(Comparison, st.sampled_from(ComparisonOp), children, children),
        st.builds(
            InList, children, st.lists(items, min_size=1, max_size=3).map(tuple), st.booleans()
        ),
        st.builds(Between, children, children, children, st.booleans()),
        st.builds(IsNull, children, st.booleans()),
        many.map(And),
        many.map(Or),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)
values = st.fixed_dictionaries(
    {},
    optional={
        "a": st.one_of(
            st.none(), st.integers(-5, 5), st.decimals(places=2, min_value=-5, max_value=5)
        ),
        "b": st.one_of(st.none(), st.integers(-5, 5)),
        "util_projects": st.decimals(places=2, min_value=0, max_value=2),
        "plan": st.sampled_from(["free", "team", "business"]),
        "on_trial": st.booleans(),
        "nps": st.one_of(st.none(), st.integers(0, 10)),
    },
)


@settings(max_examples=400)
@given(trees)
def test_parsing_the_canonical_text_gives_back_the_tree(tree: Expression) -> None:
    # when
    again = parse(text_of(tree))

    # then
    assert again == tree
    assert text_of(again) == text_of(tree)


@settings(max_examples=300)
@given(trees, values)
def test_evaluation_is_total_and_deterministic(
    tree: Expression, signals: dict[str, object]
) -> None:
    # when: any tree, even an ill-typed one, over any values
    first = evaluate(tree, signals)
    second = evaluate(parse(text_of(tree)), dict(reversed(list(signals.items()))))

    # then
    assert first == second
    assert isinstance(first.fired, bool)


@given(
    st.lists(
        st.sampled_from(["a > 1", "b <= 2", "nps is null", "on_trial", "plan == 'team'"]),
        min_size=2,
        max_size=5,
    ),
    values,
)
def test_and_or_do_not_depend_on_operand_order(
    clauses: list[str], signals: dict[str, object]
) -> None:
    # given
    forward, backward = " and ".join(clauses), " and ".join(reversed(clauses))

    # when / then
    assert evaluate(parse(forward), signals).fired == evaluate(parse(backward), signals).fired
    either, other = " or ".join(clauses), " or ".join(reversed(clauses))
    assert evaluate(parse(either), signals).fired == evaluate(parse(other), signals).fired


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-1000, max_value=1000)
)
def test_a_number_literal_reads_back_exactly(value: Decimal) -> None:
    # when
    tree = parse(f"a == {format(value, 'f')}")

    # then
    assert isinstance(tree, Comparison)
    assert tree.right == Literal(LiteralKind.NUMBER, value)
