"""Deliveries of a message to an endpoint, and the log of their attempts.

A delivery is ``pending`` until an attempt gets a 2xx answer (``delivered``) or the retry
schedule runs out (``failed``). Each attempt is logged with its number, status code, a capped
excerpt of the response, its duration and the transport error if there was one. Redirects are
not followed, so a 3xx counts as a failure: an endpoint URL must point at the receiver itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tierwise.licensing.events import JsonObject
from tierwise.licensing.timestamps import to_iso
from tierwise.notifications.retries import RetrySchedule

__all__ = ["AttemptResult", "Delivery", "DeliveryAttempt", "DeliveryStatus"]


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one HTTP attempt gave: a status code and response excerpt, or a transport error."""

    status_code: int | None
    response_excerpt: str
    duration_ms: int
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        """A short phrase for logs and the disable reason: ``HTTP 500`` or the error."""
        if self.error is not None:
            return self.error
        return f"HTTP {self.status_code}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message on its way to one endpoint. ``attempts`` counts attempts started."""

    id: int
    event_id: str
    event_type: str
    endpoint_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None

    def after_attempt(
        self, result: AttemptResult, at: dt.datetime, schedule: RetrySchedule, spread: float
    ) -> Delivery:
        """The delivery after its ``attempts``-th attempt ended at ``at`` with ``result``."""
        if result.succeeded:
            return dataclasses.replace(
                self, status=DeliveryStatus.DELIVERED, last_attempt_at=at, delivered_at=at
            )
        retry_at = schedule.next_attempt_at(self.attempts, at, spread)
        if retry_at is None:
            return dataclasses.replace(self, status=DeliveryStatus.FAILED, last_attempt_at=at)
        return dataclasses.replace(self, next_attempt_at=retry_at, last_attempt_at=at)

    def as_dict(self) -> JsonObject:
        return {
            "id": self.id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "endpoint_id": self.endpoint_id,
            "status": self.status.value,
            "attempts": self.attempts,
            "next_attempt_at": to_iso(self.next_attempt_at),
            "created_at": to_iso(self.created_at),
            "last_attempt_at": None
            if self.last_attempt_at is None
            else to_iso(self.last_attempt_at),
            "delivered_at": None if self.delivered_at is None else to_iso(self.delivered_at),
        }


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One line of the delivery log."""

    delivery_id: int
    endpoint_id: str
    event_id: str
    event_type: str
    attempt: int
    at: dt.datetime
    result: AttemptResult

    def as_dict(self) -> JsonObject:
        return {
            "delivery_id": self.delivery_id,
            "endpoint_id": self.endpoint_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "attempt": self.attempt,
            "at": to_iso(self.at),
            "succeeded": self.result.succeeded,
            "status_code": self.result.status_code,
            "duration_ms": self.result.duration_ms,
            "error": self.result.error,
            "response_excerpt": self.result.response_excerpt,
        }
