"""The FastAPI application, built by :func:`create_app` — never at import time.

``tierwise serve`` runs it with uvicorn's factory mode (``tierwise.api.app:create_app``), so each
worker process builds its own app, engine and caches from the ``TIERWISE_*`` settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from tierwise.api.check_endpoint import install_check_front
from tierwise.api.offer_endpoint import install_offer_front
from tierwise.api.problems import PROBLEM_JSON, install_problem_handlers
from tierwise.api.routers import (
    accounts,
    entitlements,
    health,
    licenses,
    offers,
    seats,
    subscriptions,
    transitions,
    webhooks,
)
from tierwise.api.runtime import ApiOptions, build_runtime, freeze_heap
from tierwise.api.schemas import ProblemOut
from tierwise.api.usage_routes import install_usage
from tierwise.config import Settings

__all__ = ["create_app"]

_DESCRIPTION = """\
The tierwise service edge: accounts, subscriptions and their transitions (quotes first,
idempotent commits), entitlement checks, seats and signed license files.

Authenticate with `Authorization: Bearer <API key>` (`tierwise keys create`). Every error is
RFC 9457 `application/problem+json` with a stable `code`; see docs/api.md.
"""

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemOut, "content": {PROBLEM_JSON: {}}, "description": text}
    for status, text in (
        (401, "No key, or an unknown or revoked key."),
        (403, "The key's scope does not allow this."),
        (404, "Not found (also: another account's record)."),
        (
            409,
            "Conflict: a race lost, a stale If-Match, a reused idempotency key, a change the "
            "subscription's state or the change policy does not allow.",
        ),
        (422, "Invalid input; `field` (and `errors`) name what is wrong."),
        (429, "Rate limited; see Retry-After."),
    )
}


def create_app(settings: Settings | None = None, *, options: ApiOptions | None = None) -> FastAPI:
    """The API on ``settings`` (default: from the environment), with its own runtime."""
    options = options or ApiOptions(freeze_heap=True)  # the served app (uvicorn's factory)
    runtime = build_runtime(settings or Settings(), options)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if options.freeze_heap:  # everything built at start-up: out of the collector's way
            freeze_heap()
        yield
        await runtime.offers.settled()  # re-evaluations in flight use the engine
        runtime.blocking.close()
        runtime.engine.dispose()

    app = FastAPI(
        title="tierwise",
        version="1",
        description=_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    install_offer_front(app, runtime)  # in-app offers, ahead of FastAPI's routing
    install_check_front(app, runtime)  # entitlement checks, the hottest path, ahead of all
    app.include_router(health.router)
    for router in (
        entitlements.router,  # first: the checks are the hot path, and routes match in order
        accounts.router,
        subscriptions.router,
        transitions.router,
        seats.router,
        licenses.router,
        webhooks.router,
        offers.router,
    ):
        app.include_router(router, responses=_PROBLEMS)
    install_usage(app, runtime, responses=_PROBLEMS)
    _document_bearer_auth(app)
    return app


def _document_bearer_auth(app: FastAPI) -> None:
    """Declare the ``Authorization: Bearer`` API keys in the OpenAPI description.

    Keys are read by plain dependencies (cheaper than FastAPI's security classes on the hot
    path), so the scheme is added to the generated description here, on every route but health.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {})["securitySchemes"] = {
            "ApiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key: `tw_admin_…`, `tw_read_…`, `tw_ingest_…`, `tw_pub_…`.",
            }
        }
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith("/health"):
                for operation in operations.values():
                    operation["security"] = [{"ApiKey": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
