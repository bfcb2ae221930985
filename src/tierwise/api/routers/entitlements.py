"""Entitlements: what an account may use now, checks (single and batch), grants and overrides.

Checks are the product's hot path: ``POST /v1/checks`` answers plain "allowed" decisions from a
cached snapshot and sends everything notable (denials, soft-limit zone, grace) through the
ledger, which records the signal. Publishable keys may check their own account only.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, BaseModel, Field

from tierwise.api.auth import hidden_account
from tierwise.api.deps import (
    AdminKey,
    CheckerKey,
    IdempotencyKey,
    IfMatch,
    ReaderKey,
    Runtime,
    actor_of,
    expected_version,
    visible_account,
)
from tierwise.api.routers.subscriptions import commit
from tierwise.api.runtime import ApiRuntime
from tierwise.api.schemas import CheckOut, EntitlementsOut, EntitlementValue, ReceiptOut
from tierwise.catalog.model import Entitlement
from tierwise.services.api_keys import ApiKey
from tierwise.services.commands import GrantEntitlement, OverrideEntitlement

__all__ = ["router"]

router = APIRouter(tags=["entitlements"])

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


class BatchCheckOut(BaseModel):
    account_id: str
    results: list[CheckOut] = Field(description="One decision per check, in the same order.")


class GrantRequest(BaseModel):
    feature: str = _Feature
    value: EntitlementValue
    starts: AwareDatetime
    ends: AwareDatetime
    reason: str = Field(default="", max_length=1000)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "feature": "projects",
                    "value": 5,
                    "starts": "2026-03-01T00:00:00Z",
                    "ends": "2026-04-01T00:00:00Z",
                    "reason": "launch push",
                }
            ]
        }
    }


class OverrideRequest(BaseModel):
    feature: str = _Feature
    value: EntitlementValue
    starts: AwareDatetime | None = None
    ends: AwareDatetime | None = None
    reason: str = Field(default="", max_length=1000)


async def _account_id(runtime: ApiRuntime, key: ApiKey, reference: str) -> str:
    account_id = await runtime.checks.account_id(reference)
    if account_id is None or (key.account_id is not None and account_id != key.account_id):
        raise hidden_account(reference)
    return account_id


@router.get("/v1/accounts/{account}/entitlements", response_model=EntitlementsOut)
def get_entitlements(account: str, key: ReaderKey, runtime: Runtime) -> EntitlementsOut:
    """The account's effective entitlements now (admin, read): plan + add-ons + trial + grants
    and overrides − suspension. 404 when the account has no subscription in force."""
    found = visible_account(runtime, key, account)
    return EntitlementsOut.of(found.id, runtime.ledger.entitlements(found.id, runtime.clock()))


@router.post("/v1/checks", response_model=CheckOut)
async def check(body: CheckRequest, key: CheckerKey, runtime: Runtime) -> CheckOut:
    """May the account use ``requested`` more of ``feature`` having used ``usage``? (admin,
    read, publishable — a publishable key for its own account only).

    A "no" is an answer (200, ``allowed: false``) with a reason code and the cheapest plan or
    add-on that would allow it.
    """
    account_id = await _account_id(runtime, key, body.account)
    decision = await runtime.checks.check(
        account_id, body.feature, runtime.clock(), usage=body.usage, requested=body.requested
    )
    return CheckOut.of(decision)


@router.post("/v1/checks/batch", response_model=BatchCheckOut)
async def check_batch(body: BatchCheckRequest, key: CheckerKey, runtime: Runtime) -> BatchCheckOut:
    """Up to 100 checks of one account in one request (a page load), answered in order."""
    account_id = await _account_id(runtime, key, body.account)
    now = runtime.clock()
    results = [
        CheckOut.of(
            await runtime.checks.check(
                account_id, item.feature, now, usage=item.usage, requested=item.requested
            )
        )
        for item in body.checks
    ]
    return BatchCheckOut(account_id=account_id, results=results)


def _value(value: EntitlementValue) -> Entitlement:
    return value


@router.post("/v1/subscriptions/{subscription_id}/grants", response_model=ReceiptOut)
def grant(
    subscription_id: str,
    body: GrantRequest,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Extra entitlement for a while, added like an add-on (admin)."""
    command = GrantEntitlement(
        at=runtime.clock(),
        actor=actor_of(key),
        reason=body.reason,
        idempotency_key=idempotency_key,
        subscription_id=subscription_id,
        expected_version=expected_version(if_match),
        feature=body.feature,
        value=_value(body.value),
        starts=body.starts,
        ends=body.ends,
    )
    return commit(runtime, key, command, response)


@router.post("/v1/subscriptions/{subscription_id}/overrides", response_model=ReceiptOut)
def override(
    subscription_id: str,
    body: OverrideRequest,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """A value that replaces the plan's (a negotiated limit); open-ended unless ``ends`` (admin)."""
    command = OverrideEntitlement(
        at=runtime.clock(),
        actor=actor_of(key),
        reason=body.reason,
        idempotency_key=idempotency_key,
        subscription_id=subscription_id,
        expected_version=expected_version(if_match),
        feature=body.feature,
        value=_value(body.value),
        starts=body.starts,
        ends=body.ends,
    )
    return commit(runtime, key, command, response)
