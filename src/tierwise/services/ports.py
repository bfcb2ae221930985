"""Ports: what the use cases need from storage, as small abstract classes.

Adapters implement them (``tierwise.adapters.sql``); service tests use in-memory fakes
(``tierwise.testing.ledger``). Time is not a port: every command carries its ``at``.

A :class:`UnitOfWork` is one atomic transaction over all repositories. Use it as a context
manager; nothing is kept unless :meth:`UnitOfWork.commit` is called, and a subscription saved
after someone else changed it raises :class:`~tierwise.errors.ConcurrentChange` (at ``save`` or
at ``commit``), leaving nothing applied.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from tierwise.licensing.accounts import Account
from tierwise.licensing.entitlement_sources import Grant, Override
from tierwise.licensing.events import DomainEvent, JsonObject
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.seats import Seat
from tierwise.licensing.subscriptions import Subscription

__all__ = [
    "AccountRepository",
    "GrantRepository",
    "HistoryRepository",
    "IdempotencyRecord",
    "IdempotencyRepository",
    "OutboxMessage",
    "OutboxRepository",
    "SeatRepository",
    "SignalRecord",
    "SignalRepository",
    "SubscriptionRepository",
    "UnitOfWork",
]


class AccountRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, account: Account) -> None:
        """Store a new account; an existing ``external_id`` raises ``Conflict``."""

    @abc.abstractmethod
    def get(self, reference: str) -> Account | None:
        """The account whose id or external id is ``reference``."""

    @abc.abstractmethod
    def list(self, *, limit: int = 100, offset: int = 0) -> list[Account]:
        """Accounts ordered by creation, then id."""


class SubscriptionRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, subscription: Subscription) -> None: ...

    @abc.abstractmethod
    def get(self, subscription_id: str) -> Subscription | None:
        """Load a subscription and remember its version for the optimistic check on save."""

    @abc.abstractmethod
    def save(self, subscription: Subscription) -> None:
        """Write a loaded subscription back if nobody changed it since it was loaded."""

    @abc.abstractmethod
    def for_account(self, account_id: str) -> list[Subscription]: ...

    @abc.abstractmethod
    def due(self, at: dt.datetime, *, limit: int = 500) -> list[str]:
        """Ids of subscriptions with something due at or before ``at`` (``tick``)."""


class SeatRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, subscription_id: str, user: str) -> Seat | None: ...

    @abc.abstractmethod
    def for_subscription(self, subscription_id: str) -> list[Seat]: ...

    @abc.abstractmethod
    def add(self, seat: Seat) -> None: ...

    @abc.abstractmethod
    def save(self, seat: Seat) -> None: ...


class HistoryRepository(abc.ABC):
    @abc.abstractmethod
    def append(self, entry: HistoryEntry) -> None:
        """Append an entry; a second entry for the same subscription version is a conflict."""

    @abc.abstractmethod
    def for_subscription(self, subscription_id: str, *, limit: int = 50) -> list[HistoryEntry]:
        """The latest entries, newest first."""


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A domain event waiting in the outbox; ``sequence`` orders delivery."""

    sequence: int
    event: DomainEvent
    version: int | None
    delivered_at: dt.datetime | None = None


class OutboxRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, event: DomainEvent, *, version: int | None) -> None:
        """Queue an event; ``version`` is the subscription version it belongs to."""

    @abc.abstractmethod
    def pending(self, *, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages, oldest first."""


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    key: str
    command: str
    fingerprint: str
    receipt: JsonObject
    at: dt.datetime


class IdempotencyRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, key: str) -> IdempotencyRecord | None: ...

    @abc.abstractmethod
    def add(self, record: IdempotencyRecord) -> None:
        """Store a first result; a key stored meanwhile by another transaction is a conflict."""


class GrantRepository(abc.ABC):
    """Time-bounded grants and overrides of an account's entitlements."""

    @abc.abstractmethod
    def add_grant(self, account_id: str, grant: Grant) -> int:
        """Store a grant; returns its id."""

    @abc.abstractmethod
    def add_override(self, account_id: str, override: Override) -> int:
        """Store an override; returns its id (grants and overrides share one numbering)."""

    @abc.abstractmethod
    def grants(self, account_id: str) -> list[Grant]: ...

    @abc.abstractmethod
    def overrides(self, account_id: str) -> list[Override]:
        """Overrides in the order they were added (the last active one wins)."""

    @abc.abstractmethod
    def end(self, account_id: str, entry_id: int, at: dt.datetime) -> None:
        """End the account's grant or override ``entry_id`` at ``at``: its ``ends`` becomes
        ``at``; one that has not started by ``at`` never applied and is removed."""


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """A recorded entitlement signal: a denial or an entry into the soft-limit zone."""

    account_id: str
    feature: str
    kind: str
    at: dt.datetime
    details: JsonObject


class SignalRepository(abc.ABC):
    @abc.abstractmethod
    def record(self, signal: SignalRecord) -> None: ...

    @abc.abstractmethod
    def for_account(self, account_id: str, *, limit: int = 100) -> list[SignalRecord]:
        """The latest signals, newest first."""


class UnitOfWork(abc.ABC):
    """One atomic transaction over every repository of the ledger."""

    accounts: AccountRepository
    subscriptions: SubscriptionRepository
    seats: SeatRepository
    history: HistoryRepository
    outbox: OutboxRepository
    idempotency: IdempotencyRepository
    grants: GrantRepository
    signals: SignalRepository

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
    def commit(self) -> None:
        """Make everything done in this unit permanent, at once."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Forget everything not committed (called on exit; harmless after a commit)."""
