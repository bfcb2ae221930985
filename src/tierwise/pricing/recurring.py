"""What a configuration (plan, add-ons, seats, interval, term) costs per billing period.

Each item (the plan, each add-on not included in the plan) is priced for the billing interval
and rounded once, HALF_UP, to the currency's minor unit: that is what one period of the item is
billed. Its discounts are then taken off as a waterfall, each rounded once, so every amount shown
adds up exactly::

    before discounts   = months × monthly price         (12 × 12.00 × 12 seats = 1,728.00)
    − annual prepay    = before discounts − yearly price (1,728.00 − 1,440.00 =   288.00)
    − term discount    = yearly price × 10 %             (1,440.00 × 10 %     =   144.00)
    = billed per period                                  (                      1,296.00)

Percent discounts apply to the item's price for the interval (after the prepay saving) and add
up; together they never take an item below zero. A configuration that names a **bundle** must hold
its parts (the bundle's plan and every one of its add-ons); those parts earn the bundle's
``discount_percent`` as one more line of the waterfall, the other add-ons pay their own price. A
bundle with its own ``prices`` is one item (``bundle:<key>``) at that price per unit of its plan's
basis, its waterfall starting from its parts billed monthly so the saving shows as ``bundle``. The
configuration's amounts are the sums of its items'. Results are cached per catalog version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Final, NoReturn

from tierwise.catalog.model import BillingInterval, Bundle, CatalogVersion, PriceBasis, Pricing
from tierwise.errors import (
    AddOnNotAvailable,
    CurrencyNotPriced,
    IntervalNotPriced,
    InvalidInput,
    UnknownAddOn,
    UnknownPlan,
)
from tierwise.money import Money, minor_units
from tierwise.pricing.discounts import (
    ANNUAL_PREPAY,
    BUNDLE,
    QUARTERLY_PREPAY,
    AppliedDiscount,
    DiscountRate,
    bundle_discount,
    discount_rates,
)
from tierwise.pricing.pricebook import PriceBook, price_book
from tierwise.pricing.prices import check_seats, list_price, recurring_price, states_price

__all__ = [
    "Configuration",
    "ItemPrice",
    "PricedConfiguration",
    "RecurringPrice",
    "price_configuration",
    "recurring_price_of",
]

_HUNDRED: Final = Decimal(100)
_PERCENT_PLACES: Final = Decimal("0.01")
_ZERO: Final = Decimal(0)
_PREPAY_POLICIES: Final = frozenset({ANNUAL_PREPAY, QUARTERLY_PREPAY})


@dataclass(frozen=True, slots=True)
class Configuration:
    """A subscription's priced shape: what is bought, how it is billed, for how long.

    ``bundle`` names the catalog bundle the plan and add-ons were bought as (its discount applies
    to its parts); ``None`` when they were bought one by one.
    """

    plan: str
    add_ons: tuple[str, ...]
    seats: int
    interval: BillingInterval
    term_years: int
    renewal: bool = False
    bundle: str | None = None


@dataclass(frozen=True, slots=True)
class ItemPrice:
    """One billed item for one period of the configuration's interval (amounts exact, rounded).

    ``key`` is ``plan:<key>`` or ``add_on:<key>``; ``name`` reads ``Team × 12 seats``.
    ``discounts`` are (policy, amount) pairs of the waterfall, prepay saving included;
    ``percent_off`` adds the percent discounts applied to this item; ``derived`` says the
    interval's price was derived from the monthly price rather than stated.
    """

    key: str
    name: str
    before_discounts: Decimal
    base: Decimal
    discounts: tuple[tuple[str, Decimal], ...]
    amount: Decimal
    percent_off: Decimal
    derived: bool


@dataclass(frozen=True, eq=False, slots=True)
class PricedConfiguration:
    """A configuration priced for one period of its interval, in ``currency``.

    Compared and hashed by identity: priced configurations are cached, and caches downstream
    (the price path) key on them cheaply.
    """

    configuration: Configuration
    currency: str
    items: tuple[ItemPrice, ...]
    rates: tuple[DiscountRate, ...]
    before_discounts: Money
    discounts: tuple[AppliedDiscount, ...]
    amount: Money
    list_monthly: Money | None
    included: tuple[str, ...]

    def item(self, key: str) -> ItemPrice | None:
        for item in self.items:
            if item.key == key:
                return item
        return None


@dataclass(frozen=True, slots=True)
class RecurringPrice:
    """The new recurring price: the billed interval, and monthly and yearly billing side by side.

    ``monthly`` is one month when billed monthly and ``annual`` one year when billed yearly, with
    the same discounts; ``savings`` is ``12 × monthly − annual`` and ``savings_percent`` that
    saving as a share of ``12 × monthly`` (2 places). ``list_monthly`` is the anchor: the monthly
    list price (items without a list price count at their monthly price), or ``None`` when the
    catalog states no list price for any item.
    """

    interval: BillingInterval
    per_period: Money
    before_discounts: Money
    monthly: Money
    annual: Money
    savings: Money
    savings_percent: Decimal
    list_monthly: Money | None


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def _item_name(name: str, pricing: Pricing, seats: int) -> str:
    if pricing.basis is PriceBasis.SEAT:
        return f"{name} × {seats} seat" + ("" if seats == 1 else "s")
    return name


def _price_item(
    key: str,
    name: str,
    pricing: Pricing,
    configuration: Configuration,
    currency: str,
    rates: tuple[DiscountRate, ...],
    annual_prepay_percent: Decimal | None,
    quantum: Decimal,
) -> ItemPrice:
    seats, interval = configuration.seats, configuration.interval

    def billed(for_interval: BillingInterval) -> Decimal:
        exact = recurring_price(
            pricing,
            currency=currency,
            interval=for_interval,
            seats=seats,
            annual_prepay_percent=annual_prepay_percent,
            item=key.replace(":", " "),
        )
        return exact.quantize(quantum, rounding=ROUND_HALF_UP)

    base = billed(interval)
    waterfall: list[tuple[str, Decimal]] = []
    before = base
    if interval is not BillingInterval.MONTH:
        saving = billed(BillingInterval.MONTH) * interval.months - base
        if saving > 0:
            before = base + saving
            policy = ANNUAL_PREPAY if interval is BillingInterval.YEAR else QUARTERLY_PREPAY
            waterfall.append((policy, saving))
    remaining = base
    percent_off = _ZERO
    for rate in rates:
        if not rate.applies_to(key, pricing.basis is PriceBasis.SEAT):
            continue
        taken = min((base * rate.percent / _HUNDRED).quantize(quantum, ROUND_HALF_UP), remaining)
        remaining -= taken
        percent_off += rate.percent
        waterfall.append((rate.policy, taken))
    return ItemPrice(
        key,
        _item_name(name, pricing, seats),
        before,
        base,
        tuple(waterfall),
        remaining,
        percent_off,
        derived=not states_price(pricing, currency, interval),
    )


def _prepay_reason(
    version: CatalogVersion, interval: BillingInterval, percent: Decimal, derived: bool
) -> str:
    if interval is BillingInterval.QUARTER:
        return f"Paying a quarter in advance costs {percent}% less than 3 monthly payments"
    reason = f"Paying a year in advance costs {percent}% less than 12 monthly payments"
    stated = version.discounts.annual_prepay_percent
    if derived and stated is not None:
        reason += f" (the {stated}% annual prepay saving of the discount policy)"
    else:
        reason += " (the catalog's yearly prices)"
    return reason


def _applied(
    version: CatalogVersion,
    configuration: Configuration,
    items: tuple[ItemPrice, ...],
    rates: tuple[DiscountRate, ...],
    before: Decimal,
    currency: str,
) -> tuple[AppliedDiscount, ...]:
    totals: dict[str, Decimal] = {}
    for item in items:
        for policy, taken in item.discounts:
            totals[policy] = totals.get(policy, _ZERO) + taken
    applied = []
    for policy in (ANNUAL_PREPAY, QUARTERLY_PREPAY):
        if policy in totals:
            percent = (totals[policy] * _HUNDRED / before).quantize(_PERCENT_PLACES, ROUND_HALF_UP)
            derived = any(item.derived for item in items)
            reason = _prepay_reason(version, configuration.interval, percent, derived)
            applied.append(
                AppliedDiscount(policy, reason, percent, Money(totals[policy], currency))
            )
    own = next((item for item in items if item.key.startswith("bundle:")), None)
    if own is not None and BUNDLE in totals and configuration.bundle is not None:
        saving = totals[BUNDLE]
        percent = (saving * _HUNDRED / (own.base + saving)).quantize(_PERCENT_PLACES, ROUND_HALF_UP)
        name = version.bundles[configuration.bundle].name
        reason = f"The {name} bundle's own price is {percent}% below its parts bought one by one"
        applied.append(AppliedDiscount(BUNDLE, reason, percent, Money(saving, currency)))
    for rate in rates:
        if rate.policy in totals:
            total = Money(totals[rate.policy], currency)
            applied.append(AppliedDiscount(rate.policy, rate.reason, rate.percent, total))
    return tuple(applied)


def _bundle_of(
    version: CatalogVersion, configuration: Configuration, prefix: str
) -> tuple[str, Bundle] | None:
    """The configuration's bundle (none without one), checked: it exists and is whole (its plan,
    and each of its add-ons among the configuration's)."""
    key = configuration.bundle
    if key is None:
        return None
    field = f"{prefix}bundle"
    bundle = version.bundles.get(key)
    if bundle is None:
        known = ", ".join(version.bundles) or "none"
        raise InvalidInput(f"unknown bundle {key!r} (bundles: {known})", field=field)
    missing = [name for name in bundle.add_ons if name not in configuration.add_ons]
    if configuration.plan != bundle.plan or missing:
        parts = ", ".join((bundle.plan, *bundle.add_ons))
        raise InvalidInput(
            f"bundle {key} needs all its parts ({parts}); the configuration has plan "
            f"{configuration.plan} and add-ons {', '.join(configuration.add_ons) or 'none'}",
            field=field,
        )
    return key, bundle


