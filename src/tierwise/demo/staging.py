"""A write-only unit of work that stages what the ledger's handlers do, for one bulk write.

The demo creates thousands of accounts with months of history. Running the ledger's own handlers
keeps every rule (quotes, seat limits, trials, period roll-overs, history, outbox, signals), but a
database round trip per statement would take minutes. So the handlers run on this in-memory unit
of work, indexed by key (each lookup is a dict access), and the staged rows are then written in a
few set-based statements (:func:`tierwise.adapters.sql.ledger_bulk.write_ledger`).

It is a staging area for one writer, not a general store: there is no concurrency to guard
against, and :meth:`commit` only marks the work as complete.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from dataclasses import replace

from tierwise.errors import Conflict
from tierwise.licensing.accounts import Account
from tierwise.licensing.entitlement_sources import Grant, Override
from tierwise.licensing.events import DomainEvent
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.seats import Seat
from tierwise.licensing.subscriptions import Subscription
from tierwise.services import ports

__all__ = ["StagedLedger", "StagingUnitOfWork"]


class StagedLedger:
    """Everything staged so far, in the order it happened (history, outbox and signals)."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.account_ids: dict[str, str] = {}  # external id → id
        self.subscriptions: dict[str, Subscription] = {}
        self.by_account: dict[str, list[str]] = defaultdict(list)
        self.seats: dict[tuple[str, str], Seat] = {}
        self.seats_of: dict[str, list[str]] = defaultdict(list)
        self.history: list[HistoryEntry] = []
        self.outbox: list[tuple[DomainEvent, int | None]] = []
        self.signals: list[ports.SignalRecord] = []
        self.signals_of: dict[str, list[ports.SignalRecord]] = defaultdict(list)
        self.grants: dict[str, list[Grant]] = defaultdict(list)
        self.overrides: dict[str, list[Override]] = defaultdict(list)


class _Accounts(ports.AccountRepository):
    def __init__(self, staged: StagedLedger) -> None:
        self._s = staged

    def add(self, account: Account) -> None:
        if account.external_id in self._s.account_ids:
            raise Conflict(f"an account with external id {account.external_id!r} exists")
        self._s.accounts[account.id] = account
        self._s.account_ids[account.external_id] = account.id

    def get(self, reference: str) -> Account | None:
        found = self._s.accounts.get(reference)
        if found is not None:
            return found
        account_id = self._s.account_ids.get(reference)
        return None if account_id is None else self._s.accounts[account_id]

    def list(self, *, limit: int = 100, offset: int = 0) -> list[Account]:
        ordered = sorted(self._s.accounts.values(), key=lambda a: (a.created_at, a.id))
        return ordered[offset : offset + limit]


def _clone(subscription: Subscription) -> Subscription:
    """A copy that shares only immutable parts (terms, trial, dates are frozen values)."""
    clone = copy.copy(subscription)
    clone.settings = dict(subscription.settings)
    clone.events = []
    return clone


def _seat_copy(seat: Seat) -> Seat:
    """A copy (every field is an immutable value; the constructor is the cheapest way)."""
    return Seat(
        seat.subscription_id,
        seat.user,
        seat.status,
        seat.assigned_at,
        seat.last_active_at,
        seat.noticed_at,
        seat.reclaimed_at,
    )


class _Subscriptions(ports.SubscriptionRepository):
    """Hands out copies, as the SQL store does: a handler changes a subscription by saving it."""

    def __init__(self, staged: StagedLedger) -> None:
        self._s = staged

    def add(self, subscription: Subscription) -> None:
        self._s.subscriptions[subscription.id] = _clone(subscription)
        self._s.by_account[subscription.account_id].append(subscription.id)

    def get(self, subscription_id: str) -> Subscription | None:
        stored = self._s.subscriptions.get(subscription_id)
        return None if stored is None else _clone(stored)

    def save(self, subscription: Subscription) -> None:
        self._s.subscriptions[subscription.id] = _clone(subscription)

    def for_account(self, account_id: str) -> list[Subscription]:
        ids = sorted(self._s.by_account.get(account_id, ()))
        return [s for s in (self.get(i) for i in ids) if s is not None]

    def due(self, at: dt.datetime, *, limit: int = 500) -> list[str]:
        due = sorted(
            (s.next_due_at, s.id)
            for s in self._s.subscriptions.values()
            if s.next_due_at is not None and s.next_due_at <= at
        )
        return [subscription_id for _, subscription_id in due[:limit]]


