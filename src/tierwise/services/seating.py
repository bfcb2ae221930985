"""Handlers of named seats: assign, unassign, activity, and the reclaim workflow.

Seat changes that take or free one of the subscription's seats go through the subscription's
optimistic lock (:meth:`~tierwise.licensing.subscriptions.Subscription.attach`), so two
concurrent assignments can never both take the last free seat. Plain activity is recorded
without touching the subscription: it is frequent and cannot break a rule.
"""

from __future__ import annotations

from tierwise.errors import NotFound, SeatsOutOfRange, TransitionNotAllowed
from tierwise.licensing.events import EventType, Json
from tierwise.licensing.seats import Seat, SeatStatus, dormant_seats, occupied
from tierwise.licensing.subscriptions import Subscription
from tierwise.services.commands import (
    AssignSeat,
    NoticeDormantSeats,
    ReclaimSeats,
    RecordSeatActivity,
    RestoreSeat,
    SubscriptionCommand,
    UnassignSeat,
)
from tierwise.services.context import LedgerContext
from tierwise.services.loading import load, receipt_of
from tierwise.services.ports import UnitOfWork
from tierwise.services.receipts import Receipt
from tierwise.services.recording import record

__all__ = [
    "assign_seat",
    "notice_dormant_seats",
    "reclaim_seats",
    "record_seat_activity",
    "restore_seat",
    "unassign_seat",
]


def _seat(uow: UnitOfWork, subscription_id: str, user: str) -> Seat:
    seat = uow.seats.get(subscription_id, user)
    if seat is None:
        raise NotFound(f"{user} has no seat on {subscription_id}", field="user")
    return seat


def _require_free_seat(uow: UnitOfWork, subscription: Subscription) -> None:
    taken = occupied(uow.seats.for_subscription(subscription.id))
    if taken >= subscription.terms.seats:
        raise SeatsOutOfRange(
            f"all {subscription.terms.seats} seats are taken; add seats or free one first",
            field="seats",
        )


def _attach(
    uow: UnitOfWork,
    subscription: Subscription,
    command: SubscriptionCommand,
    seat: Seat,
    event: EventType,
) -> None:
    before = subscription.snapshot()
    subscription.attach(event, command.at, user=seat.user, status=seat.status.value)
    record(uow, subscription, command, event.value, before)


def _seat_receipt(
    uow: UnitOfWork, subscription: Subscription, transition: str, seats: list[Seat]
) -> Receipt:
    uow.subscriptions.save(subscription)
    listed: list[Json] = [seat.as_dict() for seat in seats]
    return receipt_of(subscription, transition, extra={"seats": listed})


def assign_seat(command: AssignSeat, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    subscription = load(uow, context, command)
    seat = uow.seats.get(subscription.id, command.user)
    if seat is not None and seat.occupying:
        raise TransitionNotAllowed(f"{command.user} already holds a seat", field="user")
    _require_free_seat(uow, subscription)
    if seat is None:
        seat = Seat(subscription.id, command.user, SeatStatus.ASSIGNED, assigned_at=command.at)
        uow.seats.add(seat)
    elif seat.status is SeatStatus.RECLAIMED:
        seat.restore(command.at)
        uow.seats.save(seat)
    else:
        seat.reassign(command.at)
        uow.seats.save(seat)
    _attach(uow, subscription, command, seat, EventType.SEAT_ASSIGNED)
    return _seat_receipt(uow, subscription, "seat.assign", [seat])


def unassign_seat(command: UnassignSeat, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    subscription = load(uow, context, command)
    seat = _seat(uow, subscription.id, command.user)
    seat.unassign(command.at)
    uow.seats.save(seat)
    _attach(uow, subscription, command, seat, EventType.SEAT_UNASSIGNED)
    return _seat_receipt(uow, subscription, "seat.unassign", [seat])


def record_seat_activity(
    command: RecordSeatActivity, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    """Note activity; a pending reclaim notice is lifted (and that is recorded)."""
    seat = _seat(uow, command.subscription_id, command.user)
    lifted = seat.record_activity(command.at)
    uow.seats.save(seat)
    if not lifted:
        return Receipt("seat.activity", command.subscription_id, None, {"seats": [seat.as_dict()]})
    subscription = load(uow, context, command)
    _attach(uow, subscription, command, seat, EventType.SEAT_NOTICE_LIFTED)
    return _seat_receipt(uow, subscription, "seat.activity", [seat])


def notice_dormant_seats(
    command: NoticeDormantSeats, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    """Give notice to every dormant seat not noticed yet (step 2 of the reclaim workflow)."""
    subscription = load(uow, context, command)
    days = context.policy.dormant_days if command.days is None else command.days
    seats = {seat.user: seat for seat in uow.seats.for_subscription(subscription.id)}
    noticed = []
    for line in dormant_seats(seats.values(), command.at, days):
        seat = seats[line.user]
        if seat.status is SeatStatus.ASSIGNED:
            seat.notice(command.at)
            uow.seats.save(seat)
            _attach(uow, subscription, command, seat, EventType.SEAT_NOTICED)
            noticed.append(seat)
    return _seat_receipt(uow, subscription, "seat.notice", noticed)


def reclaim_seats(command: ReclaimSeats, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    """Reclaim the named seats, or every noticed seat whose notice has run its course."""
    subscription = load(uow, context, command)
    notice_days = context.policy.seat_notice_days
    if command.users:
        chosen = [_seat(uow, subscription.id, user) for user in command.users]
    else:
        chosen = [
            seat
            for seat in uow.seats.for_subscription(subscription.id)
            if seat.status is SeatStatus.NOTICED
            and seat.noticed_at is not None
            and (command.at - seat.noticed_at).days >= notice_days
        ]
    for seat in chosen:
        seat.reclaim(command.at, notice_days)
        uow.seats.save(seat)
        _attach(uow, subscription, command, seat, EventType.SEAT_RECLAIMED)
    return _seat_receipt(uow, subscription, "seat.reclaim", chosen)


def restore_seat(command: RestoreSeat, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    """Give a reclaimed seat back to the same person (step 4: the workflow is reversible)."""
    subscription = load(uow, context, command)
    seat = _seat(uow, subscription.id, command.user)
    if seat.status is not SeatStatus.RECLAIMED:
        raise TransitionNotAllowed(f"the seat of {seat.user} was not reclaimed", field="user")
    _require_free_seat(uow, subscription)
    seat.restore(command.at)
    uow.seats.save(seat)
    _attach(uow, subscription, command, seat, EventType.SEAT_RESTORED)
    return _seat_receipt(uow, subscription, "seat.restore", [seat])
