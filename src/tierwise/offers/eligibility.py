"""Eligibility: may this account get this offer at all? Every rule, for and against.

Run after the trigger fired (and before cadence), for one account on ``as_of``. Each rule answers
a :class:`~tierwise.offers.checks.RuleCheck`; the offer is eligible when all of them hold:

=================== ===========================================================================
rule                holds when
=================== ===========================================================================
status              the offer is active (draft, approved and retired offers are never decided)
validity            ``as_of`` is inside the offer's validity window
audience.<name>     for each audience list given: the account's value is in it (plans, industries,
                    size_bands, regions, roles, lifecycle_stages)
not_already_there   the account does not have the target yet: not on that plan or a higher one,
                    add-on not owned or included, not billed yearly, term not as long already,
                    fewer seats than the target
add_on_available    (add-ons) the add-on is sold for the current plan
change_policy       the catalog's plan-change policy does not make the move ILLEGAL (names the case)
trial_window        (trial incentives) the target plan has a trial policy and the account has not
                    started a trial within its ``once_per_months``
=================== ===========================================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal

from tierwise.catalog.model import BillingInterval, CatalogVersion, ChangeTiming
from tierwise.offers.checks import Checks, RuleCheck
from tierwise.offers.expression_evaluation import normalise_value, show_value
from tierwise.offers.playbook import (
    AddOnTarget,
    AnnualIntervalTarget,
    Audience,
    BundleTarget,
    MoreSeatsTarget,
    MultiYearTermTarget,
    Offer,
    OfferStatus,
    PlanTarget,
    TrialIncentive,
)
from tierwise.offers.targets import seats_wanted, target_plan
from tierwise.pricing.change_policy import classify_change, timing_for
from tierwise.pricing.periods import add_months
from tierwise.pricing.quotes import CurrentSubscription

__all__ = [
    "audience_checks",
    "change_policy_check",
    "eligibility",
    "not_already_there",
    "trial_window_check",
]

#: Audience list → the signal holding the account's value.
_AUDIENCE_SIGNALS = (
    ("plans", "plan"),
    ("industries", "industry"),
    ("size_bands", "size_band"),
    ("regions", "region"),
    ("roles", "role_mix"),
    ("lifecycle_stages", "lifecycle_stage"),
)


def audience_checks(
    audience: Audience, subscription: CurrentSubscription, signals: Mapping[str, object]
) -> Iterator[RuleCheck]:
    """One check per audience list that is given (an empty list means anyone)."""
    for field, signal in _AUDIENCE_SIGNALS:
        allowed = tuple(str(value) for value in getattr(audience, field))
        if not allowed:
            continue
        value = subscription.plan if field == "plans" else signals.get(signal)
        passed = isinstance(value, str) and value in allowed
        shown = value if isinstance(value, str) else "unknown"
        verb = "in" if passed else "not in"
        yield RuleCheck(f"audience.{field}", passed, f"{signal} {shown} {verb} {list(allowed)}")


def not_already_there(
    version: CatalogVersion,
    offer: Offer,
    subscription: CurrentSubscription,
    signals: Mapping[str, object],
) -> Iterator[RuleCheck]:
    """Whether the account already has what the offer proposes (and add-on availability)."""
    target = offer.target
    rule = "not_already_there"
    if isinstance(target, PlanTarget | BundleTarget):
        plan = target_plan(version, target, subscription.plan)
        have, want = version.plans[subscription.plan].rank, version.plans[plan].rank
        if isinstance(target, BundleTarget):
            missing = [
                key
                for key in version.bundles[target.bundle].add_ons
                if key not in subscription.add_ons
            ]
            there = subscription.plan == plan and not missing
            detail = (
                f"already on {plan} with {', '.join(version.bundles[target.bundle].add_ons)}"
                if there
                else f"on {subscription.plan}; the bundle adds {plan} "
                f"with {', '.join(missing) or 'nothing more'}"
            )
            yield RuleCheck(rule, not there and have <= want, detail)
            return
        passed = have < want
        detail = (
            f"on {subscription.plan} (rank {have}), {plan} is rank {want}"
            if passed
            else f"already on {subscription.plan} (rank {have}), not below {plan} (rank {want})"
        )
        yield RuleCheck(rule, passed, detail)
    elif isinstance(target, AddOnTarget):
        add_on = version.add_ons[target.add_on]
        owned = target.add_on in subscription.add_ons
        included = subscription.plan in add_on.included_in
        detail = (
            f"already has {target.add_on}"
            if owned
            else f"{subscription.plan} includes {target.add_on}"
            if included
            else f"does not have {target.add_on}"
        )
        yield RuleCheck(rule, not owned and not included, detail)
        sold = subscription.plan in add_on.available_for
        yield RuleCheck(
            "add_on_available",
            sold or included,
            f"{target.add_on} is {'' if sold else 'not '}sold for {subscription.plan}",
        )
    elif isinstance(target, MoreSeatsTarget):
        assigned = normalise_value(signals.get("seats_assigned"))
        count = int(assigned) if isinstance(assigned, Decimal) and assigned.is_finite() else 0
        wanted = seats_wanted(target, subscription.seats, count)
        passed = wanted > subscription.seats
        yield RuleCheck(
            rule,
            passed,
            f"{subscription.seats} seats, {count} assigned; the target is {wanted} seats",
        )
    elif isinstance(target, AnnualIntervalTarget):
        yearly = subscription.interval is BillingInterval.YEAR
        yield RuleCheck(rule, not yearly, f"billed {subscription.interval.value}ly")
    else:
        assert isinstance(target, MultiYearTermTarget)
        passed = subscription.term_years < target.years
        yield RuleCheck(
            rule, passed, f"term {subscription.term_years} year(s), offer {target.years} years"
        )


def change_policy_check(
    version: CatalogVersion, offer: Offer, subscription: CurrentSubscription
) -> RuleCheck:
    """The catalog's change policy for the move: ILLEGAL fails and names the case."""
    target = offer.target
    to_interval = (
        BillingInterval.YEAR if isinstance(target, AnnualIntervalTarget) else subscription.interval
    )
    to_term = target.years if isinstance(target, MultiYearTermTarget) else subscription.term_years
    kind = classify_change(
        version,
        from_plan=subscription.plan,
        to_plan=target_plan(version, target, subscription.plan),
        from_interval=subscription.interval,
        to_interval=to_interval,
        from_term_years=subscription.term_years,
        to_term_years=to_term,
    )
    rule = timing_for(version, kind)
    return RuleCheck("change_policy", rule.timing is not ChangeTiming.ILLEGAL, rule.explanation())


