"""Saving a subscription writes every column that changed, and only those, on both stores."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.catalog.model import BillingInterval
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger
from tierwise.services.subscriptions import change_subscription

from .consistency import assert_consistent

_AT = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)


def _opened(ledger: Ledger) -> str:
    account = ledger.handle(
        c.CreateAccount(at=_AT, external_id="crm-1", name="Acme", currency="USD")
    ).subject_id
    return ledger.handle(
        c.CreateSubscription(at=_AT, account=account, plan="team", seats=5)
    ).subject_id


def test_a_value_changed_back_between_two_saves_is_stored(ledger: Ledger, engine: Engine) -> None:
    # given an active subscription at version 1
    sub_id = _opened(ledger)
    later = _AT + dt.timedelta(hours=1)
    # when one unit of work suspends it and saves, then reinstates it and saves, reading it once
    with SqlUnitOfWork(engine) as uow:
        subscription = uow.subscriptions.get(sub_id)
        assert subscription is not None
        subscription.suspend("dues", later)
        uow.subscriptions.save(subscription)
        subscription.reinstate(later)
        uow.subscriptions.save(subscription)
        uow.commit()
    # then the stored row is active again, at version 3 (the second save compared with the first)
    with SqlUnitOfWork(engine) as uow:
        stored = uow.subscriptions.get(sub_id)
    assert stored is not None
    assert (stored.status.value, stored.suspension, stored.version) == ("active", None, 3)


def test_a_value_changed_back_by_two_commands_in_one_transaction_is_stored(
    ledger: Ledger, engine: Engine
) -> None:
    # given a subscription with 5 seats
    sub_id = _opened(ledger)
    later = _AT + dt.timedelta(hours=1)
    # when one unit of work changes it to 6 seats, then back to 5
    with SqlUnitOfWork(engine) as uow:
        for seats in (6, 5):
            command = c.ChangeSubscription(at=later, subscription_id=sub_id, seats=seats)
            change_subscription(command, uow, ledger.context)
        uow.commit()
    # then the stored row has 5 seats at version 3
    with SqlUnitOfWork(engine) as uow:
        stored = uow.subscriptions.get(sub_id)
    assert stored is not None
    assert (stored.terms.seats, stored.version) == (5, 3)
    assert_consistent(engine)


def test_every_kind_of_column_change_is_stored(ledger: Ledger, engine: Engine) -> None:
    # given a subscription
    sub_id = _opened(ledger)
    # when transitions change plan, interval, JSON columns, dates and instants one by one
    steps: list[c.Command] = [
        c.ChangeSubscription(
            at=_AT + dt.timedelta(days=1), subscription_id=sub_id, plan="business"
        ),
        c.SuspendSubscription(at=_AT + dt.timedelta(days=2), subscription_id=sub_id, reason="dues"),
        c.ReinstateSubscription(at=_AT + dt.timedelta(days=3), subscription_id=sub_id),
        c.ChangeSubscription(
            at=_AT + dt.timedelta(days=4), subscription_id=sub_id, interval=BillingInterval.YEAR
        ),
        c.CancelSubscription(at=_AT + dt.timedelta(days=5), subscription_id=sub_id),
    ]
    for step in steps:
        ledger.handle(step)
    # then after each the stored row equals the newest history entry's "after"
    assert assert_consistent(engine) == 1 + len(steps)
