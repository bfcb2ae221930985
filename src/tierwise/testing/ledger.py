"""An in-memory ledger store and unit of work, for service tests and examples.

It keeps the rules of the real store that the services rely on: nothing is visible to others
before ``commit``; a subscription saved after another unit committed a newer version raises
``ConcurrentChange``; a second entry for one subscription version, or a reused idempotency key,
is refused. State is kept as plain JSON data, so no object is shared between units.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from tierwise.errors import ConcurrentChange, Conflict
from tierwise.licensing.accounts import Account
from tierwise.licensing.entitlement_sources import Grant, Override
from tierwise.licensing.events import DomainEvent, JsonObject
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.seats import Seat
from tierwise.licensing.subscriptions import Subscription
from tierwise.services import ports

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


@dataclass
class _Tables:
    accounts: dict[str, JsonObject] = field(default_factory=dict)
    subscriptions: dict[str, JsonObject] = field(default_factory=dict)
    seats: dict[tuple[str, str], JsonObject] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    outbox: list[ports.OutboxMessage] = field(default_factory=list)
    idempotency: dict[str, ports.IdempotencyRecord] = field(default_factory=dict)
    grants: dict[str, list[Grant]] = field(default_factory=dict)
    overrides: dict[str, list[Override]] = field(default_factory=dict)
    signals: list[ports.SignalRecord] = field(default_factory=list)


class MemoryStore:
    """The committed state, shared by every :class:`MemoryUnitOfWork` made from it."""

    def __init__(self) -> None:
        self.tables = _Tables()
        self.lock = threading.Lock()
        self.commits = 0
        self.grant_ids = itertools.count(1)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork(ports.UnitOfWork):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        with store.lock:
            self._work = copy.deepcopy(store.tables)
        self._loaded: dict[str, int] = {}
        self._written: set[str] = set()
        self.accounts = _Accounts(self._work)
        self.subscriptions = _Subscriptions(self._work, self._loaded, self._written)
        self.seats = _Seats(self._work)
        self.history = _History(self._work)
        self.outbox = _Outbox(self._work)
        self.idempotency = _Idempotency(self._work)
        self.grants = _Grants(self._work, store.grant_ids)
        self.signals = _Signals(self._work)
        self._base = copy.deepcopy(self._work)

    def commit(self) -> None:
        with self._store.lock:
            committed = self._store.tables
            for sub_id in self._written:
                current = committed.subscriptions.get(sub_id)
                base = self._base.subscriptions.get(sub_id)
                expected = None if base is None else base["version"]
                if current is not None and current["version"] != expected:
                    raise ConcurrentChange(
                        f"subscription {sub_id} was changed by someone else; reload and retry",
                        field="subscription",
                    )
            for key in self._work.idempotency.keys() - self._base.idempotency.keys():
                if key in committed.idempotency:
                    raise ConcurrentChange(f"idempotency key {key!r} was just used")
            _merge(committed, self._base, self._work)
            self._store.commits += 1
        self._base = copy.deepcopy(self._work)
        self._written.clear()

    def rollback(self) -> None:
        """Nothing to undo: uncommitted work lives in this unit's private copy only."""


def _merge(committed: _Tables, base: _Tables, work: _Tables) -> None:
    """Apply what this unit changed (relative to ``base``) onto the committed tables."""
    for name in ("accounts", "subscriptions", "seats", "idempotency"):
        target, before, after = getattr(committed, name), getattr(base, name), getattr(work, name)
        for key, value in after.items():
            if before.get(key) != value:
                target[key] = copy.deepcopy(value)
    for name in ("history", "outbox", "signals"):
        new = getattr(work, name)[len(getattr(base, name)) :]
        getattr(committed, name).extend(new)
    for name in ("grants", "overrides"):
        target, before, after = getattr(committed, name), getattr(base, name), getattr(work, name)
        for account, items in after.items():
            _merge_entries(target.setdefault(account, []), before.get(account, []), items)


def _merge_entries(target: list[Any], before: list[Any], after: list[Any]) -> None:
    """Apply one account's added, ended and removed grants (or overrides), matched by id."""
    kept = {entry.id: entry for entry in after}
    seen = {entry.id for entry in before}
    target[:] = [
        kept.get(entry.id, entry) for entry in target if entry.id not in seen or entry.id in kept
    ]
    target.extend(entry for entry in after if entry.id not in seen)


class _Accounts(ports.AccountRepository):
    def __init__(self, work: _Tables) -> None:
        self._work = work

    def add(self, account: Account) -> None:
        if any(row["external_id"] == account.external_id for row in self._work.accounts.values()):
            raise Conflict(f"an account with external id {account.external_id!r} exists")
        self._work.accounts[account.id] = account.as_dict()

    def get(self, reference: str) -> Account | None:
        for row in self._work.accounts.values():
            if reference in (row["id"], row["external_id"]):
                return Account.from_dict(row)
        return None

    def list(self, *, limit: int = 100, offset: int = 0) -> list[Account]:
        rows = sorted(
            self._work.accounts.values(), key=lambda r: (str(r["created_at"]), str(r["id"]))
        )
        return [Account.from_dict(row) for row in rows[offset : offset + limit]]


