"""Recurring list prices of plans and add-ons, before any discount.

The rules are shared with the catalog validator:

* a yearly price that is not stated is ``12 × monthly × (1 − annual_prepay_percent / 100)`` when
  the discount policy states ``annual_prepay_percent``, else ``12 × monthly``; a quarterly price
  that is not stated is ``3 × monthly``;
* ``flat`` pricing is one price for the account (seats do not change it); ``seat`` pricing is a
  price per seat, and the seat count must lie between ``minimum_seats`` and ``maximum_seats``;
* seat tiers are ``graduated`` (each seat is priced by the tier it falls in: seats 1–50 at the
  first tier's price, seat 51 on at the next) or ``volume`` (every seat is priced by the tier the
  total falls in); a tier table without a mode is graduated;
* add-ons are priced the same way; a seat add-on counts the subscription's seats.

Prices come back exact (a derived yearly price may have more places than the currency); the
quote rounds once per line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tierwise.catalog.model import (
    BillingInterval,
    IntervalPrices,
    PriceBasis,
    Pricing,
    SeatTier,
    TiersMode,
)
from tierwise.errors import CurrencyNotPriced, SeatsOutOfRange

__all__ = [
    "billed_units",
    "check_seats",
    "interval_unit_price",
    "list_price",
    "recurring_price",
    "states_price",
]

_HUNDRED: Final = Decimal(100)


def interval_unit_price(
    prices: IntervalPrices, interval: BillingInterval, annual_prepay_percent: Decimal | None
) -> Decimal:
    """Price of one unit for one billing period of ``interval``, stated or derived."""
    if interval is BillingInterval.MONTH:
        return prices.month
    if interval is BillingInterval.QUARTER:
        return prices.quarter if prices.quarter is not None else prices.month * 3
    if prices.year is not None:
        return prices.year
    yearly = prices.month * 12
    if annual_prepay_percent is not None:
        yearly = yearly * (_HUNDRED - annual_prepay_percent) / _HUNDRED
    return yearly


def billed_units(pricing: Pricing, seats: int) -> int:
    """How many units are billed: the seats for seat pricing, one for flat pricing."""
    return seats if pricing.basis is PriceBasis.SEAT else 1


def check_seats(pricing: Pricing, seats: int, *, name: str, field: str) -> None:
    """Refuse a seat count outside the item's range, naming ``field``."""
    if seats < 1:
        raise SeatsOutOfRange(f"{field} must be at least 1, got {seats}", field=field)
    if pricing.basis is not PriceBasis.SEAT:
        return
    if seats < pricing.minimum_seats:
        raise SeatsOutOfRange(
            f"{name} needs at least {pricing.minimum_seats} seats; {field} is {seats}",
            field=field,
        )
    if pricing.maximum_seats is not None and seats > pricing.maximum_seats:
        raise SeatsOutOfRange(
            f"{name} allows at most {pricing.maximum_seats} seats; {field} is {seats}",
            field=field,
        )


def _currency_prices(
    table: dict[str, IntervalPrices] | None, currency: str, item: str
) -> IntervalPrices:
    if table is None or currency not in table:
        raise CurrencyNotPriced(f"{item} has no price in {currency}", field="currency")
    return table[currency]


def _tier_order(tier: SeatTier) -> tuple[bool, int]:
    return (tier.up_to is None, tier.up_to or 0)


def _tiered_price(
    pricing: Pricing,
    tiers: tuple[SeatTier, ...],
    currency: str,
    interval: BillingInterval,
    seats: int,
    annual_prepay_percent: Decimal | None,
    item: str,
) -> Decimal:
    ordered = sorted(tiers, key=_tier_order)

    def unit(tier: SeatTier) -> Decimal:
        prices = _currency_prices(tier.prices, currency, item)
        return interval_unit_price(prices, interval, annual_prepay_percent)

    if pricing.tiers_mode is TiersMode.VOLUME:
        for tier in ordered:
            if tier.up_to is None or seats <= tier.up_to:
                return unit(tier) * seats
        return unit(ordered[-1]) * seats
    total = Decimal(0)
    priced = 0
    for tier in ordered:
        top = seats if tier.up_to is None else min(seats, tier.up_to)
        if top > priced:
            total += unit(tier) * (top - priced)
            priced = top
        if priced >= seats:
            break
    if priced < seats:  # seats beyond a closed last tier keep its price
        total += unit(ordered[-1]) * (seats - priced)
    return total


def recurring_price(
    pricing: Pricing,
    *,
    currency: str,
    interval: BillingInterval,
    seats: int,
    annual_prepay_percent: Decimal | None,
    item: str,
) -> Decimal:
    """List price of one billing period of ``interval`` for ``seats`` seats, exact.

    ``item`` names the plan or add-on in error messages (``plan team``).
    """
    if pricing.basis is PriceBasis.SEAT and pricing.tiers:
        return _tiered_price(
            pricing, pricing.tiers, currency, interval, seats, annual_prepay_percent, item
        )
    unit = interval_unit_price(
        _currency_prices(pricing.prices, currency, item), interval, annual_prepay_percent
    )
    return unit * billed_units(pricing, seats)


def list_price(pricing: Pricing, currency: str, seats: int) -> Decimal | None:
    """Monthly list (anchor) price for the billed units, or ``None`` when none is stated."""
    if pricing.list_price is None or currency not in pricing.list_price:
        return None
    return pricing.list_price[currency] * billed_units(pricing, seats)


def states_price(pricing: Pricing, currency: str, interval: BillingInterval) -> bool:
    """True when the catalog states the price for ``interval`` (rather than it being derived)."""
    if interval is BillingInterval.MONTH:
        return True
    tables = [tier.prices for tier in pricing.tiers] if pricing.tiers else [pricing.prices or {}]
    for table in tables:
        prices = table.get(currency)
        stated = None if prices is None else getattr(prices, interval.value)
        if stated is None:
            return False
    return True