class _Seats(ports.SeatRepository):
    def __init__(self, staged: StagedLedger) -> None:
        self._s = staged

    def get(self, subscription_id: str, user: str) -> Seat | None:
        seat = self._s.seats.get((subscription_id, user))
        return None if seat is None else _seat_copy(seat)

    def for_subscription(self, subscription_id: str) -> list[Seat]:
        users = sorted(self._s.seats_of.get(subscription_id, ()))
        return [_seat_copy(self._s.seats[(subscription_id, u)]) for u in users]

    def add(self, seat: Seat) -> None:
        key = (seat.subscription_id, seat.user)
        if key in self._s.seats:
            raise Conflict(f"{seat.user} already has a seat record")
        self._s.seats[key] = _seat_copy(seat)
        self._s.seats_of[seat.subscription_id].append(seat.user)

    def save(self, seat: Seat) -> None:
        self._s.seats[(seat.subscription_id, seat.user)] = _seat_copy(seat)


class _History(ports.HistoryRepository):
    def __init__(self, staged: StagedLedger) -> None:
        self._s = staged

    def append(self, entry: HistoryEntry) -> None:
        self._s.history.append(entry)

    def for_subscription(self, subscription_id: str, *, limit: int = 50) -> list[HistoryEntry]:
        mine = [e for e in reversed(self._s.history) if e.subscription_id == subscription_id]
        return mine[:limit]


class _Outbox(ports.OutboxRepository):
    def __init__(self, staged: StagedLedger) -> None:
        self._s = staged

    def add(self, event: DomainEvent, *, version: int | None) -> None:
        self._s.outbox.append((event, version))

    def pending(self, *, limit: int = 100) -> list[ports.OutboxMessage]:
        return [
            ports.OutboxMessage(sequence, event, version)
            for sequence, (event, version) in enumerate(self._s.outbox[:limit], start=1)
        ]


class _Idempotency(ports.IdempotencyRepository):
    """The demo's commands carry no idempotency keys; nothing is ever remembered."""

    def get(self, key: str) -> ports.IdempotencyRecord | None:
        return None

    def add(self, record: ports.IdempotencyRecord) -> None:
        raise Conflict("the demo's staging store keeps no idempotency keys")


class _Grants(ports.GrantRepository):
    def __init__(self, staged: StagedLedger) -> None:
        self._s = staged

    def add_grant(self, account_id: str, grant: Grant) -> int:
        self._s.grants[account_id].append(replace(grant, id=self._next_id()))
        return self._s.grants[account_id][-1].id or 0

    def add_override(self, account_id: str, override: Override) -> int:
        self._s.overrides[account_id].append(replace(override, id=self._next_id()))
        return self._s.overrides[account_id][-1].id or 0

    def grants(self, account_id: str) -> list[Grant]:
        return list(self._s.grants.get(account_id, ()))

    def overrides(self, account_id: str) -> list[Override]:
        return list(self._s.overrides.get(account_id, ()))

    def end(self, account_id: str, entry_id: int, at: dt.datetime) -> None:
        """The demo never ends a grant it staged; the staging ids are not the stored ones."""
        raise Conflict("the demo's staging store does not end grants")

    def _next_id(self) -> int:
        """A staging number (the database numbers the rows when the demo is written)."""
        return (
            sum(map(len, self._s.grants.values())) + sum(map(len, self._s.overrides.values())) + 1
        )


class _Signals(ports.SignalRepository):
    def __init__(self, staged: StagedLedger) -> None:
        self._s = staged

    def record(self, signal: ports.SignalRecord) -> None:
        self._s.signals.append(signal)
        self._s.signals_of[signal.account_id].append(signal)

    def for_account(self, account_id: str, *, limit: int = 100) -> list[ports.SignalRecord]:
        return list(reversed(self._s.signals_of.get(account_id, ())))[:limit]


class StagingUnitOfWork(ports.UnitOfWork):
    """Every repository of the ledger over one :class:`StagedLedger`."""

    def __init__(self, staged: StagedLedger | None = None) -> None:
        self.staged = staged or StagedLedger()
        self.accounts = _Accounts(self.staged)
        self.subscriptions = _Subscriptions(self.staged)
        self.seats = _Seats(self.staged)
        self.history = _History(self.staged)
        self.outbox = _Outbox(self.staged)
        self.idempotency = _Idempotency()
        self.grants = _Grants(self.staged)
        self.signals = _Signals(self.staged)
        self.committed = False

    def commit(self) -> None:
        self.committed = True

    def rollback(self) -> None:
        """Nothing to undo: the demo builds the staged ledger once, front to back."""
