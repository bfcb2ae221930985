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
    # attribute docstrings become field descriptions in the JSON Schema (editor hover help)
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, use_attribute_docstrings=True
    )


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
    """How events add up: count, sum, unique_count, max or latest."""
    property: str | None = Field(
        default=None,
        description="Event property aggregated by sum, unique_count, max and latest.",
    )
    reset: ResetPeriod = ResetPeriod.MONTH
    """When the counter starts again: month, year or billing_period."""


class Feature(_Frozen):
    kind: FeatureKind
    """boolean (on/off), limit (a gauge such as projects) or metered (counted from events)."""
    name: str = Field(min_length=1)
    """Name shown to customers."""
    outcome: str = Field(
        min_length=1, description="What this lets the customer do, in their words."
    )
    unit: str | None = Field(default=None, description="Singular unit noun, e.g. `project`.")
    meter: Meter | None = None
    """How usage is counted; required for metered features, not allowed for others."""


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
    """Price per month (per unit: the account, or one seat)."""
    quarter: NonNegativeAmount | None = None
    """Price per quarter; if absent, 3 × month."""
    year: NonNegativeAmount | None = None
    """Price per year; if absent, 12 × month less annual_prepay_percent."""


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
    """Prices per seat for the seats of this tier, per currency."""


_ALL_INTERVALS = (BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR)


class Pricing(_Frozen):
    """What a plan, an add-on or a bundle costs."""

    basis: PriceBasis = PriceBasis.FLAT
    """flat (one price for the account) or seat (a price per seat)."""
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
    """graduated or volume; required with tiers."""
    tiers: tuple[SeatTier, ...] | None = None
    """Seat volume tiers, ascending, the last open-ended; instead of prices."""
    minimum_seats: int = Field(default=1, ge=1)
    """Fewest seats that can be bought."""
    maximum_seats: int | None = Field(default=None, ge=1)
    """Most seats that can be bought; no limit when absent."""
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
    """Length of a trial of this plan, in days."""
    once_per_months: int = Field(default=12, ge=1)
    """An account may start one trial of this plan per this many months."""


class Plan(_Frozen):
    name: str = Field(min_length=1)
    """Name shown to customers."""
    rank: int = Field(description="Position in the tier ladder; higher is a higher tier.")
    outcome: str = Field(min_length=1)
    """What this plan lets the customer achieve, in their words."""
    entitlements: dict[str, Entitlement] = Field(default_factory=dict)
    """Feature key to true/false, a limit, or 'unlimited'. A feature left out is not included."""
    soft_limit: SoftLimit = SoftLimit()
    """When nudges start and how far usage may run over a limit before a hard stop."""
    pricing: Pricing
    """What the plan costs."""
    trial: TrialPolicy | None = None
    """Trial policy; no trials of this plan when absent."""
    public: bool = True
    """Shown on the public pricing page and in offers; false for plans sold by hand."""


# -- add-ons and bundles -----------------------------------------------------------------------


class AddOn(_Frozen):
    name: str = Field(min_length=1)
    """Name shown to customers."""
    outcome: str = Field(min_length=1)
    """What this add-on lets the customer achieve."""
    entitlements: dict[str, Entitlement] = Field(default_factory=dict)
    """What it adds: true turns a feature on; a number adds to the plan's limit."""
    included_in: tuple[str, ...] = ()
    """Plans that include this add-on at no extra cost."""
    available_for: tuple[str, ...] = ()
    """Plans on which this add-on can be bought."""
    pricing: Pricing
    """What the add-on costs."""


class BundleAudience(_Frozen):
    roles: tuple[str, ...] = ()
    """Roles the bundle is for, e.g. it_admin."""
    industries: tuple[str, ...] = ()
    """Industries the bundle is for, e.g. healthcare."""


