"""Usage ingest in the server process: the one event store writer, Segment group memberships and
the meter totals cache.

The event store
    DuckDB lets one process write the file, so the server opens one
    :class:`~tierwise.adapters.event_store.EventStore` at start-up (the app's lifespan) and closes
    it at shutdown; every request appends through it. An app used without its lifespan (an ASGI
    test harness) opens it on first use instead. Opening also builds the writer's key index
    (:mod:`~tierwise.adapters.event_keys`; 4–5 s of CPU per ten million stored events), so
    that the first request does not pay for it. Accepted requests are written by group commit
    (:mod:`tierwise.api.group_commit`): the requests that arrive together are one
    :meth:`EventStore.append_tables` — one transaction that claims the ``(source, id)`` keys and
    stores the events together, each request's batch whole or not at all — and each is answered
    only after it committed, so an acknowledged event survives a crash and a retried batch counts
    every event once.

Segment group memberships
    Segment's libraries attribute a user to an account with a ``group`` call and then send
    ``track`` calls that often carry no ``groupId``. A Segment event that names no account is
    attributed to the group its user most recently joined (the ``group`` call with the latest
    event time among those already received, including earlier calls of the same batch), and is
    *stored* with that account: meter totals are computed from the stored events, so they stay
    consistent with them. The memberships are themselves read back from the stored ``$group``
    events at start-up, so a restart changes nothing.

Meter totals
    Totals are computed from the raw events on read (:meth:`EventStore.meter_totals`), never kept
    as separate counters that could drift; each ``(account, meter, window)`` total is cached in
    the process until an event of that account is appended. All cache changes happen on the event
    loop's thread; a total read while an append commits is stored only if no append of its
    account finished in the meantime, so a stale total never outlives the next append.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from tierwise.adapters.event_batches import append_batches
from tierwise.adapters.event_store import AppendResult, EventStore
from tierwise.api.group_commit import WINDOW, GroupCommit
from tierwise.catalog.model import Aggregation, Meter
from tierwise.usage.event_columns import EventColumns
from tierwise.usage.meters import MeterTotal, Window
from tierwise.usage.segment import SEGMENT_SOURCE

__all__ = ["GroupMemberships", "Ingestion"]

_GROUP_CALL = "$group"
_MEMBERSHIPS_SQL = f"""
    SELECT subject, arg_max(account, {{'t': time, 'i': id}}),
           arg_max(epoch_us(time), {{'t': time, 'i': id}}), arg_max(id, {{'t': time, 'i': id}})
    FROM usage_events
    WHERE source = '{SEGMENT_SOURCE}' AND type = '{_GROUP_CALL}'
      AND subject IS NOT NULL AND account IS NOT NULL
    GROUP BY subject
"""
_TotalKey = tuple[str, Aggregation, str | None, dt.datetime, dt.datetime]


class GroupMemberships:
    """User → the account of their latest Segment ``group`` call (by event time, then id)."""

    def __init__(self) -> None:
        self._latest: dict[str, tuple[int, str, str]] = {}

    def __len__(self) -> int:
        return len(self._latest)

    def account_of(self, user: str) -> str | None:
        found = self._latest.get(user)
        return None if found is None else found[2]

    def attribute(self, columns: EventColumns) -> GroupMemberships:
        """Give unattributed Segment events of the batch their user's account (in place), and
        return the memberships the batch's own group calls add (merge them once it is stored)."""
        joined = GroupMemberships()
        accounts = columns.account
        for row, source in enumerate(columns.source):
            user = columns.subject[row]
            if source != SEGMENT_SOURCE or user is None:
                continue
            account = accounts[row]
            if columns.type[row] == _GROUP_CALL and account is not None:
                joined.join(user, account, columns.time[row], columns.id[row])
            elif account is None:
                accounts[row] = joined.account_of(user) or self.account_of(user)
        return joined

    def join(self, user: str, account: str, micros: int, event_id: str) -> None:
        known = self._latest.get(user)
        if known is None or (micros, event_id) > (known[0], known[1]):
            self._latest[user] = (micros, event_id, account)

    def merge(self, other: GroupMemberships) -> None:
        for user, (micros, event_id, account) in other._latest.items():
            self.join(user, account, micros, event_id)

    @classmethod
    def stored_in(cls, store: EventStore) -> GroupMemberships:
        """The memberships the store's ``$group`` events establish."""
        memberships = cls()
        with store.reader() as con:
            for user, account, micros, event_id in con.execute(_MEMBERSHIPS_SQL).fetchall():
                memberships.join(user, account, micros, event_id)
        return memberships


