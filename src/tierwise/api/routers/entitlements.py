"""Entitlements: what an account may use now, checks (single and batch), grants and overrides
(given, listed and ended).

Checks are the product's hot path: ``POST /v1/checks`` answers plain "allowed" decisions from a
cached snapshot and sends everything notable (denials, soft-limit zone, grace) through the
ledger, which records the signal. Publishable keys may check their own account only.

The two check operations are declared here for the OpenAPI description; in the app,
:class:`~tierwise.api.check_endpoint.CheckFront` answers them ahead of FastAPI's routing with
the same models and functions (see that module for why).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from tierwise.api.check_endpoint import (
    BatchCheckRequest,
    CheckRequest,
    answer_batch,
    answer_check,
)
from tierwise.api.deps import (
    AdminKey,
    CheckerKey,
    IdempotencyKey,
    IfMatch,
    ReaderKey,
    Runtime,
    visible_account,
)
from tierwise.api.routers.subscription_commands import CommandRequest, Transition
from tierwise.api.schemas import CheckOut, EntitlementsOut, EntitlementValue, ReceiptOut
from tierwise.catalog.model import Entitlement
from tierwise.services.commands import EndEntitlement, GrantEntitlement, OverrideEntitlement

__all__ = ["router"]

router = APIRouter(tags=["entitlements"])

_Feature = Field(min_length=1, max_length=64, examples=["projects"])


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


class EndRequest(BaseModel):
    reason: str = Field(default="", max_length=1000, description="Kept in the history.")


class GrantEntryOut(BaseModel):
    """One grant or override of an account, with its status at the time of the request."""

    id: int = Field(description="Grants and overrides share one id space; `end` takes it.")
    kind: Literal["grant", "override"]
    feature: str
    value: EntitlementValue
    starts: str | None = Field(description="RFC 3339; an override without it applies at once.")
    ends: str | None = Field(description="RFC 3339; an override without it is open-ended.")
    status: Literal["active", "upcoming", "ended"]
    reason: str


@router.get("/v1/accounts/{account}/entitlements", response_model=EntitlementsOut)
def get_entitlements(account: str, key: ReaderKey, runtime: Runtime) -> EntitlementsOut:
    """The account's effective entitlements now (admin, read): plan + add-ons + trial + grants
    and overrides − suspension. 404 when the account has no subscription in force."""
    found = visible_account(runtime, key, account)
    return EntitlementsOut.of(found.id, runtime.ledger.entitlements(found.id, runtime.clock()))


@router.post("/v1/checks", response_model=CheckOut)
async def check(body: CheckRequest, key: CheckerKey, runtime: Runtime) -> Response:
    """May the account use ``requested`` more of ``feature`` having used ``usage``? (admin,
    read, publishable — a publishable key for its own account only).

    A "no" is an answer (200, ``allowed: false``) with a reason code and the cheapest plan or
    add-on that would allow it.
    """
    return _json(await answer_check(runtime, key, body))


@router.post("/v1/checks/batch", response_model=BatchCheckOut)
async def check_batch(body: BatchCheckRequest, key: CheckerKey, runtime: Runtime) -> Response:
    """Up to 100 checks of one account in one request (a page load), answered in order."""
    return _json(await answer_batch(runtime, key, body))


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _value(value: EntitlementValue) -> Entitlement:
    return value


@router.get("/v1/accounts/{account}/grants", response_model=list[GrantEntryOut])
def list_grants(
    account: str,
    key: ReaderKey,
    runtime: Runtime,
    include_ended: Annotated[bool, Query(alias="all", description="Include ended ones.")] = False,
) -> list[GrantEntryOut]:
    """The account's grants and overrides, active and upcoming (and ended with ``all=true``),
    in the order they were given (admin, read)."""
    found = visible_account(runtime, key, account)
    entries = runtime.ledger.grants(found.id, runtime.clock(), ended=include_ended)
    return [GrantEntryOut.model_validate(entry) for entry in entries]


@router.post("/v1/subscriptions/{subscription_id}/grants", response_model=ReceiptOut)
def grant(body: GrantRequest, request: Transition) -> ReceiptOut:
    """Extra entitlement for a while, added like an add-on (admin)."""
    return request.submit(
        GrantEntitlement,
        reason=body.reason,
        feature=body.feature,
        value=_value(body.value),
        starts=body.starts,
        ends=body.ends,
    )


@router.post("/v1/subscriptions/{subscription_id}/overrides", response_model=ReceiptOut)
def override(body: OverrideRequest, request: Transition) -> ReceiptOut:
    """A value that replaces the plan's (a negotiated limit); open-ended unless ``ends`` (admin)."""
    return request.submit(
        OverrideEntitlement,
        reason=body.reason,
        feature=body.feature,
        value=_value(body.value),
        starts=body.starts,
        ends=body.ends,
    )


@router.post("/v1/subscriptions/{subscription_id}/grants/{entry_id}/end", response_model=ReceiptOut)
def end_grant(
    subscription_id: str,
    entry_id: int,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    body: Annotated[EndRequest | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """End a grant or an override now (admin): a running one closes at this moment, one that has
    not started is withdrawn; both are kept in the history. 404 ``not_found`` for an id the
    account does not have; 409 when it has already ended."""
    request = CommandRequest(subscription_id, key, runtime, response, idempotency_key, if_match)
    return request.submit(EndEntitlement, reason=body.reason if body else "", entry_id=entry_id)
