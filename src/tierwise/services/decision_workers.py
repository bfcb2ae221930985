"""The decide run's per-account decisions, spread over worker processes.

Deciding one account is pure Python (about half a millisecond); a run where hundreds of
thousands of accounts fired is CPU-bound in one interpreter. :func:`in_parts` cuts the work into
parts of consecutive fired accounts and runs them in forked worker processes, one per CPU: each
inherits the engine's columnar rows and the rules from the parent (nothing is pickled but the
part's bounds and its results), and the parts come back in order, so the run is the same as
when decided in process. Without ``fork`` (or with one worker) the parts run in process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["available_workers", "in_parts"]

#: Accounts per part: large enough to keep the workers busy, small enough to report progress.
PART = 10_000
_task: Callable[[int, int], list[Any]] | None = None


def available_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _run_part(bounds: tuple[int, int]) -> list[Any]:
    assert _task is not None  # set in the parent before the workers were forked
    return _task(*bounds)


def in_parts(
    task: Callable[[int, int], list[Any]], total: int, *, workers: int, part: int = PART
) -> Iterator[tuple[int, list[Any]]]:
    """``task(start, stop)`` over ``[0, total)`` in parts, in order, with how many were done
    after each part; in ``workers`` forked processes when there is more than one part."""
    global _task
    bounds = [(start, min(total, start + part)) for start in range(0, total, part)]
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or len(bounds) <= 1 or not forkable:
        for start, stop in bounds:
            yield stop, task(start, stop)
        return
    _task = task
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(bounds))) as pool:
            for (_, stop), results in zip(bounds, pool.imap(_run_part, bounds), strict=True):
                yield stop, results
    finally:
        _task = None
