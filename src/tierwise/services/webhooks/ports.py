"""Ports of webhook delivery: storage (one transaction per unit of work) and the HTTP sender.

The SQL adapter (:mod:`tierwise.adapters.sql.webhook_store`) and the HTTP adapter
(:mod:`tierwise.adapters.webhook_http`) implement them. Claiming is the storage's job because
only the database can make it safe between several dispatchers: :meth:`DeliveryRepository.claim`
moves a due delivery's ``next_attempt_at`` to the end of a lease in the same statement that
checks it is still due, so one dispatcher wins and the others skip it.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from tierwise.licensing.events import DomainEvent, JsonObject
from tierwise.notifications.deliveries import AttemptResult, Delivery, DeliveryAttempt
from tierwise.notifications.endpoints import WebhookEndpoint
from tierwise.notifications.webhook_events import WebhookEvent

__all__ = [
    "ClaimedDelivery",
    "DeliveryRepository",
    "EndpointRepository",
    "EventSourceRepository",
    "LimitSignal",
    "OutboxEntry",
    "RunningTrial",
    "WebhookRequest",
    "WebhookSender",
    "WebhookUnitOfWork",
]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A ledger event not yet handed to webhook delivery."""

    sequence: int
    event: DomainEvent
    version: int | None


@dataclass(frozen=True, slots=True)
class RunningTrial:
    """A subscription's running trial, as the ``trial.ending_soon`` notice needs it."""

    subscription_id: str
    account_id: str
    plan: str
    started_at: dt.datetime
    ends_at: dt.datetime
    convert_at_end: bool


@dataclass(frozen=True, slots=True)
class LimitSignal:
    """An entitlement signal with the billing period its subscription is in now (if known)."""

    id: int
    account_id: str
    subscription_id: str
    feature: str
    kind: str
    at: dt.datetime
    details: JsonObject
    period_start: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery this dispatcher holds until ``lease_until``, with what sending it needs."""

    delivery: Delivery
    event: WebhookEvent
    endpoint: WebhookEndpoint
    token: str
    lease_until: dt.datetime


class EndpointRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, endpoint: WebhookEndpoint) -> None: ...

    @abc.abstractmethod
    def get(self, endpoint_id: str, *, for_update: bool = False) -> WebhookEndpoint | None:
        """The endpoint; ``for_update`` locks its row until the unit ends (PostgreSQL)."""

    @abc.abstractmethod
    def list(self) -> list[WebhookEndpoint]:
        """Every endpoint, oldest first."""

    @abc.abstractmethod
    def save(self, endpoint: WebhookEndpoint) -> None: ...


class DeliveryRepository(abc.ABC):
    @abc.abstractmethod
    def add_event(self, event: WebhookEvent, *, at: dt.datetime) -> bool:
        """Store a message; ``False`` (and nothing stored) if its id is already there."""

    @abc.abstractmethod
    def queue(self, event: WebhookEvent, endpoint_id: str, *, at: dt.datetime) -> bool:
        """Add a pending delivery due at ``at``; ``False`` if this pair already has one."""

    @abc.abstractmethod
    def claim(
        self, at: dt.datetime, *, lease_until: dt.datetime, token: str, limit: int
    ) -> list[ClaimedDelivery]:
        """Take up to ``limit`` pending deliveries due by ``at`` to enabled endpoints.

        Each claimed delivery's attempt count goes up by one and its ``next_attempt_at`` becomes
        ``lease_until``: if this dispatcher dies before recording the attempt, the delivery is
        due again when the lease ends (at-least-once).
        """

    @abc.abstractmethod
    def get(self, delivery_id: int) -> tuple[Delivery, str | None] | None:
        """The delivery and the token of its current claim."""

    @abc.abstractmethod
    def save(self, delivery: Delivery, *, token: str) -> bool:
        """Write the delivery back and end its claim, if ``token`` still holds it."""

    @abc.abstractmethod
    def release(self, delivery_id: int, *, token: str, at: dt.datetime) -> None:
        """Give a claimed delivery back unattempted: due at ``at``, its attempt uncounted."""

    @abc.abstractmethod
    def resume(self, endpoint_id: str, at: dt.datetime) -> int:
        """Make the endpoint's pending deliveries due at ``at``; returns how many."""

    @abc.abstractmethod
    def log(self, attempt: DeliveryAttempt) -> None: ...

    @abc.abstractmethod
    def attempts(
        self, *, endpoint_id: str | None = None, event_id: str | None = None, limit: int = 50
    ) -> list[DeliveryAttempt]:
        """The delivery log, newest first."""

    @abc.abstractmethod
    def deliveries(
        self, *, endpoint_id: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[Delivery]:
        """Deliveries, newest first."""


class EventSourceRepository(abc.ABC):
    """Where messages come from: the ledger's outbox, running trials and entitlement signals."""

    @abc.abstractmethod
    def unrouted(self, *, limit: int) -> list[OutboxEntry]:
        """Outbox entries not yet routed, oldest first, locked for this unit (PostgreSQL)."""

    @abc.abstractmethod
    def mark_routed(self, sequences: Sequence[int], at: dt.datetime) -> None:
        """Set the entries' ``delivered_at``: they now live on as webhook deliveries."""

    @abc.abstractmethod
    def trials_ending(self, at: dt.datetime, until: dt.datetime) -> list[RunningTrial]:
        """Running trials whose end lies in ``(at, until]``."""

    @abc.abstractmethod
    def signals_after(self, position: int, *, limit: int) -> list[LimitSignal]:
        """Entitlement signals with an id above ``position``, in id order."""

    @abc.abstractmethod
    def cursor(self, name: str) -> int:
        """A remembered position (0 when none is)."""

    @abc.abstractmethod
    def set_cursor(self, name: str, position: int) -> None: ...


class WebhookUnitOfWork(abc.ABC):
    """One atomic transaction over the webhook repositories."""

    endpoints: EndpointRepository
    deliveries: DeliveryRepository
    sources: EventSourceRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None:
        """Forget everything not committed (called on exit; harmless after a commit)."""


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """One signed POST: where to, the headers (signature included) and the exact body."""

    url: str
    headers: Mapping[str, str]
    body: bytes


class WebhookSender(abc.ABC):
    @abc.abstractmethod
    def send(self, request: WebhookRequest) -> AttemptResult:
        """POST the request once; transport failures come back as a result, never raised."""
