"""At-least-once: auto-disable and resume, crashes, concurrent dispatchers, derived events."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from standardwebhooks import Webhook

from tierwise.adapters.webhook_http import HttpWebhookSender
from tierwise.notifications.deliveries import AttemptResult
from tierwise.notifications.endpoints import DisablePolicy
from tierwise.notifications.retries import RetrySchedule
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger
from tierwise.services.webhooks import (
    DispatchPolicy,
    WebhookDispatcher,
    WebhookEndpoints,
    WebhookRequest,
    WebhookSender,
)

from .conftest import ManualClock
from .receiver import Receiver
from .test_delivery import open_subscription

SECOND = dt.timedelta(seconds=1)


def test_disabled_after_n_consecutive_failures_then_enabled_and_delivered(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
) -> None:
    # given an endpoint answering 500 three times, and a policy of 3 failures (no minimum span)
    endpoint = endpoints.create(receiver.url, at=clock())
    receiver.statuses.extend([500, 500, 500])
    open_subscription(ledger, clock())
    policy = DispatchPolicy(
        schedule=RetrySchedule(delays=(SECOND, SECOND, SECOND, SECOND), jitter=0),
        disable=DisablePolicy(max_consecutive_failures=3, min_failing_period=dt.timedelta(0)),
    )
    dispatcher = make_dispatcher(policy)

    # when three passes fail, one second apart, and a fourth pass comes later
    reports = []
    for _ in range(3):
        reports.append(dispatcher.run_once())
        clock.advance(seconds=1)
    clock.advance(seconds=10)
    while_disabled = dispatcher.run_once()

    # then the third failure disabled it, with why, and nothing more was sent
    assert [r.disabled for r in reports] == [[], [], [endpoint.id]]
    assert while_disabled.attempted == 0
    stored = endpoints.get(endpoint.id)
    assert not stored.enabled
    assert stored.disabled_reason is not None
    assert stored.disabled_reason.startswith("3 consecutive failed attempts since ")
    assert stored.disabled_reason.endswith("last: HTTP 500")
    assert len(receiver.received) == 3

    # when an operator enables it again
    endpoints.enable(endpoint.id, at=clock())
    after = dispatcher.run_once()

    # then the waiting delivery goes out right away (attempt 4, answered 204)
    assert after.delivered == 1
    assert [a.attempt for a in endpoints.log(endpoint_id=endpoint.id)] == [4, 3, 2, 1]
    assert len({item.message_id for item in receiver.received}) == 1


class CrashAfterSending(WebhookSender):
    """Sends for real, then dies before the dispatcher can record anything."""

    def __init__(self, sender: WebhookSender) -> None:
        self._sender = sender

    def send(self, request: WebhookRequest) -> AttemptResult:
        self._sender.send(request)
        raise RuntimeError("the dispatcher process died here")


def test_a_crash_between_sending_and_recording_sends_again_with_the_same_id(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
    sender: HttpWebhookSender,
) -> None:
    # given a message that reached the receiver, sent by a dispatcher that then died
    endpoint = endpoints.create(receiver.url, at=clock())
    open_subscription(ledger, clock())
    policy = DispatchPolicy(lease=dt.timedelta(seconds=60))
    with pytest.raises(RuntimeError):
        make_dispatcher(policy, CrashAfterSending(sender)).run_once()

    # when another dispatcher passes while the claim's lease runs, then after it expired
    survivor = make_dispatcher(policy)
    clock.advance(seconds=59)
    during_lease = survivor.run_once()
    clock.advance(seconds=1)
    after_lease = survivor.run_once()

    # then the message went out twice with one webhook-id (receivers deduplicate on it)
    assert during_lease.attempted == 0
    assert after_lease.delivered == 1
    first, second = receiver.received
    assert first.message_id == second.message_id
    assert first.body == second.body
    verifier = Webhook(endpoint.secret)
    assert verifier.verify(first.body, first.headers) == verifier.verify(
        second.body, second.headers
    )
    # the lost attempt counted: the re-send is attempt 2
    assert [a.attempt for a in endpoints.log(endpoint_id=endpoint.id)] == [2]


def test_two_dispatchers_at_once_send_each_message_once(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    engine: Engine,
    make_dispatcher: Callable[..., WebhookDispatcher],
) -> None:
    # given 12 subscriptions opened: 12 subscription.created messages
    endpoints.create(receiver.url, at=clock())
    for n in range(12):
        open_subscription(ledger, clock(), name=f"acme-{n}")
    policy = DispatchPolicy(batch_size=3)
    dispatchers = [make_dispatcher(policy), make_dispatcher(policy)]
    errors: list[BaseException] = []

    def run(dispatcher: WebhookDispatcher) -> None:
        try:
            dispatcher.run_once()
        except BaseException as error:  # surfaced below, in the test's thread
            errors.append(error)

    # when both pass at the same time
    threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every message arrived exactly once
    assert errors == []
    counts = Counter(item.message_id for item in receiver.received)
    assert len(counts) == 12
    assert set(counts.values()) == {1}


def test_trial_ending_soon_is_sent_once_per_trial(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
) -> None:
    # given a 14-day trial that started 10 days and 1 hour ago: it ends in 3 days 23 hours
    endpoint = endpoints.create(receiver.url, at=clock(), event_types=["trial.ending_soon"])
    started = clock() - dt.timedelta(days=10, hours=1)
    sub_id = open_subscription(ledger, started - dt.timedelta(days=1))
    ledger.handle(c.StartTrial(at=started, subscription_id=sub_id, plan="business", days=14))
    dispatcher = make_dispatcher()

    # when passes run now (4 days minus 1 hour before the end: too early), ...
    early = dispatcher.run_once()
    # ... and after 23 h 1 s (2 d 23 h 59 m 59 s left), then again a minute later
    clock.advance(hours=23, seconds=1)
    first = dispatcher.run_once()
    clock.advance(minutes=1)
    again = dispatcher.run_once()

    # then exactly one notice, with the trial's end
    assert (early.queued, first.delivered, again.queued) == (0, 1, 0)
    assert receiver.types() == ["trial.ending_soon"]
    item = receiver.received[0]
    # the timestamp header is a day ahead of the real clock, so the reference library's
    # five-minute freshness check cannot apply: compare with its signature computation instead
    stamp = dt.datetime.fromtimestamp(int(item.headers["webhook-timestamp"]), dt.UTC)
    expected = Webhook(endpoint.secret).sign(item.message_id, stamp, item.body.decode())
    assert expected in item.headers["webhook-signature"].split(" ")
    data = json.loads(item.body)["data"]
    assert data["subscription_id"] == sub_id
    assert data["ends_at"] == (started + dt.timedelta(days=14)).isoformat()


def test_limit_reached_is_sent_once_per_feature_and_period(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
) -> None:
    # given Team (projects: 50, grace 10 % → 55) and an endpoint for entitlement events
    endpoint = endpoints.create(receiver.url, at=clock(), event_types=["entitlement.*"])
    sub_id = open_subscription(ledger, clock() - dt.timedelta(days=1))
    account = "crm-acme"  # the account's external id is a reference too
    dispatcher = make_dispatcher()

    # when creating project 56 is refused twice, with passes in between
    ledger.check(account, "projects", clock(), usage=55, requested=1)
    first = dispatcher.run_once()
    ledger.check(account, "projects", clock(), usage=55, requested=1)
    second = dispatcher.run_once()

    # then one entitlement.limit_reached message
    assert (first.delivered, second.routed) == (1, 0)
    item = receiver.received[0]
    payload = Webhook(endpoint.secret).verify(item.body, item.headers)
    assert payload["type"] == "entitlement.limit_reached"
    assert payload["data"]["subscription_id"] == sub_id
    assert (payload["data"]["feature"], payload["data"]["limit"]) == ("projects", 50)


class SlowSender(WebhookSender):
    """Sends for real; each attempt takes 20 s of the test's clock."""

    def __init__(self, sender: WebhookSender, clock: ManualClock) -> None:
        self._sender, self._clock = sender, clock

    def send(self, request: WebhookRequest) -> AttemptResult:
        self._clock.advance(seconds=20)
        return self._sender.send(request)


