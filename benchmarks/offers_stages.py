"""The in-app offers' server with per-stage clocks: ``tierwise serve``, one request timed by stage.

Run by ``python -m benchmarks.offers_endpoint --stages FILE`` in place of the plain server (the
same uvicorn, app and settings). It wraps, for the ``GET …/offers`` requests the offers' front
answers, the stages of one request and writes, when the server stops, a JSON summary to
``FILE``: per stage the count, p50/p90/p99/max in milliseconds, and every request slower than
``SLOW_MS`` end to end with its stages. Stages (ms, wall clock):

* ``front`` — the whole front, from the ASGI call to the answer sent;
* ``auth`` — the key's authentication and rate limit;
* ``account`` — the account reference resolved (remembered after the first time);
* ``desk`` — the offer desk's answer, which holds:
  ``pool_in`` (from handing the read to a thread to its start there — only where reads are not
  made on the event loop, i.e. not on the embedded SQLite file),
  ``stored`` (the kept stored decision), ``counters`` (the live-counter read: ``begin`` — the
  connection checked out and the transaction begun, which is where a lock is waited for —
  and the rest), ``kept`` (the kept re-evaluation looked up and the answer shaped), and
  ``pool_out`` (from the worker's end to the request resuming on the event loop);
* ``evaluate`` — a re-evaluation the request waited for (none for kept answers).

Also recorded: the cycle collector's pauses (``gc.callbacks``) and the event loop's lag (a task
that sleeps 1 ms and notes how late it wakes), each with its moment, so a slow request can be
matched with what the process did meanwhile. The wrappers cost a few microseconds a request;
compare numbers from this server with each other, not with the plain server's.
``TIERWISE_STAGES_SWITCH_INTERVAL`` (seconds) sets the GIL's switch interval for an experiment.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import functools
import gc
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SLOW_MS = 10.0

_now = time.perf_counter
_request: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar(
    "offers_stage_request", default=None
)
#: the synchronous stage running now (a transaction begun in it is noted as ``begin:<stage>``)
_where: contextvars.ContextVar[str] = contextvars.ContextVar("offers_stage_where", default="")
_done: list[dict[str, float]] = []
_gc: list[tuple[float, int, float]] = []
_lag: list[tuple[float, float]] = []
_started = _now()


def _note(stage: str, since: float) -> None:
    record = _request.get()
    if record is not None:
        record[stage] = record.get(stage, 0.0) + (_now() - since) * 1000


def _timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    if asyncio.iscoroutinefunction(function):

        @functools.wraps(function)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            since = _now()
            try:
                return await function(*args, **kwargs)
            finally:
                _note(stage, since)

        return timed_async

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        since = _now()
        where = _where.set(stage)
        try:
            return function(*args, **kwargs)
        finally:
            _where.reset(where)
            _note(stage, since)

    return timed


def _on_gc(phase: str, info: dict[str, int], _state: dict[str, float] = {}) -> None:  # noqa: B006
    if phase == "start":
        _state["start"] = _now()
    elif "start" in _state:
        start = _state.pop("start")
        _gc.append(((start - _started) * 1000, info["generation"], (_now() - start) * 1000))


async def _watch_loop() -> None:
    while True:
        since = _now()
        await asyncio.sleep(0.001)
        late = (_now() - since) * 1000 - 1.0
        if late > 2.0:
            _lag.append(((since - _started) * 1000, late))


def install() -> None:
    """Wrap the offers' request path with the stage clocks."""
    from tierwise.adapters.sql import ledger_reader
    from tierwise.api import auth, blocking, offer_desk, offer_endpoint
    from tierwise.services.decisions import Decisions

    front_answer = offer_endpoint.OfferFront.answer
    front_call = offer_endpoint.OfferFront.__call__
    watching: list[asyncio.Task[None]] = []

    async def call(self: Any, scope: Any, receive: Any, send: Any) -> None:
        if not watching:
            watching.append(asyncio.ensure_future(_watch_loop()))
        record: dict[str, float] = {"at": (_now() - _started) * 1000}
        token = _request.set(record)
        since = _now()
        try:
            await front_call(self, scope, receive, send)
        finally:
            _request.reset(token)
            if len(record) > 1:  # an offers request (the front's answer ran)
                record["front"] = (_now() - since) * 1000
                _done.append(record)

    async def answer(self: Any, scope: Any, receive: Any, path: str) -> bytes:
        record = _request.get()
        if record is not None:
            record["answer"] = 0.0
        return await front_answer(self, scope, receive, path)

    wrap = setattr  # monkey-patching by name: the wrappers keep the wrapped signatures
    wrap(offer_endpoint.OfferFront, "__call__", call)
    wrap(offer_endpoint.OfferFront, "answer", answer)
    wrap(auth.Authenticator, "authenticate", _timed("auth", auth.Authenticator.authenticate))
    wrap(offer_endpoint, "visible_account_id", _timed("account", offer_endpoint.visible_account_id))
    wrap(offer_desk.OfferDesk, "answer", _timed("desk", offer_desk.OfferDesk.answer))
    wrap(offer_desk.OfferDesk, "_evaluate", _timed("evaluate", offer_desk.OfferDesk._evaluate))
    wrap(Decisions, "_latest_stored", _timed("stored", Decisions._latest_stored))
    wrap(
        ledger_reader.SqlLiveCounters,
        "account",
        _timed("counters", ledger_reader.SqlLiveCounters.account),
    )
    kept = offer_desk._kept_answer

    def kept_answer(*args: Any) -> Any:
        record = _request.get()
        handed = record is not None and "handed" in record  # read in a thread, not on the loop
        if record is not None and handed:
            record["pool_in"] = (_now() - record.pop("handed")) * 1000
        try:
            return kept(*args)
        finally:
            if record is not None and handed:
                record["left"] = _now()

    wrap(offer_desk, "_kept_answer", kept_answer)
    read = blocking.BlockingCalls.read

    async def timed_read(self: Any, function: Any, *args: Any) -> Any:
        record = _request.get()
        if record is None or function is not kept_answer or self.inline_reads:
            return await read(self, function, *args)
        record["handed"] = _now()
        try:
            return await read(self, function, *args)
        finally:
            if "left" in record:
                record["pool_out"] = (_now() - record.pop("left")) * 1000

    wrap(blocking.BlockingCalls, "read", timed_read)

    from sqlalchemy import event

    from tierwise.adapters.sql import engine as engine_module

    original = engine_module._sqlite_engine

    def sqlite_engine(url: str, *, echo: bool) -> Any:
        built = original(url, echo=echo)

        @event.listens_for(built, "engine_connect")
        def _checked_out(_connection: Any) -> None:
            record = _request.get()
            if record is not None:
                record["_checkout"] = _now()

        @event.listens_for(built, "begin")
        def _begun(_connection: Any) -> None:  # listeners run in order: after the BEGIN
            record = _request.get()
            if record is not None and "_checkout" in record:
                _note(f"begin:{_where.get() or 'other'}", record.pop("_checkout"))

        return built

    wrap(engine_module, "_sqlite_engine", sqlite_engine)
    gc.callbacks.append(_on_gc)


