"""Usage ingest answered ahead of FastAPI's routing: ``POST /v1/events`` and the Segment calls
(``POST /v1/batch``, ``/v1/track``, …).

A batch of 1,000 events costs a few milliseconds to parse and store; FastAPI's way to it — the
path matched against every route of the app, the dependencies solved, the answer validated
against its model and encoded — cost about as much again per request as the parsing of a
hundred events (measured with a one-event request). :class:`IngestFront` is a plain ASGI layer
(see :mod:`tierwise.api.fronts`) that takes these requests itself: the same key check and scope
rule as the routes' dependencies (``ingest`` or ``admin``; for the Segment calls the write key
as the HTTP Basic user name), then the routes' own bodies
(:func:`~tierwise.api.routers.ingest.ingest_cloudevents`,
:func:`~tierwise.api.routers.ingest.ingest_segment_call`), the answer written with orjson; errors
go through the app's problem handlers. The operations stay declared on FastAPI (OpenAPI, docs)
and answer identically wherever the front is not installed.
"""

from __future__ import annotations

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope

from tierwise.api.auth import require_scope
from tierwise.api.fronts import (
    ExceptionHandlers,
    Front,
    header,
    install_front,
)
from tierwise.api.ingestion import Ingestion
from tierwise.api.routers.ingest import SEGMENT_CALLS, ingest_cloudevents, ingest_segment_call
from tierwise.api.runtime import ApiRuntime
from tierwise.api.write_keys import bearer_of_basic
from tierwise.services.api_keys import Scope as KeyScope

__all__ = ["IngestFront", "install_ingest_front"]

_EVENTS = "/v1/events"
#: ``POST`` path → the Segment call it is.
_SEGMENT_PATHS = {f"/v1/{call}": call for call in SEGMENT_CALLS}
_SEGMENT_ANSWER = orjson.dumps({"success": True})


class IngestFront(Front):
    """ASGI layer answering the ingest routes (``POST`` only); passes everything else on
    (``handlers``: the app's exception handlers, read on every error)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        runtime: ApiRuntime,
        ingestion: Ingestion,
        handlers: ExceptionHandlers,
    ) -> None:
        super().__init__(app, handlers=handlers)
        self._runtime = runtime
        self._ingestion = ingestion

    def claims(self, path: str) -> bool:
        return path == _EVENTS or path in _SEGMENT_PATHS

    async def answer(self, scope: Scope, receive: Receive, path: str) -> bytes:
        runtime = self._runtime
        authorization = header(scope, b"authorization")
        call = _SEGMENT_PATHS.get(path)
        if call is not None:
            authorization = bearer_of_basic(authorization)
        require_scope(await runtime.authenticator.authenticate(authorization), KeyScope.INGEST)
        request = Request(scope, receive)
        if call is None:
            answer = await ingest_cloudevents(request, runtime, self._ingestion)
            return orjson.dumps(answer.model_dump())
        await ingest_segment_call(request, call, runtime, self._ingestion)
        return _SEGMENT_ANSWER


def install_ingest_front(app: FastAPI, runtime: ApiRuntime, ingestion: Ingestion) -> None:
    """Answer ``app``'s ingest requests with an :class:`IngestFront` outside its whole
    middleware stack."""
    install_front(
        app,
        lambda stack: IngestFront(
            stack, runtime=runtime, ingestion=ingestion, handlers=app.exception_handlers
        ),
    )
