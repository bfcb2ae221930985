"""Bulk writes of ledger state prepared elsewhere: many rows per statement, one transaction.

Used to load a ledger that was built by running the ledger's handlers on a staging unit of work
(the demo company: thousands of accounts with months of history). Rows are encoded exactly as the
repositories encode them (the same row functions), and each table is written with one
``executemany``, so a few hundred thousand rows take seconds instead of minutes. Everything is
one transaction: the ledger gets all of it or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert

from tierwise.adapters.sql import tables as t
from tierwise.adapters.sql.gauges import gauges as gauge_table
from tierwise.adapters.sql.rows import (
    account_row,
    entitlement_row,
    history_row,
    outbox_row,
    seat_row,
    signal_row,
    subscription_row,
)
from tierwise.licensing.accounts import Account
from tierwise.licensing.entitlement_sources import Grant, Override
from tierwise.licensing.events import DomainEvent
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.seats import Seat
from tierwise.licensing.subscriptions import Subscription
from tierwise.services.gauges import Gauge
from tierwise.services.ports import SignalRecord

__all__ = ["LedgerRows", "write_ledger"]

#: Rows per ``executemany`` call (keeps the parameter buffers of one call small).
BATCH = 5_000


@dataclass(frozen=True, slots=True)
class LedgerRows:
    """The ledger state to write: every sequence in the order it happened."""

    accounts: Sequence[Account]
    subscriptions: Sequence[Subscription]
    seats: Sequence[Seat] = ()
    history: Sequence[HistoryEntry] = ()
    outbox: Sequence[tuple[DomainEvent, int | None]] = ()
    signals: Sequence[SignalRecord] = ()
    grants: Sequence[tuple[str, Grant]] = ()
    overrides: Sequence[tuple[str, Override]] = ()
    gauges: Sequence[Gauge] = ()


def _many(connection: Connection, table: Any, rows: Iterable[dict[str, Any]]) -> int:
    batch: list[dict[str, Any]] = []
    written = 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            written += len(batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)
        written += len(batch)
    return written


def write_ledger(engine: Engine, rows: LedgerRows) -> dict[str, int]:
    """Insert every row in one transaction; returns the number of rows written per table."""
    with engine.begin() as connection:
        return {
            "accounts": _many(connection, t.accounts, map(account_row, rows.accounts)),
            "subscriptions": _many(
                connection, t.subscriptions, map(subscription_row, rows.subscriptions)
            ),
            "seats": _many(connection, t.seats, map(seat_row, rows.seats)),
            "history": _many(connection, t.history, map(history_row, rows.history)),
            "outbox": _many(connection, t.outbox, (outbox_row(e, v) for e, v in rows.outbox)),
            "signals": _many(connection, t.signals, map(signal_row, rows.signals)),
            "entitlement_grants": _many(
                connection,
                t.entitlement_grants,
                [entitlement_row(a, "grant", g) for a, g in rows.grants]
                + [entitlement_row(a, "override", o) for a, o in rows.overrides],
            ),
            "gauges": _many(
                connection,
                gauge_table,
                (
                    {
                        "account_id": g.account_id,
                        "feature": g.feature,
                        "value": g.value,
                        "updated_at": g.updated_at,
                    }
                    for g in rows.gauges
                ),
            ),
        }
