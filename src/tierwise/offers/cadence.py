"""Cadence: rules that protect the customer's attention, each a value with its reason.

Run for an eligible offer on ``as_of`` with the account's offer history and signals:

================== ============================================================================
rule               holds when
================== ============================================================================
at_risk            the save play's ``at_risk`` condition does not fire; an at-risk account gets
                   the CSM save play instead of any upsell (:func:`save_play_for`)
quiet.signup       ``tenure_days`` ≥ ``first_days_after_signup`` (unknown tenure counts as new)
quiet.severe_ticket no open high/urgent ticket (``open_severe_tickets`` is 0 or unknown)
quiet.trial        no trial running (``on_trial`` is not true)
lifecycle          the account's ``lifecycle_stage`` may get the target's kind
frequency_cap      fewer than ``max_offers_per_30_days`` offers shown in the 30 days up to as_of
                   (days ``as_of − 29`` … ``as_of``)
cooldown           the account did not decline this offer within ``cooldown_days.declined`` days,
                   nor dismiss it within ``cooldown_days.dismissed`` days, before ``as_of``
================== ============================================================================

The quiet rules that are switched off in the playbook are not run (and not listed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tierwise.offers.checks import Checks, RuleCheck
from tierwise.offers.expression_ast import Expression
from tierwise.offers.expression_evaluation import Evaluation, evaluate, normalise_value
from tierwise.offers.playbook import Cadence, SavePlay, TargetKind

__all__ = [
    "OfferEvent",
    "OfferOutcome",
    "SavePlayRouting",
    "cadence_checks",
    "cooldown_check",
    "frequency_cap_check",
    "lifecycle_check",
    "quiet_checks",
    "save_play_for",
]

_WINDOW_DAYS = 30


class OfferOutcome(StrEnum):
    SHOWN = "shown"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class OfferEvent:
    """One entry of an account's offer history: which offer, what happened, on which day."""

    offer: str
    outcome: OfferOutcome
    on: dt.date


@dataclass(frozen=True, slots=True)
class SavePlayRouting:
    """Whether the account is at risk (a CSM gets the save play), and the clauses that said so."""

    at_risk: bool
    play: SavePlay
    evaluation: Evaluation


def save_play_for(
    play: SavePlay, at_risk: Expression, signals: Mapping[str, object]
) -> SavePlayRouting:
    """Evaluate the save play's ``at_risk`` condition (parsed) for one account."""
    evaluation = evaluate(at_risk, signals)
    return SavePlayRouting(evaluation.fired, play, evaluation)


def _number(signals: Mapping[str, object], name: str) -> Decimal | None:
    value = normalise_value(signals.get(name))
    return value if isinstance(value, Decimal) and value.is_finite() else None


def quiet_checks(cadence: Cadence, signals: Mapping[str, object]) -> Iterator[RuleCheck]:
    """The quiet periods the playbook switches on."""
    quiet = cadence.quiet
    if quiet.first_days_after_signup:
        tenure = _number(signals, "tenure_days")
        passed = tenure is not None and tenure >= quiet.first_days_after_signup
        shown = "unknown" if tenure is None else f"{tenure} days"
        yield RuleCheck(
            "quiet.signup",
            passed,
            f"tenure {shown}; quiet for the first {quiet.first_days_after_signup} days",
        )
    if quiet.open_severe_ticket:
        open_severe = _number(signals, "open_severe_tickets") or Decimal(0)
        yield RuleCheck(
            "quiet.severe_ticket",
            open_severe == 0,
            f"{open_severe} open high/urgent ticket(s)",
        )
    if quiet.running_trial:
        trial = normalise_value(signals.get("on_trial")) is True
        yield RuleCheck("quiet.trial", not trial, "a trial is running" if trial else "no trial")


def lifecycle_check(cadence: Cadence, stage: object, kind: TargetKind) -> RuleCheck:
    """Whether ``stage`` (the account's ``lifecycle_stage``) may get offers of ``kind``."""
    allowed = next((kinds for key, kinds in cadence.lifecycle.items() if key.value == stage), None)
    if allowed is None:
        return RuleCheck("lifecycle", False, f"stage {stage or 'unknown'} gets no offers")
    passed = kind in allowed
    listed = ", ".join(k.value for k in allowed) or "nothing"
    return RuleCheck("lifecycle", passed, f"stage {stage} gets {listed}; this is {kind.value}")


def frequency_cap_check(
    cadence: Cadence, history: Iterable[OfferEvent], as_of: dt.date
) -> RuleCheck:
    """Fewer offers shown in the 30 days up to ``as_of`` than the cap."""
    since = as_of - dt.timedelta(days=_WINDOW_DAYS - 1)
    shown = sum(
        1 for event in history if event.outcome is OfferOutcome.SHOWN and since <= event.on <= as_of
    )
    cap = cadence.max_offers_per_30_days
    return RuleCheck(
        "frequency_cap", shown < cap, f"{shown} shown since {since.isoformat()}, cap {cap}"
    )


def cooldown_check(
    cadence: Cadence, offer: str, history: Iterable[OfferEvent], as_of: dt.date
) -> RuleCheck:
    """No decline or dismissal of ``offer`` within its cool-down before ``as_of``."""
    days = {
        OfferOutcome.DECLINED: cadence.cooldown_days.declined,
        OfferOutcome.DISMISSED: cadence.cooldown_days.dismissed,
    }
    blocking = [
        event
        for event in history
        if event.offer == offer
        and event.outcome in days
        and event.on <= as_of
        and (as_of - event.on).days < days[event.outcome]
    ]
    if not blocking:
        return RuleCheck("cooldown", True, f"{offer} not declined or dismissed recently")
    last = max(blocking, key=lambda event: (event.on, event.outcome.value))
    until = last.on + dt.timedelta(days=days[last.outcome])
    return RuleCheck(
        "cooldown",
        False,
        f"{offer} {last.outcome.value} on {last.on.isoformat()}; quiet until {until.isoformat()}",
    )


def cadence_checks(
    cadence: Cadence,
    offer: str,
    kind: TargetKind,
    routing: SavePlayRouting,
    signals: Mapping[str, object],
    history: Iterable[OfferEvent],
    as_of: dt.date,
) -> Checks:
    """Every cadence rule for one offer and account (see the module table)."""
    events = tuple(history)
    fired = "; ".join(c.detail for c in routing.evaluation.clauses if c.passed)
    return Checks.of(
        (
            RuleCheck(
                "at_risk",
                not routing.at_risk,
                f"at risk ({fired}): {routing.play.name} instead"
                if routing.at_risk
                else "not at risk",
            ),
            *quiet_checks(cadence, signals),
            lifecycle_check(cadence, signals.get("lifecycle_stage"), kind),
            frequency_cap_check(cadence, events, as_of),
            cooldown_check(cadence, offer, events, as_of),
        )
    )
