"""List prices: derived intervals, flat vs seat, graduated vs volume tiers, seat ranges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tierwise.catalog.model import BillingInterval, Pricing, TiersMode
from tierwise.errors import CurrencyNotPriced, SeatsOutOfRange
from tierwise.pricing.prices import check_seats, list_price, recurring_price, states_price
from tierwise.testing.catalogs import flat, northwind_version, per_seat, prices, seat_tiers

MONTH, QUARTER, YEAR = BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR


def price(
    pricing: Pricing,
    interval: BillingInterval,
    seats: int,
    prepay: str | None = None,
    currency: str = "USD",
) -> Decimal:
    return recurring_price(
        pricing,
        currency=currency,
        interval=interval,
        seats=seats,
        annual_prepay_percent=None if prepay is None else Decimal(prepay),
        item="plan test",
    )


@pytest.mark.parametrize(
    ("interval", "prepay", "expected"),
    [
        (MONTH, None, "12"),
        (QUARTER, None, "36"),  # not stated: 3 × 12
        (YEAR, None, "144"),  # not stated, no prepay policy: 12 × 12
        (YEAR, "15", "122.40"),  # 12 × 12 × (1 − 0.15) = 144 × 0.85 = 122.40
    ],
)
def test_derived_interval_prices(interval, prepay, expected):
    # given a flat plan with only a monthly price
    pricing = flat({"USD": prices(12)})
    # when priced for the interval
    # then quarter and year are derived from the month
    assert price(pricing, interval, 1, prepay) == Decimal(expected)
    assert states_price(pricing, "USD", interval) is (interval is MONTH)


def test_stated_prices_win_over_derived_ones():
    pricing = flat({"USD": prices(12, quarter="34.20", year=120)})
    assert price(pricing, QUARTER, 1, "15") == Decimal("34.20")
    assert price(pricing, YEAR, 1, "15") == Decimal(120)


def test_flat_ignores_seats_and_seat_multiplies():
    # flat: 49 whatever the seats; seat: 12 × 7 = 84
    assert price(flat({"USD": prices(49)}), MONTH, 7) == Decimal(49)
    assert price(per_seat({"USD": prices(12)}), MONTH, 7) == Decimal(84)


def test_graduated_and_volume_tiers_differ():
    # given tiers up to 50 seats at 25, above at 20 (monthly)
    table = [(50, {"USD": prices(25)}), (None, {"USD": prices(20)})]
    graduated = seat_tiers(TiersMode.GRADUATED, table)
    volume = seat_tiers(TiersMode.VOLUME, table)
    # when 60 seats are priced
    # then graduated: 50 × 25 + 10 × 20 = 1,250 + 200 = 1,450
    assert price(graduated, MONTH, 60) == Decimal(1450)
    # and volume: all 60 seats at the tier 60 falls in: 60 × 20 = 1,200
    assert price(volume, MONTH, 60) == Decimal(1200)
    # at exactly 50 seats both are 50 × 25 = 1,250
    assert price(graduated, MONTH, 50) == price(volume, MONTH, 50) == Decimal(1250)


def test_northwind_business_graduated_yearly_and_enterprise_volume():
    version = northwind_version()
    business = version.plans["business"].pricing
    enterprise = version.plans["enterprise"].pricing
    # business yearly, 60 seats: 50 × 240 + 10 × 192 = 12,000 + 1,920 = 13,920
    assert price(business, YEAR, 60) == Decimal(13920)
    # enterprise volume monthly: 250 seats × 45 = 11,250 but 260 seats × 40 = 10,400
    assert price(enterprise, MONTH, 250) == Decimal(11250)
    assert price(enterprise, MONTH, 260) == Decimal(10400)


def test_jpy_yearly_derived_keeps_the_fraction_for_the_line_to_round():
    # 1,234 × 12 × 0.85 = 12,586.8 (the quote rounds it once, to 12,587)
    pricing = flat({"JPY": prices(1234)})
    assert price(pricing, YEAR, 1, "15", currency="JPY") == Decimal("12586.8")


def test_missing_currency_is_named():
    with pytest.raises(CurrencyNotPriced) as raised:
        price(flat({"USD": prices(10)}), MONTH, 1, currency="EUR")
    assert raised.value.field == "currency"
    assert "EUR" in raised.value.message


@pytest.mark.parametrize(("seats", "ok"), [(2, False), (3, True), (10, True), (11, False)])
def test_seat_range(seats, ok):
    pricing = per_seat({"USD": prices(12)}, minimum_seats=3, maximum_seats=10)
    if ok:
        check_seats(pricing, seats, name="Team", field="to_seats")
        return
    with pytest.raises(SeatsOutOfRange) as raised:
        check_seats(pricing, seats, name="Team", field="to_seats")
    assert raised.value.field == "to_seats"


def test_list_price_per_billed_unit():
    # Team lists at 15 a seat: 12 seats = 180; a flat item without a list price has none
    team = northwind_version().plans["team"].pricing
    assert list_price(team, "USD", 12) == Decimal(180)
    assert list_price(flat({"USD": prices(49)}), "USD", 12) is None
