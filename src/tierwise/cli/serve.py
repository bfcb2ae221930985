"""``tierwise serve``: run the REST API with uvicorn (factory mode, one app per worker).

Before the workers start, the settings are checked once: the embedded database is created and
migrated, the catalog is loaded and the key secret exists, so workers never race to create them
and a bad setting exits with status 2 instead of a traceback in every worker.

The HTTP protocol is uvicorn's httptools one with each answer sent in one socket write
(:mod:`tierwise.api.http_protocol`); without httptools installed, uvicorn's own choice.
The access log is off unless ``--access-log`` is given: uvicorn formats and writes a line per
request, a cost on every request that the in-app offers and entitlement checks are sized
without.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn

from tierwise import bootstrap
from tierwise.config import Settings

__all__ = ["APP_FACTORY", "http_protocol", "serve"]

#: What uvicorn imports and calls in each worker.
APP_FACTORY = "tierwise.api.app:create_app"


def http_protocol() -> type[asyncio.Protocol] | str:
    """The HTTP protocol the server runs: one write per answer on httptools, when installed."""
    try:
        from tierwise.api.http_protocol import OneWriteHttpToolsProtocol
    except ImportError:  # no httptools: uvicorn picks (h11)
        return "auto"
    return OneWriteHttpToolsProtocol


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = False,
) -> None:
    """Serve the REST API (OpenAPI at /openapi.json, docs at /docs)."""
    settings = Settings()
    engine = bootstrap.ledger_engine(settings)
    engine.dispose()
    bootstrap.load_catalog(None, settings)
    bootstrap.api_key_secret(settings)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        proxy_headers=False,
        http=http_protocol(),
    )