def _bundle_rates(found: tuple[str, Bundle] | None) -> tuple[DiscountRate, ...]:
    """The percent discount of a bundle priced by ``discount_percent`` (none otherwise)."""
    if found is None:
        return ()
    key, bundle = found
    if bundle.discount_percent is None:
        return ()
    rate = bundle_discount(key, bundle.name, bundle.discount_percent, bundle.plan, bundle.add_ons)
    return () if rate is None else (rate,)


def _own_priced_bundle(
    found: tuple[str, Bundle],
    version: CatalogVersion,
    configuration: Configuration,
    currency: str,
    rates: tuple[DiscountRate, ...],
    prepay: Decimal | None,
    quantum: Decimal,
    seats_field: str,
) -> ItemPrice:
    """One item for a bundle with its own ``prices``: its plan and add-ons at the bundle's price.

    The waterfall starts from its parts billed monthly, so what the bundle saves is shown: the
    parts' prepay saving, then ``bundle`` = the parts' price for the interval − the bundle's
    price (when the bundle costs less), then the percent discounts on the bundle's price.
    """
    key, bundle = found
    plan = version.plans[bundle.plan]
    parts = [
        _price_item(
            f"plan:{bundle.plan}",
            plan.name,
            plan.pricing,
            configuration,
            currency,
            (),
            prepay,
            quantum,
        )
    ]
    for name in bundle.add_ons:
        add_on = version.add_ons[name]
        check_seats(add_on.pricing, configuration.seats, name=add_on.name, field=seats_field)
        part = _price_item(
            f"add_on:{name}",
            add_on.name,
            add_on.pricing,
            configuration,
            currency,
            (),
            prepay,
            quantum,
        )
        parts.append(part)
    pricing = Pricing(
        basis=plan.pricing.basis,
        intervals=plan.pricing.intervals,
        prices=bundle.prices,
        minimum_seats=plan.pricing.minimum_seats,
        maximum_seats=plan.pricing.maximum_seats,
    )
    own = _price_item(
        f"bundle:{key}", bundle.name, pricing, configuration, currency, rates, prepay, quantum
    )
    parts_before = sum((part.before_discounts for part in parts), _ZERO)
    parts_base = sum((part.base for part in parts), _ZERO)
    saving = parts_base - own.base
    if saving <= 0:  # no cheaper than its parts: its own price, nothing to show as a saving
        return own
    prepaid = parts_before - parts_base
    waterfall = [(p, amount) for p, amount in own.discounts if p not in _PREPAY_POLICIES]
    waterfall.insert(0, (BUNDLE, saving))
    if prepaid > 0:
        yearly = configuration.interval is BillingInterval.YEAR
        waterfall.insert(0, (ANNUAL_PREPAY if yearly else QUARTERLY_PREPAY, prepaid))
    return replace(own, before_discounts=parts_before, discounts=tuple(waterfall))


