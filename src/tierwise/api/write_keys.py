"""Who may send usage: API keys with the ``ingest`` scope (or ``admin``), as a Bearer token or as
a Segment **write key**.

Segment's libraries authenticate with HTTP Basic, the write key as the user name and an empty
password (``Authorization: Basic base64("<write key>:")``); the Segment routes accept that and a
Bearer token alike, so the same ``tw_ingest_…`` key works for every producer. The key is then
verified, rate limited and scoped exactly like any other key (:mod:`tierwise.api.auth`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request

from tierwise.api.auth import require_scope
from tierwise.api.ingestion import Ingestion
from tierwise.api.problems import ApiProblem
from tierwise.api.runtime import ApiRuntime
from tierwise.services.api_keys import ApiKey, Scope
from tierwise.services.gauges import Gauges

__all__ = ["GaugesDep", "IngestKey", "IngestionDep", "WriteKey", "bearer_of_basic"]


def bearer_of_basic(authorization: str | None) -> str | None:
    """``Basic base64(key:)`` → ``Bearer key``; any other header is returned as it is."""
    if authorization is None:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return authorization
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise ApiProblem(
            401,
            "unauthenticated",
            "the Basic credentials are not base64 of `<write key>:`",
            field="Authorization",
            headers={"WWW-Authenticate": 'Basic realm="tierwise"'},
        ) from None
    user, _, _password = decoded.partition(":")
    return f"Bearer {user}"


# Flat dependencies (no sub-dependencies), like tierwise.api.deps: ingest is a hot path.
async def _ingest_key(request: Request) -> ApiKey:
    runtime: ApiRuntime = request.app.state.runtime
    key = await runtime.authenticator.authenticate(request.headers.get("authorization"))
    return require_scope(key, Scope.INGEST)


async def _write_key(request: Request) -> ApiKey:
    runtime: ApiRuntime = request.app.state.runtime
    header = bearer_of_basic(request.headers.get("authorization"))
    key = await runtime.authenticator.authenticate(header)
    return require_scope(key, Scope.INGEST)


async def _ingestion(request: Request) -> Ingestion:
    ingestion: Ingestion = request.app.state.ingestion
    return ingestion


async def _gauges(request: Request) -> Gauges:
    gauges: Gauges = request.app.state.gauges
    return gauges


#: ``ingest`` or ``admin``, as a Bearer token.
IngestKey = Annotated[ApiKey, Depends(_ingest_key)]
#: ``ingest`` or ``admin``, as a Segment write key (HTTP Basic user name) or a Bearer token.
WriteKey = Annotated[ApiKey, Depends(_write_key)]
IngestionDep = Annotated[Ingestion, Depends(_ingestion)]
GaugesDep = Annotated[Gauges, Depends(_gauges)]
