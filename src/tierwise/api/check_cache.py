"""Entitlement checks on the request path: cached snapshots, the ledger for anything notable.

A check that is plainly allowed (not in the soft-limit zone, not in the grace band) is answered
from the account's resolved snapshot, kept in process for at most ``max_age`` seconds (and never
past the snapshot's own ``valid_until``, e.g. a trial's end). Anything else — a denial, the
soft-limit zone, the grace band — goes through :meth:`Ledger.check`, which answers from the
current state and records the signal the decisioning reads. So signals are never lost to the
cache, and a change made through another server process is seen within ``max_age``; a change made
through this process drops the account's snapshot at once (:meth:`CheckCache.forget`).

A snapshot is refreshed ahead of time: the first check after half of ``max_age`` is answered
from it at once and starts one resolve in the background, so under steady traffic the next
snapshot is in place before the old one expires and no check waits for the database (a wait
there would hold up every check of the account at once, and show in the tail latency). Only a
check that finds no snapshot, or one past ``max_age``, waits — for the single resolve of that
account in flight, which every check arriving meanwhile shares (no stampede of identical reads).
Account references (ids and external ids) never change, so their resolution is kept for good.
A check that went through the ledger (it may have recorded a paywall signal) is reported to
``on_signal`` with its account id, after the ledger answered: the in-app offers re-evaluate the
account then, on the write path. All methods are called from the event loop; blocking reads run
in the thread pool.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from tierwise.api.records import Records
from tierwise.licensing.check_decisions import CheckDecision
from tierwise.licensing.entitlements import EntitlementSnapshot, check
from tierwise.services.ledger import Ledger

__all__ = ["CheckCache"]


class CheckCache:
    def __init__(
        self,
        ledger: Ledger,
        records: Records,
        *,
        max_age: float = 1.0,
        capacity: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
        on_signal: Callable[[str], None] | None = None,
    ) -> None:
        self._ledger = ledger
        self._on_signal = on_signal
        self._records = records
        self._max_age = max_age
        self._capacity = capacity
        self._monotonic = monotonic
        self._account_ids: dict[str, str] = {}
        self._snapshots: OrderedDict[str, tuple[EntitlementSnapshot, float]] = OrderedDict()
        self._loading: dict[str, asyncio.Future[EntitlementSnapshot]] = {}
        #: how many times :meth:`forget` was called: a resolve that started before a forget
        #: may have read the state before the change, so its snapshot is not kept
        self._forgets = 0

    async def account_id(self, reference: str) -> str | None:
        """The id of the account ``reference`` names (id or external id), or ``None``."""
        known = self._account_ids.get(reference)
        if known is not None:
            return known
        account = await run_in_threadpool(self._records.account, reference)
        if account is None:
            return None
        if len(self._account_ids) >= 4 * self._capacity:
            self._account_ids.clear()
        self._account_ids[reference] = account.id
        return account.id

    async def snapshot(self, account_id: str, now: dt.datetime) -> EntitlementSnapshot:
        """The account's entitlements, from the cache while fresh (raises ``NotFound``)."""
        entry = self._snapshots.get(account_id)
        if entry is not None:
            snapshot, fetched = entry
            age = self._monotonic() - fetched
            if age < self._max_age and (snapshot.valid_until is None or now < snapshot.valid_until):
                if age >= self._max_age / 2 and account_id not in self._loading:
                    self._load(account_id, now)  # ahead of time; this check does not wait
                self._snapshots.move_to_end(account_id)
                return snapshot
        loading = self._loading.get(account_id) or self._load(account_id, now)
        return await asyncio.shield(loading)

    def _load(self, account_id: str, now: dt.datetime) -> asyncio.Future[EntitlementSnapshot]:
        """Start the account's one resolve (shared by every check until it lands)."""
        loading = asyncio.ensure_future(self._resolve(account_id, now))
        self._loading[account_id] = loading

        def landed(done: asyncio.Future[EntitlementSnapshot]) -> None:
            if self._loading.get(account_id) is done:
                del self._loading[account_id]
            if not done.cancelled():
                # a refresh ahead of time has no waiter: its error is seen by the check that
                # finds the snapshot expired and resolves again
                done.exception()

        loading.add_done_callback(landed)
        return loading

    async def refreshed(self) -> None:
        """Wait until every resolve in flight has landed (tests; an orderly shutdown)."""
        while self._loading:
            await asyncio.wait(list(self._loading.values()))
            await asyncio.sleep(0)  # let their done callbacks run

    async def _resolve(self, account_id: str, now: dt.datetime) -> EntitlementSnapshot:
        fetched, forgets = self._monotonic(), self._forgets
        snapshot = await run_in_threadpool(self._ledger.entitlements, account_id, now)
        if forgets != self._forgets:
            return snapshot  # good for the checks that were waiting, not for later ones
        self._snapshots[account_id] = (snapshot, fetched)
        self._snapshots.move_to_end(account_id)
        while len(self._snapshots) > self._capacity:
            self._snapshots.popitem(last=False)
        return snapshot

    async def check(
        self, account_id: str, feature: str, now: dt.datetime, *, usage: int, requested: int
    ) -> CheckDecision:
        snapshot = await self.snapshot(account_id, now)
        decision = check(snapshot, feature, usage, requested)
        if decision.allowed and not (decision.in_soft_limit_zone or decision.in_grace_band):
            return decision
        noted = await run_in_threadpool(
            lambda: self._ledger.check(account_id, feature, now, usage=usage, requested=requested)
        )
        if self._on_signal is not None:
            self._on_signal(account_id)
        return noted

    def forget(self, account_id: str) -> None:
        """Drop the account's snapshot: this process just changed its subscription.

        A resolve in flight for the account is dropped too (later checks start their own).
        """
        self._forgets += 1
        self._snapshots.pop(account_id, None)
        self._loading.pop(account_id, None)
