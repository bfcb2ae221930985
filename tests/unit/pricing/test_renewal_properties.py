"""Invariants of renewal quotes, for any configuration, term and currency (hypothesis).

The Northwind catalog (2026.1): 6 % off a 2-year term, 10 % off 3 years, 5 % loyalty for a
renewal of 2 years or more, seat volume from 100 seats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.catalog.model import BillingInterval, ChangeTiming
from tierwise.pricing.periods import billing_period, contract_term
from tierwise.pricing.recurring import Configuration, price_configuration
from tierwise.pricing.renewals import quote_renewal
from tierwise.testing.catalogs import northwind_version

NORTHWIND = northwind_version()
PLANS = {"team": ("automation_pack", "priority_support"), "business": ("priority_support",)}
START = dt.date(2027, 3, 10)


@st.composite
def renewals(draw: st.DrawFn) -> tuple[Configuration, str, bool]:
    plan = draw(st.sampled_from(sorted(PLANS)))
    add_ons = tuple(draw(st.lists(st.sampled_from(PLANS[plan]), unique=True, max_size=2)))
    seats = draw(st.integers(min_value=5, max_value=600))
    interval = draw(st.sampled_from([BillingInterval.MONTH, BillingInterval.YEAR]))
    years = draw(st.integers(min_value=1, max_value=5))
    currency = draw(st.sampled_from(["USD", "EUR", "JPY"]))
    restart = draw(st.booleans())
    return Configuration(plan, add_ons, seats, interval, years, renewal=True), currency, restart


@settings(max_examples=150, deadline=None)
@given(renewals())
def test_a_renewal_quote_adds_up_and_earns_loyalty_only_for_a_long_enough_term(
    case: tuple[Configuration, str, bool],
) -> None:
    # given
    configuration, currency, restart = case
    term = contract_term(START, configuration.term_years)
    first = billing_period(START, configuration.interval) if restart else None
    at = dt.datetime.combine(START, dt.time(0), tzinfo=dt.UTC)

    # when
    quote = quote_renewal(
        NORTHWIND,
        configuration,
        currency,
        term=term,
        previous_version="2026.1",
        first_period=first,
        effective_at=at,
    )

    # then the recurring price is the priced configuration's, and its waterfall adds up
    priced = price_configuration(NORTHWIND, configuration, currency)
    recurring = quote.recurring
    assert recurring.per_period == priced.amount
    taken = sum((d.amount.amount for d in quote.discounts), Decimal(0))
    assert recurring.before_discounts.amount - taken == recurring.per_period.amount
    # loyalty exactly when the renewal is 2 years or longer; never without the renewal flag
    loyal = [d for d in quote.discounts if d.policy == "loyalty"]
    assert bool(loyal) is (configuration.term_years >= 2)
    plain = price_configuration(
        NORTHWIND,
        Configuration(
            configuration.plan,
            configuration.add_ons,
            configuration.seats,
            configuration.interval,
            configuration.term_years,
        ),
        currency,
    )
    assert "loyalty" not in {d.policy for d in plain.discounts}
    assert plain.amount >= priced.amount
    # the price path covers the term, a year of periods each
    per_year = 12 // configuration.interval.months
    if configuration.term_years >= 2:
        assert len(quote.price_path) == configuration.term_years
        assert quote.price_path[0].start == term.start
        assert quote.price_path[-1].end == term.end
        assert all(y.amount == priced.amount * per_year for y in quote.price_path)
    else:
        assert quote.price_path == ()
    # due now: the first period in full when restarting, else nothing
    if restart:
        assert quote.timing is ChangeTiming.IMMEDIATE
        assert quote.due_now == priced.amount
    else:
        assert quote.timing is ChangeTiming.END_OF_TERM
        assert (quote.lines, quote.due_now.amount) == ((), Decimal(0))
    assert quote.as_dict()["renewal"]["price_change"] is False
