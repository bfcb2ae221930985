"""The signal registry: every per-account signal a trigger may name, with its type and meaning.

Signals form one flat row per account as of a date (``as_of``). Triggers in the playbook name them
directly (``util_projects >= 0.8 and paywall_sso >= 3``), so names are plain identifiers: no
attribute access, no calls. Per-feature signals are named ``<prefix>_<feature key>`` for every
feature of the catalog of the matching kind, e.g. ``util_projects`` or ``runout_days_api_calls``.

This module is the contract between the analytics engine that computes signals and the playbook
that reads them; both check names against :func:`signal_names`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tierwise.catalog.model import CatalogVersion, FeatureKind

__all__ = [
    "ACCOUNT_SIGNALS",
    "FEATURE_SIGNALS",
    "SignalDefinition",
    "SignalType",
    "signal_definitions",
    "signal_names",
]


class SignalType(StrEnum):
    NUMBER = "number"  # int or decimal; missing is null
    BOOLEAN = "boolean"
    TEXT = "text"  # a label such as a plan key, an industry or a lifecycle stage
    DATE = "date"


@dataclass(frozen=True, slots=True)
class SignalDefinition:
    name: str
    type: SignalType
    description: str


def _n(name: str, description: str) -> SignalDefinition:
    return SignalDefinition(name, SignalType.NUMBER, description)


def _t(name: str, description: str) -> SignalDefinition:
    return SignalDefinition(name, SignalType.TEXT, description)


def _b(name: str, description: str) -> SignalDefinition:
    return SignalDefinition(name, SignalType.BOOLEAN, description)


#: Signals every account has, whatever the catalog.
ACCOUNT_SIGNALS: tuple[SignalDefinition, ...] = (
    # who and what
    _t("plan", "Key of the paid plan of the subscription in force."),
    _n("plan_rank", "Rank of that plan in the catalog's tier ladder."),
    _t("interval", "Billing interval: month, quarter or year."),
    _n("term_years", "Contract term in years."),
    _t("industry", "Industry of the account (from the ledger)."),
    _t("region", "Region of the account."),
    _t("size_band", "Company size band: 1-10, 11-50, 51-200, 201-1000, 1000+."),
    _t("role_mix", "The most common role among active users (e.g. engineer, it_admin)."),
    _t("status", "Subscription status: trialing, active, suspended, canceled, expired."),
    _b("on_trial", "A trial of a higher tier is running."),
    _n("trial_used_days_ago", "Days since the last trial started; null if never."),
    # seats and activity
    _n("seats", "Seats bought."),
    _n("seats_assigned", "Named seats assigned."),
    _n("seat_utilisation", "seats_assigned / seats (0..1+, over 1 when over-assigned)."),
    _n("dau", "Distinct active users on the as-of day."),
    _n("wau", "Distinct active users in the 7 days up to as-of."),
    _n("mau", "Distinct active users in the 30 days up to as-of."),
    _n("active_growth_30d", "mau / mau of the prior 30 days − 1 (0.25 means 25 % growth)."),
    _n("usage_events_30d", "Usage events in the last 30 days."),
    _n("usage_change_30d", "Usage events in the last 30 days / the prior 30 days − 1."),
    _n("features_adopted", "Features used at least once in the last 30 days."),
    _n("adoption_breadth", "features_adopted / features the plan entitles (0..1)."),
    _n("milestones_reached", "Onboarding milestones of the playbook reached so far."),
    _n(
        "paywall_hits_30d",
        "Denied checks and soft-limit entries, last 30 days, all features.",
    ),
    # support, satisfaction, payments
    _n("tickets_30d", "Support tickets opened in the last 30 days."),
    _n("open_severe_tickets", "Open support tickets of high or urgent severity."),
    _n("nps", "Latest NPS answer (0..10); null if none."),
    _n("csat", "Latest CSAT answer (1..5); null if none."),
    _n("failed_payments_30d", "Failed payments in the last 30 days."),
    _n("champion_inactive_days", "Days since the account's champion was last active."),
    # time
    _n("tenure_days", "Days since the account's first subscription started."),
    _n(
        "days_to_renewal",
        "Days until the paid contract term ends; null without one (a free plan).",
    ),
    # offers
    _n("last_offer_days_ago", "Days since an offer was last shown; null if never."),
    _t("last_offer_outcome", "Outcome of the last offer: shown, accepted, declined, dismissed."),
    _n("offers_shown_30d", "Offers shown in the last 30 days."),
    # derived by rules
    _t("lifecycle_stage", "onboarding, adopting, expanding, mature, at_risk or renewal_window."),
    _t("segment", "The first segment rule the account matches (e.g. smb, mid_market)."),
    _n("util_max", "The highest util_<feature> of the account; null if none is limited."),
    _n("health_score", "Weighted health score, 0..100."),
    _n("red_flags", "Number of red flags raised."),
)

#: Per-feature signal templates: (prefix, the feature kinds it applies to, description).
FEATURE_SIGNALS: tuple[tuple[str, frozenset[FeatureKind], SignalType, str], ...] = (
    (
        "usage",
        frozenset({FeatureKind.LIMIT, FeatureKind.METERED}),
        SignalType.NUMBER,
        "Current gauge value (limit) or usage in the current meter window (metered).",
    ),
    (
        "limit",
        frozenset({FeatureKind.LIMIT, FeatureKind.METERED}),
        SignalType.NUMBER,
        "Entitled limit or allowance; null when unlimited.",
    ),
    (
        "util",
        frozenset({FeatureKind.LIMIT, FeatureKind.METERED}),
        SignalType.NUMBER,
        "usage / limit (0..1+); null when unlimited.",
    ),
    (
        "trend",
        frozenset({FeatureKind.LIMIT, FeatureKind.METERED}),
        SignalType.NUMBER,
        "Change of util over the last 30 days (0.2 means 20 points more).",
    ),
    (
        "runout_days",
        frozenset({FeatureKind.METERED}),
        SignalType.NUMBER,
        "Days until the allowance runs out at the current rate; null if it will not this window.",
    ),
    (
        "paywall",
        frozenset(FeatureKind),
        SignalType.NUMBER,
        "Denied checks and soft-limit entries for the feature in the last 30 days.",
    ),
    (
        "entitled",
        frozenset(FeatureKind),
        SignalType.BOOLEAN,
        "The account is entitled to the feature now.",
    ),
)


def signal_definitions(version: CatalogVersion) -> tuple[SignalDefinition, ...]:
    """Every signal for accounts sold under ``version``: account signals, then per feature."""
    per_feature = [
        SignalDefinition(f"{prefix}_{key}", kind, f"{description} ({feature.name})")
        for prefix, kinds, kind, description in FEATURE_SIGNALS
        for key, feature in version.features.items()
        if feature.kind in kinds
    ]
    return (*ACCOUNT_SIGNALS, *per_feature)


def signal_names(definitions: Iterable[SignalDefinition]) -> frozenset[str]:
    return frozenset(d.name for d in definitions)
