"""Trials of a higher tier: start, convert, revert, end at tick; nothing of the customer's lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tierwise.errors import InvalidInput, TransitionNotAllowed
from tierwise.services.commands import (
    AssignSeat,
    ChangeSubscription,
    ConvertTrial,
    GrantEntitlement,
    RevertTrial,
    StartTrial,
    Tick,
)
from tierwise.services.ledger import Ledger

Open = Callable[..., str]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_trial_start_then_revert_keeps_everything(ledger: Ledger, open_subscription: Open) -> None:
    # given a Team subscription with an add-on, settings, named seats and a grant
    sub_id = open_subscription(
        "team", seats=5, add_ons=("automation_pack",), settings={"sso_domain": "acme.test"}
    )
    for user in ("ana@acme.test", "bo@acme.test"):
        ledger.handle(AssignSeat(at=at("2026-03-11"), subscription_id=sub_id, user=user))
    ledger.handle(
        GrantEntitlement(
            at=at("2026-03-11"),
            subscription_id=sub_id,
            feature="api_calls",
            value=5000,
            starts=at("2026-03-11"),
            ends=at("2026-06-01"),
            reason="migration",
        )
    )
    account = ledger.history(sub_id)[0].account_id
    page_before = ledger.account_page(account, at("2026-03-12"))

    # when a Business trial starts and is reverted
    ledger.handle(StartTrial(at=at("2026-03-12"), subscription_id=sub_id, plan="business"))
    during = ledger.account_page(account, at("2026-03-13"))
    ledger.handle(RevertTrial(at=at("2026-03-14"), subscription_id=sub_id))
    page_after = ledger.account_page(account, at("2026-03-12"))

    # then entitlements were raised during the trial (SSO is a Business feature)...
    assert during["entitlements"]["values"]["sso"] is True
    assert page_before["entitlements"]["values"]["sso"] is False
    # ...and afterwards the subscription, seats, account and entitlements are as before
    before_sub = page_before["subscriptions"][0]
    after_sub = page_after["subscriptions"][0]
    ignored = {"version", "last_trial_at"}
    assert {k: v for k, v in after_sub["subscription"].items() if k not in ignored} == {
        k: v for k, v in before_sub["subscription"].items() if k not in ignored
    }
    assert after_sub["seats"] == before_sub["seats"]
    assert page_after["account"] == page_before["account"]
    assert page_after["entitlements"]["values"] == page_before["entitlements"]["values"]


def test_trial_convert_buys_the_tried_plan_at_a_prorated_price(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given Team × 5 (2026-03-10 .. 2026-04-10, 31 days) trying Business from 2026-03-12
    sub_id = open_subscription("team", seats=5)
    ledger.handle(StartTrial(at=at("2026-03-12"), subscription_id=sub_id, plan="business"))

    # when converted on 2026-03-25
    receipt = ledger.handle(ConvertTrial(at=at("2026-03-25"), subscription_id=sub_id))

    # then: 16 of 31 days left: −60.00 × 16/31 = −30.97; +125.00 × 16/31 = 64.52; due 33.55
    quote = receipt.data["quote"]
    assert isinstance(quote, dict)
    assert quote["due_now"] == "33.55"
    after = receipt.data["subscription"]
    assert isinstance(after, dict)
    assert (after["status"], after["terms"]["plan"], after["trial"]) == ("active", "business", None)


def test_trial_end_reverts_unless_agreed_to_convert(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given two trials of 14 days from 2026-03-12
    reverting = open_subscription("team", seats=5)
    converting = open_subscription("team", seats=6)
    ledger.handle(StartTrial(at=at("2026-03-12"), subscription_id=reverting, plan="business"))
    ledger.handle(
        StartTrial(
            at=at("2026-03-12"), subscription_id=converting, plan="business", convert_at_end=True
        )
    )

    # when tick runs after 2026-03-26
    receipt = ledger.handle(Tick(at=at("2026-03-26T00:00:01")))

    # then
    steps = {(s["subscription_id"], s["transition"]) for s in receipt.data["applied"]}
    assert steps == {(reverting, "trial.revert"), (converting, "trial.convert")}
    assert ledger.history(reverting, limit=1)[0].after["terms"]["plan"] == "team"
    assert ledger.history(converting, limit=1)[0].after["terms"]["plan"] == "business"


def test_trials_are_of_a_higher_tier_and_once_per_policy_window(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given
    sub_id = open_subscription("business", seats=5)

    # when / then: Team is lower; a second Enterprise trial within 24 months is refused
    with pytest.raises(InvalidInput):
        ledger.handle(StartTrial(at=at("2026-03-12"), subscription_id=sub_id, plan="team"))
    ledger.handle(StartTrial(at=at("2026-03-12"), subscription_id=sub_id, plan="enterprise"))
    ledger.handle(RevertTrial(at=at("2026-03-13"), subscription_id=sub_id))
    with pytest.raises(TransitionNotAllowed):
        ledger.handle(StartTrial(at=at("2026-05-01"), subscription_id=sub_id, plan="enterprise"))


def test_changing_the_paid_terms_during_a_trial_keeps_the_trial(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given
    sub_id = open_subscription("team", seats=5)
    ledger.handle(StartTrial(at=at("2026-03-12"), subscription_id=sub_id, plan="business"))

    # when
    receipt = ledger.handle(
        ChangeSubscription(at=at("2026-03-13"), subscription_id=sub_id, seats=7)
    )

    # then
    after = receipt.data["subscription"]
    assert isinstance(after, dict)
    assert after["status"] == "trialing"
    assert after["terms"]["seats"] == 7
    assert after["trial"]["plan"] == "business"
