"""Transitions of a subscription's life (trials, suspension, revocation, renewal, cancellation)
and its history. Every command takes ``Idempotency-Key`` and ``If-Match`` (admin keys only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from tierwise.api.deps import ReaderKey, Runtime, visible_subscription
from tierwise.api.routers.subscription_commands import Transition
from tierwise.api.schemas import HistoryEntryOut, ReceiptOut
from tierwise.services import commands as c

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


@router.post("/trial", response_model=ReceiptOut)
def start_trial(body: TrialStart, request: Transition) -> ReceiptOut:
    """Start a trial of a higher plan: its entitlements at once, the paid plan kept."""
    return request.submit(
        c.StartTrial,
        reason=body.reason,
        plan=body.plan,
        days=body.days,
        convert_at_end=body.convert_at_end,
    )


@router.post("/trial/convert", response_model=ReceiptOut)
def convert_trial(
    request: Transition, body: Annotated[TrialConvert | None, Body()] = None
) -> ReceiptOut:
    """Buy the plan being tried (priced by the quote engine)."""
    body = body or TrialConvert()
    return request.submit(c.ConvertTrial, reason=body.reason, seats=body.seats)


@router.post("/trial/revert", response_model=ReceiptOut)
def revert_trial(request: Transition, body: _Empty = None) -> ReceiptOut:
    """End the trial and go back to the paid plan; nothing of the customer's is lost."""
    return request.submit(c.RevertTrial, reason=body.reason if body else "")


@router.post("/suspend", response_model=ReceiptOut)
def suspend(body: Reasoned, request: Transition) -> ReceiptOut:
    """Suspend: every feature is denied until the subscription is reinstated."""
    return request.submit(c.SuspendSubscription, reason=body.reason)


@router.post("/reinstate", response_model=ReceiptOut)
def reinstate(request: Transition, body: _Empty = None) -> ReceiptOut:
    """Lift a suspension."""
    return request.submit(c.ReinstateSubscription, reason=body.reason if body else "")


@router.post("/revoke", response_model=ReceiptOut)
def revoke(body: Reasoned, request: Transition) -> ReceiptOut:
    """Revoke the license at once; reversible within the configured window (``restore``)."""
    return request.submit(c.RevokeSubscription, reason=body.reason)


@router.post("/restore", response_model=ReceiptOut)
def restore(request: Transition, body: _Empty = None) -> ReceiptOut:
    """Undo a revocation within its window."""
    return request.submit(c.RestoreSubscription, reason=body.reason if body else "")


@router.post("/renew", response_model=ReceiptOut)
def renew(request: Transition, body: Annotated[Renewal | None, Body()] = None) -> ReceiptOut:
    """Renew, priced as a renewal: the answer's ``quote`` is the new term's price.

    In force: commits the next term (``term_years``, default the current length), which starts
    when the current term ends, priced under the catalog version in effect that day with the
    term, volume and loyalty discounts it earns (``renew.schedule``; the current term keeps its
    price lock to its end; renewing again replaces the commitment). Expired: a new term starts
    now and its first period is due (``renew``).
    """
    body = body or Renewal()
    return request.submit(c.RenewSubscription, reason=body.reason, term_years=body.term_years)


@router.post("/cancel", response_model=ReceiptOut)
def cancel(request: Transition, body: Annotated[Cancellation | None, Body()] = None) -> ReceiptOut:
    """Cancel now, or at the end of the current period (undoable until then)."""
    body = body or Cancellation()
    return request.submit(
        c.CancelSubscription, reason=body.reason, at_period_end=body.at_period_end
    )


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
