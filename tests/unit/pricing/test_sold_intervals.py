"""A plan that is not sold on an interval cannot be quoted on it (``pricing.intervals``)."""

from __future__ import annotations

import datetime as dt

import pytest

from tierwise.catalog.model import BillingInterval, CatalogVersion
from tierwise.errors import IntervalNotPriced
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange, quote_change
from tierwise.testing.catalogs import northwind_version

AT = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)


def _team_sold_monthly_and_yearly_only() -> CatalogVersion:
    version = northwind_version()
    team = version.plans["team"]
    pricing = team.pricing.model_copy(
        update={"intervals": (BillingInterval.MONTH, BillingInterval.YEAR)}
    )
    plans = {**version.plans, "team": team.model_copy(update={"pricing": pricing})}
    return version.model_copy(update={"plans": plans})


def test_moving_to_an_interval_the_plan_is_not_sold_on_is_refused() -> None:
    # given Team sold monthly and yearly, not quarterly
    version = _team_sold_monthly_and_yearly_only()
    current = CurrentSubscription("team", BillingInterval.MONTH, "USD", dt.date(2026, 3, 1), 5)
    # when / then
    with pytest.raises(IntervalNotPriced) as caught:
        quote_change(version, current, ProposedChange(to_interval=BillingInterval.QUARTER), AT)
    assert caught.value.field == "to_interval"
    assert "quarterly" in caught.value.message


def test_the_sold_intervals_still_quote() -> None:
    version = _team_sold_monthly_and_yearly_only()
    current = CurrentSubscription("team", BillingInterval.MONTH, "USD", dt.date(2026, 3, 1), 5)
    quote = quote_change(version, current, ProposedChange(to_interval=BillingInterval.YEAR), AT)
    # Team yearly is $120 per seat: 5 seats -> $600 for the new yearly period
    assert quote.recurring.annual.to_str() == "600.00"
