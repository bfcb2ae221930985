"""Type checking of triggers against the signal registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.offers.expression_types import check_condition, signal_types, signals_in
from tierwise.offers.expressions import parse
from tierwise.signals.definitions import signal_definitions

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
TYPES = signal_types(signal_definitions(load_catalog_path(EXAMPLE).latest))


@pytest.mark.parametrize(
    "source",
    [
        "util_projects >= 0.8 and paywall_sso >= 3",
        "plan in ['team', 'business'] and not on_trial",
        "runout_days_automation_runs between 0 and 10",
        "seats_assigned / seats > 0.9 or nps is null",
        "entitled_sso",
        "industry == 'fintech' and lifecycle_stage != 'at_risk'",
    ],
)
def test_well_typed_conditions_have_no_issue(source: str) -> None:
    # when
    tree, issues = check_condition(source, TYPES)

    # then
    assert tree is not None
    assert issues == ()


@pytest.mark.parametrize(
    ("source", "code", "column"),
    [
        ("util_projetcs > 0.8", "unknown_signal", 1),
        ("plan > 3", "type_mismatch", 1),
        ("plan == 3", "type_mismatch", 1),
        ("industry + 1 > 2", "type_mismatch", 1),
        ("-plan > 1", "type_mismatch", 2),
        ("seats in ['a']", "type_mismatch", 11),
        ("plan between 1 and 2", "type_mismatch", 1),
        ("plan < 'team'", "type_mismatch", 1),  # texts are not ordered
        ("nps == null", "null_misuse", 8),
        ("util_projects", "not_a_condition", 1),
        ("seats > 1 and plan", "not_a_condition", 15),
        ("not seats", "not_a_condition", 5),
        ("max(seats) > 1", "call_not_allowed", 4),
    ],
)
def test_type_errors_have_codes_and_columns(source: str, code: str, column: int) -> None:
    # when
    _, issues = check_condition(source, TYPES)

    # then
    assert [(i.code, i.position + 1) for i in issues] == [(code, column)]


def test_an_unknown_signal_suggests_the_closest_name() -> None:
    # when
    _, issues = check_condition("util_projetcs > 0.8", TYPES)

    # then
    assert "did you mean 'util_projects'?" in issues[0].message


def test_every_issue_is_reported_not_only_the_first() -> None:
    # when
    _, issues = check_condition("foo > 1 and plan > 2 and bar", TYPES)

    # then
    assert [i.code for i in issues] == ["unknown_signal", "type_mismatch", "unknown_signal"]


def test_signals_in_lists_every_name_read() -> None:
    # when
    names = signals_in(parse("a > 1 and (b in [1] or not c is null) and d between e and f / g"))

    # then
    assert names == {"a", "b", "c", "d", "e", "f", "g"}
