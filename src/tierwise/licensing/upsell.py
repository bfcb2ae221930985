"""The upsell hint: the cheapest single change of the catalog that would allow a request.

For each feature of a snapshot we build, once, a short *ladder*: the options that would raise the
feature's entitlement, cheapest first, keeping only those that give more than every cheaper one
(an option that costs more and gives no more is never the answer). A check that needs ``n`` units
then takes the first rung with capacity ``n`` or more, a scan of a handful of tuples, and only on
the paths that are not a plain "allowed".

The options are:

* **plans** ranked above the paid plan (public ones only), as the account would have them after
  switching: the add-ons still available for that plan and the active grants are kept; trials
  and overrides (terms of the current contract) are not;
* **add-ons** offered for the paid plan that the account does not have yet.

They are ordered by what they add to the account's monthly bill in its currency (an add-on's
price, or the new plan's price minus today's), then by rank (an add-on counts at the paid plan's
rank), then by key. Options not priced in the account's currency are left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tierwise.catalog.model import Entitlement, PriceBasis, Pricing, TiersMode
from tierwise.catalog.versions import plan_of
from tierwise.licensing.check_decisions import UpsellHint
from tierwise.licensing.entitlement_sources import (
    UNLIMITED,
    EntitlementSources,
    ResolvedEntitlement,
    effective_add_ons,
    resolve_values,
)
from tierwise.money import Money

__all__ = ["Ladder", "capacity", "cheapest", "monthly_price", "upsell_ladders"]

#: Rungs of ``(capacity, hint)``: capacity strictly increasing, price never decreasing.
Ladder = tuple[tuple[float, UpsellHint], ...]


def capacity(value: Entitlement) -> float:
    """An entitlement as a number to compare: off 0, on 1, a limit itself, unlimited infinity."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value == UNLIMITED:
        return math.inf
    return float(value)


def cheapest(ladder: Ladder, needed: float) -> UpsellHint | None:
    """The cheapest rung that allows ``needed`` units, or ``None`` when no option does."""
    for rung_capacity, hint in ladder:
        if rung_capacity >= needed:
            return hint
    return None


def monthly_price(pricing: Pricing, currency: str, seats: int) -> Money | None:
    """What ``pricing`` costs a month for ``seats`` in ``currency``; ``None`` if not priced.

    Seat prices count at least the minimum seats. Graduated tiers price each seat by the tier it
    falls in; volume tiers price every seat by the tier the total falls in. A pricing with no
    monthly price falls back on its monthly list price.
    """
    units = max(seats, pricing.minimum_seats) if pricing.basis is PriceBasis.SEAT else 1
    if pricing.prices is not None and currency in pricing.prices:
        return Money(pricing.prices[currency].month * units, currency)
    if pricing.tiers and all(currency in tier.prices for tier in pricing.tiers):
        return Money(_tiered(pricing, currency, units), currency)
    if pricing.list_price is not None and currency in pricing.list_price:
        return Money(pricing.list_price[currency] * units, currency)
    return None


def _tiered(pricing: Pricing, currency: str, units: int) -> Decimal:
    assert pricing.tiers is not None
    if pricing.tiers_mode is TiersMode.VOLUME:
        for tier in pricing.tiers:
            if tier.up_to is None or units <= tier.up_to:
                return tier.prices[currency].month * units
        return pricing.tiers[-1].prices[currency].month * units
    total, below = Decimal(0), 0
    for tier in pricing.tiers:
        top = units if tier.up_to is None else min(units, tier.up_to)
        if top > below:
            total += tier.prices[currency].month * (top - below)
            below = top
    return total


@dataclass(frozen=True, slots=True)
class _Option:
    kind: Literal["plan", "add_on"]
    key: str
    name: str
    rank: int
    price: Money
    added: Money
    values: Mapping[str, ResolvedEntitlement]

    def order(self) -> tuple[Money, int, int, str]:
        return (self.added, self.rank, 0 if self.kind == "add_on" else 1, self.key)


def upsell_ladders(
    sources: EntitlementSources,
    current: Mapping[str, ResolvedEntitlement],
    now: dt.datetime,
) -> dict[str, Ladder]:
    """Per feature, the options that raise it above ``current``, cheapest first (see above)."""
    options = sorted(_options(sources, now), key=_Option.order)
    ladders: dict[str, Ladder] = {}
    for key, resolved in current.items():
        best = capacity(resolved.value)
        rungs: list[tuple[float, UpsellHint]] = []
        for option in options:
            value = option.values[key].value
            if capacity(value) > best:
                best = capacity(value)
                hint = UpsellHint(
                    option.kind, option.key, option.name, value, option.price, option.added
                )
                rungs.append((best, hint))
        ladders[key] = tuple(rungs)
    return ladders


def _options(sources: EntitlementSources, now: dt.datetime) -> list[_Option]:
    catalog, currency, seats = sources.catalog, sources.account_currency, sources.seats
    paid = plan_of(catalog, sources.plan)
    today = monthly_price(paid.pricing, currency, seats) or Money.zero(currency)
    options: list[_Option] = []
    for key, plan in catalog.plans.items():
        price = monthly_price(plan.pricing, currency, seats)
        if not plan.public or plan.rank <= paid.rank or price is None:
            continue
        kept = tuple(a for a in sources.add_ons if key in catalog.add_ons[a].available_for)
        switched = dataclasses.replace(
            sources, plan=key, add_ons=kept, trial_plan=None, trial_ends=None, overrides=()
        )
        values = resolve_values(switched, now)
        options.append(_Option("plan", key, plan.name, plan.rank, price, price - today, values))
    owned = set(effective_add_ons(sources, now))
    for key, add_on in catalog.add_ons.items():
        price = monthly_price(add_on.pricing, currency, seats)
        if key in owned or sources.plan not in add_on.available_for or price is None:
            continue
        bought = dataclasses.replace(sources, add_ons=(*sources.add_ons, key))
        values = resolve_values(bought, now)
        options.append(_Option("add_on", key, add_on.name, paid.rank, price, price, values))
    return options