def empty_total(meter: Meter) -> MeterTotal:
    """The total of a window without a matching event."""
    none = meter.aggregation in (Aggregation.MAX, Aggregation.LATEST)
    return MeterTotal(None if none else 0, 0)


class Ingestion:
    """The server's usage ingest: see the module docstring."""

    def __init__(
        self, data_dir: Path, *, cache_capacity: int = 100_000, window: float = WINDOW
    ) -> None:
        self.data_dir = Path(data_dir)
        self.commits: GroupCommit[EventColumns, AppendResult] = GroupCommit(
            self._write, window=window
        )
        self._store: EventStore | None = None
        self._opening = threading.Lock()
        self._memberships = GroupMemberships()
        self._capacity = cache_capacity
        self._totals: dict[str, dict[_TotalKey, MeterTotal]] = {}
        self._cached = 0
        self._generations: dict[str, int] = {}

    # -- lifetime -----------------------------------------------------------------------------

    def open(self) -> EventStore:
        """Open the event store (once) and load the Segment group memberships from it."""
        with self._opening:
            if self._store is None:
                store = EventStore.open(self.data_dir, threads=1)
                store.index_keys()
                self._memberships = GroupMemberships.stored_in(store)
                self._store = store
            return self._store

    def close(self) -> None:
        with self._opening:
            if self._store is not None:
                self._store.close()
                self._store = None

    @property
    def store(self) -> EventStore:
        return self._store if self._store is not None else self.open()

    # -- writing ------------------------------------------------------------------------------

    def receiving(self) -> AbstractContextManager[None]:
        """Mark a request as being read: a write that starts meanwhile waits a little for it
        (see :mod:`tierwise.api.group_commit`). Used on the event loop."""
        return self.commits.receiving()

    async def accept(self, columns: EventColumns) -> AppendResult:
        """Store the new events of one request, all or nothing, together with the requests
        that arrive with it; answered once that write committed (called on the event loop)."""
        self.open()  # 503 for this request if another process owns the store
        joined = self._memberships.attribute(columns)
        result = await self.commits.submit(columns)
        self._memberships.merge(joined)
        if result.inserted:
            for account in set(columns.account):
                if account is not None:
                    self._forget(account)
        return result

    def _write(self, batches: Sequence[EventColumns]) -> list[AppendResult]:
        return append_batches(self.store, batches)

    def account_of_user(self, user: str) -> str | None:
        """The account a Segment user was last grouped into, if any."""
        return self._memberships.account_of(user)

    # -- reading ------------------------------------------------------------------------------

    async def meter_total(self, account: str, meter: Meter, window: Window) -> MeterTotal:
        """The meter's total for the account (as events name it) over ``window``."""
        key: _TotalKey = (meter.event, meter.aggregation, meter.property, window.start, window.end)
        cached = self._totals.get(account)
        if cached is not None and key in cached:
            return cached[key]
        generation = self._generations.get(account, 0)
        store = self.store
        totals = await run_in_threadpool(
            lambda: store.meter_totals(meter, window, accounts=[account])
        )
        total = totals.get(account) or empty_total(meter)
        if self._generations.get(account, 0) == generation:
            if self._cached >= self._capacity:
                self._totals.clear()
                self._cached = 0
            self._totals.setdefault(account, {})[key] = total
            self._cached += 1
        return total

    def _forget(self, account: str) -> None:
        self._generations[account] = self._generations.get(account, 0) + 1
        dropped = self._totals.pop(account, None)
        if dropped:
            self._cached -= len(dropped)
