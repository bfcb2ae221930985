"""Proration by hand: actual days and 30-day months, fractions at 9 places HALF_UP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierwise.catalog.model import BillingInterval, ProrationConvention
from tierwise.errors import OutsidePeriod
from tierwise.pricing.periods import billing_date, billing_period
from tierwise.pricing.proration import days_360, prorate

D = dt.date
MONTH, QUARTER, YEAR = BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR
ACTUAL, THIRTY = ProrationConvention.ACTUAL_DAYS, ProrationConvention.THIRTY_DAY_MONTH


@pytest.mark.parametrize(
    ("start", "interval", "anchor", "change", "remaining", "total", "fraction"),
    [
        # March: Mar 15..31 inclusive = 17 of 31 days; 17/31 = 0.5483870967... -> 0.548387097
        (D(2026, 3, 1), MONTH, None, D(2026, 3, 15), 17, 31, "0.548387097"),
        # the change day belongs to the new plan: a change on day one leaves the whole period
        (D(2026, 3, 1), MONTH, None, D(2026, 3, 1), 31, 31, "1"),
        # the last day leaves one day: 1/31 = 0.0322580645... -> 0.032258065 (HALF_UP)
        (D(2026, 3, 1), MONTH, None, D(2026, 3, 31), 1, 31, "0.032258065"),
        # February 2026 (28 days): Feb 15..28 = 14 days; 14/28 = 0.5
        (D(2026, 2, 1), MONTH, None, D(2026, 2, 15), 14, 28, "0.5"),
        # February 2028, leap (29 days): Feb 15..29 = 15 days; 15/29 = 0.5172413793 -> 0.517241379
        (D(2028, 2, 1), MONTH, None, D(2028, 2, 15), 15, 29, "0.517241379"),
        # anchor 31 clamped period Feb 28 -> Mar 31 (31 days); Mar 15..30 = 16 days; 16/31
        # = 0.5161290322 -> 0.516129032
        (D(2026, 2, 28), MONTH, 31, D(2026, 3, 15), 16, 31, "0.516129032"),
        # quarter Jan 15 -> Apr 15 (90 days); from Mar 1: 31 (Mar) + 14 (Apr 1..14) = 45; 45/90
        (D(2026, 1, 15), QUARTER, None, D(2026, 3, 1), 45, 90, "0.5"),
        # year Mar 15 2026 -> 2027 (365 days); from Sep 15: 30+31+30+31+31+28 = 181;
        # 181/365 = 0.4958904109 -> 0.495890411
        (D(2026, 3, 15), YEAR, None, D(2026, 9, 15), 181, 365, "0.495890411"),
        # leap year Mar 15 2027 -> 2028 (366 days); from Sep 15: 30+31+30+31+31+29 = 182;
        # 182/366 = 0.4972677595 -> 0.497267760
        (D(2027, 3, 15), YEAR, None, D(2027, 9, 15), 182, 366, "0.497267760"),
    ],
)
def test_actual_days(start, interval, anchor, change, remaining, total, fraction):
    # given a billing period and a change day inside it
    period = billing_period(start, interval, anchor)
    # when prorated by actual days
    span = prorate(period, change, ACTUAL)
    # then the days and the 9-place fraction are as computed by hand
    assert (span.days_remaining, span.days_in_period) == (remaining, total)
    assert span.fraction == Decimal(fraction)


@pytest.mark.parametrize(
    ("start", "interval", "anchor", "change", "remaining", "fraction"),
    [
        # Mar 1 -> Apr 1 is 30 days; from Mar 15: (3*30 + 1) - (2*30 + 15) = 91 - 75 = 16
        # 16/30 = 0.5333333333 -> 0.533333333
        (D(2026, 3, 1), MONTH, None, D(2026, 3, 15), 16, "0.533333333"),
        # anchor 31: Jan 31 counts as day 30 and Feb 28 (clamped) as day 30, so the period is
        # 30 days; from Feb 14: (30 + 30) - (30 + 14) = 16 -> 16/30 (actual days: 14/28 = 0.5)
        (D(2026, 1, 31), MONTH, 31, D(2026, 2, 14), 16, "0.533333333"),
        # anchor 29 in a common year: Feb 28 counts as day 29; Jan 29 -> Feb 28 = 30 days;
        # from Feb 1: (30 + 29) - (30 + 1) = 28 -> 28/30 = 0.9333333333 -> 0.933333333
        (D(2026, 1, 29), MONTH, 29, D(2026, 2, 1), 28, "0.933333333"),
        # the 30th and the 31st share one number: Mar 30 -> Mar 31 counts 0 days
        (D(2026, 2, 28), MONTH, 31, D(2026, 3, 30), 0, "0"),
        # a year is 360 days; Mar 15 -> Sep 15 is 6 months = 180 days left -> 0.5
        (D(2026, 3, 15), YEAR, None, D(2026, 9, 15), 180, "0.5"),
        # a quarter is 90 days; Jan 15 -> Mar 1 = 30 + 16 = 46 days used, 44 left;
        # 44/90 = 0.4888888888 -> 0.488888889 (HALF_UP)
        (D(2026, 1, 15), QUARTER, None, D(2026, 3, 1), 44, "0.488888889"),
    ],
)
def test_thirty_day_month(start, interval, anchor, change, remaining, fraction):
    # given a billing period under the 30-day-month convention
    period = billing_period(start, interval, anchor)
    # when prorated
    span = prorate(period, change, THIRTY)
    # then every month counts 30 days and the fraction is as computed by hand
    assert span.days_in_period == 30 * interval.months
    assert span.days_remaining == remaining
    assert span.fraction == Decimal(fraction)
    assert "30-day months" in span.days_text()


@pytest.mark.parametrize("change", [D(2026, 2, 28), D(2026, 4, 1), D(2026, 4, 2)])
def test_a_day_outside_the_period_is_refused(change):
    # given March 2026, whose end (Apr 1) is exclusive
    period = billing_period(D(2026, 3, 1), MONTH)
    # when / then
    with pytest.raises(OutsidePeriod) as raised:
        prorate(period, change, ACTUAL)
    assert raised.value.field == "at"


def test_days_360_of_whole_months_with_a_clamped_anchor():
    # given anchor 31 billing Jan 31, Feb 28, Mar 31
    # then each month is exactly 30 days in the 30-day convention
    assert days_360(D(2026, 1, 31), D(2026, 2, 28), 31) == 30
    assert days_360(D(2026, 2, 28), D(2026, 3, 31), 31) == 30
    assert days_360(D(2028, 1, 31), D(2028, 2, 29), 31) == 30  # leap year


periods = st.builds(
    lambda year, month, anchor, interval: (billing_date(year, month, anchor), anchor, interval),
    st.integers(2000, 2100),
    st.integers(1, 12),
    st.integers(1, 31),
    st.sampled_from(list(BillingInterval)),
)


@given(periods, st.integers(0, 400), st.sampled_from(list(ProrationConvention)))
def test_fraction_is_between_zero_and_one(period_input, offset, convention):
    # given any period with any anchor and any day in it
    start, anchor, interval = period_input
    period = billing_period(start, interval, anchor)
    day = start + dt.timedelta(days=offset % period.days)
    # when prorated
    span = prorate(period, day, convention)
    # then the fraction is a share, exactly 1 on the first day, and the days are consistent
    assert Decimal(0) <= span.fraction <= Decimal(1)
    assert 0 <= span.days_remaining <= span.days_in_period
    if day == start:
        assert span.fraction == 1
    if convention is THIRTY:
        assert span.days_in_period == 30 * interval.months


@given(periods, st.integers(0, 400), st.integers(0, 400))
def test_later_change_days_never_leave_more(period_input, first, second):
    # given two change days in the same period
    start, anchor, interval = period_input
    period = billing_period(start, interval, anchor)
    early, late = sorted((first % period.days, second % period.days))
    for convention in ProrationConvention:
        # when both are prorated
        a = prorate(period, start + dt.timedelta(days=early), convention)
        b = prorate(period, start + dt.timedelta(days=late), convention)
        # then the later day leaves no more of the period
        assert b.fraction <= a.fraction
