"""Domain events: what happened to a subscription or a seat, as plain data for the outbox.

An aggregate appends events while a transition runs; the service layer stores them in the outbox
in the same transaction as the change itself, so an event exists if and only if its change does.
Delivery (webhooks) reads the outbox later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeAlias

from tierwise.licensing.timestamps import from_iso, to_iso

__all__ = ["DomainEvent", "EventType", "Json", "JsonObject"]

#: JSON-ready data (what ``json.dumps`` takes). Readers index into it freely, as with the result
#: of ``json.loads``; producers build it from str, int, bool, None, lists and dicts only.
Json: TypeAlias = Any
JsonObject: TypeAlias = dict[str, Any]


class EventType(StrEnum):
    """Names of the ledger's events, stable: they are the webhook event types later on."""

    SUBSCRIPTION_CREATED = "subscription.created"
    SUBSCRIPTION_CHANGED = "subscription.changed"
    CHANGE_SCHEDULED = "subscription.change_scheduled"
    SCHEDULED_CHANGE_UNDONE = "subscription.scheduled_change_undone"
    TRIAL_STARTED = "subscription.trial_started"
    TRIAL_CONVERTED = "subscription.trial_converted"
    TRIAL_REVERTED = "subscription.trial_reverted"
    SUSPENDED = "subscription.suspended"
    REINSTATED = "subscription.reinstated"
    REVOKED = "subscription.revoked"
    RESTORED = "subscription.restored"
    REVOCATION_FINALIZED = "subscription.revocation_finalized"
    RENEWAL_COMMITTED = "subscription.renewal_committed"
    RENEWED = "subscription.renewed"
    CANCELED = "subscription.canceled"
    EXPIRED = "subscription.expired"
    PERIOD_STARTED = "subscription.period_started"
    SEAT_ASSIGNED = "seat.assigned"
    SEAT_UNASSIGNED = "seat.unassigned"
    SEAT_NOTICED = "seat.noticed"
    SEAT_RECLAIMED = "seat.reclaimed"
    SEAT_RESTORED = "seat.restored"
    SEAT_NOTICE_LIFTED = "seat.notice_lifted"
    GRANT_ADDED = "entitlement.grant_added"
    OVERRIDE_ADDED = "entitlement.override_added"
    GRANT_ENDED = "entitlement.grant_ended"
    OVERRIDE_ENDED = "entitlement.override_ended"


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One event: its type, the subscription and account it concerns, when, and its details."""

    type: EventType
    subscription_id: str
    account_id: str
    at: dt.datetime
    data: Mapping[str, Json] = field(default_factory=lambda: MappingProxyType({}))

    def as_dict(self) -> JsonObject:
        """The event as JSON-ready data (the outbox payload)."""
        return {
            "type": self.type.value,
            "subscription_id": self.subscription_id,
            "account_id": self.account_id,
            "at": to_iso(self.at),
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Json]) -> DomainEvent:
        """Rebuild an event from :meth:`as_dict` output."""
        data = payload.get("data") or {}
        assert isinstance(data, dict)
        return cls(
            type=EventType(str(payload["type"])),
            subscription_id=str(payload["subscription_id"]),
            account_id=str(payload["account_id"]),
            at=from_iso(str(payload["at"])),
            data=MappingProxyType(dict(data)),
        )
