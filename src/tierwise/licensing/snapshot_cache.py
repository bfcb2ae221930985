"""An in-process LRU cache of entitlement snapshots, keyed by account id.

Several stateless API processes can each keep one (DESIGN.md, "Scale path"): a snapshot is
immutable, and it is stale as soon as the account's sources version differs from the one it was
resolved at (a transition or a new grant bumps it), or once a scheduled grant, override or trial
boundary has passed (``snapshot.valid_until``). A stale entry is dropped on read, so the caller
resolves again and puts the fresh snapshot back.

Thread-safety: the cache takes no locks. One instance belongs to one thread or one asyncio event
loop; to share one between threads, guard ``get``/``put``/``invalidate`` with a lock of your own.
The snapshots it hands out are immutable and may be used from any thread.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Hashable

from tierwise.errors import InvalidInput
from tierwise.licensing.entitlements import EntitlementSnapshot

__all__ = ["SnapshotCache"]


class SnapshotCache:
    """Least-recently-used snapshots of at most ``capacity`` accounts, with hit/miss counters."""

    def __init__(self, capacity: int = 10_000) -> None:
        if capacity < 1:
            raise InvalidInput("a snapshot cache holds at least one account", field="capacity")
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, EntitlementSnapshot] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(
        self, account_id: Hashable, version: int, now: dt.datetime | None = None
    ) -> EntitlementSnapshot | None:
        """The cached snapshot if it is of ``version`` (and still valid at ``now``), else None.

        Without ``now`` only the version is compared; pass ``now`` whenever the account may have
        time-bounded grants, overrides or a trial, so a boundary that passed is noticed.
        """
        entries = self._entries
        snapshot = entries.get(account_id)
        if snapshot is not None and snapshot.version == version:
            until = snapshot.valid_until
            if now is None or until is None or now < until:
                entries.move_to_end(account_id)
                self.hits += 1
                return snapshot
        if snapshot is not None:  # stale: drop it so the caller's fresh one replaces it
            del entries[account_id]
        self.misses += 1
        return None

    def put(self, account_id: Hashable, snapshot: EntitlementSnapshot) -> None:
        """Remember ``snapshot`` for ``account_id``; past capacity the least recently used goes."""
        self._entries[account_id] = snapshot
        self._entries.move_to_end(account_id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def invalidate(self, account_id: Hashable) -> None:
        """Forget the account's snapshot (a no-op when none is cached)."""
        self._entries.pop(account_id, None)
