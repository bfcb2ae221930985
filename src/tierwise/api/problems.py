"""Every error answers as RFC 9457 ``application/problem+json``, with a stable ``code``.

A problem has ``type`` (a URI naming the kind of problem; ``about:blank``-like relative URIs under
``/problems/`` documented in ``docs/api.md``), ``title`` (short, the same for every occurrence of
that kind), ``status``, ``detail`` (this occurrence, in words), ``code`` (the stable machine code
of :mod:`tierwise.errors`) and ``field`` (the input at fault) where it is known. A request that
fails validation lists every fault in ``errors: [{field, message}]`` under code
``invalid_request``.

Statuses of the error tree (the first match, walking up from the error's own class):

=======================  ======  ===========================================================
error                    status  why
=======================  ======  ===========================================================
InvalidInput (any)       422     the request was well-formed JSON but a value cannot be used
NotFound                 404     also for records of another account (existence is not shown)
Conflict (any)           409     lost a race, a stale ``If-Match``, a reused idempotency key
ChangeNotAllowed (any)   409     the change conflicts with the subscription's current state or
                                 the catalog's change policy: the same request may succeed
                                 later, in another state — so a conflict, not a bad request
LicenseFileInvalid       422     a license file that cannot be read (bad container)
SchemaOutdated           503     the server's database needs ``tierwise db upgrade``
EventStoreUnavailable    503     another process holds the event store; retry
other TierwiseError      400
anything else            500     logged with its traceback; the answer says nothing inside
=======================  ======  ===========================================================
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tierwise.errors import (
    ChangeNotAllowed,
    Conflict,
    EventStoreUnavailable,
    InvalidInput,
    LicenseFileInvalid,
    NotFound,
    SchemaOutdated,
    TierwiseError,
)

__all__ = [
    "PROBLEM_JSON",
    "ApiProblem",
    "install_problem_handlers",
    "problem_response",
    "status_of",
]

PROBLEM_JSON = "application/problem+json"
_log = logging.getLogger("tierwise.api")

_STATUSES: tuple[tuple[type[TierwiseError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (ChangeNotAllowed, 409),
    (LicenseFileInvalid, 422),
    (SchemaOutdated, 503),
    (EventStoreUnavailable, 503),
)

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def status_of(error: TierwiseError) -> int:
    """The HTTP status of a tierwise error (see the module's table)."""
    for kind, status in _STATUSES:
        if isinstance(error, kind):
            return status
    return 400


class ApiProblem(Exception):
    """A problem raised by the API layer itself: authentication, scope, rate limit, headers."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.headers = headers or {}


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    errors: Sequence[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; ``type`` is ``/problems/<code>`` (documented in docs/api.md)."""
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    if errors is not None:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_of(location: Sequence[int | str]) -> str:
    """``("body", "checks", 0, "feature")`` → ``checks[0].feature``; query/path/header named."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


async def _on_tierwise_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, TierwiseError)
    return problem_response(status_of(error), error.code, error.message, field=error.field)


async def _on_api_problem(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)
    return problem_response(
        error.status, error.code, error.detail, field=error.field, headers=error.headers
    )


async def _on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    faults = [
        {"field": _field_of(fault.get("loc", ())), "message": str(fault.get("msg", "invalid"))}
        for fault in error.errors()
    ]
    first = faults[0] if faults else {"field": "body", "message": "invalid request"}
    return problem_response(
        422,
        "invalid_request",
        f"{first['field']}: {first['message']}"
        + (f" (and {len(faults) - 1} more)" if len(faults) > 1 else ""),
        field=first["field"],
        errors=faults,
    )


async def _on_http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    code = codes.get(error.status_code, "http_error")
    return problem_response(
        error.status_code,
        code,
        str(error.detail),
        headers=dict(error.headers) if error.headers else None,
    )


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    _log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(
        500, "internal_error", "the server failed to answer this request; it has been logged"
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""
    app.add_exception_handler(TierwiseError, _on_tierwise_error)
    app.add_exception_handler(ApiProblem, _on_api_problem)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
