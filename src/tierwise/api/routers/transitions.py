"""Transitions of a subscription's life (trials, suspension, revocation, renewal, cancellation)
and its history. Every command takes ``Idempotency-Key`` and ``If-Match`` (admin keys only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypedDict

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from tierwise.api.deps import (
    AdminKey,
    IdempotencyKey,
    IfMatch,
    ReaderKey,
    Runtime,
    actor_of,
    expected_version,
    visible_subscription,
)
from tierwise.api.routers.subscriptions import commit
from tierwise.api.runtime import ApiRuntime
from tierwise.api.schemas import HistoryEntryOut, ReceiptOut
from tierwise.services import commands as c
from tierwise.services.api_keys import ApiKey

__all__ = ["router"]

router = APIRouter(prefix="/v1/subscriptions/{subscription_id}", tags=["transitions"])


class Why(BaseModel):
    reason: str = Field(default="", max_length=1000, description="Kept in the history.")


class TrialStart(Why):
    plan: str = Field(min_length=1, max_length=64, description="A higher plan to try.")
    days: int | None = Field(default=None, ge=1, le=365, description="Default: plan's policy.")
    convert_at_end: bool = False

    model_config = {"json_schema_extra": {"examples": [{"plan": "business", "days": 14}]}}


class TrialConvert(Why):
    seats: int | None = Field(default=None, ge=1, le=1_000_000)


class Renewal(Why):
    term_years: int | None = Field(default=None, ge=1, le=10)


class Cancellation(Why):
    at_period_end: bool = Field(default=False, description="Cancel when the period ends.")


class Reasoned(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="Required: why.")

    model_config = {"json_schema_extra": {"examples": [{"reason": "chargeback"}]}}


_Empty = Annotated[Why | None, Body()]


class _Common(TypedDict):
    at: dt.datetime
    actor: str
    reason: str
    idempotency_key: str | None
    subscription_id: str
    expected_version: int | None


def _common(
    subscription_id: str,
    runtime: ApiRuntime,
    key: ApiKey,
    reason: str,
    idempotency_key: str | None,
    if_match: str | None,
) -> _Common:
    return {
        "at": runtime.clock(),
        "actor": actor_of(key),
        "reason": reason,
        "idempotency_key": idempotency_key,
        "subscription_id": subscription_id,
        "expected_version": expected_version(if_match),
    }


@router.post("/trial", response_model=ReceiptOut)
def start_trial(
    subscription_id: str,
    body: TrialStart,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Start a trial of a higher plan: its entitlements at once, the paid plan kept."""
    common = _common(subscription_id, runtime, key, body.reason, idempotency_key, if_match)
    command = c.StartTrial(
        plan=body.plan, days=body.days, convert_at_end=body.convert_at_end, **common
    )
    return commit(runtime, key, command, response)


@router.post("/trial/convert", response_model=ReceiptOut)
def convert_trial(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    body: Annotated[TrialConvert | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Buy the plan being tried (priced by the quote engine)."""
    body = body or TrialConvert()
    common = _common(subscription_id, runtime, key, body.reason, idempotency_key, if_match)
    return commit(runtime, key, c.ConvertTrial(seats=body.seats, **common), response)


@router.post("/trial/revert", response_model=ReceiptOut)
def revert_trial(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    body: _Empty = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """End the trial and go back to the paid plan; nothing of the customer's is lost."""
    reason = body.reason if body else ""
    common = _common(subscription_id, runtime, key, reason, idempotency_key, if_match)
    return commit(runtime, key, c.RevertTrial(**common), response)


@router.post("/suspend", response_model=ReceiptOut)
def suspend(
    subscription_id: str,
    body: Reasoned,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Suspend: every feature is denied until the subscription is reinstated."""
    common = _common(subscription_id, runtime, key, body.reason, idempotency_key, if_match)
    return commit(runtime, key, c.SuspendSubscription(**common), response)


@router.post("/reinstate", response_model=ReceiptOut)
def reinstate(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    body: _Empty = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Lift a suspension."""
    reason = body.reason if body else ""
    common = _common(subscription_id, runtime, key, reason, idempotency_key, if_match)
    return commit(runtime, key, c.ReinstateSubscription(**common), response)


@router.post("/revoke", response_model=ReceiptOut)
def revoke(
    subscription_id: str,
    body: Reasoned,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Revoke the license at once; reversible within the configured window (``restore``)."""
    common = _common(subscription_id, runtime, key, body.reason, idempotency_key, if_match)
    return commit(runtime, key, c.RevokeSubscription(**common), response)


@router.post("/restore", response_model=ReceiptOut)
def restore(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    body: _Empty = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Undo a revocation within its window."""
    reason = body.reason if body else ""
    common = _common(subscription_id, runtime, key, reason, idempotency_key, if_match)
    return commit(runtime, key, c.RestoreSubscription(**common), response)


@router.post("/renew", response_model=ReceiptOut)
def renew(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    body: Annotated[Renewal | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Renew, priced as a renewal: the answer's ``quote`` is the new term's price.

    In force: commits the next term (``term_years``, default the current length), which starts
    when the current term ends, priced under the catalog version in effect that day with the
    term, volume and loyalty discounts it earns (``renew.schedule``; the current term keeps its
    price lock to its end; renewing again replaces the commitment). Expired: a new term starts
    now and its first period is due (``renew``).
    """
    body = body or Renewal()
    common = _common(subscription_id, runtime, key, body.reason, idempotency_key, if_match)
    return commit(runtime, key, c.RenewSubscription(term_years=body.term_years, **common), response)


@router.post("/cancel", response_model=ReceiptOut)
def cancel(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    body: Annotated[Cancellation | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Cancel now, or at the end of the current period (undoable until then)."""
    body = body or Cancellation()
    common = _common(subscription_id, runtime, key, body.reason, idempotency_key, if_match)
    command = c.CancelSubscription(at_period_end=body.at_period_end, **common)
    return commit(runtime, key, command, response)


@router.get("/history", response_model=list[HistoryEntryOut])
def history(
    subscription_id: str,
    key: ReaderKey,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[HistoryEntryOut]:
    """The audit trail (admin, read), newest first: who, what, why, when, before, after and
    the quote used."""
    visible_subscription(runtime, key, subscription_id)
    entries = runtime.ledger.history(subscription_id, limit=limit)
    return [HistoryEntryOut.model_validate(entry.as_dict()) for entry in entries]
