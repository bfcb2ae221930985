"""Usage ingest over HTTP: CloudEvents 1.0 and Segment-spec calls, stored exactly once.

* ``POST /v1/events`` — CloudEvents in structured mode (``application/cloudevents+json``, one
  event; ``application/cloudevents-batch+json``, a JSON array) or binary mode (``ce-*`` headers,
  the body is the event's data). Answers ``{"accepted", "inserted", "duplicates"}``.
* ``POST /v1/track|identify|group|page|screen|alias|batch`` — Segment's HTTP tracking API, with
  the write key as the HTTP Basic user name (what Segment's libraries send). Answers like
  Segment: ``200 {"success": true}``.

Every request is parsed whole before anything is stored: one bad event refuses the request
(422 ``invalid_event`` naming the field, e.g. ``[3].time`` or ``batch[3].messageId``) and stores
nothing. A valid request is stored in one transaction that also claims its deduplication keys,
and answered only after it committed: a producer that retries — after a refusal, a timeout or a
crash of the server — counts every event once.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import gzip
import zlib
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from tierwise.api.deps import Runtime
from tierwise.api.ingestion import Ingestion
from tierwise.api.problems import ApiProblem
from tierwise.api.runtime import ApiRuntime
from tierwise.api.write_keys import IngestionDep, IngestKey, WriteKey
from tierwise.errors import InvalidEvent
from tierwise.usage.cloudevents import parse_cloudevent
from tierwise.usage.event_columns import EventColumns, cloudevents_columns, segment_columns
from tierwise.usage.events import UsageEvent
from tierwise.usage.segment import parse_segment_call

__all__ = [
    "MAX_BODY",
    "SEGMENT_CALLS",
    "IngestOut",
    "ingest_cloudevents",
    "ingest_segment_call",
    "router",
]

router = APIRouter(tags=["usage"])

#: The largest request body accepted, after decompression (Segment's own limit is 500 KB).
MAX_BODY = 16 * 1024 * 1024
CLOUDEVENT = "application/cloudevents+json"
CLOUDEVENTS_BATCH = "application/cloudevents-batch+json"
_JSON_MEDIA = ("application/json", "text/json")


class IngestOut(BaseModel):
    accepted: int = Field(description="Events in the request.")
    inserted: int = Field(description="Events stored now.")
    duplicates: int = Field(description="Events already stored (same source and id): ignored.")


class SegmentOut(BaseModel):
    success: bool = Field(default=True, description="Always true: Segment's answer.")


async def _body(request: Request) -> bytes:
    """The request body, gunzipped if ``Content-Encoding: gzip``; 413 beyond :data:`MAX_BODY`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    body = await request.body()
    if len(body) > MAX_BODY:
        raise _too_large()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise ApiProblem(
            415,
            "unsupported_encoding",
            "Content-Encoding must be gzip or identity",
            field="Content-Encoding",
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        plain = inflater.decompress(body, MAX_BODY + 1)
    except (zlib.error, gzip.BadGzipFile):
        raise InvalidEvent("the body is not valid gzip", field="body") from None
    if len(plain) > MAX_BODY:
        raise _too_large()
    return plain


def _too_large() -> ApiProblem:
    return ApiProblem(
        413,
        "body_too_large",
        f"the body is larger than {MAX_BODY} bytes; send smaller batches",
        field="body",
    )


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidEvent(f"the body is not valid JSON: {error}", field="body") from None


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Hold off CPython's cycle collector while a batch is decoded and read into columns.

    Decoding 1,000 events creates some 3,000 dicts and lists that live until the columns are
    built and hold no reference cycles; each 700 new containers start a young-generation
    collection that walks them, and the survivors pushed to the old generation trigger, every
    few dozen batches, a full collection of the whole heap (some 250,000 objects of the app:
    ~140 ms of CPU at once). Paused here, those containers are freed before the collector runs
    again (freeing one lowers the count that triggers it), so it has nothing to walk. Runs on
    the event loop's thread, between two awaits; a collector already disabled stays so.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _one(event: UsageEvent) -> EventColumns:
    columns = EventColumns(event.received_at)
    columns.add(event)
    return columns


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _binary_event(request: Request, body: bytes) -> dict[str, Any]:
    """A binary-mode event as its structured form: ``ce-*`` headers + the body as data."""
    event: dict[str, Any] = {
        name[3:]: unquote(value)
        for name, value in request.headers.items()
        if name.startswith("ce-") and len(name) > 3
    }
    content_type = request.headers.get("content-type")
    if content_type:
        event["datacontenttype"] = content_type
    if body:
        media = _media_type(request)
        if not content_type or media in _JSON_MEDIA or media.endswith("+json"):
            event["data"] = _json(body)
        else:
            event["data_base64"] = base64.b64encode(body).decode("ascii")
    return event


_EVENTS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One structured CloudEvent, a JSON array of them, or (binary mode, with "
        "`ce-specversion`, `ce-id`, `ce-source`, `ce-type` headers) the event's data.",
        "content": {
            CLOUDEVENT: {
                "schema": {"type": "object"},
                "example": {
                    "specversion": "1.0",
                    "id": "0b6f6d1e-6d7b-4f0e-9d55-2b1f6c0a7e11",
                    "source": "https://app.example.com/api",
                    "type": "api.call",
                    "time": "2026-03-10T09:15:00Z",
                    "subject": "user-42",
                    "tierwiseaccount": "crm-4711",
                    "data": {"endpoint": "/v1/boards"},
                },
            },
            CLOUDEVENTS_BATCH: {
                "schema": {"type": "array", "items": {"type": "object"}},
                "example": [
                    {
                        "specversion": "1.0",
                        "id": "evt-1",
                        "source": "app",
                        "type": "automation.run",
                        "tierwiseaccount": "crm-4711",
                    }
                ],
            },
        },
    }
}


