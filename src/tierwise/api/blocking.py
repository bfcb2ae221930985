"""Where the hot paths' blocking calls run: short reads on the event loop when the database is
the embedded SQLite file, everything else in the API's own threads.

Measured under ``wrk`` on the in-app offers route, a trip to Starlette's thread pool (anyio's
``to_thread``: a capacity limiter, a cancel scope, a worker queue and two GIL hand-offs) was
about a third of the server's Python time per request, more than the read it carried. So:

* :meth:`BlockingCalls.read` runs a short read right on the event loop when ``inline_reads``
  is set — the served app sets it for the embedded SQLite file, where a read is a local call
  of a few hundred microseconds that never waits for a lock: read-only work begins deferred
  (``reading(engine)``), a WAL snapshot beside the writer. On PostgreSQL a read is a network
  round trip, which on the loop would hold up every request of the process, so there it goes
  to the threads like the rest;
* :meth:`BlockingCalls.run` runs longer work (a re-evaluation, a service build) in a small
  thread pool of the API's own, through ``loop.run_in_executor`` — no limiter or cancel scope
  on the way, and few threads, so the database pool's connections are reused instead of
  opened and closed by a crowd of threads (SQLAlchemy's pool keeps five, the rest of any
  overflow is closed after use).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["THREADS", "BlockingCalls"]

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: Threads of one API process's pool: the GIL lets one of them run Python at a time, and on
#: SQLite only one writes at a time; a few more keep database round trips (PostgreSQL) in flight.
THREADS = 4


class BlockingCalls:
    """Runs the blocking calls of the hot paths: :meth:`read` (on the loop when
    ``inline_reads``), :meth:`run` (in ``threads`` threads of its own, made when first needed)."""

    def __init__(self, *, inline_reads: bool, threads: int = THREADS) -> None:
        self.inline_reads = inline_reads
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None

    async def read(self, call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """``call(*args, **kwargs)``, a short read: on the loop when reads are inline, else in
        the threads."""
        if self.inline_reads:
            return call(*args, **kwargs)
        return await self.run(call, *args, **kwargs)

    async def run(self, call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """``call(*args, **kwargs)`` in one of the threads, awaited on the loop."""
        executor = self._executor
        if executor is None:
            executor = self._executor = ThreadPoolExecutor(
                self._threads, thread_name_prefix="tierwise-api"
            )
        loop = asyncio.get_running_loop()
        if kwargs:
            return await loop.run_in_executor(executor, lambda: call(*args, **kwargs))
        return await loop.run_in_executor(executor, call, *args)

    def close(self) -> None:
        """Let the threads end once the work given to them is done (the app's shutdown)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
