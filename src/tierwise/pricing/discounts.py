"""Published discount policies, and which of them a configuration earns.

Every discount comes from the catalog's ``discounts`` policy, never from a person's whim, and is
explained in plain words:

``term_years``
    a commitment of N years earns ``term_years[N]`` percent; a term without its own row earns the
    row of the longest listed term not above it (4 years earn the 3-year discount);
``seat_volume``
    N seats or more earn the percent of the highest ``min_seats`` reached, on seat-priced items
    only (the plan and seat add-ons; a flat add-on has no seats to count);
``loyalty``
    a renewal for ``min_term_years`` or more earns an extra percent;
``bundle``
    a configuration that holds a catalog bundle (its plan and every one of its add-ons, the
    bundle named on the subscription) earns the bundle's ``discount_percent`` on those parts only;
    add-ons outside the bundle pay their own price
``annual_prepay`` / ``quarterly_prepay``
    paying a year (a quarter) in advance costs less than 12 (3) monthly payments; the saving is
    already in the yearly price, stated or derived with ``annual_prepay_percent``, and is shown so
    the customer sees it.

Percentages stack additively on the price for the billing interval (10 % term + 5 % loyalty =
15 % off). The approval check adds the percents of ``term_years``, ``seat_volume`` and
``loyalty``; when the sum exceeds ``max_without_approval_percent`` the quote says it needs an
approval. The prepay saving and the bundle discount are published prices (of paying ahead, of the
package), not concessions, so they are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from tierwise.catalog.model import DiscountPolicy
from tierwise.money import Money

__all__ = [
    "ANNUAL_PREPAY",
    "BUNDLE",
    "LOYALTY",
    "QUARTERLY_PREPAY",
    "SEAT_VOLUME",
    "TERM_YEARS",
    "AppliedDiscount",
    "DiscountRate",
    "bundle_discount",
    "combined_percent",
    "discount_rates",
    "loyalty_discount",
    "needs_approval",
    "seat_volume_discount",
    "term_discount",
]

TERM_YEARS: Final = "term_years"
SEAT_VOLUME: Final = "seat_volume"
LOYALTY: Final = "loyalty"
ANNUAL_PREPAY: Final = "annual_prepay"
QUARTERLY_PREPAY: Final = "quarterly_prepay"
BUNDLE: Final = "bundle"
#: Policies a quote's approval check does not count: published prices, not concessions.
_NOT_COUNTED: Final = frozenset({BUNDLE})


@dataclass(frozen=True, slots=True)
class DiscountRate:
    """A percentage a configuration earns under one policy, before it is turned into money.

    ``seat_items_only`` limits it to seat-priced items; ``items`` (keys such as ``plan:team``,
    ``add_on:automation_pack``) to those items; ``None`` means every item.
    """

    policy: str
    percent: Decimal
    reason: str
    seat_items_only: bool = False
    items: frozenset[str] | None = None

    def applies_to(self, key: str, seat_priced: bool) -> bool:
        """Whether the item ``key`` (seat-priced or not) earns this rate."""
        if self.seat_items_only and not seat_priced:
            return False
        return self.items is None or key in self.items


@dataclass(frozen=True, slots=True)
class AppliedDiscount:
    """A discount in money: the policy that grants it, why, the percent, and the amount saved.

    ``amount`` is positive (money taken off) and is per billing period of the new interval in a
    quote's ``discounts``, per contract year in its price path.
    """

    policy: str
    reason: str
    percent: Decimal
    amount: Money


def _years(count: int) -> str:
    return "1 year" if count == 1 else f"{count} years"


def term_discount(policy: DiscountPolicy, term_years: int) -> DiscountRate | None:
    """The term-length discount of a ``term_years`` commitment, or ``None``."""
    eligible = [years for years in policy.term_years if years <= term_years]
    if not eligible:
        return None
    row = max(eligible)
    percent = policy.term_years[row]
    if not percent:
        return None
    reason = f"{percent}% off for committing to {_years(term_years)}"
    if row != term_years:
        reason += f" (the {_years(row)} rate)"
    return DiscountRate(TERM_YEARS, percent, reason)


def seat_volume_discount(policy: DiscountPolicy, seats: int) -> DiscountRate | None:
    """The seat-volume discount for ``seats`` seats, or ``None``."""
    reached = [step for step in policy.seat_volume if seats >= step.min_seats]
    if not reached:
        return None
    step = max(reached, key=lambda s: s.min_seats)
    if not step.percent:
        return None
    reason = f"{step.percent}% off seat prices for {step.min_seats} seats or more ({seats} seats)"
    return DiscountRate(SEAT_VOLUME, step.percent, reason, seat_items_only=True)


def loyalty_discount(policy: DiscountPolicy, term_years: int, renewal: bool) -> DiscountRate | None:
    """The loyalty incentive of a multi-year renewal, or ``None``."""
    loyalty = policy.loyalty
    if not renewal or loyalty is None or term_years < loyalty.min_term_years or not loyalty.percent:
        return None
    reason = (
        f"{loyalty.percent}% loyalty thanks for renewing for {_years(term_years)} "
        f"({loyalty.min_term_years} years or more)"
    )
    return DiscountRate(LOYALTY, loyalty.percent, reason)


def bundle_discount(
    bundle_key: str, name: str, percent: Decimal, plan: str, add_ons: tuple[str, ...]
) -> DiscountRate | None:
    """The discount of bundle ``bundle_key`` on its parts (the plan and its add-ons), or ``None``
    for a bundle without a percent."""
    if not percent:
        return None
    parts = frozenset({f"plan:{plan}", *(f"add_on:{key}" for key in add_ons)})
    reason = f"{percent}% off the parts of the {name} bundle ({bundle_key})"
    return DiscountRate(BUNDLE, percent, reason, items=parts)


def discount_rates(
    policy: DiscountPolicy, *, term_years: int, seats: int, renewal: bool
) -> tuple[DiscountRate, ...]:
    """Every percentage discount a configuration earns, in a fixed order: term, volume, loyalty."""
    found = (
        term_discount(policy, term_years),
        seat_volume_discount(policy, seats),
        loyalty_discount(policy, term_years, renewal),
    )
    return tuple(rate for rate in found if rate is not None)


def combined_percent(rates: tuple[DiscountRate, ...]) -> Decimal:
    """The percents of the rates added up (the number the approval rule looks at); the bundle
    discount, a published package price, is not counted."""
    return sum((rate.percent for rate in rates if rate.policy not in _NOT_COUNTED), Decimal(0))


def needs_approval(policy: DiscountPolicy, rates: tuple[DiscountRate, ...]) -> bool:
    """True when the combined discount exceeds what may be given without an approval."""
    return combined_percent(rates) > policy.max_without_approval_percent