@router.post(
    "/v1/events",
    response_model=IngestOut,
    openapi_extra=_EVENTS_BODY,
    responses={
        413: {"description": "The body is too large."},
        415: {"description": "Not a CloudEvents media type (and no `ce-*` headers)."},
    },
)
async def post_events(
    request: Request, key: IngestKey, runtime: Runtime, ingestion: IngestionDep
) -> IngestOut:
    """Ingest CloudEvents 1.0 (ingest, admin); deduplicated on ``source`` + ``id``.

    The account is the ``tierwiseaccount`` extension, else ``data.account_id``, else the
    ``subject``; the event's ``time`` decides its period. A bad event refuses the whole request
    (422 naming ``[index].attribute``) and nothing is stored.
    """
    return await ingest_cloudevents(request, runtime, ingestion)


async def ingest_cloudevents(
    request: Request, runtime: ApiRuntime, ingestion: Ingestion
) -> IngestOut:
    """Read, parse and store the CloudEvents of an authorised ``POST /v1/events`` (the route's
    body; the ingest front calls it too)."""
    with ingestion.receiving():
        events = await _cloudevents(request, received=runtime.clock())
    if not len(events):
        return IngestOut(accepted=0, inserted=0, duplicates=0)
    result = await ingestion.accept(events)
    return IngestOut(accepted=len(events), inserted=result.inserted, duplicates=result.duplicates)


async def _cloudevents(request: Request, *, received: dt.datetime) -> EventColumns:
    """The request's CloudEvents, by content mode and media type."""
    body = await _body(request)
    media = _media_type(request)
    if "ce-specversion" in request.headers:
        return _one(parse_cloudevent(_binary_event(request, body), received_at=received))
    if media == CLOUDEVENT:
        return _one(parse_cloudevent(_json(body), received_at=received))
    if media == CLOUDEVENTS_BATCH:
        with _no_cycle_collection():
            return cloudevents_columns(_json(body), received_at=received)
    raise ApiProblem(
        415,
        "unsupported_media_type",
        f"send {CLOUDEVENT} (one event), {CLOUDEVENTS_BATCH} (a JSON array), or binary "
        "mode with ce-* headers",
        field="Content-Type",
    )


_SEGMENT_EXAMPLES: dict[str, dict[str, Any]] = {
    "track": {
        "userId": "user-42",
        "event": "api.call",
        "messageId": "msg-1",
        "timestamp": "2026-03-10T09:15:00Z",
        "properties": {"endpoint": "/v1/boards"},
        "context": {"groupId": "crm-4711"},
    },
    "identify": {"userId": "user-42", "messageId": "msg-2", "traits": {"plan": "team"}},
    "group": {"userId": "user-42", "groupId": "crm-4711", "messageId": "msg-3"},
    "page": {"userId": "user-42", "name": "Pricing", "messageId": "msg-4"},
    "screen": {"userId": "user-42", "name": "Boards", "messageId": "msg-5"},
    "alias": {"userId": "user-42", "previousId": "anon-7", "messageId": "msg-6"},
    "batch": {
        "batch": [
            {
                "type": "track",
                "userId": "user-42",
                "event": "automation.run",
                "messageId": "msg-7",
                "context": {"groupId": "crm-4711"},
            }
        ]
    },
}


#: The Segment calls, each ``POST /v1/{call}``.
SEGMENT_CALLS = tuple(_SEGMENT_EXAMPLES)


async def ingest_segment_call(
    request: Request, call: str, runtime: ApiRuntime, ingestion: Ingestion
) -> None:
    """Read, parse and store an authorised Segment ``call`` (``batch`` or a single call; the
    route's body, the ingest front calls it too)."""
    with ingestion.receiving():
        body = await _body(request)
        received = runtime.clock()
        if call == "batch":
            with _no_cycle_collection():
                events = segment_columns(_json(body), received_at=received)
        else:
            events = _one(parse_segment_call(_json(body), call=call, received_at=received))
    if len(events):
        await ingestion.accept(events)


def _segment_route(call: str) -> Callable[..., Coroutine[Any, Any, SegmentOut]]:
    async def segment_call(
        request: Request, key: WriteKey, runtime: Runtime, ingestion: IngestionDep
    ) -> SegmentOut:
        await ingest_segment_call(request, call, runtime, ingestion)
        return SegmentOut()

    segment_call.__name__ = f"segment_{call}"
    segment_call.__doc__ = (
        f"Segment `{call}` call (ingest, admin; the write key as the HTTP Basic user name); "
        "deduplicated on `messageId`. The account is `groupId` (group calls), else "
        "`context.groupId`, else `properties.account_id` / `traits.account_id`, else the group "
        "the user last joined."
    )
    return segment_call


for _call, _example in _SEGMENT_EXAMPLES.items():
    router.add_api_route(
        f"/v1/{_call}",
        _segment_route(_call),
        methods=["POST"],
        response_model=SegmentOut,
        summary=f"Segment {_call}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "object"}, "example": _example}
                },
            }
        },
        responses={413: {"description": "The body is too large."}},
    )
