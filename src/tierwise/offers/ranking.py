"""Ranking: which eligible offer is worth the customer's attention most, per channel.

Each candidate's **expected value** is its propensity prior (a configurable chance of acceptance
per target kind, or the offer's own) times its **value**, a yearly amount from the quote engine's
prices. The playbook's ``valuation`` says which value::

    annual run rate R = recurring price per billing period × 12 / months in the period
    annual delta      = R after the change − R today

``run_rate`` (the default): value = annual delta. A monthly payer moving to yearly billing then has
a *negative* value (the prepay saving), so commitments always rank last.

``committed_revenue``: the expected revenue over the commitment, with revenue under contract
counted in full and revenue not under contract at ``1 − a`` (``a`` = ``uncommitted_at_risk``, the
share of a year's uncommitted revenue expected to be lost)::

    M (months under contract) = 12 × term_years for a multi-year term, else the billing interval
    H (horizon, months)       = max(12, M today, M after)
    E (expected revenue)      = R × (M + (1 − a) × (H − M)) / 12
    value                     = (E after − E today) × 12 / H          (a yearly amount)

With ``a = 0`` this is the annual delta again; with ``a > 0`` a commitment is worth the revenue it
takes out of risk, less what its discount costs, and an upgrade without a commitment is worth its
delta at ``1 − a`` beyond the months already paid for. The value is rounded to the currency's
minor unit, then ``expected value = prior × value`` is rounded again.

Ties are broken deterministically: higher expected value, then higher ``priority``, then offer key
(alphabetical). The best offer for a channel is the first ranked candidate that lists the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from tierwise.catalog.model import CatalogVersion
from tierwise.money import Money
from tierwise.offers.expression_evaluation import show_value
from tierwise.offers.playbook import (
    Channel,
    RiskAssumption,
    TargetKind,
    Valuation,
    ValuationBasis,
)
from tierwise.pricing.pricebook import PriceBook, price_book
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange, configurations
from tierwise.pricing.recurring import Configuration, RecurringPrice, recurring_price_of

__all__ = [
    "Candidate",
    "RevenueValue",
    "annual_revenue_delta",
    "annual_run_rate",
    "best_per_channel",
    "committed_months",
    "rank",
    "revenue_value",
]


@dataclass(frozen=True, slots=True)
class RevenueValue:
    """A change's value for ranking, with the numbers that make it (see the module docstring).

    ``months``, ``horizon``, ``expected`` and ``risk`` are ``None`` on the run-rate basis;
    :attr:`reasons` words the numbers (only when asked: most candidates are never shown).
    """

    run_rate_before: Money
    run_rate_after: Money
    value: Money
    months: tuple[int, int] | None = None
    horizon: int | None = None
    expected: tuple[Money, Money] | None = None
    risk: RiskAssumption | None = None

    @property
    def annual_delta(self) -> Money:
        return self.run_rate_after - self.run_rate_before

    @property
    def reasons(self) -> tuple[str, ...]:
        """How the value was reached, with its numbers, for the decision's reasons."""
        currency = self.value.currency
        rates = (
            f"run rate {self.run_rate_before.to_str()} → {self.run_rate_after.to_str()} "
            f"{currency} a year"
        )
        if self.months is None or self.horizon is None or self.expected is None or not self.risk:
            return (f"value = annual delta {self.value.to_str()} ({rates})",)
        (now, then), (before, after) = self.months, self.expected
        kept = Decimal(1) - self.risk.value
        return (
            rates,
            f"under contract {now} → {then} months; horizon {self.horizon} months; revenue not "
            f"under contract counts at {show_value(kept)} ({show_value(self.risk.value)} at "
            f"risk: {self.risk.source})",
            f"expected revenue over {self.horizon} months {before.to_str()} → {after.to_str()} "
            f"{currency}",
            f"value = ({after.to_str()} − {before.to_str()}) × 12 / {self.horizon} = "
            f"{self.value.to_str()} {currency} a year",
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """An offer that passed its trigger, eligibility and cadence, ready to be ranked."""

    offer: str
    kind: TargetKind
    priority: int
    prior: Decimal
    annual_delta: Money
    channels: tuple[Channel, ...]
    worth: RevenueValue | None = None
    """The value ranked and how it was reached; the annual delta alone when not given."""

    @property
    def ranked_value(self) -> Money:
        return self.annual_delta if self.worth is None else self.worth.value

    @property
    def valuation(self) -> tuple[str, ...]:
        """How the ranked value was reached, with its numbers."""
        return () if self.worth is None else self.worth.reasons

    @property
    def expected_value(self) -> Money:
        return (self.ranked_value * self.prior).rounded()


def annual_run_rate(recurring: RecurringPrice) -> Money:
    """What a year costs at the configuration's own billing interval (exact: 12, 4 or 1 periods)."""
    return recurring.per_period * (12 // recurring.interval.months)


def committed_months(configuration: Configuration) -> int:
    """Months the customer is bound to pay for: the whole term of a multi-year contract, else one
    billing period (a one-year term billed monthly can be cancelled at any period end)."""
    if configuration.term_years >= 2:
        return 12 * configuration.term_years
    return configuration.interval.months


def _expected(run_rate: Money, months: int, horizon: int, kept: Decimal) -> Money:
    months_counted = Decimal(months) + kept * (horizon - months)
    return Money(run_rate.amount * months_counted / 12, run_rate.currency)


@lru_cache(maxsize=16384)
def _valued(
    book: PriceBook,
    before: Configuration,
    after: Configuration,
    currency: str,
    valuation: Valuation,
) -> RevenueValue:
    """The value of one configuration pair (pure; cached: accounts share configurations)."""
    version = book.version
    now = annual_run_rate(recurring_price_of(version, before, currency))
    then = annual_run_rate(recurring_price_of(version, after, currency, prefix="to_"))
    risk = valuation.uncommitted_at_risk
    if valuation.basis is ValuationBasis.RUN_RATE or risk is None:
        return RevenueValue(now, then, then - now)
    months = (committed_months(before), committed_months(after))
    horizon = max(12, *months)
    kept = Decimal(1) - risk.value
    expected = (_expected(now, months[0], horizon, kept), _expected(then, months[1], horizon, kept))
    # H is 12 × whole years (M is 1, 3, 12 or 12 × term years), so × 12 / H divides by the years
    value = Money((expected[1] - expected[0]).amount / (horizon // 12), currency).rounded()
    return RevenueValue(now, then, value, months, horizon, expected, risk)


def revenue_value(
    version: CatalogVersion,
    subscription: CurrentSubscription,
    change: ProposedChange,
    valuation: Valuation,
) -> RevenueValue:
    """The value ranking multiplies by the prior, priced by the quote engine (module docstring)."""
    before, after = configurations(version, subscription, change)
    return _valued(price_book(version), before, after, subscription.currency, valuation)


def annual_revenue_delta(
    version: CatalogVersion, subscription: CurrentSubscription, change: ProposedChange
) -> Money:
    """Run rate after ``change`` minus run rate today, priced by the quote engine (exact)."""
    return revenue_value(version, subscription, change, Valuation()).annual_delta


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
