"""Per-account evaluation: every operator, null semantics, and explanations with the real values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tierwise.offers.expression_evaluation import evaluate, normalise_value, show_value
from tierwise.offers.expressions import parse

VALUES: dict[str, object] = {
    "util_projects": Decimal("0.86"),
    "paywall_sso": 2,
    "seats": 20,
    "seats_assigned": 19,
    "plan": "team",
    "on_trial": False,
    "entitled_sso": True,
    "nps": None,
    "zero": 0,
    "renewal": dt.date(2026, 9, 30),
}


def fires(source: str, values: dict[str, object] = VALUES) -> bool:
    return evaluate(parse(source), values).fired


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("util_projects < 0.86", False),
        ("util_projects <= 0.86", True),
        ("util_projects > 0.8", True),
        ("util_projects >= 0.87", False),
        ("util_projects == 0.860", True),  # Decimal equality: 0.86 == 0.860
        ("util_projects != 0.86", False),
        ("plan == 'team'", True),
        ("plan == 'Team'", False),  # texts compare exactly
        ("plan != 'business'", True),
        ("seats_assigned + 1 == seats", True),
        ("seats - seats_assigned == 1", True),
        ("seats_assigned * 2 == 38", True),
        ("seats_assigned / seats == 0.95", True),
        ("-paywall_sso == -2", True),
        ("paywall_sso in [1, 2, 3]", True),
        ("plan in ['business', 'enterprise']", False),
        ("plan not in ['business', 'enterprise']", True),
        ("paywall_sso between 2 and 3", True),  # both ends included
        ("paywall_sso between 3 and 9", False),
        ("paywall_sso not between 3 and 9", True),
        ("nps is null", True),
        ("nps is not null", False),
        ("missing_signal is null", True),
        ("entitled_sso", True),
        ("on_trial", False),
        ("not on_trial", True),
        ("entitled_sso == true", True),
        ("entitled_sso and on_trial", False),
        ("entitled_sso or on_trial", True),
        ("renewal > renewal", False),
        ("renewal == renewal", True),
        ("true", True),
        ("false", False),
    ],
)
def test_every_operator_evaluates(source: str, expected: bool) -> None:
    # when / then
    assert fires(source) is expected


@pytest.mark.parametrize(
    "source",
    [
        "nps > 8",
        "nps < 8",
        "nps == 8",
        "nps != 8",  # null is not "different from 8" either
        "nps in [1, 2]",
        "nps not in [1, 2]",
        "nps between 0 and 10",
        "nps not between 0 and 10",
        "paywall_sso between nps and 10",
        "nps + 1 > 0",  # arithmetic propagates null
        "-nps < 0",
        "paywall_sso / zero > 0",  # division by zero is null
        "paywall_sso / zero == paywall_sso / zero",
        "plan > 1",  # a text where a number belongs behaves as null
        "nps",  # a null condition is false
    ],
)
def test_every_predicate_with_a_null_is_false(source: str) -> None:
    # when / then
    assert fires(source) is False


def test_not_of_a_null_comparison_is_true_two_valued_logic() -> None:
    # given: nps is null, so `nps > 8` is false (not unknown)

    # when / then
    assert fires("not nps > 8") is True
    assert fires("not (nps > 8 or nps <= 8)") is True


def test_division_by_zero_is_null_and_is_null_says_so() -> None:
    # when / then
    assert fires("paywall_sso / zero is null") is True


def test_explanation_names_each_clause_with_its_real_values() -> None:
    # given
    tree = parse(
        "util_projects >= 0.8 and (paywall_sso >= 3 or not on_trial) "
        "and seats_assigned / seats > 0.9 and nps is null"
    )

    # when
    result = evaluate(tree, VALUES)

    # then
    assert result.fired is True
    assert [c.detail for c in result.clauses] == [
        "util_projects = 0.86 ≥ 0.8 ✓",
        "paywall_sso = 2 ≥ 3 ✗",
        "on_trial = false ✗",
        "seats_assigned / seats = 0.95 > 0.9 ✓",
        "nps = null is null ✓",
    ]
    assert result.clauses[3].values == (
        ("seats_assigned", Decimal(19)),
        ("seats", Decimal(20)),
    )
    assert result.clauses[3].text == "seats_assigned / seats > 0.9"
    assert result.explanation().endswith("\nfired")


def test_every_clause_is_evaluated_even_after_the_answer_is_known() -> None:
    # when: the first operand already decides the `or`
    result = evaluate(parse("plan == 'team' or paywall_sso > 100"), VALUES)

    # then: the second clause is still explained
    assert result.fired is True
    assert [c.passed for c in result.clauses] == [True, False]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.86"), "0.86"),
        (Decimal("12.000"), "12"),
        (Decimal(2) / Decimal(3), "0.6667"),
        (Decimal("1E+3"), "1000"),
        ("team", "'team'"),
        (True, "true"),
        (None, "null"),
        (dt.date(2026, 1, 31), "2026-01-31"),
    ],
)
def test_values_are_shown_readably(value: Decimal | str | bool | None, shown: str) -> None:
    # when / then
    assert show_value(value) == shown


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),  # the float's shortest repr, not its binary expansion
        (float("nan"), None),
        (Decimal("NaN"), None),
        (True, True),
        ("x", "x"),
        ([1], None),
    ],
)
def test_input_values_are_normalised(raw: object, normalised: object) -> None:
    # when / then
    assert normalise_value(raw) == normalised
    assert type(normalise_value(raw)) is type(normalised)
