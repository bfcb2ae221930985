"""Discount policies: term, seat volume, loyalty, and the approval threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tierwise.pricing.discounts import (
    discount_rates,
    loyalty_discount,
    needs_approval,
    seat_volume_discount,
    term_discount,
)
from tierwise.testing.catalogs import discount_policy

POLICY = discount_policy(
    term_years={1: 0, 2: 6, 3: 10},
    seat_volume=[(100, 5), (500, 10)],
    annual_prepay_percent=15,
    loyalty_percent=5,
    max_without_approval_percent=20,
)


@pytest.mark.parametrize(("years", "percent"), [(1, None), (2, "6"), (3, "10"), (5, "10")])
def test_term_discount_uses_the_longest_row_not_above_the_term(years, percent):
    rate = term_discount(POLICY, years)
    assert (None if rate is None else rate.percent) == (
        None if percent is None else Decimal(percent)
    )


def test_a_term_between_rows_says_which_rate_it_got():
    rate = term_discount(POLICY, 5)
    assert rate is not None
    assert rate.reason == "10% off for committing to 5 years (the 3 years rate)"


@pytest.mark.parametrize(("seats", "percent"), [(99, None), (100, "5"), (499, "5"), (500, "10")])
def test_seat_volume_takes_the_highest_step_reached(seats, percent):
    rate = seat_volume_discount(POLICY, seats)
    assert (None if rate is None else rate.percent) == (
        None if percent is None else Decimal(percent)
    )
    if rate is not None:
        assert rate.seat_items_only


@pytest.mark.parametrize(
    ("years", "renewal", "earned"),
    [(3, True, True), (2, True, True), (1, True, False), (3, False, False)],
)
def test_loyalty_needs_a_multi_year_renewal(years, renewal, earned):
    assert (loyalty_discount(POLICY, years, renewal) is not None) is earned


def test_combined_discounts_over_the_limit_need_approval():
    # 3 years (10) + 500 seats (10) + loyalty (5) = 25 % > 20 % allowed
    rates = discount_rates(POLICY, term_years=3, seats=500, renewal=True)
    assert [r.policy for r in rates] == ["term_years", "seat_volume", "loyalty"]
    assert needs_approval(POLICY, rates)
    # 3 years (10) + loyalty (5) = 15 % is within the limit
    assert not needs_approval(POLICY, discount_rates(POLICY, term_years=3, seats=20, renewal=True))
    # 3 years (10) + 500 seats (10) = exactly 20 %: "exceeds" means strictly more
    assert not needs_approval(
        POLICY, discount_rates(POLICY, term_years=3, seats=500, renewal=False)
    )
