"""Ranking: which eligible offer is worth the customer's attention most, per channel.

Each candidate's **expected value** is its propensity prior (a configurable chance of acceptance
per target kind, or the offer's own) times its **annual revenue delta**::

    annual run rate   = recurring price per billing period × 12 / months in the period
    annual delta      = run rate after the change − run rate today      (from the quote engine)
    expected value    = prior × annual delta, rounded to the currency's minor unit

so a monthly payer moving to yearly billing has a *negative* delta (the prepay saving) and wins a
channel only when nothing that adds revenue is eligible there. Ties are broken deterministically:
higher expected value, then higher ``priority``, then offer key (alphabetical). The best offer
for a channel is the first ranked candidate that lists the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from tierwise.catalog.model import CatalogVersion
from tierwise.money import Money
from tierwise.offers.playbook import Channel, TargetKind
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange, configurations
from tierwise.pricing.recurring import RecurringPrice, recurring_price_of

__all__ = [
    "Candidate",
    "annual_revenue_delta",
    "annual_run_rate",
    "best_per_channel",
    "rank",
]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An offer that passed its trigger, eligibility and cadence, ready to be ranked."""

    offer: str
    kind: TargetKind
    priority: int
    prior: Decimal
    annual_delta: Money
    channels: tuple[Channel, ...]

    @property
    def expected_value(self) -> Money:
        return (self.annual_delta * self.prior).rounded()


def annual_run_rate(recurring: RecurringPrice) -> Money:
    """What a year costs at the configuration's own billing interval."""
    return recurring.per_period * Decimal(12) * (Decimal(1) / recurring.interval.months)


def annual_revenue_delta(
    version: CatalogVersion, subscription: CurrentSubscription, change: ProposedChange
) -> Money:
    """Run rate after ``change`` minus run rate today, priced by the quote engine (exact)."""
    before, after = configurations(version, subscription, change)
    currency = subscription.currency
    now = recurring_price_of(version, before, currency)
    then = recurring_price_of(version, after, currency, prefix="to_")
    return annual_run_rate(then) - annual_run_rate(now)


def _order(candidate: Candidate) -> tuple[Decimal, int, str]:
    return (-candidate.expected_value.amount, -candidate.priority, candidate.offer)


def rank(candidates: Iterable[Candidate]) -> tuple[Candidate, ...]:
    """Candidates best first: expected value, then priority, then key."""
    return tuple(sorted(candidates, key=_order))


def best_per_channel(
    candidates: Iterable[Candidate], channels: Iterable[Channel] = tuple(Channel)
) -> Mapping[Channel, Candidate | None]:
    """The best candidate for each channel, or ``None`` where no candidate uses it."""
    ranked = rank(candidates)
    return {
        channel: next((c for c in ranked if channel in c.channels), None) for channel in channels
    }
