"""Dependencies of the routes, as ``Annotated`` aliases: the runtime, the caller's key by scope,
the ``Idempotency-Key`` and ``If-Match`` headers, and the visibility rules of bound keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Response

from tierwise.api.auth import CHECK_SCOPES, hidden_account, hidden_subscription, require_scope
from tierwise.api.runtime import ApiRuntime
from tierwise.errors import InvalidInput
from tierwise.licensing.accounts import Account
from tierwise.licensing.subscriptions import Subscription
from tierwise.services.api_keys import ApiKey, Scope
from tierwise.services.receipts import Receipt

__all__ = [
    "AdminKey",
    "CheckerKey",
    "IdempotencyKey",
    "IfMatch",
    "ReaderKey",
    "Runtime",
    "actor_of",
    "expected_version",
    "mark_replay",
    "visible_account",
    "visible_subscription",
]


async def _runtime(request: Request) -> ApiRuntime:
    runtime: ApiRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[ApiRuntime, Depends(_runtime)]


# Each scope is one flat dependency (no sub-dependencies): the check route is the hot path, and
# every level of FastAPI's dependency solving costs time on every request.
async def _key(request: Request) -> ApiKey:
    runtime: ApiRuntime = request.app.state.runtime
    return await runtime.authenticator.authenticate(request.headers.get("authorization"))


async def _admin(request: Request) -> ApiKey:
    return require_scope(await _key(request))


async def _reader(request: Request) -> ApiKey:
    return require_scope(await _key(request), Scope.READ)


async def _checker(request: Request) -> ApiKey:
    return require_scope(await _key(request), *CHECK_SCOPES)


#: ``admin`` keys only: every change.
AdminKey = Annotated[ApiKey, Depends(_admin)]
#: ``admin`` or ``read``.
ReaderKey = Annotated[ApiKey, Depends(_reader)]
#: ``admin``, ``read`` or ``publishable`` (entitlement checks).
CheckerKey = Annotated[ApiKey, Depends(_checker)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique text (a UUID): a retry with the same key and body returns the "
        "first result; the same key with another body is refused (409).",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description="The subscription version you read (its ETag): the change applies only to "
        "that version, else 409 concurrent_change.",
    ),
]


def expected_version(if_match: str | None) -> int | None:
    """``"3"``, ``3`` or ``W/"3"`` → 3; absent → ``None``."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput('If-Match must be a subscription version, e.g. "3"', field="If-Match")
    return int(text)


def actor_of(key: ApiKey) -> str:
    """Who the history names for a change made with ``key``."""
    return f"api:{key.id}"


def mark_replay(response: Response, receipt: Receipt) -> None:
    if receipt.replayed:
        response.headers["Idempotent-Replayed"] = "true"


def visible_account(runtime: ApiRuntime, key: ApiKey, reference: str) -> Account:
    """The account, if it exists and ``key`` may see it; else the same 404 either way."""
    account = runtime.records.account(reference)
    if account is None or (key.account_id is not None and account.id != key.account_id):
        raise hidden_account(reference)
    return account


def visible_subscription(runtime: ApiRuntime, key: ApiKey, subscription_id: str) -> Subscription:
    """The subscription, if it exists and ``key`` may see its account; else the same 404."""
    subscription = runtime.records.subscription(subscription_id)
    if subscription is None or (
        key.account_id is not None and subscription.account_id != key.account_id
    ):
        raise hidden_subscription(subscription_id)
    return subscription
