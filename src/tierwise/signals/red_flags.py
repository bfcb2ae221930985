"""Red flags: plain warnings about an account, each with the evidence that raised it.

A flag is raised when its signal crosses a threshold; the thresholds are one frozen
configuration (:class:`RedFlagThresholds`) from which :func:`red_flag_rules` builds the rules
both evaluation paths read. A flag carries the values of its evidence signals, so a CSM sees
"NPS 3 (answered 12 days ago)" rather than a bare "detractor".
"""

from __future__ import annotations

from dataclasses import dataclass

from tierwise.signals.conditions import Comparison, SignalValue, SignalValues

__all__ = ["RedFlag", "RedFlagRule", "RedFlagThresholds", "red_flag_rules", "red_flags"]


@dataclass(frozen=True, slots=True)
class RedFlagThresholds:
    """Where each flag starts."""

    usage_drop: float = -0.3  # usage_change_30d at or below: usage fell by 30 % or more
    severe_open_tickets: int = 1  # open high or urgent tickets, at least
    detractor_nps: int = 6  # latest NPS at or below
    failed_payments: int = 1  # failed payments in 30 days, at least
    champion_inactive_days: int = 30  # days since the champion was last active, at least


@dataclass(frozen=True, slots=True)
class RedFlagRule:
    code: str
    label: str
    condition: Comparison
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RedFlag:
    code: str
    label: str
    evidence: tuple[tuple[str, SignalValue], ...]


def red_flag_rules(thresholds: RedFlagThresholds = RedFlagThresholds()) -> tuple[RedFlagRule, ...]:
    t = thresholds
    return (
        RedFlagRule(
            "usage_drop",
            f"Usage fell by {-t.usage_drop:.0%} or more against the prior 30 days",
            Comparison("usage_change_30d", "<=", t.usage_drop),
            ("usage_change_30d", "usage_events_30d"),
        ),
        RedFlagRule(
            "severe_open_tickets",
            "High or urgent support tickets are open",
            Comparison("open_severe_tickets", ">=", t.severe_open_tickets),
            ("open_severe_tickets", "tickets_30d"),
        ),
        RedFlagRule(
            "detractor_nps",
            f"The latest NPS answer is a detractor ({t.detractor_nps} or less)",
            Comparison("nps", "<=", t.detractor_nps),
            ("nps",),
        ),
        RedFlagRule(
            "failed_payments",
            "Payments failed in the last 30 days",
            Comparison("failed_payments_30d", ">=", t.failed_payments),
            ("failed_payments_30d",),
        ),
        RedFlagRule(
            "champion_inactive",
            f"The champion has not been active for {t.champion_inactive_days} days or more",
            Comparison("champion_inactive_days", ">=", t.champion_inactive_days),
            ("champion_inactive_days",),
        ),
    )


def red_flags(
    values: SignalValues, thresholds: RedFlagThresholds = RedFlagThresholds()
) -> tuple[RedFlag, ...]:
    """The flags the account raises, in rule order, with their evidence values."""
    return tuple(
        RedFlag(rule.code, rule.label, tuple((name, values.get(name)) for name in rule.evidence))
        for rule in red_flag_rules(thresholds)
        if rule.condition.holds(values)
    )
