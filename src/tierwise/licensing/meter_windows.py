"""The window a metered feature's counter covers: a calendar month or year, or a billing period.

A metered entitlement ("25,000 automation runs") is a budget for one window; the counter starts
again at the next one. Calendar windows are in UTC. Billing-period windows follow the
subscription's billing anchor day: with anchor 31 the periods run Jan 31 → Feb 28 → Mar 31, the day
clamped to the length of each month (Feb 29 in a leap year), at the time of day the subscription's
periods start. The calendar arithmetic is :func:`tierwise.pricing.periods.add_months`, the same
the billing periods use, so a meter window and a billing period never disagree.
"""

from __future__ import annotations

import datetime as dt

from tierwise.catalog.model import ResetPeriod
from tierwise.errors import InvalidInput
from tierwise.pricing.periods import add_months, check_anchor_day

__all__ = ["meter_window"]


def meter_window(
    meter_reset: ResetPeriod,
    anchor_day: int,
    period_start: dt.datetime,
    now: dt.datetime,
    interval_months: int = 1,
) -> tuple[dt.datetime, dt.datetime]:
    """The ``[start, end)`` window containing ``now`` for a meter that resets by ``meter_reset``.

    ``anchor_day`` (1-31) is the subscription's billing anchor; ``period_start`` is the start of
    any of its billing periods (it fixes the month phase and the time of day); ``interval_months``
    is the billing interval (1 monthly, 3 quarterly, 12 yearly). Calendar resets ignore all three.
    """
    for name, value in (("period_start", period_start), ("now", now)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput(f"{name} must be a timezone-aware datetime (UTC)", field=name)
    check_anchor_day(anchor_day)
    if interval_months < 1:
        raise InvalidInput("a billing interval is at least one month", field="interval_months")
    utc_now = now.astimezone(dt.UTC)
    if meter_reset is ResetPeriod.MONTH:
        start = dt.datetime(utc_now.year, utc_now.month, 1, tzinfo=dt.UTC)
        return start, _month_start(start, 1)
    if meter_reset is ResetPeriod.YEAR:
        start = dt.datetime(utc_now.year, 1, 1, tzinfo=dt.UTC)
        return start, start.replace(year=start.year + 1)
    return _billing_window(anchor_day, period_start.astimezone(dt.UTC), utc_now, interval_months)


def _month_start(first: dt.datetime, months: int) -> dt.datetime:
    index = first.year * 12 + first.month - 1 + months
    return first.replace(year=index // 12, month=index % 12 + 1)


def _anchor_date(origin: dt.datetime, anchor_day: int, months: int) -> dt.datetime:
    """The anchor day ``months`` after ``origin``'s month (clamped), at ``origin``'s time of day."""
    return dt.datetime.combine(add_months(origin.date(), months, anchor_day), origin.timetz())


def _billing_window(
    anchor_day: int, origin: dt.datetime, now: dt.datetime, step: int
) -> tuple[dt.datetime, dt.datetime]:
    months_between = (now.year - origin.year) * 12 + now.month - origin.month
    k = months_between // step  # a first guess; the clamped day may put ``now`` one period off
    while _anchor_date(origin, anchor_day, k * step) > now:
        k -= 1
    while _anchor_date(origin, anchor_day, (k + 1) * step) <= now:
        k += 1
    return _anchor_date(origin, anchor_day, k * step), _anchor_date(
        origin, anchor_day, (k + 1) * step
    )
