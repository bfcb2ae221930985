"""Named seats of a subscription: list, assign, unassign, activity, and the reclaim workflow
(dormant report → notice → reclaim → restore)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status
from pydantic import BaseModel, Field

from tierwise.api.deps import AdminKey, IdempotencyKey, ReaderKey, Runtime, visible_subscription
from tierwise.api.routers.subscription_commands import CommandRequest, SeatChange
from tierwise.api.schemas import ReceiptOut, SeatOut
from tierwise.services import commands as c

__all__ = ["router"]

router = APIRouter(prefix="/v1/subscriptions/{subscription_id}/seats", tags=["seats"])

_User = Annotated[str, Path(min_length=1, max_length=320, description="The user's id or email.")]


class SeatAssignment(BaseModel):
    user: str = Field(min_length=1, max_length=320, examples=["ana@acme.example"])
    reason: str = Field(default="", max_length=1000)


class DormantSeatOut(BaseModel):
    user: str
    status: str
    last_seen: str
    idle_days: int


class Notice(BaseModel):
    days: int | None = Field(default=None, ge=1, le=3650, description="Default: the policy's.")


class Reclaim(BaseModel):
    users: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="Noticed seats to reclaim; empty: every seat whose notice has run out.",
    )


@router.get("", response_model=list[SeatOut])
def list_seats(subscription_id: str, key: ReaderKey, runtime: Runtime) -> list[SeatOut]:
    """Every named seat of the subscription with its status and last activity (admin, read)."""
    visible_subscription(runtime, key, subscription_id)
    return [
        SeatOut.model_validate(seat.as_dict()) for seat in runtime.records.seats(subscription_id)
    ]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
def assign_seat(body: SeatAssignment, request: SeatChange) -> ReceiptOut:
    """Give a user a seat (admin); refused when every seat is taken."""
    return request.submit(c.AssignSeat, reason=body.reason, user=body.user)


@router.delete("/{user}", response_model=ReceiptOut)
def unassign_seat(
    subscription_id: str,
    user: _User,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReceiptOut:
    """Free a user's seat (admin)."""
    request = CommandRequest(subscription_id, key, runtime, response, idempotency_key)
    return request.submit(c.UnassignSeat, user=user)


@router.post("/{user}/activity", response_model=ReceiptOut)
def record_activity(
    subscription_id: str, user: _User, key: AdminKey, runtime: Runtime, response: Response
) -> ReceiptOut:
    """Note that the user was active now (admin); keeps the seat from turning dormant."""
    request = CommandRequest(subscription_id, key, runtime, response)
    return request.submit(c.RecordSeatActivity, user=user)


@router.get("/dormant", response_model=list[DormantSeatOut])
def dormant_seats(
    subscription_id: str,
    key: ReaderKey,
    runtime: Runtime,
    days: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> list[DormantSeatOut]:
    """Step 1 of reclaiming (admin, read): occupied seats idle for ``days``, idlest first."""
    visible_subscription(runtime, key, subscription_id)
    report = runtime.ledger.dormant_seats(subscription_id, runtime.clock(), days)
    return [DormantSeatOut.model_validate(line.as_dict()) for line in report]


@router.post("/notices", response_model=ReceiptOut)
def notice_dormant_seats(
    request: SeatChange, body: Annotated[Notice | None, Body()] = None
) -> ReceiptOut:
    """Step 2 (admin): send the reclaim notice to every dormant seat."""
    return request.submit(c.NoticeDormantSeats, days=body.days if body else None)


@router.post("/reclaim", response_model=ReceiptOut)
def reclaim_seats(
    request: SeatChange, body: Annotated[Reclaim | None, Body()] = None
) -> ReceiptOut:
    """Step 3 (admin): reclaim noticed seats (reversible with restore)."""
    return request.submit(c.ReclaimSeats, users=tuple(body.users) if body else ())


@router.post("/{user}/restore", response_model=ReceiptOut)
def restore_seat(
    subscription_id: str,
    user: _User,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReceiptOut:
    """Step 4 (admin): give a reclaimed seat back."""
    request = CommandRequest(subscription_id, key, runtime, response, idempotency_key)
    return request.submit(c.RestoreSeat, user=user)
