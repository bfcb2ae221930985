"""Meter windows: calendar month and year in UTC, billing periods on a clamped anchor day."""

from __future__ import annotations

import datetime as dt

import pytest

from tierwise.catalog.model import ResetPeriod
from tierwise.errors import InvalidInput
from tierwise.licensing.meter_windows import meter_window

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


# Anchor 31, periods starting at 10:00 UTC: Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 (2026).
ANCHOR_31_START = at(2026, 1, 31, 10)


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        (at(2026, 2, 15), at(2026, 1, 31, 10), at(2026, 2, 28, 10)),
        (at(2026, 2, 28, 9, 59), at(2026, 1, 31, 10), at(2026, 2, 28, 10)),
        (at(2026, 2, 28, 10), at(2026, 2, 28, 10), at(2026, 3, 31, 10)),  # start inclusive
        (at(2026, 3, 31, 9), at(2026, 2, 28, 10), at(2026, 3, 31, 10)),
        (at(2026, 4, 30, 12), at(2026, 4, 30, 10), at(2026, 5, 31, 10)),
        (at(2028, 2, 29, 11), at(2028, 2, 29, 10), at(2028, 3, 31, 10)),  # leap year
        (at(2025, 12, 31, 11), at(2025, 12, 31, 10), at(2026, 1, 31, 10)),  # before period_start
    ],
)
def test_billing_period_windows_follow_the_anchor_day_clamped_to_the_month(
    now: dt.datetime, start: dt.datetime, end: dt.datetime
) -> None:
    # when
    window = meter_window(ResetPeriod.BILLING_PERIOD, 31, ANCHOR_31_START, now)
    # then
    assert window == (start, end)


def test_a_clamped_period_start_keeps_the_anchor_for_later_months() -> None:
    # given: the current period started on Feb 28 because the anchor 31 does not exist in February
    period_start = at(2026, 2, 28)
    # when
    window = meter_window(ResetPeriod.BILLING_PERIOD, 31, period_start, at(2026, 3, 30))
    # then: the next boundary is Mar 31, not Mar 28
    assert window == (at(2026, 2, 28), at(2026, 3, 31))


def test_quarterly_billing_periods_are_three_anchored_months() -> None:
    # when: anchor 31 from Jan 31; quarters run Jan 31 -> Apr 30 -> Jul 31
    window = meter_window(ResetPeriod.BILLING_PERIOD, 31, at(2026, 1, 31), at(2026, 5, 1), 3)
    # then
    assert window == (at(2026, 4, 30), at(2026, 7, 31))


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        (at(2026, 2, 15, 8), at(2026, 2, 1), at(2026, 3, 1)),
        (at(2026, 12, 31, 23, 59), at(2026, 12, 1), at(2027, 1, 1)),
        (at(2026, 3, 1), at(2026, 3, 1), at(2026, 4, 1)),
    ],
)
def test_calendar_month_windows(now: dt.datetime, start: dt.datetime, end: dt.datetime) -> None:
    assert meter_window(ResetPeriod.MONTH, 31, ANCHOR_31_START, now) == (start, end)


def test_calendar_year_window() -> None:
    window = meter_window(ResetPeriod.YEAR, 31, ANCHOR_31_START, at(2026, 7, 4))
    assert window == (at(2026, 1, 1), at(2027, 1, 1))


def test_calendar_windows_are_in_utc_whatever_the_offset_of_now() -> None:
    # given: 00:30 on Mar 1 in UTC+2 is still Feb 28 22:30 UTC
    eastern = dt.datetime(2026, 3, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    # when
    window = meter_window(ResetPeriod.MONTH, 1, ANCHOR_31_START, eastern)
    # then
    assert window == (at(2026, 2, 1), at(2026, 3, 1))


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidInput):
        meter_window(ResetPeriod.MONTH, 1, ANCHOR_31_START, dt.datetime(2026, 3, 1))
    with pytest.raises(InvalidInput):
        meter_window(ResetPeriod.BILLING_PERIOD, 32, ANCHOR_31_START, at(2026, 3, 1))
    with pytest.raises(InvalidInput):
        meter_window(ResetPeriod.BILLING_PERIOD, 31, ANCHOR_31_START, at(2026, 3, 1), 0)
