"""SQL repositories: rows in, domain objects out, over one connection (one transaction).

Subscriptions are saved with an optimistic check: ``UPDATE … WHERE id = :id AND version =
:loaded``; when no row matches, someone else committed first and ``ConcurrentChange`` is raised.
Unique-key violations on history versions and idempotency keys mean the same thing. The update
sets ``version`` and the columns whose stored value changed since the row was read: a seat
change then leaves the id, account and due-date indexes alone, which on SQLite writes three
fewer pages to the log per transition.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tierwise.adapters.sql import tables as t
from tierwise.adapters.sql.driver_statements import DriverCursor, DriverStatement
from tierwise.adapters.sql.engine import json_text
from tierwise.adapters.sql.rows import (
    SUBSCRIPTION_JSON_COLUMNS,
    account_from_row,
    account_row,
    entitlement_row,
    grant_from_row,
    history_row,
    outbox_row,
    override_from_row,
    seat_from_row,
    seat_row,
    signal_row,
    subscription_from_row,
    subscription_row,
)
from tierwise.adapters.sql.stored_receipts import receipt_from_store, receipt_to_store
from tierwise.errors import ConcurrentChange, Conflict
from tierwise.licensing.accounts import Account
from tierwise.licensing.entitlement_sources import Grant, Override
from tierwise.licensing.events import DomainEvent
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.seats import Seat
from tierwise.licensing.subscriptions import Subscription
from tierwise.services import ports

__all__ = [
    "SqlAccounts",
    "SqlGrants",
    "SqlHistory",
    "SqlIdempotency",
    "SqlOutbox",
    "SqlSeats",
    "SqlSignals",
    "SqlSubscriptions",
]


class SqlAccounts(ports.AccountRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, account: Account) -> None:
        try:
            self._db.execute(insert(t.accounts), account_row(account))
        except IntegrityError:
            raise Conflict(
                f"an account with external id {account.external_id!r} exists", field="external_id"
            ) from None

    def get(self, reference: str) -> Account | None:
        query = select(t.accounts).where(
            (t.accounts.c.id == reference) | (t.accounts.c.external_id == reference)
        )
        row = self._db.execute(query).mappings().first()
        return account_from_row(row) if row else None

    def list(self, *, limit: int = 100, offset: int = 0) -> list[Account]:
        query = (
            select(t.accounts)
            .order_by(t.accounts.c.created_at, t.accounts.c.id)
            .limit(limit)
            .offset(offset)
        )
        return [account_from_row(row) for row in self._db.execute(query).mappings()]


# The hot path's statements: compiled once per dialect, run on the driver (driver_statements).
def _all_but(table: Any, *skipped: str) -> list[str]:
    return [column.name for column in table.columns if column.name not in skipped]


_SUBSCRIPTION_COLUMNS = tuple(column.name for column in t.subscriptions.columns)
_JSON_COLUMNS = frozenset({"add_ons", "settings", *SUBSCRIPTION_JSON_COLUMNS})


@functools.lru_cache(maxsize=256)
def _save_subscription(columns: tuple[str, ...]) -> DriverStatement:
    """The optimistic ``UPDATE`` setting ``columns`` (one per set of changed columns)."""
    return DriverStatement(
        update(t.subscriptions)
        .where(
            t.subscriptions.c.id == bindparam("loaded_id"),
            t.subscriptions.c.version == bindparam("loaded_version"),
        )
        .values({name: bindparam(name) for name in columns})
    )


def _changed(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> tuple[str, ...]:
    """``version`` and every column whose stored value differs (all when nothing was read)."""
    if before is None:
        return _SUBSCRIPTION_COLUMNS
    return tuple(
        name
        for name in _SUBSCRIPTION_COLUMNS
        if name == "version" or not _same(name, before[name], after[name])
    )


def _same(column: str, old: Any, new: Any) -> bool:
    """Whether ``new`` would store exactly what ``old`` stored (``1`` is not ``1.0`` nor True)."""
    if column in _JSON_COLUMNS:
        return old is new or json_text(old) == json_text(new)
    return type(old) is type(new) and bool(old == new)


_GET_SUBSCRIPTION = DriverStatement(
    select(t.subscriptions).where(t.subscriptions.c.id == bindparam("id"))
)
_INSERT_SUBSCRIPTION = insert(t.subscriptions)
_INSERT_HISTORY = DriverStatement(insert(t.history), parameters=_all_but(t.history, "id"))
_INSERT_OUTBOX = DriverStatement(insert(t.outbox), parameters=_all_but(t.outbox, "sequence"))
_GET_KEY = DriverStatement(
    select(t.idempotency_keys).where(t.idempotency_keys.c.key == bindparam("key"))
)
_INSERT_KEY = DriverStatement(insert(t.idempotency_keys), parameters=_all_but(t.idempotency_keys))
_SEATS_OF_SUBSCRIPTION = DriverStatement(
    select(t.seats)
    .where(t.seats.c.subscription_id == bindparam("subscription_id"))
    .order_by(t.seats.c.user)
)
_SAVE_SEAT = (
    update(t.seats)
    .where(
        t.seats.c.subscription_id == bindparam("key_subscription"),
        t.seats.c.user == bindparam("key_user"),
    )
    .values({column.name: bindparam(column.name) for column in t.seats.columns})
)


class SqlSubscriptions(ports.SubscriptionRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._driver = DriverCursor(connection)
        # id → the row as read or last written in this transaction (its version included).
        self._loaded: dict[str, dict[str, Any]] = {}

    def add(self, subscription: Subscription) -> None:
        row = subscription_row(subscription)
        self._db.execute(_INSERT_SUBSCRIPTION, row)
        self._loaded[subscription.id] = row

    def get(self, subscription_id: str) -> Subscription | None:
        row = self._driver.first(_GET_SUBSCRIPTION, {"id": subscription_id})
        if row is None:
            return None
        subscription = subscription_from_row(row)
        self._loaded[subscription.id] = row
        return subscription

    def save(self, subscription: Subscription) -> None:
        row = subscription_row(subscription)
        loaded = self._loaded.get(subscription.id)
        statement = _save_subscription(_changed(loaded, row))
        parameters = row | {
            "loaded_id": subscription.id,
            "loaded_version": None if loaded is None else loaded["version"],
        }
        if self._driver.execute(statement, parameters).rowcount != 1:
            raise ConcurrentChange(
                f"subscription {subscription.id} was changed by someone else; reload and retry",
                field="subscription",
            )
        self._loaded[subscription.id] = row

    def for_account(self, account_id: str) -> list[Subscription]:
        query = (
            select(t.subscriptions)
            .where(t.subscriptions.c.account_id == account_id)
            .order_by(t.subscriptions.c.id)
        )
        return [subscription_from_row(row) for row in self._db.execute(query).mappings()]

    def due(self, at: dt.datetime, *, limit: int = 500) -> list[str]:
        column = t.subscriptions.c.next_due_at
        query = (
            select(t.subscriptions.c.id)
            .where(column.is_not(None), column <= at)
            .order_by(column, t.subscriptions.c.id)
            .limit(limit)
        )
        return list(self._db.execute(query).scalars())


class SqlSeats(ports.SeatRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._driver = DriverCursor(connection)

    def get(self, subscription_id: str, user: str) -> Seat | None:
        query = select(t.seats).where(
            t.seats.c.subscription_id == subscription_id, t.seats.c.user == user
        )
        row = self._db.execute(query).mappings().first()
        return seat_from_row(row) if row else None

    def for_subscription(self, subscription_id: str) -> list[Seat]:
        rows = self._driver.rows(_SEATS_OF_SUBSCRIPTION, {"subscription_id": subscription_id})
        return [seat_from_row(row) for row in rows]

    def add(self, seat: Seat) -> None:
        self._db.execute(insert(t.seats), seat_row(seat))

    def save(self, seat: Seat) -> None:
        row = seat_row(seat)
        row["key_subscription"], row["key_user"] = seat.subscription_id, seat.user
        self._db.execute(_SAVE_SEAT, row)


class SqlHistory(ports.HistoryRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._driver = DriverCursor(connection)
        self._by_key: dict[str, HistoryEntry] = {}

    def append(self, entry: HistoryEntry) -> None:
        try:
            self._driver.execute(_INSERT_HISTORY, history_row(entry))
        except IntegrityError:
            raise ConcurrentChange(
                f"version {entry.version} of {entry.subscription_id} is already recorded"
            ) from None
        if entry.idempotency_key is not None:
            self._by_key[entry.idempotency_key] = entry

    def appended_with(self, key: str) -> HistoryEntry | None:
        """The last entry this repository appended under idempotency key ``key``."""
        return self._by_key.get(key)

    def for_subscription(self, subscription_id: str, *, limit: int = 50) -> list[HistoryEntry]:
        query = (
            select(t.history)
            .where(t.history.c.subscription_id == subscription_id)
            .order_by(t.history.c.version.desc())
            .limit(limit)
        )
        return [
            HistoryEntry(**{k: v for k, v in row.items() if k != "id"})
            for row in self._db.execute(query).mappings()
        ]


class SqlOutbox(ports.OutboxRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._driver = DriverCursor(connection)

    def add(self, event: DomainEvent, *, version: int | None) -> None:
        self._driver.execute(_INSERT_OUTBOX, outbox_row(event, version))

    def pending(self, *, limit: int = 100) -> list[ports.OutboxMessage]:
        query = (
            select(t.outbox)
            .where(t.outbox.c.delivered_at.is_(None))
            .order_by(t.outbox.c.sequence)
            .limit(limit)
        )
        return [
            ports.OutboxMessage(
                sequence=row["sequence"],
                event=DomainEvent.from_dict(row["payload"]),
                version=row["version"],
                delivered_at=row["delivered_at"],
            )
            for row in self._db.execute(query).mappings()
        ]


class SqlIdempotency(ports.IdempotencyRepository):
    """Keys and their first receipts; given the transaction's ``history``, receipts whose data
    is a history entry's are stored by reference to it (:mod:`.stored_receipts`)."""

    def __init__(self, connection: Connection, history: SqlHistory | None = None) -> None:
        self._db = connection
        self._driver = DriverCursor(connection)
        self._history = history

    def get(self, key: str) -> ports.IdempotencyRecord | None:
        row = self._driver.first(_GET_KEY, {"key": key})
        if row is None:
            return None
        row["receipt"] = receipt_from_store(row["receipt"], self._driver)
        return ports.IdempotencyRecord(**row)

    def add(self, record: ports.IdempotencyRecord) -> None:
        entry = self._history.appended_with(record.key) if self._history is not None else None
        row = {
            "key": record.key,
            "command": record.command,
            "fingerprint": record.fingerprint,
            "receipt": receipt_to_store(record.receipt, entry),
            "at": record.at,
        }
        try:
            self._driver.execute(_INSERT_KEY, row)
        except IntegrityError:
            raise ConcurrentChange(f"idempotency key {record.key!r} was just used") from None


