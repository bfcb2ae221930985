"""Small builders of catalog versions in Python, so tests state only what they are about.

Amounts are given as ``int``, decimal ``str`` or ``Decimal`` (never ``float``)::

    team = plan("Team", 2, per_seat({"USD": prices(12, year=120)}, minimum_seats=3))
    version = catalog_version(plans={"team": team}, changes=immediate_changes())

:func:`northwind_version` mirrors the first version of ``examples/catalog.yaml`` (its plans,
add-ons, discount policy and change cases) for tests and benchmarks that want a realistic catalog
without the YAML loader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from tierwise.catalog.model import (
    AddOn,
    CatalogVersion,
    ChangeCase,
    ChangePolicy,
    ChangeTiming,
    Direction,
    DiscountPolicy,
    IntervalChange,
    IntervalPrices,
    LoyaltyIncentive,
    Plan,
    PriceBasis,
    Pricing,
    ProrationConvention,
    SeatTier,
    SeatVolumeDiscount,
    TiersMode,
)
from tierwise.money import to_decimal

__all__ = [
    "add_on",
    "catalog_version",
    "change_case",
    "discount_policy",
    "flat",
    "immediate_changes",
    "northwind_version",
    "per_seat",
    "plan",
    "prices",
    "seat_tiers",
]

Amount = int | str | Decimal


def _amount(value: Amount | None) -> Decimal | None:
    return None if value is None else to_decimal(value)


def prices(
    month: Amount, quarter: Amount | None = None, year: Amount | None = None
) -> IntervalPrices:
    """Prices of one currency per interval; leave ``quarter``/``year`` out to have them derived."""
    return IntervalPrices(month=to_decimal(month), quarter=_amount(quarter), year=_amount(year))


def _list(list_price: Mapping[str, Amount] | None) -> dict[str, Decimal] | None:
    if list_price is None:
        return None
    return {currency: to_decimal(value) for currency, value in list_price.items()}


def flat(
    by_currency: Mapping[str, IntervalPrices], *, list_price: Mapping[str, Amount] | None = None
) -> Pricing:
    """One price for the account, per currency."""
    return Pricing(basis=PriceBasis.FLAT, prices=dict(by_currency), list_price=_list(list_price))


def per_seat(
    by_currency: Mapping[str, IntervalPrices],
    *,
    minimum_seats: int = 1,
    maximum_seats: int | None = None,
    list_price: Mapping[str, Amount] | None = None,
) -> Pricing:
    """A price per seat, per currency."""
    return Pricing(
        basis=PriceBasis.SEAT,
        prices=dict(by_currency),
        minimum_seats=minimum_seats,
        maximum_seats=maximum_seats,
        list_price=_list(list_price),
    )


def seat_tiers(
    mode: TiersMode,
    tiers: Sequence[tuple[int | None, Mapping[str, IntervalPrices]]],
    *,
    minimum_seats: int = 1,
    list_price: Mapping[str, Amount] | None = None,
) -> Pricing:
    """Seat prices by tier: ``[(up_to, {"USD": prices(...)}), ..., (None, {...})]``."""
    return Pricing(
        basis=PriceBasis.SEAT,
        tiers_mode=mode,
        tiers=tuple(SeatTier(up_to=up_to, prices=dict(table)) for up_to, table in tiers),
        minimum_seats=minimum_seats,
        list_price=_list(list_price),
    )


def plan(name: str, rank: int, pricing: Pricing) -> Plan:
    """A plan with no entitlements (pricing tests do not need them)."""
    return Plan(name=name, rank=rank, outcome=f"What {name} lets you do.", pricing=pricing)


def add_on(
    name: str,
    pricing: Pricing,
    *,
    available_for: Sequence[str] = (),
    included_in: Sequence[str] = (),
) -> AddOn:
    """An add-on sold with ``available_for`` plans and included in ``included_in`` plans."""
    return AddOn(
        name=name,
        outcome=f"What {name} lets you do.",
        pricing=pricing,
        available_for=tuple(available_for),
        included_in=tuple(included_in),
    )


def change_case(
    result: ChangeTiming,
    *,
    from_plan: str = "any",
    to_plan: str = "any",
    direction: Direction = Direction.ANY,
    interval_change: IntervalChange = IntervalChange.ANY,
    term_change: IntervalChange = IntervalChange.ANY,
) -> ChangeCase:
    """One row of the plan-change table."""
    return ChangeCase(
        from_plan=from_plan,
        to_plan=to_plan,
        direction=direction,
        interval_change=interval_change,
        term_change=term_change,
        result=result,
    )


def immediate_changes(
    proration: ProrationConvention = ProrationConvention.ACTUAL_DAYS,
    cases: Sequence[ChangeCase] = (),
) -> ChangePolicy:
    """A change policy whose default is IMMEDIATE, with optional cases before it."""
    return ChangePolicy(proration=proration, cases=tuple(cases), default=ChangeTiming.IMMEDIATE)


def discount_policy(
    *,
    term_years: Mapping[int, Amount] | None = None,
    seat_volume: Sequence[tuple[int, Amount]] = (),
    annual_prepay_percent: Amount | None = None,
    loyalty_percent: Amount | None = None,
    loyalty_min_term_years: int = 2,
    max_without_approval_percent: Amount = 20,
) -> DiscountPolicy:
    """A discount policy; ``seat_volume`` is ``[(min_seats, percent), ...]``."""
    loyalty = (
        None
        if loyalty_percent is None
        else LoyaltyIncentive(
            percent=to_decimal(loyalty_percent), min_term_years=loyalty_min_term_years
        )
    )
    return DiscountPolicy(
        term_years={years: to_decimal(p) for years, p in (term_years or {}).items()},
        seat_volume=tuple(
            SeatVolumeDiscount(min_seats=seats, percent=to_decimal(p)) for seats, p in seat_volume
        ),
        annual_prepay_percent=_amount(annual_prepay_percent),
        loyalty=loyalty,
        max_without_approval_percent=to_decimal(max_without_approval_percent),
    )


def catalog_version(
    *,
    plans: Mapping[str, Plan],
    add_ons: Mapping[str, AddOn] | None = None,
    discounts: DiscountPolicy | None = None,
    changes: ChangePolicy | None = None,
    currencies: Sequence[str] = ("USD",),
    version: str = "test",
    effective: dt.date = dt.date(2026, 1, 1),
) -> CatalogVersion:
    """A catalog version with no features; changes default to "always immediate"."""
    return CatalogVersion(
        version=version,
        effective=effective,
        name="Test catalog",
        currencies=tuple(currencies),
        features={},
        plans=dict(plans),
        add_ons=dict(add_ons or {}),
        discounts=discounts or DiscountPolicy(),
        changes=changes or immediate_changes(),
    )


def northwind_version() -> CatalogVersion:
    """The first version (2026.1) of ``examples/catalog.yaml``, built in Python."""
    team = per_seat(
        {
            "USD": prices(12, quarter="34.20", year=120),
            "EUR": prices(11, quarter="31.35", year=110),
            "JPY": prices(1700, quarter=4850, year=17000),
        },
        minimum_seats=3,
        list_price={"USD": 15, "EUR": 14, "JPY": 2100},
    )
    business = seat_tiers(
        TiersMode.GRADUATED,
        [
            (
                50,
                {
                    "USD": prices(25, year=240),
                    "EUR": prices(23, year=220),
                    "JPY": prices(3500, year=33600),
                },
            ),
            (
                None,
                {
                    "USD": prices(20, year=192),
                    "EUR": prices("18.50", year="177.60"),
                    "JPY": prices(2800, year=26880),
                },
            ),
        ],
        minimum_seats=5,
        list_price={"USD": 30, "EUR": 28, "JPY": 4200},
    )
    enterprise = seat_tiers(
        TiersMode.VOLUME,
        [
            (250, {"USD": prices(45), "EUR": prices(42), "JPY": prices(6300)}),
            (None, {"USD": prices(40), "EUR": prices(37), "JPY": prices(5600)}),
        ],
        minimum_seats=25,
        list_price={"USD": 55, "EUR": 51, "JPY": 7700},
    )
    free = flat({"USD": prices(0, year=0), "EUR": prices(0, year=0), "JPY": prices(0, year=0)})
    plans = {
        "free": plan("Free", 1, free),
        "team": plan("Team", 2, team),
        "business": plan("Business", 3, business),
        "enterprise": plan("Enterprise", 4, enterprise),
    }
    add_ons = {
        "audit_logs": add_on(
            "Audit logs",
            per_seat(
                {
                    "USD": prices(4, year=40),
                    "EUR": prices(4, year=40),
                    "JPY": prices(560, year=5600),
                }
            ),
            available_for=["business"],
            included_in=["enterprise"],
        ),
        "automation_pack": add_on(
            "Automation pack",
            flat(
                {
                    "USD": prices(49, year=490),
                    "EUR": prices(45, year=450),
                    "JPY": prices(7000, year=70000),
                }
            ),
            available_for=["team", "business"],
        ),
        "priority_support": add_on(
            "Priority support",
            flat(
                {
                    "USD": prices(99, year=990),
                    "EUR": prices(95, year=950),
                    "JPY": prices(14000, year=140000),
                }
            ),
            available_for=["team", "business"],
            included_in=["enterprise"],
        ),
        "data_residency": add_on(
            "EU data residency",
            flat(
                {
                    "USD": prices(149, year=1490),
                    "EUR": prices(139, year=1390),
                    "JPY": prices(21000, year=210000),
                }
            ),
            available_for=["business", "enterprise"],
        ),
    }
    discounts = discount_policy(
        term_years={1: 0, 2: 6, 3: 10},
        seat_volume=[(100, 5), (500, 10)],
        annual_prepay_percent=15,
        loyalty_percent=5,
        max_without_approval_percent=20,
    )
    end, immediate = ChangeTiming.END_OF_TERM, ChangeTiming.IMMEDIATE
    changes = ChangePolicy(
        proration=ProrationConvention.ACTUAL_DAYS,
        cases=(
            change_case(ChangeTiming.ILLEGAL, term_change=IntervalChange.SHORTER),
            change_case(end, to_plan="free"),
            change_case(end, direction=Direction.UP, interval_change=IntervalChange.SHORTER),
            change_case(immediate, direction=Direction.UP),
            change_case(end, direction=Direction.DOWN),
            change_case(immediate, direction=Direction.SAME, interval_change=IntervalChange.LONGER),
            change_case(end, direction=Direction.SAME, interval_change=IntervalChange.SHORTER),
        ),
        default=immediate,
    )
    return catalog_version(
        plans=plans,
        add_ons=add_ons,
        discounts=discounts,
        changes=changes,
        currencies=("USD", "EUR", "JPY"),
        version="2026.1",
        effective=dt.date(2026, 1, 1),
    )
