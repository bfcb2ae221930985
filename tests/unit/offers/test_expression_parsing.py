"""The trigger language's parser: every operator, precedence, and what it refuses (with columns)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tierwise.errors import ExpressionInvalid
from tierwise.offers.expression_ast import (
    And,
    Arithmetic,
    ArithmeticOp,
    Between,
    Comparison,
    ComparisonOp,
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
from tierwise.offers.expressions import MAX_DEPTH, MAX_LENGTH, parse, tokenize


def num(text: str) -> Literal:
    return Literal(LiteralKind.NUMBER, Decimal(text))


def text(value: str) -> Literal:
    return Literal(LiteralKind.TEXT, value)


A, B, C = Signal("a"), Signal("b"), Signal("c")


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("a < 1", Comparison(ComparisonOp.LT, A, num("1"))),
        ("a <= 1", Comparison(ComparisonOp.LE, A, num("1"))),
        ("a > 1", Comparison(ComparisonOp.GT, A, num("1"))),
        ("a >= 0.80", Comparison(ComparisonOp.GE, A, num("0.80"))),
        ("a == 'team'", Comparison(ComparisonOp.EQ, A, text("team"))),
        ('a != "x"', Comparison(ComparisonOp.NE, A, text("x"))),
        ("a + b", Arithmetic(ArithmeticOp.ADD, A, B)),
        ("a - b", Arithmetic(ArithmeticOp.SUBTRACT, A, B)),
        ("a * b", Arithmetic(ArithmeticOp.MULTIPLY, A, B)),
        ("a / b", Arithmetic(ArithmeticOp.DIVIDE, A, B)),
        ("-a", Negate(A)),
        ("-5", num("-5")),
        ("-(5)", Negate(num("5"))),
        ("a and b", And((A, B))),
        ("a or b", Or((A, B))),
        ("not a", Not(A)),
        (
            "a in [1, -2, 'x', true]",
            InList(A, (num("1"), num("-2"), text("x"), Literal(LiteralKind.BOOLEAN, True))),
        ),
        ("a not in ['x',]", InList(A, (text("x"),), negated=True)),
        ("a between 1 and 2", Between(A, num("1"), num("2"))),
        (
            "a not between b and c + 1",
            Between(A, B, Arithmetic(ArithmeticOp.ADD, C, num("1")), negated=True),
        ),
        ("a is null", IsNull(A)),
        ("a is not null", IsNull(A, negated=True)),
        ("true", Literal(LiteralKind.BOOLEAN, True)),
        ("false", Literal(LiteralKind.BOOLEAN, False)),
        ("null", Literal(LiteralKind.NULL, None)),
        ("'it\\'s'", text("it's")),
    ],
)
def test_every_operator_parses_to_its_node(source: str, tree: object) -> None:
    # when
    parsed = parse(source)

    # then
    assert parsed == tree


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        # * binds tighter than +, and both are left-associative
        ("a + b * c", Arithmetic(ArithmeticOp.ADD, A, Arithmetic(ArithmeticOp.MULTIPLY, B, C))),
        (
            "a - b - c",
            Arithmetic(ArithmeticOp.SUBTRACT, Arithmetic(ArithmeticOp.SUBTRACT, A, B), C),
        ),
        ("a / b * c", Arithmetic(ArithmeticOp.MULTIPLY, Arithmetic(ArithmeticOp.DIVIDE, A, B), C)),
        ("(a + b) * c", Arithmetic(ArithmeticOp.MULTIPLY, Arithmetic(ArithmeticOp.ADD, A, B), C)),
        # unary minus binds tighter than *
        ("-a * b", Arithmetic(ArithmeticOp.MULTIPLY, Negate(A), B)),
        # and binds tighter than or; not tighter than and; comparison tighter than not
        ("a or b and c", Or((A, And((B, C))))),
        ("(a or b) and c", And((Or((A, B)), C))),
        ("not a and b", And((Not(A), B))),
        ("not a < 1", Not(Comparison(ComparisonOp.LT, A, num("1")))),
        (
            "a + 1 > b * 2",
            Comparison(
                ComparisonOp.GT,
                Arithmetic(ArithmeticOp.ADD, A, num("1")),
                Arithmetic(ArithmeticOp.MULTIPLY, B, num("2")),
            ),
        ),
        # between takes the first `and`; the next one is logical
        ("a between 1 and 2 and b", And((Between(A, num("1"), num("2")), B))),
        ("a and b and c", And((A, B, C))),
        ("not not a", Not(Not(A))),
    ],
)
def test_precedence_and_associativity(source: str, tree: object) -> None:
    # when
    parsed = parse(source)

    # then
    assert parsed == tree
    assert parse(text_of(parsed)) == parsed


@pytest.mark.parametrize(
    ("source", "reason", "column"),
    [
        ("max(a, b)", "call_not_allowed", 4),
        ("util_projects() > 1", "call_not_allowed", 14),
        ("(a)(b)", "call_not_allowed", 4),
        ("account.plan == 'x'", "attribute_not_allowed", 8),
        ("a > 1 and x.y", "attribute_not_allowed", 12),
        ("x.__class__", "dunder_not_allowed", 3),
        ("signals['plan'] == 'x'", "index_not_allowed", 8),
        ("'abc'[0] == 'a'", "index_not_allowed", 6),
        ("__import__", "dunder_not_allowed", 1),
        ("a > 1 or __builtins__ > 0", "dunder_not_allowed", 10),
        ("lambda: 1", "lambda_not_allowed", 1),
        ("a == lambda x: x", "lambda_not_allowed", 6),
        ("a = 1", "expression_syntax", 3),
        ("a ** 2 > 1", "expression_syntax", 3),
        ("a < b < c", "expression_syntax", 7),
        ("a b", "expression_syntax", 3),
        ("a >", "expression_syntax", 4),
        ("(a > 1", "expression_syntax", 7),
        ("a in []", "expression_syntax", 6),
        ("a in [b]", "expression_syntax", 7),
        ("a in [null]", "expression_syntax", 7),
        ("[1, 2]", "expression_syntax", 1),
        ("a is 1", "expression_syntax", 6),
        ("'open", "expression_syntax", 1),
        ("'a\\n'", "expression_syntax", 3),
        ("1e5 > a", "expression_syntax", 2),
        ("a > .5", "expression_syntax", 5),
        ("a && b", "expression_syntax", 3),
        ("a; b", "expression_syntax", 2),
        ("{}", "expression_syntax", 1),
        ("", "expression_syntax", 1),
        ("a > 1)", "expression_syntax", 6),
    ],
)
def test_what_is_not_the_language_is_refused_with_its_reason_and_column(
    source: str, reason: str, column: int
) -> None:
    # when
    with pytest.raises(ExpressionInvalid) as caught:
        parse(source)

    # then
    assert caught.value.reason == reason
    assert caught.value.position + 1 == column
    assert f"column {column}" in str(caught.value)
    assert caught.value.code == "expression_invalid"


def test_very_long_input_is_refused_before_it_is_read() -> None:
    # given
    source = "a > 1 and " * (MAX_LENGTH // 10) + "b > 1"

    # when
    with pytest.raises(ExpressionInvalid) as caught:
        tokenize(source)

    # then
    assert caught.value.reason == "expression_too_long"


@pytest.mark.parametrize(
    "source",
    [
        "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
        "not " * (MAX_DEPTH + 1) + "a",
        "-" * (MAX_DEPTH + 1) + "a > 0",
        " + ".join(["a"] * (MAX_DEPTH + 2)) + " > 0",
    ],
)
def test_deep_nesting_is_refused(source: str) -> None:
    # when
    with pytest.raises(ExpressionInvalid) as caught:
        parse(source)

    # then
    assert caught.value.reason == "expression_too_deep"


def test_nesting_within_the_bound_parses() -> None:
    # given: a little below the limit (the top level counts as one)
    depth = MAX_DEPTH - 2
    source = "(" * depth + "a" + ")" * depth

    # when / then
    assert parse(source) == A


def test_long_flat_chains_of_and_stay_flat() -> None:
    # given: 120 clauses, far more than the depth bound, but in one chain
    source = " and ".join(f"s{i} > {i}" for i in range(120))

    # when
    tree = parse(source)

    # then
    assert isinstance(tree, And)
    assert len(tree.operands) == 120


def test_numbers_are_exact_decimals_and_positions_are_kept_out_of_equality() -> None:
    # when
    tree = parse("  util_projects >= 0.1")

    # then
    assert isinstance(tree, Comparison)
    assert tree.right == num("0.1")
    assert isinstance(tree.right, Literal)
    assert tree.right.value == Decimal("0.1")
    assert tree.position == 2
    assert tree.right.position == 19
    assert tree == Comparison(ComparisonOp.GE, Signal("util_projects"), num("0.1"))


def test_true_is_not_the_number_one() -> None:
    # when / then
    assert parse("true") != parse("1")


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("a>=0.8 and   b", "a >= 0.8 and b"),
        ("(a)", "a"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a and (b and c)", "a and (b and c)"),
        ("not (a or b)", "not (a or b)"),
        ("-(-5)", "-(-5)"),
        ('a == "it\'s"', "a == 'it\\'s'"),
        ("a in [1.50, 'x']", "a in [1.50, 'x']"),
    ],
)
def test_canonical_text(source: str, canonical: str) -> None:
    # when / then
    assert text_of(parse(source)) == canonical
