"""Billing periods: anchor clamping at month ends, leap years, quarters, years, contract terms."""

from __future__ import annotations

import datetime as dt

import pytest

from tierwise.catalog.model import BillingInterval
from tierwise.errors import InvalidInput
from tierwise.pricing.periods import (
    add_months,
    billing_period,
    contract_term,
    contract_years,
    is_billing_date,
)

D = dt.date
MONTH, QUARTER, YEAR = BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR


@pytest.mark.parametrize(
    ("day", "months", "anchor", "expected"),
    [
        # anchor 31 clamps to the month's last day, then returns to the 31st
        (D(2026, 1, 31), 1, 31, D(2026, 2, 28)),  # 2026 is not a leap year: Feb has 28 days
        (D(2026, 2, 28), 1, 31, D(2026, 3, 31)),  # the anchor, not the clamped 28, is carried
        (D(2026, 3, 31), 1, 31, D(2026, 4, 30)),  # April has 30 days
        (D(2026, 4, 30), 1, 31, D(2026, 5, 31)),
        (D(2028, 1, 31), 1, 31, D(2028, 2, 29)),  # 2028 is a leap year: Feb 29
        (D(2028, 2, 29), 1, 31, D(2028, 3, 31)),
        (D(2026, 1, 30), 1, 30, D(2026, 2, 28)),  # anchor 30 clamps in February too
        (D(2026, 11, 30), 3, 30, D(2027, 2, 28)),  # Nov 30 + 3 months = Feb 28
        (D(2026, 12, 15), 1, None, D(2027, 1, 15)),  # across the year end, anchor = own day
        (D(2028, 2, 29), 12, None, D(2029, 2, 28)),  # Feb 29 + 1 year clamps to Feb 28
    ],
)
def test_add_months_clamps_to_the_month_end_and_keeps_the_anchor(day, months, anchor, expected):
    # given a day, a number of months and a billing anchor
    # when we move forward
    result = add_months(day, months, anchor)
    # then the bill falls on the anchor, or on the last day of a shorter month
    assert result == expected


def test_anchor_31_bills_through_a_whole_year_on_month_ends():
    # given an anchor of 31 starting on Jan 31 2026
    day = D(2026, 1, 31)
    # when we chain twelve monthly periods
    bills = []
    for _ in range(12):
        period = billing_period(day, MONTH, 31)
        bills.append(period.end)
        day = period.end
    # then every bill is the last day of its month
    assert bills == [
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
        D(2026, 5, 31),
        D(2026, 6, 30),
        D(2026, 7, 31),
        D(2026, 8, 31),
        D(2026, 9, 30),
        D(2026, 10, 31),
        D(2026, 11, 30),
        D(2026, 12, 31),
        D(2027, 1, 31),
    ]


@pytest.mark.parametrize(
    ("start", "interval", "anchor", "end", "days"),
    [
        (D(2026, 3, 1), MONTH, None, D(2026, 4, 1), 31),
        (D(2026, 2, 1), MONTH, None, D(2026, 3, 1), 28),  # common year February
        (D(2028, 2, 1), MONTH, None, D(2028, 3, 1), 29),  # leap year February
        (D(2026, 1, 31), MONTH, 31, D(2026, 2, 28), 28),  # Jan 31 -> Feb 28: 28 days
        (D(2026, 2, 28), MONTH, 31, D(2026, 3, 31), 31),  # Feb 28 -> Mar 31: 31 days
        # quarter: Jan 15 -> Apr 15 = 31 (Jan) + 28 (Feb) + 31 (Mar) = 90 days
        (D(2026, 1, 15), QUARTER, None, D(2026, 4, 15), 90),
        # quarter with anchor 30: Nov 30 -> Feb 28 = 30 + 31 + 29 = 90 days
        (D(2025, 11, 30), QUARTER, 30, D(2026, 2, 28), 90),
        # and back to the 30th: Feb 28 -> May 30 = 1 + 31 (Mar) + 30 (Apr) + 29 = 91 days
        (D(2026, 2, 28), QUARTER, 30, D(2026, 5, 30), 91),
        (D(2026, 3, 15), YEAR, None, D(2027, 3, 15), 365),
        (D(2027, 3, 15), YEAR, None, D(2028, 3, 15), 366),  # contains Feb 29 2028
        (D(2028, 2, 29), YEAR, None, D(2029, 2, 28), 365),  # Feb 29 anchor clamps
        (D(2031, 2, 28), YEAR, 29, D(2032, 2, 29), 366),  # ... and returns in a leap year
    ],
)
def test_billing_period_bounds_and_lengths(start, interval, anchor, end, days):
    # given a period start, an interval and an anchor
    # when the period is built
    period = billing_period(start, interval, anchor)
    # then it ends (exclusive) on the next billing date and has the calendar days counted
    assert (period.start, period.end, period.days) == (start, end, days)


def test_the_end_day_belongs_to_the_next_period():
    # given March 2026
    period = billing_period(D(2026, 3, 1), MONTH)
    # then Mar 31 is inside and Apr 1 is not
    assert period.contains(D(2026, 3, 31))
    assert not period.contains(D(2026, 4, 1))
    assert not period.contains(D(2026, 2, 28))


def test_period_start_must_be_a_billing_date_of_the_anchor():
    # given Mar 15 with an anchor of 31 (March bills on the 31st)
    # when / then the period is refused, naming period_start
    with pytest.raises(InvalidInput) as raised:
        billing_period(D(2026, 3, 15), MONTH, 31)
    assert raised.value.field == "period_start"
    assert "2026-03-31" in raised.value.message


def test_feb_28_of_a_leap_year_is_not_a_billing_date_of_anchor_31():
    # given 2028, where anchor 31 bills on Feb 29
    # then Feb 28 is not a billing date and Feb 29 is
    assert not is_billing_date(D(2028, 2, 28), 31)
    assert is_billing_date(D(2028, 2, 29), 31)


@pytest.mark.parametrize("anchor", [0, 32, -1])
def test_anchor_day_out_of_range_is_refused(anchor):
    with pytest.raises(InvalidInput) as raised:
        billing_period(D(2026, 3, 1), MONTH, anchor)
    assert raised.value.field == "anchor_day"


def test_contract_years_of_a_three_year_term_from_a_leap_day():
    # given a 3-year term starting Feb 29 2028
    # when split into contract years
    years = contract_years(D(2028, 2, 29), 3)
    # then each year ends on Feb 28 (no Feb 29 in 2029-2031) and the term ends after year 3
    assert [(y.start, y.end) for y in years] == [
        (D(2028, 2, 29), D(2029, 2, 28)),
        (D(2029, 2, 28), D(2030, 2, 28)),
        (D(2030, 2, 28), D(2031, 2, 28)),
    ]
    assert contract_term(D(2028, 2, 29), 3).end == D(2031, 2, 28)
