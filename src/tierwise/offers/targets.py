"""From an offer's target to the concrete change the quote engine prices.

The playbook says *what kind* of move an offer proposes (Business, the automation pack, 20 %
seat headroom, yearly billing, a 2-year term); here that becomes a
:class:`~tierwise.pricing.quotes.ProposedChange` for one subscription:

* a **plan** or a **bundle** keeps the add-ons the new plan still sells or includes (the others
  could not be billed on it) and raises the seats to the new plan's minimum if needed (from a
  flat-priced plan such as Free, also to ``seats_assigned``: everyone keeps a seat); a bundle
  adds its add-ons and is bought as the bundle (``to_bundle``), so the quote takes the bundle's
  discount off its parts;
* an **add-on** is added to the current ones;
* **more seats** adds ``add_seats``, or buys ``ceil(seats_assigned / to_utilisation)`` seats;
* **annual interval** bills yearly; **multi-year term** commits to ``years`` years.

``None`` means the account is already there (``more_seats`` when it has enough seats), so there is
nothing to propose. The target's keys must exist in the version (validation checks it).
"""

from __future__ import annotations

import math
from decimal import Decimal

from tierwise.catalog.model import BillingInterval, CatalogVersion, PriceBasis
from tierwise.offers.playbook import (
    AddOnTarget,
    AnnualIntervalTarget,
    BundleTarget,
    MoreSeatsTarget,
    MultiYearTermTarget,
    PlanTarget,
    Target,
)
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange

__all__ = [
    "proposed_change",
    "reads_seats_assigned",
    "seats_wanted",
    "target_name",
    "target_plan",
]


def target_plan(version: CatalogVersion, target: Target, current_plan: str) -> str:
    """The plan the account would be on after the change."""
    if isinstance(target, PlanTarget):
        return target.plan
    if isinstance(target, BundleTarget):
        return version.bundles[target.bundle].plan
    return current_plan


def target_name(version: CatalogVersion, target: Target) -> str:
    """Words for the target in messages: the catalog's name, or the kind of change."""
    if isinstance(target, PlanTarget):
        return version.plans[target.plan].name
    if isinstance(target, AddOnTarget):
        return version.add_ons[target.add_on].name
    if isinstance(target, BundleTarget):
        return version.bundles[target.bundle].name
    if isinstance(target, MoreSeatsTarget):
        return "more seats"
    if isinstance(target, AnnualIntervalTarget):
        return "yearly billing"
    return f"a {target.years}-year term"


def seats_wanted(target: MoreSeatsTarget, seats: int, seats_assigned: int) -> int:
    """Seats after a more-seats change (never fewer than today)."""
    if target.add_seats is not None:
        return seats + target.add_seats
    assert target.to_utilisation is not None  # the model requires one of the two
    needed = math.ceil(Decimal(seats_assigned) / target.to_utilisation)
    return max(seats, needed)


def _kept_add_ons(version: CatalogVersion, add_ons: tuple[str, ...], plan: str) -> tuple[str, ...]:
    return tuple(
        key
        for key in add_ons
        if key in version.add_ons
        and (plan in version.add_ons[key].available_for or plan in version.add_ons[key].included_in)
    )


def _seats_on(
    version: CatalogVersion, current: str, plan: str, seats: int, seats_assigned: int | None
) -> int | None:
    """Seats to buy on ``plan`` when they change: at least its minimum; and coming from a flat
    plan (Free counts no seats), one for everyone assigned one, so nobody loses access."""
    pricing = version.plans[plan].pricing
    if pricing.basis is not PriceBasis.SEAT:
        return None
    wanted = max(seats, pricing.minimum_seats)
    if version.plans[current].pricing.basis is PriceBasis.FLAT and seats_assigned is not None:
        wanted = max(wanted, seats_assigned)
    return wanted if wanted != seats else None


def reads_seats_assigned(version: CatalogVersion, target: Target, current_plan: str) -> bool:
    """Whether :func:`proposed_change` of ``target`` from ``current_plan`` reads ``seats_assigned``
    (more seats to a utilisation; a plan or bundle bought from a flat-priced plan): elsewhere
    accounts that differ only in it get the same change, so a batch computes it once for them."""
    if isinstance(target, MoreSeatsTarget):
        return target.add_seats is None
    if isinstance(target, PlanTarget | BundleTarget):
        return version.plans[current_plan].pricing.basis is PriceBasis.FLAT
    return False


def proposed_change(
    version: CatalogVersion,
    target: Target,
    subscription: CurrentSubscription,
    *,
    seats_assigned: int | None = None,
) -> ProposedChange | None:
    """The change ``target`` proposes to ``subscription``; ``None`` if nothing would change."""
    if isinstance(target, PlanTarget | BundleTarget):
        plan = target_plan(version, target, subscription.plan)
        add_ons = _kept_add_ons(version, subscription.add_ons, plan)
        if isinstance(target, BundleTarget):
            extra = version.bundles[target.bundle].add_ons
            add_ons = tuple(dict.fromkeys((*add_ons, *extra)))
        return ProposedChange(
            to_plan=plan,
            to_add_ons=add_ons,
            to_seats=_seats_on(
                version, subscription.plan, plan, subscription.seats, seats_assigned
            ),
            to_bundle=target.bundle if isinstance(target, BundleTarget) else None,
        )
    if isinstance(target, AddOnTarget):
        return ProposedChange(to_add_ons=(*subscription.add_ons, target.add_on))
    if isinstance(target, MoreSeatsTarget):
        seats = seats_wanted(target, subscription.seats, seats_assigned or 0)
        return None if seats <= subscription.seats else ProposedChange(to_seats=seats)
    if isinstance(target, AnnualIntervalTarget):
        return ProposedChange(to_interval=BillingInterval.YEAR)
    assert isinstance(target, MultiYearTermTarget)
    return ProposedChange(term_years=target.years)
