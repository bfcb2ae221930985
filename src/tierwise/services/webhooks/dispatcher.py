"""The webhook dispatcher: route new events to endpoints, then deliver what is due.

One pass (:meth:`WebhookDispatcher.run_once`) does two things, each in short transactions:

1. **Route.** Outbox entries not yet routed become messages (one or two per ledger event, see
   :mod:`tierwise.notifications.webhook_events`) and a pending delivery per enabled endpoint
   whose filter wants them; the entries are marked routed in the same transaction, so a crash
   routes them again or not at all, never half. ``trial.ending_soon`` is produced from running
   trials entering their last three days, and ``entitlement.limit_*`` from entitlement signals;
   their message ids are natural keys, so each is produced once however often passes run.
   Endpoints receive messages routed while they are enabled.
2. **Deliver.** Due deliveries to enabled endpoints are claimed (see the ports), signed, POSTed
   one by one outside any transaction, and the outcome recorded with the attempt in the log: a
   2xx delivers; anything else waits for the retry schedule, or gives up when it runs out; the
   endpoint's failure streak grows or resets, and may disable it.

Delivery is **at-least-once**: a dispatcher that dies after a POST but before recording it leaves
the claim to expire, and the message is sent again with the same ``webhook-id``; receivers
deduplicate on that id. Several dispatchers may run at once against one database.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tierwise.licensing.events import JsonObject
from tierwise.notifications.deliveries import DeliveryAttempt, DeliveryStatus
from tierwise.notifications.endpoints import DisablePolicy, WebhookEndpoint
from tierwise.notifications.retries import RetrySchedule
from tierwise.notifications.webhook_events import (
    TRIAL_NOTICE,
    WebhookEvent,
    from_outbox,
    limit_event,
    trial_ending_soon,
)
from tierwise.notifications.webhooks import signed_headers
from tierwise.services.webhooks.ports import (
    ClaimedDelivery,
    WebhookRequest,
    WebhookSender,
    WebhookUnitOfWork,
)

__all__ = ["SIGNALS_CURSOR", "DispatchPolicy", "PassReport", "WebhookDispatcher"]

#: Name of the remembered position in the entitlement signals.
SIGNALS_CURSOR = "entitlement_signals"
_CONTENT_TYPE = {"content-type": "application/json"}


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """How the dispatcher works; the defaults suit one dispatcher every few seconds.

    ``lease`` must be at least twice one HTTP attempt (the sender's timeout): a claim older than
    that is taken to belong to a dispatcher that died, and an attempt only starts while half of
    its lease is left (the rest of a slow batch is given back and claimed again later).
    ``signal_replay`` re-reads that many signal ids below the remembered position on each pass,
    because on PostgreSQL an id can become visible after a higher one (its transaction committed
    later); re-reading is harmless (natural keys).
    """

    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    disable: DisablePolicy = field(default_factory=DisablePolicy)
    lease: dt.timedelta = dt.timedelta(minutes=2)
    batch_size: int = 100
    max_batches: int = 10
    trial_notice: dt.timedelta = TRIAL_NOTICE
    signal_replay: int = 1000


@dataclass
class PassReport:
    """What one pass did (counts of messages, deliveries and attempts)."""

    routed: int = 0
    queued: int = 0
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    gave_up: int = 0
    disabled: list[str] = field(default_factory=list)

    def as_dict(self) -> JsonObject:
        return {
            "routed": self.routed,
            "queued": self.queued,
            "attempted": self.attempted,
            "delivered": self.delivered,
            "retrying": self.retrying,
            "gave_up": self.gave_up,
            "disabled": list(self.disabled),
        }


class WebhookDispatcher:
    """Routes and delivers webhooks; ``clock`` gives the current instant (tests inject one)."""

    def __init__(
        self,
        uow_factory: Callable[[], WebhookUnitOfWork],
        sender: WebhookSender,
        *,
        clock: Callable[[], dt.datetime],
        policy: DispatchPolicy = DispatchPolicy(),
        spread: Callable[[], float] = random.random,
        new_token: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._uow = uow_factory
        self._sender = sender
        self._clock = clock
        self.policy = policy
        self._spread = spread
        self._new_token = new_token

    def run_once(self) -> PassReport:
        """Route everything new, then deliver everything due (bounded by ``max_batches``)."""
        report = PassReport()
        self.route(report)
        self.deliver(report)
        return report

    # -- routing -----------------------------------------------------------------------------
    def route(self, report: PassReport) -> None:
        self._route_outbox(report)
        self._route_trial_notices(report)
        self._route_limit_signals(report)

    def _route_outbox(self, report: PassReport) -> None:
        batch = self.policy.batch_size
        for _ in range(self.policy.max_batches):
            at = self._clock()
            with self._uow() as uow:
                entries = uow.sources.unrouted(limit=batch)
                if not entries:
                    return
                endpoints = _enabled(uow)
                for entry in entries:
                    for event in from_outbox(
                        entry.event, sequence=entry.sequence, version=entry.version
                    ):
                        report.routed += 1
                        wanting = [e for e in endpoints if e.wants(event.type)]
                        if wanting and uow.deliveries.add_event(event, at=at):
                            report.queued += _queue(uow, event, wanting, at)
                uow.sources.mark_routed([entry.sequence for entry in entries], at)
                uow.commit()
            if len(entries) < batch:
                return

    def _route_trial_notices(self, report: PassReport) -> None:
        at = self._clock()
        with self._uow() as uow:
            events = []
            for trial in uow.sources.trials_ending(at, at + self.policy.trial_notice):
                event = trial_ending_soon(
                    subscription_id=trial.subscription_id,
                    account_id=trial.account_id,
                    plan=trial.plan,
                    started_at=trial.started_at,
                    ends_at=trial.ends_at,
                    convert_at_end=trial.convert_at_end,
                    at=at,
                    notice=self.policy.trial_notice,
                )
                if event is not None:
                    events.append(event)
            self._route_derived(uow, events, at, report)
            uow.commit()

    def _route_limit_signals(self, report: PassReport) -> None:
        replay, batch = self.policy.signal_replay, self.policy.batch_size
        for _ in range(self.policy.max_batches):
            at = self._clock()
            with self._uow() as uow:
                position = uow.sources.cursor(SIGNALS_CURSOR)
                signals = uow.sources.signals_after(max(0, position - replay), limit=replay + batch)
                events = []
                for signal in signals:
                    if signal.period_start is None:  # its subscription is gone
                        continue
                    event = limit_event(
                        subscription_id=signal.subscription_id,
                        account_id=signal.account_id,
                        feature=signal.feature,
                        kind=signal.kind,
                        reason=str(signal.details.get("reason", "")),
                        signal_at=signal.at,
                        period_start=signal.period_start,
                        details=signal.details,
                    )
                    if event is not None:
                        events.append(event)
                self._route_derived(uow, events, at, report)
                highest = max((signal.id for signal in signals), default=position)
                if highest > position:
                    uow.sources.set_cursor(SIGNALS_CURSOR, highest)
                uow.commit()
            if len(signals) < replay + batch:
                return

    def _route_derived(
        self,
        uow: WebhookUnitOfWork,
        events: Sequence[WebhookEvent],
        at: dt.datetime,
        report: PassReport,
    ) -> None:
        """Store each derived message once (the store is the memory of "already sent")."""
        if not events:
            return
        endpoints = _enabled(uow)
        for event in events:
            if uow.deliveries.add_event(event, at=at):
                report.routed += 1
                report.queued += _queue(
                    uow, event, [e for e in endpoints if e.wants(event.type)], at
                )

    # -- delivering --------------------------------------------------------------------------
    def deliver(self, report: PassReport) -> None:
        batch = self.policy.batch_size
        for _ in range(self.policy.max_batches):
            at = self._clock()
            token = self._new_token()
            with self._uow() as uow:
                claimed = uow.deliveries.claim(
                    at, lease_until=at + self.policy.lease, token=token, limit=batch
                )
                uow.commit()
            if not claimed:
                return
            switched_off: set[str] = set()
            for item in claimed:
                if item.endpoint.id in switched_off or not self._lease_left(item):
                    self._release(item)
                elif self._attempt(item, report) is False:
                    switched_off.add(item.endpoint.id)
            if len(claimed) < batch:
                return

    def _attempt(self, item: ClaimedDelivery, report: PassReport) -> bool:
        """Send one claimed delivery and record it; ``False`` if its endpoint got disabled."""
        sent_at = self._clock()
        body = item.event.body()
        secrets = item.endpoint.signing_secrets(sent_at)
        headers = _CONTENT_TYPE | signed_headers(item.event.id, sent_at, body, secrets)
        result = self._sender.send(WebhookRequest(item.endpoint.url, headers, body))
        done_at = self._clock()
        report.attempted += 1
        delivery = item.delivery
        with self._uow() as uow:
            endpoint = uow.endpoints.get(delivery.endpoint_id, for_update=True)
            uow.deliveries.log(
                DeliveryAttempt(
                    delivery_id=delivery.id,
                    endpoint_id=delivery.endpoint_id,
                    event_id=delivery.event_id,
                    event_type=delivery.event_type,
                    attempt=delivery.attempts,
                    at=sent_at,
                    result=result,
                )
            )
            after = delivery.after_attempt(result, done_at, self.policy.schedule, self._spread())
            if uow.deliveries.save(after, token=item.token):
                _count(after.status, report)
            still_enabled = True
            if endpoint is not None:
                updated = (
                    endpoint.after_success()
                    if result.succeeded
                    else endpoint.after_failure(done_at, self.policy.disable, result.describe())
                )
                if updated != endpoint:
                    uow.endpoints.save(updated)
                if endpoint.enabled and not updated.enabled:
                    report.disabled.append(endpoint.id)
                still_enabled = updated.enabled
            uow.commit()
        return still_enabled

    def _lease_left(self, item: ClaimedDelivery) -> bool:
        """True while at least half the claim's lease remains: room for one more attempt.

        Attempts of a batch run one after the other; a slow endpoint could otherwise keep the
        last ones waiting past their lease, and another dispatcher would send them as well.
        """
        return self._clock() + self.policy.lease / 2 <= item.lease_until

    def _release(self, item: ClaimedDelivery) -> None:
        with self._uow() as uow:
            uow.deliveries.release(item.delivery.id, token=item.token, at=self._clock())
            uow.commit()


def _enabled(uow: WebhookUnitOfWork) -> list[WebhookEndpoint]:
    return [endpoint for endpoint in uow.endpoints.list() if endpoint.enabled]


def _queue(
    uow: WebhookUnitOfWork,
    event: WebhookEvent,
    endpoints: Sequence[WebhookEndpoint],
    at: dt.datetime,
) -> int:
    return sum(1 for endpoint in endpoints if uow.deliveries.queue(event, endpoint.id, at=at))


def _count(status: DeliveryStatus, report: PassReport) -> None:
    if status is DeliveryStatus.DELIVERED:
        report.delivered += 1
    elif status is DeliveryStatus.FAILED:
        report.gave_up += 1
    else:
        report.retrying += 1