class Bundle(_Frozen):
    name: str = Field(min_length=1)
    """Name shown to customers."""
    outcome: str = Field(min_length=1)
    """What the bundle lets its audience achieve."""
    audience: BundleAudience
    """Who the bundle is for: at least one role or industry."""
    plan: str
    """The plan of the bundle."""
    add_ons: tuple[str, ...] = ()
    """Add-ons in the bundle; each must be available for the plan."""
    discount_percent: Percent | None = None
    """Percent off the sum of the parts; or give prices instead."""
    prices: dict[CurrencyCode, IntervalPrices] | None = Field(
        default=None,
        description="A bundle price per unit of the plan's basis, instead of a discount.",
    )


# -- discount policy ---------------------------------------------------------------------------


class SeatVolumeDiscount(_Frozen):
    min_seats: int = Field(ge=1)
    """Seats from which this step applies."""
    percent: Percent
    """Discount percent for this many seats or more."""


class LoyaltyIncentive(_Frozen):
    percent: Percent = Field(
        description="Extra discount when a customer renews for 2 or more years."
    )
    min_term_years: int = Field(default=2, ge=2)
    """Shortest renewal term, in years, that earns it."""


class DiscountPolicy(_Frozen):
    term_years: dict[int, Percent] = Field(
        default_factory=dict, description="Discount by committed term in years (1, 2, 3)."
    )
    seat_volume: tuple[SeatVolumeDiscount, ...] = ()
    """Discount steps by seat count, ascending."""
    annual_prepay_percent: Percent | None = Field(
        default=None,
        description="Annual prepay saving used where a plan states no yearly price.",
    )
    loyalty: LoyaltyIncentive | None = None
    """Extra discount for multi-year renewals."""
    max_without_approval_percent: Percent = Decimal(20)
    """Largest total discount a quote may give without a person's approval."""


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
    """Plan changed from, or 'any'."""
    to_plan: str = Field(default="any", alias="to")
    """Plan changed to, or 'any'."""
    direction: Direction = Direction.ANY
    """up, down, same (by rank) or any."""
    interval_change: IntervalChange = IntervalChange.ANY
    """Billing interval gets longer, shorter, none or any."""
    term_change: TermChange = IntervalChange.ANY
    """Committed term gets longer, shorter, none or any."""
    result: ChangeTiming
    """immediate, end_of_term or illegal."""


class ChangePolicy(_Frozen):
    proration: ProrationConvention = ProrationConvention.ACTUAL_DAYS
    """actual_days (default) or thirty_day_month."""
    cases: tuple[ChangeCase, ...] = ()
    """Ordered case table; the first matching case decides."""
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
    """Name of this version, e.g. 2026.7; a subscription's price lock."""
    effective: dt.date
    """First day new subscriptions get these prices."""
    plans: dict[str, Pricing] = Field(default_factory=dict)
    """New pricing per plan key (the whole pricing block)."""
    add_ons: dict[str, Pricing] = Field(default_factory=dict)
    """New pricing per add-on key (the whole pricing block)."""


class CatalogDocument(_Frozen):
    """The YAML document as written: the first version plus later price versions."""

    name: str = Field(min_length=1)
    """Name of the product or catalog."""
    version: str = Field(default="1", min_length=1)
    """Name of the first version; a subscription's price lock."""
    effective: dt.date
    """First day the first version applies."""
    currencies: tuple[CurrencyCode, ...] = Field(min_length=1)
    """ISO 4217 codes every price must be given in."""
    features: dict[Key, Feature]
    """Features by key."""
    plans: dict[Key, Plan]
    """Plans (tiers) by key, from the lowest rank to the highest."""
    add_ons: dict[Key, AddOn] = Field(default_factory=dict)
    """Add-ons by key."""
    bundles: dict[Key, Bundle] = Field(default_factory=dict)
    """Bundles by key."""
    discounts: DiscountPolicy = DiscountPolicy()
    """Discount policy."""
    changes: ChangePolicy
    """Plan-change policy."""
    versions: tuple[VersionOverride, ...] = ()
    """Later price versions, oldest first."""
