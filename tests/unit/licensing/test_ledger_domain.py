"""The subscription aggregate's state machine and the seat workflow, without storage."""

from __future__ import annotations

import datetime as dt

import pytest

from tierwise.catalog.model import BillingInterval
from tierwise.errors import TransitionNotAllowed
from tierwise.licensing.events import EventType
from tierwise.licensing.seats import Seat, SeatStatus, dormant_seats
from tierwise.licensing.subscriptions import Due, Subscription
from tierwise.licensing.terms import SubscriptionStatus, Terms
from tierwise.pricing.periods import billing_period, contract_term

T0 = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)


def _subscription() -> Subscription:
    return Subscription.open(
        id="sub_1",
        account_id="acc_1",
        terms=Terms("team", BillingInterval.MONTH, 5),
        currency="USD",
        period=billing_period(T0.date(), BillingInterval.MONTH),
        term=contract_term(T0.date(), 1),
        catalog_version="2026.1",
        at=T0,
    )


def test_every_transition_bumps_the_version_and_emits_one_event() -> None:
    # given
    subscription = _subscription()

    # when
    subscription.suspend("unpaid", T0 + dt.timedelta(days=1))
    subscription.reinstate(T0 + dt.timedelta(days=2))

    # then
    assert subscription.version == 3
    assert [e.type for e in subscription.pull_events()] == [
        EventType.SUBSCRIPTION_CREATED,
        EventType.SUSPENDED,
        EventType.REINSTATED,
    ]
    assert subscription.pull_events() == []


def test_illegal_transitions_are_refused_and_change_nothing() -> None:
    # given
    subscription = _subscription()
    before = subscription.snapshot()

    # when / then
    with pytest.raises(TransitionNotAllowed):
        subscription.reinstate(T0)
    with pytest.raises(TransitionNotAllowed):
        subscription.revert_trial(T0)
    with pytest.raises(TransitionNotAllowed):
        subscription.undo_scheduled_change(T0)
    assert subscription.snapshot() == before


def test_a_trial_keeps_the_paid_terms_and_revert_restores_the_status() -> None:
    # given
    subscription = _subscription()
    terms = subscription.terms

    # when
    subscription.start_trial("business", T0, T0 + dt.timedelta(days=14))
    during = (subscription.status, subscription.effective_plan, subscription.terms)
    subscription.revert_trial(T0 + dt.timedelta(days=3))

    # then
    assert during == (SubscriptionStatus.TRIALING, "business", terms)
    assert (subscription.status, subscription.effective_plan) == (SubscriptionStatus.ACTIVE, "team")


def test_due_items_come_in_time_order_with_the_trial_before_the_period_end() -> None:
    # given a trial ending exactly when the period ends (2026-04-10 00:00 UTC)
    subscription = _subscription()
    period_end = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
    subscription.start_trial("business", T0, period_end)

    # when / then
    assert subscription.next_due(period_end - dt.timedelta(seconds=1)) is None
    assert subscription.next_due(period_end) == (period_end, Due.TRIAL_END)
    assert subscription.next_due_at == period_end


def test_dormant_report_and_reclaim_workflow() -> None:
    # given one idle and one active seat
    idle = Seat("sub_1", "idle", SeatStatus.ASSIGNED, assigned_at=T0)
    busy = Seat("sub_1", "busy", SeatStatus.ASSIGNED, assigned_at=T0)
    busy.record_activity(T0 + dt.timedelta(days=29))
    at = T0 + dt.timedelta(days=30)

    # when / then: 30 days without activity make a seat dormant
    assert [(line.user, line.idle_days) for line in dormant_seats([idle, busy], at, 30)] == [
        ("idle", 30)
    ]
    idle.notice(at)
    with pytest.raises(TransitionNotAllowed):
        idle.reclaim(at + dt.timedelta(days=6), notice_days=7)
    idle.reclaim(at + dt.timedelta(days=7), notice_days=7)
    idle.restore(at + dt.timedelta(days=8))
    assert (idle.status, idle.assigned_at) == (SeatStatus.ASSIGNED, T0)
