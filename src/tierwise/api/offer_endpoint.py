"""The in-app offers' hot path: ``GET /v1/accounts/{account}/offers?placement=…``.

A customer's app asks this on page views, so, like the entitlement checks, it is answered by a
plain ASGI layer ahead of FastAPI's routing (:class:`OfferFront`, see :mod:`tierwise.api.fronts`):
matching the path against every route, solving the dependencies and wrapping the answer cost
more than the answer itself, which comes from memory
(:class:`~tierwise.api.offer_desk.OfferDesk`). The front authenticates with the same
:class:`~tierwise.api.auth.Authenticator` and scope rule, validates ``placement`` with the same
constraints (``OfferQuery``, the errors named ``query.placement`` as FastAPI names them), and
errors go through the app's own problem handlers.

The operation stays declared on FastAPI (``routers/offers.py``) for the OpenAPI description and
answers identically through :func:`answer_offer` wherever the front is not installed.

Order of checks: the key (401, 429, 403), then ``placement`` (422), then the account (404 — also
for another account's, for a key bound to one account), then whether the placement is known
(422) and the account has a decision (404).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.types import ASGIApp, Receive, Scope

from tierwise.api.auth import CHECK_SCOPES, hidden_account, require_scope
from tierwise.api.fronts import (
    ExceptionHandlers,
    Front,
    header,
    install_front,
)
from tierwise.api.runtime import ApiRuntime
from tierwise.services.api_keys import ApiKey

__all__ = ["OfferFront", "OfferQuery", "answer_offer", "install_offer_front", "visible_account_id"]

#: Starlette's pattern for ``/v1/accounts/{account}/offers`` (a path parameter is ``[^/]+``).
_OFFERS_PATH = re.compile(r"/v1/accounts/(?P<account>[^/]+)/offers")


_PLACEMENT_MAX = 64


class OfferQuery(BaseModel):
    """The query of ``GET …/offers``: which placement of the product asks."""

    placement: str = Field(min_length=1, max_length=_PLACEMENT_MAX, examples=["limit_banner"])


async def visible_account_id(runtime: ApiRuntime, key: ApiKey, account: str) -> str:
    """The id of the account ``account`` names, if ``key`` may see it; else the 404 a missing
    account gets (references are resolved once and remembered)."""
    account_id = await runtime.checks.account_id(account)
    if account_id is None or (key.account_id is not None and account_id != key.account_id):
        raise hidden_account(account)
    return account_id


async def answer_offer(runtime: ApiRuntime, key: ApiKey, account: str, placement: str) -> bytes:
    """The JSON answer to ``GET /v1/accounts/{account}/offers?placement=…`` by ``key``."""
    account_id = await visible_account_id(runtime, key, account)
    return await runtime.offers.answer(account_id, placement, runtime.clock())


class OfferFront(Front):
    """ASGI layer answering ``GET /v1/accounts/{account}/offers``; passes everything else on
    (``handlers``: the app's exception handlers, read on every error)."""

    method = "GET"

    def __init__(self, app: ASGIApp, *, runtime: ApiRuntime, handlers: ExceptionHandlers) -> None:
        super().__init__(app, handlers=handlers)
        self._runtime = runtime

    def claims(self, path: str) -> bool:
        return _OFFERS_PATH.fullmatch(path) is not None

    async def answer(self, scope: Scope, receive: Receive, path: str) -> bytes:
        found = _OFFERS_PATH.fullmatch(path)
        assert found is not None  # claimed
        runtime = self._runtime
        authorization = header(scope, b"authorization")
        key = require_scope(await runtime.authenticator.authenticate(authorization), *CHECK_SCOPES)
        return await answer_offer(runtime, key, found["account"], _placement(scope["query_string"]))


def install_offer_front(app: FastAPI, runtime: ApiRuntime) -> None:
    """Answer ``app``'s in-app offer requests with an :class:`OfferFront` outside its whole
    middleware stack (a front installed later, such as the checks', sits outside this one)."""
    install_front(
        app, lambda stack: OfferFront(stack, runtime=runtime, handlers=app.exception_handlers)
    )


#: Bytes that make a query more than a lone plain ``placement=…`` (another field, an escape).
_NOT_PLAIN = re.compile(rb"[&%+]")


def _placement(query_string: bytes) -> str:
    """``placement`` from the query, validated as FastAPI validates the declared parameter (the
    last value when repeated, as Starlette reads it).

    The query a product sends, ``placement=limit_banner`` alone without escapes, is taken as it
    is when its length is valid (what parsing and validating it would give, without either);
    anything else is parsed and validated.
    """
    if query_string.startswith(b"placement=") and _NOT_PLAIN.search(query_string) is None:
        plain = query_string[10:].decode("latin-1")
        if 1 <= len(plain) <= _PLACEMENT_MAX:
            return plain
    given = {
        name: value
        for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        if name == "placement"
    }
    try:
        return OfferQuery.model_validate(given).placement
    except ValidationError as invalid:
        raise RequestValidationError(
            [{**fault, "loc": ("query", *fault["loc"])} for fault in invalid.errors()]
        ) from None
