"""Delivery end to end: ledger → outbox → dispatcher → signed POST → standardwebhooks verifies."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy import Engine, select
from standardwebhooks import Webhook

from tierwise.adapters.sql import tables as t
from tierwise.notifications.deliveries import DeliveryStatus
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger
from tierwise.services.webhooks import WebhookDispatcher, WebhookEndpoints

from .conftest import ManualClock
from .receiver import Receiver


def open_subscription(ledger: Ledger, when: dt.datetime, name: str = "acme") -> str:
    account = ledger.handle(
        c.CreateAccount(at=when, external_id=f"crm-{name}", name=name, currency="USD")
    ).subject_id
    return ledger.handle(
        c.CreateSubscription(at=when, account=account, plan="team", seats=5)
    ).subject_id


def test_ledger_events_arrive_signed_and_verify_with_standardwebhooks(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
    engine: Engine,
) -> None:
    # given an endpoint, then a subscription opened and a trial started
    endpoint = endpoints.create(receiver.url, at=clock())
    sub_id = open_subscription(ledger, clock() - dt.timedelta(days=1))
    ledger.handle(c.StartTrial(at=clock(), subscription_id=sub_id, plan="business"))

    # when one dispatcher pass runs
    report = make_dispatcher().run_once()

    # then both messages arrived, each verified by the reference library with the secret
    assert receiver.types() == ["subscription.created", "trial.started"]
    verifier = Webhook(endpoint.secret)
    payloads = [verifier.verify(item.body, item.headers) for item in receiver.received]
    assert payloads[1]["data"]["subscription_id"] == sub_id
    assert payloads[1]["data"]["trial"]["plan"] == "business"
    assert all(item.headers["content-type"] == "application/json" for item in receiver.received)
    assert report.routed == 2
    assert report.delivered == 2
    # and the outbox entries are marked routed, the log has one 204 attempt per message
    with engine.connect() as db:
        assert db.execute(select(t.outbox.c.delivered_at)).scalars().all() == [clock()] * 2
    log = endpoints.log(endpoint_id=endpoint.id)
    assert [(a.attempt, a.result.status_code, a.result.succeeded) for a in log] == [
        (1, 204, True),
        (1, 204, True),
    ]


def test_a_second_pass_sends_nothing_again(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
) -> None:
    # given one message delivered
    endpoints.create(receiver.url, at=clock())
    open_subscription(ledger, clock())
    dispatcher = make_dispatcher()
    dispatcher.run_once()

    # when passes run again, later
    clock.advance(hours=1)
    again = dispatcher.run_once()

    # then
    assert len(receiver.received) == 1
    assert again.attempted == 0


def test_event_filters_choose_what_an_endpoint_gets(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
) -> None:
    # given an endpoint for trial events only
    endpoints.create(receiver.url, at=clock(), event_types=["trial.*"])
    sub_id = open_subscription(ledger, clock() - dt.timedelta(days=1))
    ledger.handle(c.StartTrial(at=clock(), subscription_id=sub_id, plan="business"))
    ledger.handle(c.RevertTrial(at=clock(), subscription_id=sub_id))

    # when
    make_dispatcher().run_once()

    # then: no subscription.created; trial.ended says how it ended
    assert receiver.types() == ["trial.started", "trial.ended"]
    assert json.loads(receiver.received[1].body)["data"]["outcome"] == "reverted"


def test_an_endpoint_that_is_down_gets_the_event_once_it_is_back(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
) -> None:
    # given the receiver is down (connection refused) when a license is revoked
    endpoint = endpoints.create(receiver.url, at=clock(), event_types=["license.revoked"])
    sub_id = open_subscription(ledger, clock() - dt.timedelta(days=1))
    ledger.handle(c.RevokeSubscription(at=clock(), subscription_id=sub_id, reason="fraud"))
    receiver.stop()
    dispatcher = make_dispatcher()

    # when: attempt 1 now fails; nothing is due 4 s later; attempt 2 at +5 s fails
    first = dispatcher.run_once()
    clock.advance(seconds=4)
    early = dispatcher.run_once()
    clock.advance(seconds=1)
    second = dispatcher.run_once()
    # then the receiver comes back, and attempt 3 is due 30 s after the second failure
    receiver.start()
    clock.advance(seconds=29)
    not_yet = dispatcher.run_once()
    clock.advance(seconds=1)
    third = dispatcher.run_once()

    # then
    assert (first.retrying, early.attempted, second.retrying) == (1, 0, 1)
    assert (not_yet.attempted, third.delivered) == (0, 1)
    assert receiver.types() == ["license.revoked"]
    payload = Webhook(endpoint.secret).verify(
        receiver.received[0].body, receiver.received[0].headers
    )
    assert payload["data"]["reason"] == "fraud"
    log = endpoints.log(endpoint_id=endpoint.id)
    assert [a.attempt for a in log] == [3, 2, 1]
    assert log[0].result.status_code == 204
    assert log[1].result.status_code is None
    assert log[1].result.error is not None
    assert "Connect" in log[1].result.error
    assert endpoints.get(endpoint.id).consecutive_failures == 0


def test_server_errors_are_retried_and_the_log_keeps_the_answer(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
) -> None:
    # given a receiver that answers 500, then 503, then 204
    endpoint = endpoints.create(receiver.url, at=clock())
    receiver.statuses.extend([500, 503])
    open_subscription(ledger, clock())
    dispatcher = make_dispatcher()

    # when passes run at 0 s, +5 s and +35 s (waits of 5 s and 30 s)
    dispatcher.run_once()
    clock.advance(seconds=5)
    dispatcher.run_once()
    clock.advance(seconds=30)
    dispatcher.run_once()

    # then three attempts of one message, same webhook-id, new timestamps
    ids = {item.message_id for item in receiver.received}
    stamps = [int(item.headers["webhook-timestamp"]) for item in receiver.received]
    assert len(ids) == 1
    assert [b - stamps[0] for b in stamps] == [0, 5, 35]
    log = endpoints.log(endpoint_id=endpoint.id)
    assert [(a.result.status_code, a.result.response_excerpt) for a in reversed(log)] == [
        (500, "answer 500"),
        (503, "answer 503"),
        (204, ""),
    ]
    assert [d.status for d in endpoints.deliveries()] == [DeliveryStatus.DELIVERED]
