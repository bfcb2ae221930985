"""Mounts usage ingest and gauges on the app: the routes, and the event store's lifetime.

:func:`install_usage` is called once by :func:`tierwise.api.app.create_app`. It keeps the
server's :class:`~tierwise.api.ingestion.Ingestion` (the one event store writer of the process)
and the gauge service on ``app.state``, and wraps the app's lifespan so that the event store is
opened at start-up and closed (checkpointed, its lock released) at shutdown.

DuckDB lets one process write the embedded store. With ``tierwise serve --workers N`` the first
worker to start owns it; the others log that and serve everything else, answering the ingest
routes with 503 ``event_store_unavailable`` (they try to open the store again on each ingest
request, so they take over when the owner stops). Segment's libraries and most CloudEvents
producers retry a 503, which then lands on the owner. Run ingest-heavy servers with one worker.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from tierwise.adapters.sql.gauges import SqlGauges
from tierwise.api.ingest_front import install_ingest_front
from tierwise.api.ingestion import Ingestion
from tierwise.api.routers import gauges, ingest
from tierwise.api.runtime import ApiRuntime
from tierwise.errors import EventStoreUnavailable
from tierwise.services.gauges import Gauges

__all__ = ["install_usage"]

_log = logging.getLogger("tierwise.api")


def install_usage(
    app: FastAPI, runtime: ApiRuntime, *, responses: Mapping[int | str, dict[str, Any]]
) -> None:
    """Add the ingest, gauge and usage routes and the event store's lifetime to ``app``."""
    ingestion = Ingestion(runtime.settings.data_dir)
    catalog = runtime.ledger.context.catalog
    app.state.ingestion = ingestion
    app.state.gauges = Gauges(SqlGauges(runtime.engine), lambda: catalog)
    for router in (ingest.router, gauges.router):
        app.include_router(router, responses=dict(responses))
    install_ingest_front(app, runtime, ingestion)  # the ingest routes, ahead of FastAPI's routing
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[Any]:
        try:
            await run_in_threadpool(ingestion.open)
        except EventStoreUnavailable as error:  # another worker process owns the embedded store
            _log.warning("usage ingest is served by another process: %s", error.message)
        try:
            context: AbstractAsyncContextManager[Any] = inner(served)
            async with context as state:
                yield state
        finally:
            await run_in_threadpool(ingestion.close)

    app.router.lifespan_context = lifespan
