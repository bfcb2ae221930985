"""Subscription transitions through the service layer, on the in-memory unit of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tierwise.errors import (
    ChangeNotAllowed,
    ConcurrentChange,
    InvalidInput,
    NotFound,
    SeatsOutOfRange,
    TierwiseError,
    TransitionNotAllowed,
    UnknownPlan,
)
from tierwise.services.commands import (
    CancelSubscription,
    ChangeSubscription,
    CreateSubscription,
    ReinstateSubscription,
    RenewSubscription,
    RestoreSubscription,
    RevokeSubscription,
    SuspendSubscription,
    Tick,
    UndoScheduledChange,
)
from tierwise.services.ledger import Ledger
from tierwise.testing.ledger import MemoryStore

Open = Callable[..., str]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def subscription(ledger: Ledger, sub_id: str) -> dict[str, Any]:
    entry = ledger.history(sub_id, limit=1)[0]
    return entry.after


def test_create_charges_one_full_first_period(ledger: Ledger, open_subscription: Open) -> None:
    # given / when: Team, 5 seats, monthly, USD, from 2026-03-10
    sub_id = open_subscription("team", seats=5)

    # then: 5 seats × 12.00 = 60.00 due now, for 2026-03-10 to 2026-04-10
    entry = ledger.history(sub_id)[0]
    assert entry.transition == "create"
    assert entry.version == 1
    assert entry.quote is not None
    assert entry.quote["due_now"] == "60.00"
    assert entry.after["period_end"] == "2026-04-10"
    assert entry.after["term_end"] == "2027-03-10"
    assert entry.after["catalog_version"] == "2026.1"


def test_immediate_upgrade_is_prorated_by_the_quote_engine(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given Team × 5 for the period 2026-03-10 .. 2026-04-10 (31 days)
    sub_id = open_subscription("team", seats=5)
    change = ChangeSubscription(at=at("2026-03-25"), subscription_id=sub_id, plan="business")

    # when
    preview = ledger.preview_change(change)
    receipt = ledger.handle(change)

    # then: 16 unused days (Mar 25 .. Apr 10):
    #   credit Team   60.00 × 16/31 = 30.967… → −30.97
    #   charge Business 5 × 25.00 = 125.00 × 16/31 = 64.516… → 64.52
    #   due now 64.52 − 30.97 = 33.55
    quote = receipt.data["quote"]
    assert isinstance(quote, dict)
    assert quote["timing"] == "immediate"
    assert [line["amount"] for line in quote["lines"]] == ["-30.97", "64.52"]
    assert quote["due_now"] == "33.55"
    assert preview["quote"] == quote
    after = receipt.data["subscription"]
    assert isinstance(after, dict)
    assert after["terms"]["plan"] == "business"
    assert preview["subscription"] == after
    assert ledger.history(sub_id)[0].quote == quote


def test_downgrade_is_scheduled_undone_and_rescheduled_then_applied_by_tick(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given Business × 10
    sub_id = open_subscription("business", seats=10)
    down = ChangeSubscription(at=at("2026-03-20"), subscription_id=sub_id, plan="team")

    # when the downgrade is asked for, undone, asked for again
    scheduled = ledger.handle(down)
    ledger.handle(UndoScheduledChange(at=at("2026-03-21"), subscription_id=sub_id))
    ledger.handle(ChangeSubscription(at=at("2026-03-22"), subscription_id=sub_id, plan="team"))

    # then it waits for the period end, with nothing due now
    quote = scheduled.data["quote"]
    assert isinstance(quote, dict)
    assert quote["timing"] == "end_of_term"
    assert quote["due_now"] == "0.00"
    assert subscription(ledger, sub_id)["terms"]["plan"] == "business"

    # when tick runs after the period end, twice
    first = ledger.handle(Tick(at=at("2026-04-10T00:01")))
    second = ledger.handle(Tick(at=at("2026-04-10T00:02")))

    # then the change applied once, at 2026-04-10, and the second tick did nothing
    assert [step["transition"] for step in first.data["applied"]] == ["change"]
    assert second.data["applied"] == []
    now = subscription(ledger, sub_id)
    assert now["terms"]["plan"] == "team"
    assert now["period_start"] == "2026-04-10"
    assert now["pending_change"] is None


def test_tick_rolls_periods_and_renews_at_term_end(ledger: Ledger, open_subscription: Open) -> None:
    # given a one-year monthly subscription from 2026-03-10
    sub_id = open_subscription("team", seats=3)

    # when tick runs two days after the term
    receipt = ledger.handle(Tick(at=at("2027-03-12")))

    # then 12 periods rolled (Apr 10 .. Feb 10 = 11 roll-overs) plus the renewal and its period
    steps = [s["transition"] for s in receipt.data["applied"]]
    assert steps.count("period") == 12
    assert steps.count("renew") == 1
    now = subscription(ledger, sub_id)
    assert now["term_end"] == "2028-03-10"
    assert now["period_start"] == "2027-03-10"


def test_term_end_without_auto_renew_expires_and_renew_reactivates(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given
    sub_id = open_subscription("team", seats=3, auto_renew=False)

    # when
    ledger.handle(Tick(at=at("2027-03-10")))

    # then
    assert subscription(ledger, sub_id)["status"] == "expired"
    with pytest.raises(TransitionNotAllowed):
        ledger.handle(SuspendSubscription(at=at("2027-03-11"), subscription_id=sub_id, reason="x"))

    # when renewed
    ledger.handle(RenewSubscription(at=at("2027-04-02"), subscription_id=sub_id))

    # then a new term starts that day
    now = subscription(ledger, sub_id)
    assert (now["status"], now["term_end"], now["period_start"]) == (
        "active",
        "2028-04-02",
        "2027-04-02",
    )


def test_suspend_and_reinstate(ledger: Ledger, open_subscription: Open) -> None:
    # given
    sub_id = open_subscription()

    # when / then
    ledger.handle(
        SuspendSubscription(at=at("2026-03-11"), subscription_id=sub_id, reason="unpaid invoice")
    )
    assert subscription(ledger, sub_id)["status"] == "suspended"
    with pytest.raises(TransitionNotAllowed):
        ledger.handle(SuspendSubscription(at=at("2026-03-12"), subscription_id=sub_id, reason="x"))
    ledger.handle(ReinstateSubscription(at=at("2026-03-13"), subscription_id=sub_id))
    assert subscription(ledger, sub_id)["status"] == "active"


def test_revocation_is_reversible_inside_the_window_only(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given two subscriptions revoked on 2026-03-11 (window 14 days)
    first = open_subscription(seats=3)
    second = open_subscription(seats=4)
    for sub_id in (first, second):
        ledger.handle(
            RevokeSubscription(at=at("2026-03-11"), subscription_id=sub_id, reason="fraud check")
        )

    # when the first is restored on day 13, and tick runs after the window
    ledger.handle(RestoreSubscription(at=at("2026-03-24"), subscription_id=first))
    ledger.handle(Tick(at=at("2026-03-26")))

    # then the first is active again; the second's revocation became final
    assert subscription(ledger, first)["status"] == "active"
    second_now = subscription(ledger, second)
    assert second_now["status"] == "canceled"
    assert second_now["revocation"]["final"] is True
    with pytest.raises(TransitionNotAllowed):
        ledger.handle(RestoreSubscription(at=at("2026-03-27"), subscription_id=second))


def test_cancel_at_period_end_can_be_undone_or_happens_at_tick(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given
    kept = open_subscription(seats=3)
    leaving = open_subscription(seats=4)
    for sub_id in (kept, leaving):
        ledger.handle(
            CancelSubscription(at=at("2026-03-15"), subscription_id=sub_id, at_period_end=True)
        )

    # when
    ledger.handle(UndoScheduledChange(at=at("2026-03-16"), subscription_id=kept))
    ledger.handle(Tick(at=at("2026-04-10")))

    # then
    assert subscription(ledger, kept)["status"] == "active"
    assert subscription(ledger, leaving)["status"] == "canceled"
    assert subscription(ledger, leaving)["canceled_at"] == "2026-04-10T00:00:00+00:00"


def test_expected_version_guards_against_acting_on_a_stale_read(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given a subscription at version 1, changed once by someone else
    sub_id = open_subscription()
    ledger.handle(ChangeSubscription(at=at("2026-03-12"), subscription_id=sub_id, seats=6))

    # when a client that saw version 1 sends its change
    stale = ChangeSubscription(
        at=at("2026-03-12"), subscription_id=sub_id, seats=8, expected_version=1
    )

    # then it is refused and nothing changes
    with pytest.raises(ConcurrentChange) as caught:
        ledger.handle(stale)
    assert caught.value.code == "concurrent_change"
    assert subscription(ledger, sub_id)["terms"]["seats"] == 6


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"plan": "platinum"}, UnknownPlan),
        ({"seats": 2}, SeatsOutOfRange),  # Team needs at least 3 seats
        ({"seats": 5}, InvalidInput),  # the terms it already has
    ],
)
def test_bad_changes_change_nothing(
    ledger: Ledger,
    store: MemoryStore,
    open_subscription: Open,
    change: dict[str, Any],
    error: type[TierwiseError],
) -> None:
    # given
    sub_id = open_subscription("team", seats=5)
    commits = store.commits
    before = subscription(ledger, sub_id)

    # when / then
    with pytest.raises(error):
        ledger.handle(ChangeSubscription(at=at("2026-03-20"), subscription_id=sub_id, **change))
    assert store.commits == commits
    assert subscription(ledger, sub_id) == before


def test_an_illegal_change_is_refused_by_the_change_policy(
    ledger: Ledger, store: MemoryStore, open_subscription: Open
) -> None:
    # given a two-year term ("term_change: shorter" is illegal in the example catalog)
    sub_id = open_subscription("team", seats=5, term_years=2)
    commits = store.commits

    # when / then
    with pytest.raises(ChangeNotAllowed):
        ledger.handle(ChangeSubscription(at=at("2026-03-20"), subscription_id=sub_id, term_years=1))
    assert store.commits == commits


def test_unknown_account_and_subscription_are_not_found(ledger: Ledger, store: MemoryStore) -> None:
    # when / then
    with pytest.raises(NotFound):
        ledger.handle(CreateSubscription(at=at("2026-03-10"), account="nobody", plan="team"))
    with pytest.raises(NotFound):
        ledger.handle(SuspendSubscription(at=at("2026-03-10"), subscription_id="sub_x", reason="x"))
    assert store.commits == 0


def test_one_subscription_in_force_per_account(ledger: Ledger, open_subscription: Open) -> None:
    # given
    sub_id = open_subscription()
    account_id = subscription(ledger, sub_id)["account_id"]

    # when / then
    with pytest.raises(TransitionNotAllowed):
        ledger.handle(
            CreateSubscription(at=at("2026-03-11"), account=str(account_id), plan="business")
        )
