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
"""

from __future__ import annotations

import threading
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tierwise import bootstrap
from tierwise.api.auth import hidden_account
from tierwise.api.deps import CheckerKey, Runtime
from tierwise.api.runtime import ApiRuntime
from tierwise.offers.cadence import OfferOutcome
from tierwise.services.api_keys import ApiKey
from tierwise.services.decision_ports import OutcomeRecord
from tierwise.services.decisions import Decisions

__all__ = ["router"]

router = APIRouter(tags=["offers"])
_build_lock = threading.Lock()


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


def _decisions(request: Request, runtime: ApiRuntime) -> Decisions:
    """The app's decisions service, built on first use from its settings (one per process)."""
    state = request.app.state
    decisions: Decisions | None = getattr(state, "decisions", None)
    if decisions is None:
        with _build_lock:
            decisions = getattr(state, "decisions", None)
            if decisions is None:
                catalog = bootstrap.load_catalog(None, runtime.settings)
                decisions = bootstrap.build_decisions(
                    catalog, runtime.settings, engine=runtime.engine
                )
                state.decisions = decisions
    return decisions


async def _visible(runtime: ApiRuntime, key: ApiKey, account: str) -> str:
    """The account's id if ``key`` may see it (references are resolved once and remembered)."""
    account_id = await runtime.checks.account_id(account)
    if account_id is None or (key.account_id is not None and account_id != key.account_id):
        raise hidden_account(account)
    return account_id


@router.get("/v1/accounts/{account}/offers", response_model=OfferOut)
async def offer_now(
    account: str,
    request: Request,
    key: CheckerKey,
    runtime: Runtime,
    placement: str = Query(min_length=1, max_length=64, examples=["limit_banner"]),
) -> Response:
    """The offer to show in ``placement`` now, or none (admin, read, publishable — a publishable
    key for its own account only)."""
    account_id = await _visible(runtime, key, account)
    decisions = _decisions(request, runtime)
    now = runtime.clock()
    # Inline, not in the thread pool: after the first answer per account this is two indexed
    # SQLite reads (about a millisecond), cheaper than the hop to a worker thread and back.
    answer = decisions.offer_now(account_id, placement, now)
    # already the documented shape: encoded directly, without a second validation pass
    return Response(orjson.dumps(answer), media_type="application/json")


@router.post("/v1/accounts/{account}/offers/{offer}/outcomes", response_model=OutcomeOut)
async def record_outcome(
    account: str, offer: str, body: OutcomeIn, request: Request, key: CheckerKey, runtime: Runtime
) -> OutcomeOut:
    """Record that the offer was shown, accepted, declined or dismissed in a placement (admin,
    read, publishable for its own account); cadence reads these."""
    account_id = await _visible(runtime, key, account)
    decisions = _decisions(request, runtime)
    channel = decisions.channel_of(body.placement)
    at = runtime.clock()
    outcome = OfferOutcome(body.outcome)
    record = OutcomeRecord(account_id, offer, outcome, at, channel.value, body.placement)
    await run_in_threadpool(decisions.record_outcome, record)
    return OutcomeOut(
        account_id=account_id,
        offer=offer,
        outcome=body.outcome,
        channel=channel.value,
        at=at.isoformat(),
    )