class _Subscriptions(ports.SubscriptionRepository):
    def __init__(self, work: _Tables, loaded: dict[str, int], written: set[str]) -> None:
        self._work, self._loaded, self._written = work, loaded, written

    def add(self, subscription: Subscription) -> None:
        if subscription.id in self._work.subscriptions:
            raise Conflict(f"subscription {subscription.id} exists")
        self._work.subscriptions[subscription.id] = subscription.snapshot()
        self._loaded[subscription.id] = subscription.version

    def get(self, subscription_id: str) -> Subscription | None:
        row = self._work.subscriptions.get(subscription_id)
        if row is None:
            return None
        subscription = Subscription.from_snapshot(row)
        self._loaded.setdefault(subscription_id, subscription.version)
        return subscription

    def save(self, subscription: Subscription) -> None:
        stored = self._work.subscriptions.get(subscription.id)
        if stored is None or stored["version"] != self._loaded.get(subscription.id):
            raise ConcurrentChange(f"subscription {subscription.id} changed since it was loaded")
        self._work.subscriptions[subscription.id] = subscription.snapshot()
        self._loaded[subscription.id] = subscription.version
        self._written.add(subscription.id)

    def for_account(self, account_id: str) -> list[Subscription]:
        rows = [r for r in self._work.subscriptions.values() if r["account_id"] == account_id]
        return [Subscription.from_snapshot(r) for r in sorted(rows, key=lambda r: str(r["id"]))]

    def due(self, at: dt.datetime, *, limit: int = 500) -> list[str]:
        due = []
        for row in self._work.subscriptions.values():
            moment = Subscription.from_snapshot(row).next_due_at
            if moment is not None and moment <= at:
                due.append((moment, str(row["id"])))
        return [sub_id for _, sub_id in sorted(due)[:limit]]


class _Seats(ports.SeatRepository):
    def __init__(self, work: _Tables) -> None:
        self._work = work

    def get(self, subscription_id: str, user: str) -> Seat | None:
        row = self._work.seats.get((subscription_id, user))
        return Seat.from_dict(row) if row else None

    def for_subscription(self, subscription_id: str) -> list[Seat]:
        rows = [r for (s, _), r in sorted(self._work.seats.items()) if s == subscription_id]
        return [Seat.from_dict(r) for r in rows]

    def add(self, seat: Seat) -> None:
        key = (seat.subscription_id, seat.user)
        if key in self._work.seats:
            raise Conflict(f"{seat.user} already has a seat record")
        self._work.seats[key] = seat.as_dict()

    def save(self, seat: Seat) -> None:
        self._work.seats[(seat.subscription_id, seat.user)] = seat.as_dict()


class _History(ports.HistoryRepository):
    def __init__(self, work: _Tables) -> None:
        self._work = work

    def append(self, entry: HistoryEntry) -> None:
        for old in self._work.history:
            if (old.subscription_id, old.version) == (entry.subscription_id, entry.version):
                raise ConcurrentChange(f"version {entry.version} is already in the history")
        self._work.history.append(entry)

    def for_subscription(self, subscription_id: str, *, limit: int = 50) -> list[HistoryEntry]:
        mine = [e for e in self._work.history if e.subscription_id == subscription_id]
        return sorted(mine, key=lambda e: -e.version)[:limit]


class _Outbox(ports.OutboxRepository):
    def __init__(self, work: _Tables) -> None:
        self._work = work

    def add(self, event: DomainEvent, *, version: int | None) -> None:
        sequence = len(self._work.outbox) + 1
        self._work.outbox.append(ports.OutboxMessage(sequence, event, version))

    def pending(self, *, limit: int = 100) -> list[ports.OutboxMessage]:
        return [m for m in self._work.outbox if m.delivered_at is None][:limit]


class _Idempotency(ports.IdempotencyRepository):
    def __init__(self, work: _Tables) -> None:
        self._work = work

    def get(self, key: str) -> ports.IdempotencyRecord | None:
        return self._work.idempotency.get(key)

    def add(self, record: ports.IdempotencyRecord) -> None:
        if record.key in self._work.idempotency:
            raise ConcurrentChange(f"idempotency key {record.key!r} was just used")
        self._work.idempotency[record.key] = record


class _Grants(ports.GrantRepository):
    def __init__(self, work: _Tables, ids: itertools.count[int]) -> None:
        self._work = work
        self._ids = ids

    def add_grant(self, account_id: str, grant: Grant) -> int:
        stored = replace(grant, id=next(self._ids))
        self._work.grants.setdefault(account_id, []).append(stored)
        return stored.id or 0

    def add_override(self, account_id: str, override: Override) -> int:
        stored = replace(override, id=next(self._ids))
        self._work.overrides.setdefault(account_id, []).append(stored)
        return stored.id or 0

    def end(self, account_id: str, entry_id: int, at: dt.datetime) -> None:
        for table in (self._work.grants, self._work.overrides):
            entries: list[Any] = table.get(account_id, [])
            for index, entry in enumerate(entries):
                if entry.id != entry_id:
                    continue
                if entry.starts is not None and entry.starts >= at:
                    del entries[index]
                else:
                    entries[index] = replace(entry, ends=at)
                return

    def grants(self, account_id: str) -> list[Grant]:
        return list(self._work.grants.get(account_id, []))

    def overrides(self, account_id: str) -> list[Override]:
        return list(self._work.overrides.get(account_id, []))


class _Signals(ports.SignalRepository):
    def __init__(self, work: _Tables) -> None:
        self._work = work

    def record(self, signal: ports.SignalRecord) -> None:
        self._work.signals.append(signal)

    def for_account(self, account_id: str, *, limit: int = 100) -> list[ports.SignalRecord]:
        mine = [s for s in self._work.signals if s.account_id == account_id]
        return list(reversed(mine))[:limit]