def summary() -> dict[str, Any]:
    """Per-stage percentiles, the slow requests with their stages, collections and loop lag."""
    stages: dict[str, Any] = {}
    names = sorted({name for record in _done for name in record} - {"at", "answer"})
    for name in names:
        values = sorted(record[name] for record in _done if name in record)
        stages[name] = {
            "n": len(values),
            **{
                f"p{int(p * 100)}": round(values[min(len(values) - 1, int(p * len(values)))], 3)
                for p in (0.5, 0.9, 0.99)
            },
            "max": round(values[-1], 3),
        }
    slow = [
        {k: round(v, 2) for k, v in record.items() if k != "answer"}
        for record in _done
        if record.get("front", 0.0) >= SLOW_MS
    ]
    return {
        "requests": len(_done),
        "stages": stages,
        "slow": slow,
        "gc": [[round(a, 1), g, round(d, 2)] for a, g, d in _gc if d >= 1.0],
        "gc_total_ms": round(sum(d for _, _, d in _gc), 1),
        "frozen_objects": gc.get_freeze_count(),
        "tracked_objects": len(gc.get_objects()),
        "gc_stats": gc.get_stats(),
        "loop_lag": [[round(a, 1), round(d, 2)] for a, d in _lag],
    }


def main() -> None:
    target = Path(os.environ["TIERWISE_STAGES_FILE"])
    switch = os.environ.get("TIERWISE_STAGES_SWITCH_INTERVAL")
    if switch:  # an experiment: the GIL's switch interval in seconds (CPython's default 0.005)
        sys.setswitchinterval(float(switch))
    install()
    # uvicorn restores this handler on shutdown and raises the signal it caught again
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    atexit.register(lambda: target.write_text(json.dumps(summary())))
    import typer

    from tierwise.cli.serve import serve

    sys.argv[0] = "tierwise-serve-stages"
    typer.run(serve)


if __name__ == "__main__":
    main()
