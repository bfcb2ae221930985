"""In-app offers: the offer to show in a placement now, and what the customer did with it.

``GET /v1/accounts/{account}/offers?placement=limit_banner`` answers from the account's latest
decide run, brought up to date with the ledger's live counters: a denial or a soft-limit entry
since the run (``paywall_<feature>``) and the current gauges (``usage_`` and ``util_<feature>``)
re-evaluate the account's triggers per account, so a paywall hit a moment ago can turn into an
offer now. The answer is the offer (copy, quote summary, value case, the clauses that fired) or
none, with why. ``POST …/offers/{offer}/outcomes`` records shown, accepted, declined or dismissed,
which the cadence rules read (frequency cap, cool-downs).

Publishable keys (``tw_pub_…``, safe inside the customer's app) may use both for their own
account only; another account is a 404, like a missing one.

The ``GET`` is answered ahead of FastAPI's routing by :class:`~tierwise.api.offer_endpoint.
OfferFront` (the declaration here gives the OpenAPI description and the same answer without the
front); both answer from the process's :class:`~tierwise.api.offer_desk.OfferDesk`. Recording an
outcome re-evaluates the account's offers at once, on the write path.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tierwise.api.deps import CheckerKey, Runtime
from tierwise.api.offer_endpoint import answer_offer, visible_account_id
from tierwise.offers.cadence import OfferOutcome
from tierwise.services.decision_ports import OutcomeRecord

__all__ = ["router"]

router = APIRouter(tags=["offers"])


class OfferOut(BaseModel):
    """The offer to show now in a placement, or ``offer: null`` with the reason."""

    account_id: str
    external_id: str
    placement: str
    channel: str = Field(description="in_app, email or csm (from the playbook's placement).")
    run_id: str = Field(description="The decide run whose signals were brought up to date.")
    signals_as_of: str
    decided_at: str
    offer: dict[str, Any] | None = Field(
        description="offer, name, strength (offer or nudge), target, incentive, message (the "
        "copy), quote (summary from the quote engine), value (value case), expected_value, "
        "trigger (each clause with the values it saw), eligibility and cadence checks."
    )
    reason: str | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "account_id": "acc_000042",
                    "external_id": "nw-00041",
                    "placement": "limit_banner",
                    "channel": "in_app",
                    "run_id": "run_20261120T060000_a1b2c3",
                    "signals_as_of": "2026-11-20T00:00:00+00:00",
                    "decided_at": "2026-11-20T10:15:00+00:00",
                    "offer": {
                        "offer": "business_for_sso",
                        "strength": "offer",
                        "message": {"headline": "Single sign-on is in Business"},
                    },
                    "reason": None,
                }
            ]
        }
    }


class OutcomeIn(BaseModel):
    outcome: Literal["shown", "accepted", "declined", "dismissed"]
    placement: str = Field(min_length=1, max_length=64, examples=["limit_banner"])


class OutcomeOut(BaseModel):
    account_id: str
    offer: str
    outcome: str
    channel: str
    at: str


@router.get("/v1/accounts/{account}/offers", response_model=OfferOut)
async def offer_now(
    account: str,
    key: CheckerKey,
    runtime: Runtime,
    placement: str = Query(min_length=1, max_length=64, examples=["limit_banner"]),
) -> Response:
    """The offer to show in ``placement`` now, or none (admin, read, publishable — a publishable
    key for its own account only)."""
    # already the documented shape, encoded once: no second validation pass
    body = await answer_offer(runtime, key, account, placement)
    return Response(body, media_type="application/json")


@router.post("/v1/accounts/{account}/offers/{offer}/outcomes", response_model=OutcomeOut)
async def record_outcome(
    account: str, offer: str, body: OutcomeIn, key: CheckerKey, runtime: Runtime
) -> OutcomeOut:
    """Record that the offer was shown, accepted, declined or dismissed in a placement (admin,
    read, publishable for its own account); cadence reads these."""
    account_id = await visible_account_id(runtime, key, account)
    decisions = await runtime.offers.decisions()
    channel = decisions.channel_of(body.placement)
    at = runtime.clock()
    outcome = OfferOutcome(body.outcome)
    record = OutcomeRecord(account_id, offer, outcome, at, channel.value, body.placement)
    await run_in_threadpool(decisions.record_outcome, record)
    runtime.offers.signalled(account_id)  # cadence moved: re-evaluate now, not on the next read
    return OutcomeOut(
        account_id=account_id,
        offer=offer,
        outcome=body.outcome,
        channel=channel.value,
        at=at.isoformat(),
    )