def trial_window_check(
    version: CatalogVersion,
    offer: Offer,
    subscription: CurrentSubscription,
    signals: Mapping[str, object],
    as_of: dt.date,
) -> RuleCheck:
    """A trial incentive needs a trial policy and no trial started within its window.

    The last trial started ``trial_used_days_ago`` days before ``as_of``; a new one may start
    from that day plus ``once_per_months`` calendar months.
    """
    plan_key = target_plan(version, offer.target, subscription.plan)
    policy = version.plans[plan_key].trial
    if policy is None:
        return RuleCheck("trial_window", False, f"{plan_key} has no trial policy")
    days_ago = normalise_value(signals.get("trial_used_days_ago"))
    if not isinstance(days_ago, Decimal) or not days_ago.is_finite():
        return RuleCheck("trial_window", True, "no trial started before")
    started = as_of - dt.timedelta(days=int(days_ago))
    allowed_from = add_months(started, policy.once_per_months)
    passed = as_of >= allowed_from
    detail = (
        f"last trial started {started.isoformat()} ({show_value(days_ago)} days ago); one "
        f"trial per {policy.once_per_months} months, so the next from {allowed_from.isoformat()}"
    )
    return RuleCheck("trial_window", passed, detail)


def eligibility(
    version: CatalogVersion,
    offer: Offer,
    subscription: CurrentSubscription,
    signals: Mapping[str, object],
    as_of: dt.date,
) -> Checks:
    """Every eligibility rule of ``offer`` for one account (see the module table)."""
    checks = [
        RuleCheck("status", offer.status is OfferStatus.ACTIVE, f"status {offer.status.value}"),
        RuleCheck(
            "validity",
            offer.valid.contains(as_of),
            f"{as_of.isoformat()} in [{offer.valid.starts or 'open'}, "
            f"{offer.valid.ends or 'open'}]",
        ),
        *audience_checks(offer.audience, subscription, signals),
        *not_already_there(version, offer, subscription, signals),
        change_policy_check(version, offer, subscription),
    ]
    if isinstance(offer.incentive, TrialIncentive):
        checks.append(trial_window_check(version, offer, subscription, signals, as_of))
    return Checks.of(checks)
