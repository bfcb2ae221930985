"""Group commit: the ingest requests that arrive together are written to the event store as one
transaction, and each is answered only after that transaction committed.

Why
    Writing a batch to the embedded store has a fixed part — the deduplication statements, the
    ``INSERT``, the commit and its WAL sync — that does not depend on the batch's size: a write
    of two 1,000-event batches costs about two thirds of two writes. Producers send concurrently
    (several app servers, or one library with several flushing threads), so while one write runs
    the next requests queue up, and the writer takes them all at once.

How
    Requests are parsed on the event loop and handed over with :meth:`GroupCommit.submit`. One
    writer task at a time takes every batch waiting, writes them together in a worker thread (the
    store's :meth:`~tierwise.adapters.event_store.EventStore.append_tables`: one transaction,
    results as if the batches had been appended one after the other in arrival order) and
    resolves each request's future with its own result. When a write starts with requests still
    being read (:meth:`GroupCommit.receiving`), it waits for them up to ``window`` seconds — a
    request being read is about to arrive, and waiting a few milliseconds for it costs less than
    writing it on its own. Nothing waits when no other request is under way.

Exactly once, and no request failing for another
    A group is one transaction: every batch of it is stored, or none. A request is answered
    only after the group's commit, so an acknowledged event is durable; the deduplication keys
    are claimed by the same statement that stores the events (unchanged from single writes). If
    a group's write fails, each batch is written again on its own (anything the failed write may
    have stored is then found as already stored), so a batch that cannot be stored fails only its
    own request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

__all__ = ["GroupCommit"]

B = TypeVar("B")
R = TypeVar("R")

#: The longest a write waits for requests still being read (seconds).
WINDOW = 0.005


class GroupCommit(Generic[B, R]):
    """Batches submitted while a write runs (or while others are still being read) are written
    together by ``write`` (called in a worker thread with the batches in arrival order; it returns
    one result per batch, or raises and stores nothing). Used from one event loop only."""

    def __init__(
        self, write: Callable[[Sequence[B]], Sequence[R]], *, window: float = WINDOW
    ) -> None:
        self._write = write
        self._window = window
        self._waiting: list[tuple[B, asyncio.Future[R]]] = []
        self._receiving = 0
        self._arrival: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        #: Writes made and batches written (for the benchmark and the tests).
        self.writes = 0
        self.batches = 0

    @contextmanager
    def receiving(self) -> Iterator[None]:
        """Mark a request as being read and parsed: a write starting meanwhile waits for it."""
        self._receiving += 1
        try:
            yield
        finally:
            self._receiving -= 1
            self._arrived()

    async def submit(self, batch: B) -> R:
        """Write ``batch`` with the others waiting; its result once the write committed.

        A cancelled caller (the client went away) does not cancel the write: the batch is
        stored or not with its group, like a request whose answer was lost.
        """
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((batch, future))
        self._arrived()
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain())
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(_collect)  # nobody reads its outcome: don't log it as lost
            raise

    def _arrived(self) -> None:
        if self._arrival is not None:
            self._arrival.set()

    async def _drain(self) -> None:
        try:
            while self._waiting:
                await self._gather()
                group, self._waiting = self._waiting, []
                await self._commit(group)
        finally:
            self._writer = None
            for _, future in self._waiting:  # only if this task was cancelled (shutdown)
                future.cancel()
            self._waiting = []

    async def _gather(self) -> None:
        """Wait up to the window while requests are still being read."""
        if not self._receiving or self._window <= 0:
            return
        deadline = asyncio.get_running_loop().time() + self._window
        self._arrival = asyncio.Event()
        try:
            while self._receiving:
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    return
                self._arrival.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._arrival.wait(), left)
        finally:
            self._arrival = None

    async def _commit(self, group: list[tuple[B, asyncio.Future[R]]]) -> None:
        batches = [batch for batch, _ in group]
        try:
            results = await run_in_threadpool(self._write, batches)
        except asyncio.CancelledError:
            for _, future in group:
                future.cancel()
            raise
        except Exception as error:
            self.writes += 1
            if len(group) == 1:
                _fail(group[0][1], error)
                return
            # each batch on its own, with its own outcome (whatever the failed write may have
            # stored is found by the store as already stored: counted once either way)
            for batch, future in group:
                try:
                    (result,) = await run_in_threadpool(self._write, [batch])
                except Exception as own:
                    _fail(future, own)
                else:
                    _resolve(future, result)
                self.writes += 1
                self.batches += 1
            return
        self.writes += 1
        self.batches += len(group)
        for (_, future), result in zip(group, results, strict=True):
            _resolve(future, result)


def _resolve(future: asyncio.Future[R], result: R) -> None:
    if not future.done():  # a cancelled one was cancelled at shutdown
        future.set_result(result)


def _fail(future: asyncio.Future[R], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)


def _collect(future: asyncio.Future[R]) -> None:
    if not future.cancelled():
        future.exception()
