"""Rules about prices: currencies, coverage, precision, interval ratios and seat tiers.

Every price table (a plan's or add-on's ``prices``, each seat tier's ``prices``, a bundle's
``prices``, each version override) must price every declared currency and nothing else, in
amounts the currency can charge (no ``12.5`` JPY), with a yearly price no higher than twelve
monthly payments and a quarterly price no higher than three.

The pricing engine's lookup rule, which these rules protect: an absent yearly price is
``12 × monthly × (1 − annual_prepay_percent / 100)`` when the discount policy states
``annual_prepay_percent``, else ``12 × monthly``; an absent quarterly price is ``3 × monthly``.
A missing quarterly price does *not* mean "not sold quarterly": leave ``quarter`` out of
``pricing.intervals`` for that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from tierwise.catalog.model import (
    CURRENCY_PATTERN,
    BillingInterval,
    IntervalPrices,
    PriceBasis,
    Pricing,
    SeatTier,
)
from tierwise.catalog.review import DocumentView, Findings
from tierwise.errors import UnknownCurrency
from tierwise.money import minor_units

__all__ = ["check_prices"]

_ALL_INTERVALS = tuple(BillingInterval)


@dataclass(frozen=True, slots=True)
class _Currencies:
    """The declared currencies, in document order, and the decimal places of the known ones."""

    declared: tuple[str, ...]
    places: Mapping[str, int]


def check_prices(view: DocumentView, findings: Findings) -> None:
    """Report every price problem of the plans, add-ons, bundles and version overrides."""
    currencies = _check_currencies(view.currencies, findings)
    for key, plan in view.plans.items():
        if plan.pricing is not None:
            _check_pricing(plan.pricing, f"plans.{key}.pricing", currencies, findings)
    for key, add_on in view.add_ons.items():
        if add_on.pricing is not None:
            _check_pricing(add_on.pricing, f"add_ons.{key}.pricing", currencies, findings)
    for key, bundle in view.bundles.items():
        if bundle.prices is not None:
            plan_view = view.plans.get(bundle.plan)
            plan_pricing = plan_view.pricing if plan_view is not None else None
            intervals = plan_pricing.intervals if plan_pricing is not None else _ALL_INTERVALS
            _check_table(bundle.prices, f"bundles.{key}.prices", intervals, currencies, findings)
    for version in view.versions:
        path = f"versions.{version.index}"
        for key, pricing in version.plans.items():
            _check_pricing(pricing, f"{path}.plans.{key}", currencies, findings)
        for key, pricing in version.add_ons.items():
            _check_pricing(pricing, f"{path}.add_ons.{key}", currencies, findings)


def _check_currencies(codes: tuple[str, ...], findings: Findings) -> _Currencies:
    declared: list[str] = []
    places: dict[str, int] = {}
    for index, code in enumerate(codes):
        path = f"currencies.{index}"
        if not re.fullmatch(CURRENCY_PATTERN, code):
            continue  # reported by the structural check
        if code in declared:
            findings.error("duplicate_currency", path, f"currency {code} is listed twice")
            continue
        declared.append(code)
        try:
            places[code] = minor_units(code)
        except UnknownCurrency:
            findings.error("unknown_currency", path, f"{code!r} is not an ISO 4217 currency code")
    return _Currencies(tuple(declared), places)


def _check_pricing(
    pricing: Pricing, path: str, currencies: _Currencies, findings: Findings
) -> None:
    has_tiers = bool(pricing.tiers)
    if pricing.prices is not None and has_tiers:
        findings.error(
            "prices_and_tiers",
            f"{path}.tiers",
            "state either `prices` (one price per unit) or seat `tiers`, not both",
        )
    if pricing.prices is None and not has_tiers:
        findings.error(
            "pricing_without_prices", path, "pricing needs `prices` or seat `tiers` (with prices)"
        )
    if pricing.tiers:
        _check_tiers(pricing, pricing.tiers, path, findings)
        for index, tier in enumerate(pricing.tiers):
            table_path = f"{path}.tiers.{index}.prices"
            _check_table(tier.prices, table_path, pricing.intervals, currencies, findings)
    elif pricing.tiers_mode is not None:
        findings.error(
            "tiers_mode_without_tiers",
            f"{path}.tiers_mode",
            "`tiers_mode` is set but there are no seat `tiers`",
        )
    if pricing.maximum_seats is not None and pricing.minimum_seats > pricing.maximum_seats:
        findings.error(
            "seat_range_inverted",
            f"{path}.minimum_seats",
            f"minimum_seats {pricing.minimum_seats} is above maximum_seats {pricing.maximum_seats}",
        )
    _check_intervals(pricing.intervals, f"{path}.intervals", findings)
    if pricing.prices is not None:
        _check_table(pricing.prices, f"{path}.prices", pricing.intervals, currencies, findings)
    if pricing.list_price is not None:
        _check_list_price(pricing.list_price, f"{path}.list_price", currencies, findings)


def _check_tiers(
    pricing: Pricing, tiers: tuple[SeatTier, ...], path: str, findings: Findings
) -> None:
    if pricing.basis is PriceBasis.FLAT:
        findings.error(
            "flat_basis_with_tiers",
            f"{path}.tiers",
            "seat tiers need `basis: seat`; a flat price has no seats to tier",
        )
    if pricing.tiers_mode is None:
        findings.error(
            "tiers_mode_missing",
            f"{path}.tiers_mode",
            "seat tiers need `tiers_mode: graduated` or `tiers_mode: volume`",
        )
    previous = 0
    for index, tier in enumerate(tiers):
        tier_path = f"{path}.tiers.{index}.up_to"
        last = index == len(tiers) - 1
        if tier.up_to is None:
            if not last:
                findings.error(
                    "seat_tiers_not_ascending",
                    tier_path,
                    "only the last seat tier may be open-ended (up_to: null)",
                )
            continue
        if tier.up_to <= previous:
            findings.error(
                "seat_tiers_not_ascending",
                tier_path,
                f"up_to {tier.up_to} is not above the previous tier's up_to {previous}",
            )
        previous = max(previous, tier.up_to)
        if last:
            findings.error(
                "seat_tiers_not_open_ended",
                tier_path,
                "the last seat tier must be open-ended (up_to: null) so every seat count is priced",
            )


def _check_intervals(intervals: tuple[BillingInterval, ...], path: str, findings: Findings) -> None:
    seen: set[BillingInterval] = set()
    for index, interval in enumerate(intervals):
        if interval in seen:
            findings.error(
                "duplicate_interval", f"{path}.{index}", f"interval {interval} is listed twice"
            )
        seen.add(interval)


def _check_table(
    table: Mapping[str, IntervalPrices],
    path: str,
    intervals: tuple[BillingInterval, ...],
    currencies: _Currencies,
    findings: Findings,
) -> None:
    for code in _priced_codes(table, path, currencies, findings):
        prices = table[code]
        where = f"{path}.{code}"
        for name in ("month", "quarter", "year"):
            amount: Decimal | None = getattr(prices, name)
            if amount is not None:
                _check_precision(amount, code, currencies.places[code], f"{where}.{name}", findings)
        _check_ratios(prices, where, code, findings)
        for interval, amount in (
            (BillingInterval.QUARTER, prices.quarter),
            (BillingInterval.YEAR, prices.year),
        ):
            if amount is not None and interval not in intervals:
                findings.warning(
                    "price_for_unsold_interval",
                    f"{where}.{interval.value}",
                    f"a {interval.value} price is given but `intervals` does not sell {interval}",
                )


def _check_list_price(
    table: Mapping[str, Decimal], path: str, currencies: _Currencies, findings: Findings
) -> None:
    for code in _priced_codes(table, path, currencies, findings):
        _check_precision(table[code], code, currencies.places[code], f"{path}.{code}", findings)


def _priced_codes(
    table: Mapping[str, object], path: str, currencies: _Currencies, findings: Findings
) -> Iterable[str]:
    """Report missing and undeclared currencies; yield the priced codes that can be checked."""
    for code in currencies.places:  # an unknown currency is reported once, at `currencies`
        if code not in table:
            findings.error(
                "missing_currency_price",
                f"{path}.{code}",
                f"no {code} price; every currency in `currencies` needs one",
            )
    for code in table:
        if code not in currencies.declared:
            declared = ", ".join(currencies.declared) or "none"
            findings.error(
                "undeclared_currency",
                f"{path}.{code}",
                f"{code} is not one of the catalog's currencies ({declared})",
            )
        elif code in currencies.places:
            yield code


def _check_precision(
    amount: Decimal, code: str, places: int, path: str, findings: Findings
) -> None:
    if amount.is_finite() and _decimal_places(amount) > places:
        findings.error(
            "price_precision",
            path,
            f"{code} has {places} decimal place(s); {amount} {code} cannot be charged",
        )


def _decimal_places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _check_ratios(prices: IntervalPrices, where: str, code: str, findings: Findings) -> None:
    month = prices.month
    if prices.year is not None and prices.year > 12 * month:
        findings.error(
            "annual_price_too_high",
            f"{where}.year",
            f"yearly {prices.year} {code} is more than 12 monthly payments "
            f"(12 × {month} = {12 * month})",
        )
    if prices.quarter is not None and prices.quarter > 3 * month:
        findings.error(
            "quarterly_price_too_high",
            f"{where}.quarter",
            f"quarterly {prices.quarter} {code} is more than 3 monthly payments "
            f"(3 × {month} = {3 * month})",
        )