def test_a_slow_batch_gives_back_what_its_lease_cannot_cover(
    ledger: Ledger,
    endpoints: WebhookEndpoints,
    receiver: Receiver,
    clock: ManualClock,
    make_dispatcher: Callable[..., WebhookDispatcher],
    sender: HttpWebhookSender,
) -> None:
    # given three messages and a 60 s lease: an attempt starts only with 30 s of lease left
    endpoints.create(receiver.url, at=clock())
    for n in range(3):
        open_subscription(ledger, clock(), name=f"acme-{n}")
    dispatcher = make_dispatcher(DispatchPolicy(lease=dt.timedelta(seconds=60)))
    slow = make_dispatcher(
        DispatchPolicy(lease=dt.timedelta(seconds=60)), SlowSender(sender, clock)
    )

    # when attempts take 20 s: they start at 0 s and 20 s; at 40 s only 20 s of lease is left
    first = slow.run_once()
    rest = dispatcher.run_once()

    # then the third was given back unattempted, and the next pass sent it: once each
    assert (first.attempted, rest.attempted) == (2, 1)
    counts = Counter(item.message_id for item in receiver.received)
    assert sorted(counts.values()) == [1, 1, 1]
    assert sorted(a.attempt for a in endpoints.log()) == [1, 1, 1]
