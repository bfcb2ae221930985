"""The plan-change table: classification, first match wins, default, ILLEGAL names its case."""

from __future__ import annotations

import pytest

from tierwise.catalog.model import BillingInterval, ChangeTiming, Direction, IntervalChange
from tierwise.errors import ChangeNotAllowed
from tierwise.pricing.change_policy import (
    ChangeRule,
    classify_change,
    require_allowed,
    timing_for,
)
from tierwise.testing.catalogs import northwind_version

MONTH, QUARTER, YEAR = BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR
VERSION = northwind_version()


def rule(
    from_plan: str,
    to_plan: str,
    from_interval: BillingInterval = MONTH,
    to_interval: BillingInterval = MONTH,
    from_term: int = 1,
    to_term: int = 1,
) -> ChangeRule:
    kind = classify_change(
        VERSION,
        from_plan=from_plan,
        to_plan=to_plan,
        from_interval=from_interval,
        to_interval=to_interval,
        from_term_years=from_term,
        to_term_years=to_term,
    )
    return timing_for(VERSION, kind)


@pytest.mark.parametrize(
    ("args", "timing", "source"),
    [
        # up with a longer interval: case 2 needs "shorter", so case 3 (up) matches
        (("team", "business", MONTH, YEAR), ChangeTiming.IMMEDIATE, "changes.cases[3]"),
        # up with a shorter interval waits for the end of the term (case 2)
        (("business", "enterprise", YEAR, MONTH), ChangeTiming.END_OF_TERM, "changes.cases[2]"),
        (("business", "team"), ChangeTiming.END_OF_TERM, "changes.cases[4]"),  # down
        (("team", "free"), ChangeTiming.END_OF_TERM, "changes.cases[1]"),  # to free, first
        (("team", "team", MONTH, YEAR), ChangeTiming.IMMEDIATE, "changes.cases[5]"),
        (("team", "team", YEAR, QUARTER), ChangeTiming.END_OF_TERM, "changes.cases[6]"),
        (("team", "team"), ChangeTiming.IMMEDIATE, "changes.default"),  # seats only: no case
    ],
)
def test_first_matching_case_wins(args, timing, source):
    result = rule(*args)
    assert (result.timing, result.source) == (timing, source)


def test_classification_by_rank_months_and_years():
    kind = rule("business", "team", YEAR, MONTH, 1, 3).kind
    assert kind.direction is Direction.DOWN
    assert kind.interval_change is IntervalChange.SHORTER
    assert kind.term_change is IntervalChange.LONGER


def test_an_illegal_change_names_the_case_that_forbids_it():
    # a shorter term matches case 0 before anything else, even for an upgrade
    result = rule("team", "business", MONTH, MONTH, 3, 1)
    with pytest.raises(ChangeNotAllowed) as raised:
        require_allowed(result)
    assert raised.value.field == "changes.cases[0]"
    assert "shorter term" in raised.value.message