def _dedupe(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


@lru_cache(maxsize=8192)
def _priced(
    book: PriceBook, configuration: Configuration, currency: str, prefix: str
) -> PricedConfiguration:
    version = book.version
    if currency not in book.currencies:
        known = ", ".join(version.currencies)
        raise CurrencyNotPriced(
            f"the catalog is not priced in {currency} (currencies: {known})", field="currency"
        )
    plan = version.plans.get(configuration.plan)
    if plan is None:
        known = ", ".join(version.plans)
        raise UnknownPlan(
            f"unknown plan {configuration.plan!r} (plans: {known})", field=f"{prefix}plan"
        )
    seats_field = f"{prefix}seats"
    check_seats(plan.pricing, configuration.seats, name=plan.name, field=seats_field)
    policy = version.discounts
    found = _bundle_of(version, configuration, prefix)
    rates = _bundle_rates(found) + discount_rates(
        policy,
        term_years=configuration.term_years,
        seats=configuration.seats,
        renewal=configuration.renewal,
    )
    quantum = _quantum(currency)
    prepay = policy.annual_prepay_percent
    own_priced = found is not None and found[1].prices is not None
    list_total: Decimal | None
    if found is not None and own_priced:
        own = _own_priced_bundle(
            found, version, configuration, currency, rates, prepay, quantum, seats_field
        )
        items = [own]
        list_total = None  # the anchor of a bundle is its parts billed monthly
        in_bundle = set(found[1].add_ons)
    else:
        items = [
            _price_item(
                f"plan:{configuration.plan}",
                plan.name,
                plan.pricing,
                configuration,
                currency,
                rates,
                prepay,
                quantum,
            )
        ]
        list_total = list_price(plan.pricing, currency, configuration.seats)
        in_bundle = set()
    monthly_fallback = [items[0]] if list_total is None else []
    included = []
    for key in _dedupe(configuration.add_ons):
        if key in in_bundle:
            continue
        add_on = version.add_ons.get(key)
        if add_on is None:
            known = ", ".join(version.add_ons) or "none"
            raise UnknownAddOn(
                f"unknown add-on {key!r} (add-ons: {known})", field=f"{prefix}add_ons"
            )
        if configuration.plan in add_on.included_in:
            included.append(key)
            continue
        if configuration.plan not in add_on.available_for:
            where = ", ".join(add_on.available_for) or "no plan"
            raise AddOnNotAvailable(
                f"add-on {key} is not available for plan {configuration.plan} "
                f"(available for: {where})",
                field=f"{prefix}add_ons",
            )
        check_seats(add_on.pricing, configuration.seats, name=add_on.name, field=seats_field)
        item = _price_item(
            f"add_on:{key}",
            add_on.name,
            add_on.pricing,
            configuration,
            currency,
            rates,
            prepay,
            quantum,
        )
        items.append(item)
        item_list = list_price(add_on.pricing, currency, configuration.seats)
        if item_list is None:
            monthly_fallback.append(item)
        else:
            list_total = item_list if list_total is None else list_total + item_list
    frozen_items = tuple(items)
    before = sum((item.before_discounts for item in frozen_items), _ZERO)
    list_monthly = None
    if list_total is not None:
        # Items without a list price count at their monthly price, so the anchor covers them all.
        for item in monthly_fallback:
            list_total += item.before_discounts / configuration.interval.months
        list_monthly = Money(list_total.quantize(quantum, ROUND_HALF_UP), currency)
    return PricedConfiguration(
        configuration=configuration,
        currency=currency,
        items=frozen_items,
        rates=rates,
        before_discounts=Money(before, currency),
        discounts=_applied(version, configuration, frozen_items, rates, before, currency),
        amount=Money(sum((item.amount for item in frozen_items), _ZERO), currency),
        list_monthly=list_monthly,
        included=tuple(included),
    )


def price_configuration(
    version: CatalogVersion, configuration: Configuration, currency: str, *, prefix: str = ""
) -> PricedConfiguration:
    """Price ``configuration`` for one period of its interval under ``version``.

    Errors name the field with ``prefix`` (``"to_"`` for a proposed configuration): unknown plan
    or add-on, an add-on not available for the plan, seats out of range, currency not priced.
    """
    _check_sold_on_interval(version, configuration, prefix)
    return _priced(price_book(version), configuration, currency, prefix)


def _check_sold_on_interval(
    version: CatalogVersion, configuration: Configuration, prefix: str
) -> None:
    """Refuse billing a plan or add-on on an interval its pricing does not sell (``intervals``).

    Monthly and yearly prices shown side by side are comparisons, not offers, so only the
    configuration's own billing interval is checked.
    """
    interval = configuration.interval
    plan = version.plans.get(configuration.plan)
    if plan is not None and interval not in plan.pricing.intervals:
        _not_sold(f"plan {configuration.plan}", plan.pricing, interval, prefix)
    for key in configuration.add_ons:
        add_on = version.add_ons.get(key)
        if add_on is not None and interval not in add_on.pricing.intervals:
            _not_sold(f"add-on {key}", add_on.pricing, interval, prefix)


def _not_sold(name: str, pricing: Pricing, interval: BillingInterval, prefix: str) -> NoReturn:
    """Raise the refusal of billing ``name`` on ``interval`` (its pricing does not sell it); the
    names are written only then: the check runs for every configuration priced."""
    sold = ", ".join(i.value for i in pricing.intervals)
    raise IntervalNotPriced(
        f"{name} is not sold {interval.value}ly (sold: {sold})", field=f"{prefix}interval"
    )


def recurring_price_of(
    version: CatalogVersion, configuration: Configuration, currency: str, *, prefix: str = ""
) -> RecurringPrice:
    """The recurring price of ``configuration``: its interval, and monthly vs yearly billing."""
    _check_sold_on_interval(version, configuration, prefix)
    return _recurring(price_book(version), configuration, currency, prefix)


@lru_cache(maxsize=8192)
def _recurring(
    book: PriceBook, configuration: Configuration, currency: str, prefix: str
) -> RecurringPrice:
    priced = _priced(book, configuration, currency, prefix)
    monthly = _billed_as(book, configuration, BillingInterval.MONTH, priced, currency, prefix)
    annual = _billed_as(book, configuration, BillingInterval.YEAR, priced, currency, prefix)
    twelve_months = monthly.amount.amount * 12
    savings = twelve_months - annual.amount.amount
    percent = (
        (savings * _HUNDRED / twelve_months).quantize(_PERCENT_PLACES, ROUND_HALF_UP)
        if twelve_months
        else _ZERO
    )
    return RecurringPrice(
        interval=configuration.interval,
        per_period=priced.amount,
        before_discounts=priced.before_discounts,
        monthly=monthly.amount,
        annual=annual.amount,
        savings=Money(savings, currency),
        savings_percent=percent,
        list_monthly=priced.list_monthly,
    )


def _billed_as(
    book: PriceBook,
    configuration: Configuration,
    interval: BillingInterval,
    priced: PricedConfiguration,
    currency: str,
    prefix: str,
) -> PricedConfiguration:
    if configuration.interval is interval:
        return priced
    other = Configuration(
        configuration.plan,
        configuration.add_ons,
        configuration.seats,
        interval,
        configuration.term_years,
        configuration.renewal,
        configuration.bundle,
    )
    return _priced(book, other, currency, prefix)