class SqlGrants(ports.GrantRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_grant(self, account_id: str, grant: Grant) -> int:
        return self._insert(entitlement_row(account_id, "grant", grant))

    def add_override(self, account_id: str, override: Override) -> int:
        return self._insert(entitlement_row(account_id, "override", override))

    def _insert(self, row: dict[str, Any]) -> int:
        result = self._db.execute(insert(t.entitlement_grants).values(**row))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _rows(self, account_id: str, kind: str) -> list[RowMapping]:
        query = (
            select(t.entitlement_grants)
            .where(
                t.entitlement_grants.c.account_id == account_id,
                t.entitlement_grants.c.kind == kind,
            )
            .order_by(t.entitlement_grants.c.id)
        )
        return list(self._db.execute(query).mappings())

    def grants(self, account_id: str) -> list[Grant]:
        return [grant_from_row(r) for r in self._rows(account_id, "grant")]

    def overrides(self, account_id: str) -> list[Override]:
        return [override_from_row(r) for r in self._rows(account_id, "override")]

    def end(self, account_id: str, entry_id: int, at: dt.datetime) -> None:
        table = t.entitlement_grants
        mine = (table.c.id == entry_id, table.c.account_id == account_id)
        not_started = table.c.starts.is_not(None) & (table.c.starts >= at)
        self._db.execute(delete(table).where(*mine, not_started))
        self._db.execute(update(table).where(*mine, ~not_started).values(ends=at))


class SqlSignals(ports.SignalRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def record(self, signal: ports.SignalRecord) -> None:
        self._db.execute(insert(t.signals).values(**signal_row(signal)))

    def for_account(self, account_id: str, *, limit: int = 100) -> list[ports.SignalRecord]:
        query = (
            select(t.signals)
            .where(t.signals.c.account_id == account_id)
            .order_by(t.signals.c.id.desc())
            .limit(limit)
        )
        return [
            ports.SignalRecord(r["account_id"], r["feature"], r["kind"], r["at"], r["details"])
            for r in self._db.execute(query).mappings()
        ]
