"""Cadence rules, each with a case for and a case against; at-risk accounts get the save play."""

from __future__ import annotations

import datetime as dt

import pytest

from tierwise.offers.cadence import (
    OfferEvent,
    OfferOutcome,
    cadence_checks,
    cooldown_check,
    frequency_cap_check,
    lifecycle_check,
    quiet_checks,
    save_play_for,
)
from tierwise.offers.playbook import Playbook, TargetKind
from tierwise.offers.playbook_rules import PlaybookCheck

AS_OF = dt.date(2026, 3, 31)
SHOWN = OfferOutcome.SHOWN


def days_ago(days: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days)


def test_frequency_cap_counts_offers_shown_in_the_last_30_days(playbook: Playbook) -> None:
    # given: the cap is 2; the window is 2026-03-02 .. 2026-03-31
    cadence = playbook.cadence
    one_in = [OfferEvent("a", SHOWN, days_ago(29)), OfferEvent("b", SHOWN, days_ago(30))]
    two_in = [OfferEvent("a", SHOWN, days_ago(29)), OfferEvent("b", SHOWN, days_ago(0))]

    # when / then
    assert frequency_cap_check(cadence, one_in, AS_OF).passed
    against = frequency_cap_check(cadence, two_in, AS_OF)
    assert not against.passed
    assert against.detail == "2 shown since 2026-03-02, cap 2"


@pytest.mark.parametrize(
    ("outcome", "ago", "passed"),
    [
        (OfferOutcome.DECLINED, 44, False),  # cool-down 45 days after a decline
        (OfferOutcome.DECLINED, 45, True),
        (OfferOutcome.DISMISSED, 13, False),  # 14 days after a dismissal
        (OfferOutcome.DISMISSED, 14, True),
        (OfferOutcome.ACCEPTED, 1, True),
    ],
)
def test_cooldown_after_a_decline_or_dismissal_of_the_same_offer(
    playbook: Playbook, outcome: OfferOutcome, ago: int, passed: bool
) -> None:
    # given
    history = [OfferEvent("x", outcome, days_ago(ago)), OfferEvent("y", outcome, AS_OF)]

    # when
    check = cooldown_check(playbook.cadence, "x", history, AS_OF)

    # then
    assert check.passed is passed


def test_cooldown_says_until_when(playbook: Playbook) -> None:
    # when: declined 2026-03-01, so quiet until 2026-03-01 + 45 days = 2026-04-15
    check = cooldown_check(
        playbook.cadence, "x", [OfferEvent("x", OfferOutcome.DECLINED, dt.date(2026, 3, 1))], AS_OF
    )

    # then
    assert check.detail == "x declined on 2026-03-01; quiet until 2026-04-15"


@pytest.mark.parametrize(
    ("signals", "failed"),
    [
        ({"tenure_days": 21, "open_severe_tickets": 0, "on_trial": False}, []),
        ({"tenure_days": 20}, ["quiet.signup"]),  # first 21 days are quiet
        ({}, ["quiet.signup"]),  # unknown tenure counts as new
        ({"tenure_days": 400, "open_severe_tickets": 1}, ["quiet.severe_ticket"]),
        ({"tenure_days": 400, "on_trial": True}, ["quiet.trial"]),
    ],
)
def test_quiet_periods(playbook: Playbook, signals: dict[str, object], failed: list[str]) -> None:
    # when
    checks = list(quiet_checks(playbook.cadence, signals))

    # then
    assert [c.rule for c in checks if not c.passed] == failed


def test_quiet_periods_switched_off_are_not_run(playbook: Playbook) -> None:
    # given
    quiet = playbook.cadence.quiet.model_copy(
        update={"first_days_after_signup": 0, "open_severe_ticket": False, "running_trial": False}
    )
    cadence = playbook.cadence.model_copy(update={"quiet": quiet})

    # when / then
    assert list(quiet_checks(cadence, {"on_trial": True})) == []


@pytest.mark.parametrize(
    ("stage", "kind", "passed"),
    [
        ("expanding", TargetKind.PLAN, True),
        ("adopting", TargetKind.PLAN, False),
        ("renewal_window", TargetKind.MULTI_YEAR_TERM, True),
        ("onboarding", TargetKind.ADD_ON, False),
        (None, TargetKind.ADD_ON, False),
    ],
)
def test_lifecycle_alignment(
    playbook: Playbook, stage: str | None, kind: TargetKind, passed: bool
) -> None:
    # when / then
    assert lifecycle_check(playbook.cadence, stage, kind).passed is passed


def test_an_at_risk_account_gets_the_save_play_instead_of_an_upsell(
    playbook: Playbook, checked_playbook: PlaybookCheck
) -> None:
    # given
    assert checked_playbook.conditions is not None
    at_risk = checked_playbook.conditions.at_risk
    signals = {
        "health_score": 35,
        "tenure_days": 400,
        "lifecycle_stage": "expanding",
        "open_severe_tickets": 0,
    }

    # when
    routing = save_play_for(playbook.save_play, at_risk, signals)
    checks = cadence_checks(
        playbook.cadence, "business_for_sso", TargetKind.PLAN, routing, signals, [], AS_OF
    )

    # then
    assert routing.at_risk
    assert routing.play.name == "Health check before anything else"
    assert [c.rule for c in checks.failed] == ["at_risk"]
    assert "health_score = 35 < 40 ✓" in checks.failed[0].detail


def test_a_healthy_account_passes_every_cadence_rule(
    playbook: Playbook, checked_playbook: PlaybookCheck
) -> None:
    # given
    assert checked_playbook.conditions is not None
    signals = {
        "health_score": 82,
        "tenure_days": 400,
        "lifecycle_stage": "expanding",
        "open_severe_tickets": 0,
        "failed_payments_30d": 0,
        "nps": 9,
    }
    routing = save_play_for(playbook.save_play, checked_playbook.conditions.at_risk, signals)

    # when
    checks = cadence_checks(
        playbook.cadence, "business_for_sso", TargetKind.PLAN, routing, signals, [], AS_OF
    )

    # then
    assert not routing.at_risk
    assert checks.passed
    assert [c.rule for c in checks.checks] == [
        "at_risk",
        "quiet.signup",
        "quiet.severe_ticket",
        "quiet.trial",
        "lifecycle",
        "frequency_cap",
        "cooldown",
    ]
