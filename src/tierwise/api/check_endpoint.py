"""The entitlement checks' hot path: ``POST /v1/checks`` and ``POST /v1/checks/batch``.

Checks are what a product calls on every page and every action, so they are answered by
:class:`CheckFront`, a plain ASGI layer in front of FastAPI's routing: FastAPI's request
machinery (route matching, dependency solving, body parsing into a dict, response-model
serialisation) costs a few hundred microseconds per request, while a check itself costs
microseconds. The front reads the raw body and validates it with the same pydantic models in
one pass (``model_validate_json``), authenticates with the same :class:`Authenticator` and
scope rule, answers from the same :class:`~tierwise.api.check_cache.CheckCache`, and writes the
decision with orjson as pre-encoded bytes. Errors raised on the way are turned into answers by
the app's own exception handlers (problem+json), exactly as on any other route.

The operations are still declared on FastAPI (``routers/entitlements.py``): that declaration
gives the OpenAPI description, and answers identically through :func:`answer_check` and
:func:`answer_batch` wherever the front is not installed in front of the router.

Order of checks on the front: the key (401, 429, 403), then the body (422), then the account
(404 — also for another account's, for a key bound to one account).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.types import ASGIApp, Receive, Scope

from tierwise.api.auth import CHECK_SCOPES, hidden_account, require_scope
from tierwise.api.fronts import (
    ExceptionHandlers,
    Front,
    install_front,
)
from tierwise.api.problems import ApiProblem
from tierwise.api.runtime import ApiRuntime
from tierwise.licensing.check_decisions import CheckDecision
from tierwise.money import Money
from tierwise.services.api_keys import ApiKey

__all__ = [
    "BatchCheckRequest",
    "CheckFront",
    "CheckRequest",
    "FeatureCheck",
    "answer_batch",
    "answer_check",
    "batch_json",
    "check_json",
    "install_check_front",
]

CHECK_PATH = "/v1/checks"
BATCH_PATH = "/v1/checks/batch"
#: Far above the largest valid body (100 checks of 64-character features, even \\u-escaped).
MAX_BODY_BYTES = 256 * 1024

_Feature = Field(min_length=1, max_length=64, examples=["projects"])
_Usage = Field(default=0, ge=0, le=10**15, description="Current usage the product counts.")
_Requested = Field(default=1, ge=0, le=10**15, description="How much more it wants to use.")


class CheckRequest(BaseModel):
    account: str = Field(min_length=1, max_length=200, description="Account id or external id.")
    feature: str = _Feature
    usage: int = _Usage
    requested: int = _Requested

    model_config = {
        "json_schema_extra": {
            "examples": [{"account": "crm-4711", "feature": "projects", "usage": 7}]
        }
    }


class FeatureCheck(BaseModel):
    feature: str = _Feature
    usage: int = _Usage
    requested: int = _Requested


class BatchCheckRequest(BaseModel):
    account: str = Field(min_length=1, max_length=200)
    checks: list[FeatureCheck] = Field(min_length=1, max_length=100)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "account": "crm-4711",
                    "checks": [{"feature": "sso"}, {"feature": "projects", "usage": 7}],
                }
            ]
        }
    }


def _money(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def _decision(decision: CheckDecision) -> dict[str, Any]:
    """The decision in the documented ``CheckOut`` shape (see ``api/schemas.py``)."""
    upsell = decision.upsell
    return {
        "allowed": decision.allowed,
        "reason": decision.reason.value,
        "feature": decision.feature,
        "limit": decision.limit,
        "usage": decision.usage,
        "remaining": decision.remaining,
        "in_soft_limit_zone": decision.in_soft_limit_zone,
        "in_grace_band": decision.in_grace_band,
        "upsell": None
        if upsell is None
        else {
            "kind": upsell.kind,
            "key": upsell.key,
            "name": upsell.name,
            "value": upsell.value,
            "monthly_price": _money(upsell.monthly_price),
            "added_monthly": _money(upsell.added_monthly),
        },
    }


def check_json(decision: CheckDecision) -> bytes:
    """One decision as the JSON body of ``POST /v1/checks``."""
    return orjson.dumps(_decision(decision))


def batch_json(account_id: str, decisions: list[CheckDecision]) -> bytes:
    """The JSON body of ``POST /v1/checks/batch``: the account and one decision per check."""
    return orjson.dumps(
        {"account_id": account_id, "results": [_decision(each) for each in decisions]}
    )


async def _account_id(runtime: ApiRuntime, key: ApiKey, reference: str) -> str:
    account_id = await runtime.checks.account_id(reference)
    if account_id is None or (key.account_id is not None and account_id != key.account_id):
        raise hidden_account(reference)
    return account_id


async def answer_check(runtime: ApiRuntime, key: ApiKey, request: CheckRequest) -> bytes:
    """The JSON answer to one check by ``key`` (raises ``NotFound`` for a hidden account)."""
    account_id = await _account_id(runtime, key, request.account)
    decision = await runtime.checks.check(
        account_id,
        request.feature,
        runtime.clock(),
        usage=request.usage,
        requested=request.requested,
    )
    return check_json(decision)


async def answer_batch(runtime: ApiRuntime, key: ApiKey, request: BatchCheckRequest) -> bytes:
    """The JSON answer to a batch of checks of one account, in order, at one instant."""
    account_id = await _account_id(runtime, key, request.account)
    now = runtime.clock()
    decisions = [
        await runtime.checks.check(
            account_id, item.feature, now, usage=item.usage, requested=item.requested
        )
        for item in request.checks
    ]
    return batch_json(account_id, decisions)


class CheckFront(Front):
    """ASGI layer answering ``POST`` on the two check paths; passes everything else on.

    ``handlers`` are the app's exception handlers (``app.exception_handlers``, read on every
    error so handlers added later count). The front sits outside the app's whole middleware
    stack (:func:`install_check_front`), so, like Starlette's server-error layer, it answers an
    unexpected error with the app's ``Exception`` handler (a logged 500 problem) and raises it
    on to the server.
    """

    def __init__(self, app: ASGIApp, *, runtime: ApiRuntime, handlers: ExceptionHandlers) -> None:
        super().__init__(app, handlers=handlers)
        self._runtime = runtime

    def claims(self, path: str) -> bool:
        return path in (CHECK_PATH, BATCH_PATH)

    async def answer(self, scope: Scope, receive: Receive, path: str) -> bytes:
        return await self._answer(scope, receive, batch=path == BATCH_PATH)

    async def _answer(self, scope: Scope, receive: Receive, *, batch: bool) -> bytes:
        authorization: str | None = None
        content_type: str | None = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"content-type":
                content_type = value.decode("latin-1")
        runtime = self._runtime
        key = require_scope(await runtime.authenticator.authenticate(authorization), *CHECK_SCOPES)
        raw = await _body(receive)
        try:
            if not _is_json(content_type):
                raise _not_an_object(raw)
            if batch:
                return await answer_batch(runtime, key, BatchCheckRequest.model_validate_json(raw))
            return await answer_check(runtime, key, CheckRequest.model_validate_json(raw))
        except ValidationError as invalid:
            raise RequestValidationError(
                [{**fault, "loc": ("body", *fault["loc"])} for fault in invalid.errors()]
            ) from None


def install_check_front(app: FastAPI, runtime: ApiRuntime) -> None:
    """Answer ``app``'s checks with a :class:`CheckFront` outside its whole middleware stack.

    Outside, because the layers FastAPI puts in front of every request (server errors,
    telemetry, body limits, exceptions) cost more than the check itself; the stack is built on
    the app's first request, so middleware added until then stays behind the front.
    """
    install_front(
        app, lambda stack: CheckFront(stack, runtime=runtime, handlers=app.exception_handlers)
    )


def _too_large() -> ApiProblem:
    return ApiProblem(
        413,
        "body_too_large",
        f"a check request body may have at most {MAX_BODY_BYTES} bytes",
        field="body",
    )


def _is_json(content_type: str | None) -> bool:
    """``application/json`` or ``application/…+json`` (parameters such as charset allowed)."""
    if content_type is None:
        return False
    kind = content_type.partition(";")[0].strip().lower()
    main, _, sub = kind.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def _not_an_object(raw: bytes) -> RequestValidationError:
    """What FastAPI answers for a body it does not read as JSON (no or another media type)."""
    return RequestValidationError(
        [
            {
                "type": "model_attributes_type",
                "loc": ("body",),
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": raw,
            }
        ]
    )


async def _body(receive: Receive) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
        return body
    chunks = [body]
    size = len(body)
    while message.get("more_body", False):
        message = await receive()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)
