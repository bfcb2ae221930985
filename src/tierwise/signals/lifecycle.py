"""Lifecycle stages: ordered rules over signals; the first stage whose rule holds wins.

Order and meaning (thresholds in :class:`LifecycleThresholds`):

1. ``at_risk`` — health below the line, or several red flags: a person should help first;
2. ``renewal_window`` — the paid contract term ends soon (``days_to_renewal`` is null without a
   paid contract, e.g. on a free plan, so such an account never enters this stage);
3. ``onboarding`` — a young account;
4. ``expanding`` — growing into its license: seats nearly all assigned, a limit or allowance
   nearly used, active users growing, or repeated paywall hits;
5. ``adopting`` — still spreading through the product (younger, or narrow adoption);
6. ``mature`` — everything else.

Each stage rule is a list of :class:`~tierwise.signals.conditions.Comparison` (any one suffices),
so the per-account path here and the vectorised path in the analytics engine read the same
rules. ``health_score`` and ``red_flags`` must be present in the values (see
:mod:`tierwise.signals.derived`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tierwise.signals.conditions import Comparison, SignalValues

__all__ = [
    "LifecycleStage",
    "LifecycleThresholds",
    "StageRule",
    "lifecycle_rules",
    "lifecycle_stage",
]


class LifecycleStage(StrEnum):
    ONBOARDING = "onboarding"
    ADOPTING = "adopting"
    EXPANDING = "expanding"
    MATURE = "mature"
    AT_RISK = "at_risk"
    RENEWAL_WINDOW = "renewal_window"


@dataclass(frozen=True, slots=True)
class LifecycleThresholds:
    at_risk_health_below: float = 40.0
    at_risk_red_flags: int = 2
    renewal_window_days: int = 60
    onboarding_days: int = 30
    expanding_seat_utilisation: float = 0.9
    expanding_util: float = 0.8
    expanding_growth: float = 0.2
    expanding_paywall_hits: int = 3
    adopting_days: int = 180
    adopting_breadth: float = 0.5


@dataclass(frozen=True, slots=True)
class StageRule:
    stage: LifecycleStage
    any_of: tuple[Comparison, ...]


def lifecycle_rules(
    thresholds: LifecycleThresholds = LifecycleThresholds(),
) -> tuple[StageRule, ...]:
    """The ordered stage rules; an account that matches none is ``mature``."""
    t = thresholds
    return (
        StageRule(
            LifecycleStage.AT_RISK,
            (
                Comparison("health_score", "<", t.at_risk_health_below),
                Comparison("red_flags", ">=", t.at_risk_red_flags),
            ),
        ),
        StageRule(
            LifecycleStage.RENEWAL_WINDOW,
            (Comparison("days_to_renewal", "<=", t.renewal_window_days),),
        ),
        StageRule(LifecycleStage.ONBOARDING, (Comparison("tenure_days", "<", t.onboarding_days),)),
        StageRule(
            LifecycleStage.EXPANDING,
            (
                Comparison("seat_utilisation", ">=", t.expanding_seat_utilisation),
                Comparison("util_max", ">=", t.expanding_util),
                Comparison("active_growth_30d", ">=", t.expanding_growth),
                Comparison("paywall_hits_30d", ">=", t.expanding_paywall_hits),
            ),
        ),
        StageRule(
            LifecycleStage.ADOPTING,
            (
                Comparison("tenure_days", "<", t.adopting_days),
                Comparison("adoption_breadth", "<", t.adopting_breadth),
            ),
        ),
    )


def lifecycle_stage(
    values: SignalValues, thresholds: LifecycleThresholds = LifecycleThresholds()
) -> LifecycleStage:
    """The account's stage: the first rule with a comparison that holds, else mature."""
    for rule in lifecycle_rules(thresholds):
        if any(condition.holds(values) for condition in rule.any_of):
            return rule.stage
    return LifecycleStage.MATURE
