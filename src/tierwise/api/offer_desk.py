"""The in-app offers of one API process: answered from memory, re-evaluated off the event loop.

``GET /v1/accounts/{account}/offers`` needs the account's latest decision brought up to date
with the ledger's live counters (:meth:`Decisions.live_view`: two indexed reads of one snapshot,
without SQLite's write lock) and the per-account re-evaluation those counters call for
(:meth:`Decisions.evaluate`: trigger, eligibility, cadence, ranking, quote and value case —
milliseconds of work). A re-evaluation is kept under its key (run, account, the ledger's marker
for the account, day) until the marker moves, so most requests only read the counters and shape
the kept answer.

The marker moves when something is written: a paywall hit (a denied check, a soft-limit entry),
an offer outcome, a gauge, a subscription change. The writes this process makes itself call
:meth:`OfferDesk.signalled`, which re-evaluates the account at once in the API's threads — on the
write path — so the next reader finds the answer made. A reader that arrives while that
re-evaluation runs waits for it instead of starting its own, and a reader that finds the marker
moved by another process (nothing in flight) starts the one re-evaluation every reader of that
key then shares. The re-evaluations never run on the event loop, so a request never waits
behind another account's milliseconds of work.

The reads (the live counters, the stored decision on its first use) go through
:meth:`BlockingCalls.read <tierwise.api.blocking.BlockingCalls.read>`: on the embedded SQLite
file they run on the event loop — a deferred read of a WAL snapshot, which never waits for a
lock, costs less than the trip to a thread and back did — and on PostgreSQL in the API's
threads, where a read is a network round trip. The common case is then: read, look up the kept
answer, return its bytes.

All methods are called from the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import orjson

from tierwise.api.blocking import BlockingCalls
from tierwise.errors import TierwiseError
from tierwise.licensing.events import JsonObject
from tierwise.services.decisions import Decisions, LiveView

__all__ = ["OfferDesk"]

_log = logging.getLogger("tierwise.api")

#: Encoded answers kept per process at most (then all are dropped and made again on use).
_ANSWERS_LIMIT = 50_000


class OfferDesk:
    """The real-time offers of one process: the decisions service, built on first use, and the
    re-evaluations in flight (one per key, shared by every reader of it)."""

    def __init__(
        self,
        build: Callable[[], Decisions],
        *,
        clock: Callable[[], dt.datetime],
        blocking: BlockingCalls | None = None,
    ) -> None:
        """``blocking``: where reads and re-evaluations run (default: all in threads)."""
        self._build = build
        self._clock = clock
        self._blocking = blocking or BlockingCalls(inline_reads=False)
        self._decisions: Decisions | None = None
        self._building: asyncio.Future[Decisions] | None = None
        #: the event loop the desk serves on (known from the first offer request)
        self._loop: asyncio.AbstractEventLoop | None = None
        #: re-evaluation key -> the one re-evaluation of it in flight
        self._flights: dict[tuple[object, ...], asyncio.Future[JsonObject]] = {}
        #: (re-evaluation key, placement) -> the encoded answer (equal keys, equal answers)
        self._answers: dict[tuple[object, ...], bytes] = {}
        #: account id -> its write-path refresh in flight; accounts signalled again meanwhile
        self._refreshing: dict[str, asyncio.Future[None]] = {}
        self._again: set[str] = set()

    async def decisions(self) -> Decisions:
        """The decisions service (catalog and playbook read on first use, in a thread)."""
        if self._decisions is not None:
            return self._decisions
        if self._building is None:
            self._building = asyncio.ensure_future(self._blocking.run(self._build))
        try:
            decisions = await asyncio.shield(self._building)
        except Exception:
            self._building = None  # a later request tries again (e.g. a playbook fixed on disk)
            raise
        self._loop = asyncio.get_running_loop()
        self._decisions = decisions
        return decisions

    async def answer(self, account_id: str, placement: str, now: dt.datetime) -> bytes:
        """The JSON answer of ``GET /v1/accounts/{account}/offers`` for a visible account.

        Raises ``InvalidInput`` for an unknown placement (before any read) and ``NotFound``
        when the account has no decision or no subscription in force.
        """
        decisions = await self.decisions()
        decisions.channel_of(placement)
        # The live view's reads (the live counters, the newest run checked once a second, an
        # account's stored decision) take snapshots without the write lock on SQLite (a deferred
        # BEGIN), so they never sit in SQLite's busy handler: on the loop there; on PostgreSQL
        # each is a round trip, in the threads.
        view, answer = await self._blocking.read(
            _kept_answer, decisions, self._answers, account_id, placement, now
        )
        if answer is not None:
            return answer
        decided = await self._evaluate(decisions, view, now)
        return _encoded(self._answers, decisions, view, decided, placement)

    def signalled(self, account_id: str) -> None:
        """This process just wrote something that may move the account's offers (a paywall
        hit, a gauge, an offer outcome): re-evaluate them now, in the background, so that the
        next reader does not have to. Nothing happens before the first offer request (the
        decisions service is not built for a process that never serves offers). May be called
        from a worker thread (a synchronous route): the work is handed to the event loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not loop:
            loop.call_soon_threadsafe(self._signalled, account_id)
            return
        self._signalled(account_id)

    def _signalled(self, account_id: str) -> None:
        if self._decisions is None:
            return
        if account_id in self._refreshing:
            self._again.add(account_id)  # the refresh in flight may have read too early
            return
        refresh = asyncio.ensure_future(self._refresh(self._decisions, account_id))
        self._refreshing[account_id] = refresh

        def landed(done: asyncio.Future[None]) -> None:
            self._refreshing.pop(account_id, None)
            error = None if done.cancelled() else done.exception()
            if error is not None:  # nobody awaits a refresh; readers meet their own errors
                _log.warning("re-evaluating the offers of %s failed: %r", account_id, error)

        refresh.add_done_callback(landed)

    async def settled(self) -> None:
        """Wait until every refresh and re-evaluation in flight has landed (tests, shutdown)."""
        while self._refreshing or self._flights:
            pending: list[asyncio.Future[Any]] = [
                *self._refreshing.values(),
                *self._flights.values(),
            ]
            await asyncio.wait(pending)
            await asyncio.sleep(0)  # let their done callbacks run

    async def _refresh(self, decisions: Decisions, account_id: str) -> None:
        while True:
            self._again.discard(account_id)
            try:
                view = await self._blocking.read(decisions.live_view, account_id, self._clock())
            except TierwiseError:
                return  # no decision or no subscription in force: readers are told so
            if decisions.evaluated(view) is None:
                await self._evaluate(decisions, view, self._clock())
            if account_id not in self._again:
                return

    async def _evaluate(self, decisions: Decisions, view: LiveView, now: dt.datetime) -> JsonObject:
        """The re-evaluation of ``view``, made once in the threads and shared."""
        key = view.key
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._blocking.run(decisions.evaluate, view, now))
            self._flights[key] = flight

            def landed(done: asyncio.Future[JsonObject]) -> None:
                if self._flights.get(key) is done:
                    del self._flights[key]
                if not done.cancelled():
                    done.exception()  # its waiters have it; do not log it as never retrieved

            flight.add_done_callback(landed)
        return await asyncio.shield(flight)


def _kept_answer(
    decisions: Decisions,
    answers: dict[tuple[object, ...], bytes],
    account_id: str,
    placement: str,
    now: dt.datetime,
) -> tuple[LiveView, bytes | None]:
    """The account's live view, and its answer if the re-evaluation it calls for is kept (one
    read for the whole common case; the answer's bytes are kept too, so a kept answer is not
    shaped and encoded again)."""
    view = decisions.live_view(account_id, now)
    answer = answers.get((view.key, placement))
    if answer is not None:
        return view, answer
    decided = decisions.evaluated(view)
    if decided is None:
        return view, None
    return view, _encoded(answers, decisions, view, decided, placement)


def _encoded(
    answers: dict[tuple[object, ...], bytes],
    decisions: Decisions,
    view: LiveView,
    decided: JsonObject,
    placement: str,
) -> bytes:
    """The answer for ``placement`` from the re-evaluation ``decided`` of ``view``, encoded and
    kept under (``view.key``, ``placement``) — the key names everything the answer is made of
    (the run, the account, its live marker, the day)."""
    answer = orjson.dumps(decisions.placed(view, decided, placement))
    if len(answers) >= _ANSWERS_LIMIT:
        answers.clear()
    answers[(view.key, placement)] = answer
    return answer
