"""Proration: which share of a billing period is left after a change day.

Two conventions, chosen in the catalog (``changes.proration``):

``actual_days`` (the default)
    fraction = days remaining / days in the period, counting calendar days. The period's end is
    exclusive and the change day belongs to the new plan, so a change on day *d* of a period
    ``[start, end)`` leaves ``end - d`` days: a change on the first day leaves the whole period
    (fraction 1), a change on the last day leaves one day.

``thirty_day_month``
    Every month counts 30 days, so every monthly period is 30 days long, a quarter 90 and a year
    360, whatever the calendar says. Days are counted with a 30/360 day count: a date is
    numbered ``360 × year + 30 × (month − 1) + D`` and the days between two dates are the
    difference of their numbers, where ``D`` is the day of the month capped at 30, except that
    a month's last day counts as the anchor day (capped at 30) when the anchor did not fit in
    that month. So with anchor 31, Feb 28 counts as day 30 and Jan 31 → Feb 28 → Mar 31 are two
    periods of exactly 30 days; with anchor 29, Feb 28 counts as day 29. The price of this
    regularity: in a 31-day month two calendar days share one number (the 30th and the 31st
    count as one day), so a change on the 30th of a period ending on the 31st leaves 0 days.

In both conventions the fraction is kept at 9 decimal places, HALF_UP
(:func:`tierwise.money.fraction`), and lies in [0, 1].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Final

from tierwise.catalog.model import ProrationConvention
from tierwise.errors import OutsidePeriod
from tierwise.money import fraction
from tierwise.pricing.periods import BillingPeriod, last_day_of_month

__all__ = ["ProratedSpan", "days_360", "prorate"]

# Division needs more digits than the 9 places kept; a private context shields the result from
# whatever the caller's thread context says.
_DIVISION: Final = Context(prec=28)
_ONE: Final = Decimal(1)


@dataclass(frozen=True, slots=True)
class ProratedSpan:
    """The part of ``period`` from ``start`` (the change day) to the period's end."""

    period: BillingPeriod
    start: dt.date
    days_remaining: int
    days_in_period: int
    fraction: Decimal
    convention: ProrationConvention

    @property
    def end(self) -> dt.date:
        return self.period.end

    def days_text(self) -> str:
        """``"17 of 31 days"``, with the convention named when it is not calendar days."""
        text = f"{self.days_remaining} of {self.days_in_period} days"
        if self.convention == ProrationConvention.THIRTY_DAY_MONTH:
            text += " counted as 30-day months"
        return text


def _day_number_360(day: dt.date, anchor_day: int) -> int:
    value = min(day.day, 30)
    if day.day < anchor_day and day.day == last_day_of_month(day.year, day.month):
        value = min(anchor_day, 30)
    return 360 * day.year + 30 * (day.month - 1) + value


def days_360(start: dt.date, end: dt.date, anchor_day: int) -> int:
    """Days from ``start`` to ``end`` under the 30-day-month convention (see module docstring)."""
    return _day_number_360(end, anchor_day) - _day_number_360(start, anchor_day)


def prorate(
    period: BillingPeriod, change_day: dt.date, convention: ProrationConvention
) -> ProratedSpan:
    """The share of ``period`` left from ``change_day`` on, under ``convention``.

    Raises :class:`~tierwise.errors.OutsidePeriod` (field ``at``) when the day is not in the
    period.
    """
    if not period.contains(change_day):
        raise OutsidePeriod(
            f"at {change_day.isoformat()} is outside the current billing period "
            f"{period.start.isoformat()} to {period.end.isoformat()} (end exclusive)",
            field="at",
        )
    if convention == ProrationConvention.THIRTY_DAY_MONTH:
        remaining = days_360(change_day, period.end, period.anchor_day)
        total = days_360(period.start, period.end, period.anchor_day)
    else:
        remaining = (period.end - change_day).days
        total = (period.end - period.start).days
    share = _ONE if remaining == total else fraction(_DIVISION.divide(remaining, total))
    return ProratedSpan(period, change_day, remaining, total, share, convention)
