"""Billing periods and contract terms: calendar arithmetic with a clamped billing anchor.

A subscription is billed on its *anchor day* of the month. When a month is too short for the
anchor, the bill falls on the month's last day and the next month returns to the anchor: an
anchor of 31 bills on Jan 31, Feb 28 (Feb 29 in a leap year), Mar 31, Apr 30, May 31...

A :class:`BillingPeriod` runs from ``start`` (inclusive) to ``end`` (exclusive): the day a new
period starts belongs to the new period, never to the old one. A monthly period is one anchored
month long, a quarterly one three, a yearly one twelve. The current period of a subscription must
start on one of its billing dates (the anchor day, clamped), otherwise the anchor and the period
disagree and the input is refused rather than guessed at.

A contract term of N years runs from its start to the same day N years later (Feb 29 clamps to
Feb 28 in a common year); it is split into contract years for the price path.
"""

from __future__ import annotations

import datetime as dt
from calendar import isleap
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from tierwise.catalog.model import BillingInterval
from tierwise.errors import InvalidInput

__all__ = [
    "BillingPeriod",
    "add_months",
    "billing_date",
    "billing_period",
    "check_anchor_day",
    "contract_term",
    "contract_years",
    "is_billing_date",
    "last_day_of_month",
]


@dataclass(frozen=True, slots=True)
class BillingPeriod:
    """The days ``start`` (inclusive) to ``end`` (exclusive), billed on ``anchor_day``."""

    start: dt.date
    end: dt.date
    anchor_day: int

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return (self.end - self.start).days

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` falls in the period (the end day belongs to the next one)."""
        return self.start <= day < self.end


_MONTH_DAYS: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def last_day_of_month(year: int, month: int) -> int:
    """28, 29, 30 or 31."""
    if month == 2 and isleap(year):
        return 29
    return _MONTH_DAYS[month - 1]


def billing_date(year: int, month: int, anchor_day: int) -> dt.date:
    """The day a subscription anchored on ``anchor_day`` is billed in that month (clamped)."""
    return dt.date(year, month, min(anchor_day, last_day_of_month(year, month)))


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    """The billing date ``months`` months after ``day``'s month, on the (clamped) anchor.

    The anchor defaults to ``day``'s own day of the month. Jan 31 + 1 month = Feb 28 (anchor 31),
    and Feb 28 + 1 month with anchor 31 = Mar 31: the anchor, not the clamped day, is carried on.
    """
    anchor = day.day if anchor_day is None else anchor_day
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return billing_date(year, month_index + 1, anchor)


def check_anchor_day(anchor_day: int, *, field: str = "anchor_day") -> int:
    """Return ``anchor_day`` if it is a day of the month (1 to 31), else raise naming ``field``."""
    if isinstance(anchor_day, bool) or not 1 <= anchor_day <= 31:
        raise InvalidInput(
            f"{field} must be a day of the month, 1 to 31; got {anchor_day}", field=field
        )
    return anchor_day


def is_billing_date(day: dt.date, anchor_day: int) -> bool:
    """True when a subscription anchored on ``anchor_day`` is billed on ``day``."""
    return day == billing_date(day.year, day.month, anchor_day)


def billing_period(
    start: dt.date, interval: BillingInterval, anchor_day: int | None = None
) -> BillingPeriod:
    """The period of ``interval`` that starts on ``start``, billed on ``anchor_day``.

    ``start`` must be a billing date of the anchor (the anchor day, or the month's last day when
    the month is shorter); the anchor defaults to ``start``'s day.
    """
    anchor = start.day if anchor_day is None else check_anchor_day(anchor_day)
    if not is_billing_date(start, anchor):
        expected = billing_date(start.year, start.month, anchor)
        raise InvalidInput(
            f"period_start {start.isoformat()} is not a billing date for anchor day {anchor} "
            f"(that month bills on {expected.isoformat()})",
            field="period_start",
        )
    return BillingPeriod(start, add_months(start, interval.months, anchor), anchor)


def contract_term(start: dt.date, years: int) -> BillingPeriod:
    """The contract term of ``years`` years from ``start`` (end exclusive)."""
    return BillingPeriod(start, add_months(start, 12 * years, start.day), start.day)


@lru_cache(maxsize=4096)
def contract_years(start: dt.date, years: int) -> tuple[BillingPeriod, ...]:
    """The contract years of a term, first to last, each anchored on ``start``'s day."""
    bounds = [add_months(start, 12 * year, start.day) for year in range(years + 1)]
    return tuple(BillingPeriod(bounds[year], bounds[year + 1], start.day) for year in range(years))
