"""Public webhook events: what a ledger event becomes on the wire, and the events derived here.

Each message has a stable id (the ``webhook-id``, ``msg_`` + 26 base32 characters of a SHA-256
of its natural key), a public type and a JSON body shaped as the Standard Webhooks specification
recommends::

    {"type": "subscription.changed", "timestamp": "2026-03-01T12:00:00+00:00",
     "data": {"subscription_id": "sub_…", "account_id": "acc_…", "version": 4, …}}

Ledger events come from the outbox (:func:`from_outbox`). Two kinds are derived by the delivery
side because the ledger keeps them elsewhere: ``trial.ending_soon`` from a subscription's running
trial (:func:`trial_ending_soon`, once per trial) and ``entitlement.limit_reached`` /
``entitlement.limit_approaching`` from the entitlement signals (:func:`limit_event`, once per
subscription, feature and billing period). Their natural keys make producing them twice harmless.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tierwise.errors import InvalidInput
from tierwise.licensing.check_decisions import Reason
from tierwise.licensing.events import DomainEvent, EventType, Json, JsonObject
from tierwise.licensing.timestamps import to_iso

__all__ = [
    "EVENT_TYPES",
    "LEDGER_EVENT_TYPES",
    "LIMIT_APPROACHING",
    "LIMIT_REACHED",
    "TRIAL_ENDING_SOON",
    "TRIAL_NOTICE",
    "WebhookEvent",
    "event_type_filter",
    "from_outbox",
    "limit_event",
    "message_id",
    "trial_ending_soon",
]

TRIAL_ENDING_SOON = "trial.ending_soon"
LIMIT_REACHED = "entitlement.limit_reached"
LIMIT_APPROACHING = "entitlement.limit_approaching"
#: How long before a trial ends ``trial.ending_soon`` is sent.
TRIAL_NOTICE = dt.timedelta(days=3)

_E = EventType
#: Ledger event → the public webhook types it is delivered as (a converted trial both ends the
#: trial and changes the plan, so billing systems that only follow plan changes see it too).
LEDGER_EVENT_TYPES: Mapping[EventType, tuple[str, ...]] = MappingProxyType(
    {
        _E.SUBSCRIPTION_CREATED: ("subscription.created",),
        _E.SUBSCRIPTION_CHANGED: ("subscription.changed",),
        _E.CHANGE_SCHEDULED: ("subscription.change_scheduled",),
        _E.SCHEDULED_CHANGE_UNDONE: ("subscription.scheduled_change_undone",),
        _E.TRIAL_STARTED: ("trial.started",),
        _E.TRIAL_CONVERTED: ("trial.ended", "subscription.changed"),
        _E.TRIAL_REVERTED: ("trial.ended",),
        _E.SUSPENDED: ("subscription.suspended",),
        _E.REINSTATED: ("subscription.reinstated",),
        _E.REVOKED: ("license.revoked",),
        _E.RESTORED: ("license.restored",),
        _E.REVOCATION_FINALIZED: ("license.revocation_final",),
        _E.RENEWAL_COMMITTED: ("subscription.renewal_committed",),
        _E.RENEWED: ("subscription.renewed",),
        _E.CANCELED: ("subscription.canceled",),
        _E.EXPIRED: ("subscription.expired",),
        _E.PERIOD_STARTED: ("subscription.period_started",),
        _E.SEAT_ASSIGNED: ("seat.assigned",),
        _E.SEAT_UNASSIGNED: ("seat.unassigned",),
        _E.SEAT_NOTICED: ("seat.reclaim_noticed",),
        _E.SEAT_RECLAIMED: ("seat.reclaimed",),
        _E.SEAT_RESTORED: ("seat.restored",),
        _E.SEAT_NOTICE_LIFTED: ("seat.notice_lifted",),
        _E.GRANT_ADDED: ("entitlement.grant_added",),
        _E.OVERRIDE_ADDED: ("entitlement.override_added",),
        _E.GRANT_ENDED: ("entitlement.grant_ended",),
        _E.OVERRIDE_ENDED: ("entitlement.override_ended",),
    }
)

#: Every public type, with what it means (the docs and the endpoint filter use this list).
EVENT_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "subscription.created": "a subscription was opened",
        "subscription.changed": "plan, interval, seats, add-ons or term changed (trials converted)",
        "subscription.change_scheduled": "a change was scheduled for a later date",
        "subscription.scheduled_change_undone": "a scheduled change was withdrawn",
        "subscription.suspended": "the subscription was suspended",
        "subscription.reinstated": "a suspension was lifted",
        "subscription.renewal_committed": "the next term was committed (starts at term end)",
        "subscription.renewed": "the contract term renewed",
        "subscription.canceled": "the subscription was canceled",
        "subscription.expired": "the term ended without renewal",
        "subscription.period_started": "a new billing period began",
        "trial.started": "a trial of a higher plan began",
        TRIAL_ENDING_SOON: "a running trial ends within three days",
        "trial.ended": "a trial ended: data.outcome is converted or reverted",
        "license.revoked": "the license was revoked (reversible until data.reversible_until)",
        "license.restored": "a revocation was undone within its window",
        "license.revocation_final": "a revocation can no longer be undone",
        "seat.assigned": "a seat was given to a user",
        "seat.unassigned": "a user's seat was freed",
        "seat.reclaim_noticed": "a dormant seat's user was told it will be reclaimed",
        "seat.reclaimed": "a dormant seat was reclaimed",
        "seat.restored": "a reclaimed seat was given back",
        "seat.notice_lifted": "a reclaim notice was withdrawn (the user was active again)",
        "entitlement.grant_added": "a time-bounded grant was added",
        "entitlement.override_added": "an entitlement override was added",
        "entitlement.grant_ended": "a grant was ended before its time",
        "entitlement.override_ended": "an override was ended before its time",
        LIMIT_REACHED: "a limited feature reached its limit this billing period",
        LIMIT_APPROACHING: "a limited feature entered its soft-limit zone this billing period",
    }
)

#: Kinds of entitlement signals the ledger records (``tierwise.services.entitlement_checks``).
_DENIED = "denied"
_SOFT_LIMIT = "soft_limit"

_OUTCOMES: Mapping[EventType, str] = MappingProxyType(
    {_E.TRIAL_CONVERTED: "converted", _E.TRIAL_REVERTED: "reverted"}
)


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One message to deliver: the same id and body go to every endpoint and every retry."""

    id: str
    type: str
    occurred_at: dt.datetime
    data: Mapping[str, Json] = field(default_factory=lambda: MappingProxyType({}))

    def payload(self) -> JsonObject:
        """The JSON body as data: ``type``, ``timestamp`` (when it happened) and ``data``."""
        return {"type": self.type, "timestamp": to_iso(self.occurred_at), "data": dict(self.data)}

    def body(self) -> bytes:
        """The exact bytes sent and signed: compact JSON with sorted keys, UTF-8."""
        text = json.dumps(self.payload(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")


def message_id(key: str) -> str:
    """The ``webhook-id`` of the message whose natural key is ``key`` (deterministic)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()[:16]
    return "msg_" + base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def from_outbox(event: DomainEvent, *, sequence: int, version: int | None) -> list[WebhookEvent]:
    """The public messages of the outbox entry ``sequence`` (one or two, see the mapping)."""
    types = LEDGER_EVENT_TYPES.get(event.type, ())
    data: JsonObject = dict(event.data) | {
        "subscription_id": event.subscription_id,
        "account_id": event.account_id,
        "version": version,
    }
    outcome = _OUTCOMES.get(event.type)
    messages = []
    for public_type in types:
        details = dict(data)
        if public_type == "trial.ended" and outcome is not None:
            details["outcome"] = outcome
        messages.append(
            WebhookEvent(
                id=message_id(f"outbox:{sequence}:{public_type}"),
                type=public_type,
                occurred_at=event.at,
                data=MappingProxyType(details),
            )
        )
    return messages


def trial_ending_soon(
    *,
    subscription_id: str,
    account_id: str,
    plan: str,
    started_at: dt.datetime,
    ends_at: dt.datetime,
    convert_at_end: bool,
    at: dt.datetime,
    notice: dt.timedelta = TRIAL_NOTICE,
) -> WebhookEvent | None:
    """The ``trial.ending_soon`` message of a trial, if ``at`` falls in its notice window.

    The window is ``[ends_at - notice, ends_at)``; a trial shorter than the notice is announced
    as soon as it is seen. The key is the subscription and the trial's start, so one trial gets
    one message however often this runs.
    """
    if not ends_at - notice <= at < ends_at:
        return None
    return WebhookEvent(
        id=message_id(f"{TRIAL_ENDING_SOON}:{subscription_id}:{to_iso(started_at)}"),
        type=TRIAL_ENDING_SOON,
        occurred_at=max(ends_at - notice, started_at),
        data=MappingProxyType(
            {
                "subscription_id": subscription_id,
                "account_id": account_id,
                "plan": plan,
                "started_at": to_iso(started_at),
                "ends_at": to_iso(ends_at),
                "convert_at_end": convert_at_end,
            }
        ),
    )


def limit_event(
    *,
    subscription_id: str,
    account_id: str,
    feature: str,
    kind: str,
    reason: str,
    signal_at: dt.datetime,
    period_start: dt.datetime,
    details: Mapping[str, Json],
) -> WebhookEvent | None:
    """The entitlement-limit message of one recorded signal, or ``None`` if it gives none.

    A denial for ``limit_reached`` and a soft-limit signal in the grace band mean the limit is
    reached; any other soft-limit signal means it is near. Signals from before the subscription's
    current billing period are stale and give none. One message per subscription, feature,
    type and billing period (``period_start``), however many requests were refused.
    """
    if signal_at < period_start:
        return None
    if (kind, reason) in ((_DENIED, Reason.LIMIT_REACHED), (_SOFT_LIMIT, Reason.IN_GRACE)):
        public_type = LIMIT_REACHED
    elif kind == _SOFT_LIMIT:
        public_type = LIMIT_APPROACHING
    else:
        return None
    key = f"{public_type}:{subscription_id}:{feature}:{to_iso(period_start)}"
    return WebhookEvent(
        id=message_id(key),
        type=public_type,
        occurred_at=signal_at,
        data=MappingProxyType(
            {
                "subscription_id": subscription_id,
                "account_id": account_id,
                "feature": feature,
                "limit": details.get("limit"),
                "usage": details.get("usage"),
                "requested": details.get("requested"),
                "upsell": details.get("upsell"),
                "period_start": to_iso(period_start),
            }
        ),
    )


def event_type_filter(items: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate an endpoint's event filter: known types or ``prefix.*``; empty means all."""
    known_prefixes = {name.split(".", 1)[0] for name in EVENT_TYPES}
    chosen: list[str] = []
    for item in items:
        name = item.strip()
        if name.endswith(".*") and name[:-2] in known_prefixes:
            pass
        elif name not in EVENT_TYPES:
            raise InvalidInput(
                f"unknown event type {name!r} (known: {', '.join(EVENT_TYPES)}, or prefix.*)",
                field="event_types",
            )
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)
