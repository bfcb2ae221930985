"""The catalog model: features, plans (tiers), add-ons, bundles, discount and plan-change policy.

This is the shape of one catalog *version* as a pricing team writes it in YAML (see
``docs/catalog.md``). Models are frozen Pydantic models with ``extra="forbid"``, so a misspelt key
is an error that names the field. Structural rules live here (types, required keys); rules that
look across the document (unknown references, rank order, shrinking limits, missing prices...)
live in :mod:`tierwise.catalog.validation`, which reports every problem at once.

Amounts are ``Decimal`` (the YAML loader turns ``12.50`` into ``Decimal("12.50")``, never a float).
Percentages are written as percent (``15`` means 15 %).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

__all__ = [
    "CURRENCY_PATTERN",
    "KEY_PATTERN",
    "AddOn",
    "Aggregation",
    "BillingInterval",
    "Bundle",
    "BundleAudience",
    "CatalogDocument",
    "CatalogVersion",
    "ChangeCase",
    "ChangePolicy",
    "ChangeTiming",
    "Direction",
    "DiscountPolicy",
    "Entitlement",
    "Feature",
    "FeatureKind",
    "IntervalChange",
    "IntervalPrices",
    "LoyaltyIncentive",
    "Meter",
    "Plan",
    "PriceBasis",
    "Pricing",
    "ProrationConvention",
    "ResetPeriod",
    "SeatTier",
    "SeatVolumeDiscount",
    "SoftLimit",
    "TermChange",
    "TiersMode",
    "TrialPolicy",
    "VersionOverride",
]

#: Keys of features, plans, add-ons and bundles: lowercase, digits, ``_`` and ``-``.
KEY_PATTERN = r"^[a-z][a-z0-9_\-]*$"
#: A currency is written as its ISO 4217 code; whether the code exists is checked by validation.
CURRENCY_PATTERN = r"^[A-Z]{3}$"
Key = Annotated[str, Field(pattern=KEY_PATTERN, max_length=64)]
CurrencyCode = Annotated[str, Field(pattern=CURRENCY_PATTERN)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]
NonNegativeAmount = Annotated[Decimal, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# -- features ---------------------------------------------------------------------------------


class FeatureKind(StrEnum):
    BOOLEAN = "boolean"
    LIMIT = "limit"  # a gauge the product reports, such as the number of projects
    METERED = "metered"  # a counter of usage events over a reset period


class Aggregation(StrEnum):
    COUNT = "count"
    SUM = "sum"
    UNIQUE_COUNT = "unique_count"
    MAX = "max"
    LATEST = "latest"


class ResetPeriod(StrEnum):
    MONTH = "month"
    YEAR = "year"
    BILLING_PERIOD = "billing_period"


class Meter(_Frozen):
    """How usage events are aggregated into the metered quantity."""

    event: str = Field(min_length=1, description="Event type that counts, e.g. `api.call`.")
    aggregation: Aggregation = Aggregation.COUNT
    property: str | None = Field(
        default=None,
        description="Event property aggregated by sum, unique_count, max and latest.",
    )
    reset: ResetPeriod = ResetPeriod.MONTH


class Feature(_Frozen):
    kind: FeatureKind
    name: str = Field(min_length=1)
    outcome: str = Field(
        min_length=1, description="What this lets the customer do, in their words."
    )
    unit: str | None = Field(default=None, description="Singular unit noun, e.g. `project`.")
    meter: Meter | None = None


# -- plans ------------------------------------------------------------------------------------

#: An entitlement value: on/off for boolean features, a number or ``"unlimited"`` otherwise.
#: Strict, so that YAML ``"1"`` or ``yes`` is not silently read as a limit or a switch.
Entitlement = StrictBool | Annotated[StrictInt, Field(ge=0)] | Literal["unlimited"]


class BillingInterval(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def months(self) -> int:
        return _INTERVAL_MONTHS[self]


_INTERVAL_MONTHS = {BillingInterval.MONTH: 1, BillingInterval.QUARTER: 3, BillingInterval.YEAR: 12}


class IntervalPrices(_Frozen):
    """Prices of one currency per billing interval. ``year`` may be derived (annual prepay)."""

    month: NonNegativeAmount
    quarter: NonNegativeAmount | None = None
    year: NonNegativeAmount | None = None


class PriceBasis(StrEnum):
    FLAT = "flat"  # one price for the account
    SEAT = "seat"  # a price per seat


class TiersMode(StrEnum):
    GRADUATED = "graduated"  # each seat priced by the tier it falls in
    VOLUME = "volume"  # every seat priced by the tier the total falls in


class SeatTier(_Frozen):
    up_to: int | None = Field(
        ge=1, description="Last seat of this tier; null for the open-ended (last) tier."
    )
    prices: dict[CurrencyCode, IntervalPrices]


_ALL_INTERVALS = (BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR)


class Pricing(_Frozen):
    """What a plan, an add-on or a bundle costs."""

    basis: PriceBasis = PriceBasis.FLAT
    intervals: tuple[BillingInterval, ...] = Field(
        default=_ALL_INTERVALS,
        min_length=1,
        description=(
            "Billing intervals this is sold on; all three unless stated. Leave `quarter` out for"
            " something not sold quarterly (an absent quarterly price alone does not mean that)."
        ),
    )
    prices: dict[CurrencyCode, IntervalPrices] | None = Field(
        default=None, description="Price per unit (the account, or one seat) per currency."
    )
    tiers_mode: TiersMode | None = None
    tiers: tuple[SeatTier, ...] | None = None
    minimum_seats: int = Field(default=1, ge=1)
    maximum_seats: int | None = Field(default=None, ge=1)
    list_price: dict[CurrencyCode, NonNegativeAmount] | None = Field(
        default=None,
        description="Monthly list price per unit, the anchor shown beside what the customer pays.",
    )


class SoftLimit(_Frozen):
    nudge_at_percent: Percent = Field(
        default=Decimal(80), description="Usage share of the limit where a nudge may start."
    )
    grace_percent: Annotated[Decimal, Field(ge=0)] = Field(
        default=Decimal(0), description="Extra share allowed above the limit before a hard stop."
    )


class TrialPolicy(_Frozen):
    days: int = Field(ge=1, le=365)
    once_per_months: int = Field(default=12, ge=1)


class Plan(_Frozen):
    name: str = Field(min_length=1)
    rank: int = Field(description="Position in the tier ladder; higher is a higher tier.")
    outcome: str = Field(min_length=1)
    entitlements: dict[str, Entitlement] = Field(default_factory=dict)
    soft_limit: SoftLimit = SoftLimit()
    pricing: Pricing
    trial: TrialPolicy | None = None
    public: bool = True


# -- add-ons and bundles -----------------------------------------------------------------------


class AddOn(_Frozen):
    name: str = Field(min_length=1)
    outcome: str = Field(min_length=1)
    entitlements: dict[str, Entitlement] = Field(default_factory=dict)
    included_in: tuple[str, ...] = ()
    available_for: tuple[str, ...] = ()
    pricing: Pricing


class BundleAudience(_Frozen):
    roles: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()


class Bundle(_Frozen):
    name: str = Field(min_length=1)
    outcome: str = Field(min_length=1)
    audience: BundleAudience
    plan: str
    add_ons: tuple[str, ...] = ()
    discount_percent: Percent | None = None
    prices: dict[CurrencyCode, IntervalPrices] | None = Field(
        default=None,
        description="A bundle price per unit of the plan's basis, instead of a discount.",
    )


# -- discount policy ---------------------------------------------------------------------------


class SeatVolumeDiscount(_Frozen):
    min_seats: int = Field(ge=1)
    percent: Percent


class LoyaltyIncentive(_Frozen):
    percent: Percent = Field(
        description="Extra discount when a customer renews for 2 or more years."
    )
    min_term_years: int = Field(default=2, ge=2)


class DiscountPolicy(_Frozen):
    term_years: dict[int, Percent] = Field(
        default_factory=dict, description="Discount by committed term in years (1, 2, 3)."
    )
    seat_volume: tuple[SeatVolumeDiscount, ...] = ()
    annual_prepay_percent: Percent | None = Field(
        default=None,
        description="Annual prepay saving used where a plan states no yearly price.",
    )
    loyalty: LoyaltyIncentive | None = None
    max_without_approval_percent: Percent = Decimal(20)


# -- plan-change policy ------------------------------------------------------------------------


class ChangeTiming(StrEnum):
    IMMEDIATE = "immediate"
    END_OF_TERM = "end_of_term"
    ILLEGAL = "illegal"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    ANY = "any"


class IntervalChange(StrEnum):
    LONGER = "longer"
    SHORTER = "shorter"
    NONE = "none"
    ANY = "any"


TermChange = IntervalChange


class ProrationConvention(StrEnum):
    ACTUAL_DAYS = "actual_days"
    THIRTY_DAY_MONTH = "thirty_day_month"


class ChangeCase(_Frozen):
    """One row of the change table; a field left out (or ``any``) matches everything."""

    from_plan: str = Field(default="any", alias="from")
    to_plan: str = Field(default="any", alias="to")
    direction: Direction = Direction.ANY
    interval_change: IntervalChange = IntervalChange.ANY
    term_change: TermChange = IntervalChange.ANY
    result: ChangeTiming


class ChangePolicy(_Frozen):
    proration: ProrationConvention = ProrationConvention.ACTUAL_DAYS
    cases: tuple[ChangeCase, ...] = ()
    default: ChangeTiming | None = Field(
        default=None, description="Timing when no case matches; required."
    )


# -- the document ------------------------------------------------------------------------------


class CatalogVersion(_Frozen):
    """One effective-dated version of the catalog, fully resolved."""

    version: str
    effective: dt.date
    name: str
    currencies: tuple[CurrencyCode, ...]
    features: dict[Key, Feature]
    plans: dict[Key, Plan]
    add_ons: dict[Key, AddOn] = Field(default_factory=dict)
    bundles: dict[Key, Bundle] = Field(default_factory=dict)
    discounts: DiscountPolicy = DiscountPolicy()
    changes: ChangePolicy


class VersionOverride(_Frozen):
    """A later version: new prices from ``effective`` on, for new subscriptions.

    Only pricing changes between versions; subscriptions keep the version they were sold under
    (their price lock).
    """

    version: str = Field(min_length=1)
    effective: dt.date
    plans: dict[str, Pricing] = Field(default_factory=dict)
    add_ons: dict[str, Pricing] = Field(default_factory=dict)


class CatalogDocument(_Frozen):
    """The YAML document as written: the first version plus later price versions."""

    name: str = Field(min_length=1)
    version: str = Field(default="1", min_length=1)
    effective: dt.date
    currencies: tuple[CurrencyCode, ...] = Field(min_length=1)
    features: dict[Key, Feature]
    plans: dict[Key, Plan]
    add_ons: dict[Key, AddOn] = Field(default_factory=dict)
    bundles: dict[Key, Bundle] = Field(default_factory=dict)
    discounts: DiscountPolicy = DiscountPolicy()
    changes: ChangePolicy
    versions: tuple[VersionOverride, ...] = ()
