"""Named seats and the reversible reclaim workflow: report → notice → reclaim → restore."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tierwise.errors import SeatsOutOfRange, TransitionNotAllowed
from tierwise.services.commands import (
    AssignSeat,
    ChangeSubscription,
    NoticeDormantSeats,
    ReclaimSeats,
    RecordSeatActivity,
    RestoreSeat,
    UnassignSeat,
)
from tierwise.services.ledger import Ledger

Open = Callable[..., str]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_seats_are_limited_by_the_subscription(ledger: Ledger, open_subscription: Open) -> None:
    # given Team × 3 with three people
    sub_id = open_subscription("team", seats=3)
    for user in ("a", "b", "c"):
        ledger.handle(AssignSeat(at=at("2026-03-11"), subscription_id=sub_id, user=user))

    # when / then: a fourth is refused until a seat is freed; seats cannot drop below those used
    with pytest.raises(SeatsOutOfRange):
        ledger.handle(AssignSeat(at=at("2026-03-11"), subscription_id=sub_id, user="d"))
    ledger.handle(ChangeSubscription(at=at("2026-03-12"), subscription_id=sub_id, seats=4))
    ledger.handle(AssignSeat(at=at("2026-03-12"), subscription_id=sub_id, user="d"))
    with pytest.raises(SeatsOutOfRange):
        ledger.handle(ChangeSubscription(at=at("2026-03-13"), subscription_id=sub_id, seats=3))
    ledger.handle(UnassignSeat(at=at("2026-03-13"), subscription_id=sub_id, user="d"))
    ledger.handle(ChangeSubscription(at=at("2026-03-13"), subscription_id=sub_id, seats=3))


def test_dormant_seats_are_reported_noticed_reclaimed_and_restored(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given three seats from 2026-03-10; "busy" works every day, "idle" and "back" never
    sub_id = open_subscription("team", seats=3)
    for user in ("busy", "idle", "back"):
        ledger.handle(AssignSeat(at=at("2026-03-10"), subscription_id=sub_id, user=user))
    ledger.handle(RecordSeatActivity(at=at("2026-04-12"), subscription_id=sub_id, user="busy"))

    # when: report after 33 days (dormant = 30 days without activity)
    report = ledger.dormant_seats(sub_id, at("2026-04-12"))

    # then
    assert [(line.user, line.idle_days) for line in report] == [("back", 33), ("idle", 33)]

    # when notices go out, "back" becomes active again, and reclaim is tried too early
    noticed = ledger.handle(NoticeDormantSeats(at=at("2026-04-12"), subscription_id=sub_id))
    ledger.handle(RecordSeatActivity(at=at("2026-04-13"), subscription_id=sub_id, user="back"))
    with pytest.raises(TransitionNotAllowed):
        ledger.handle(ReclaimSeats(at=at("2026-04-15"), subscription_id=sub_id, users=("idle",)))
    early = ledger.handle(ReclaimSeats(at=at("2026-04-15"), subscription_id=sub_id))

    # then the notice to "back" was lifted and nothing was reclaimed before 7 days
    assert [s["user"] for s in noticed.data["seats"]] == ["back", "idle"]
    assert early.data["seats"] == []

    # when reclaimed after the notice ran out, then restored
    done = ledger.handle(ReclaimSeats(at=at("2026-04-19"), subscription_id=sub_id))
    restored = ledger.handle(RestoreSeat(at=at("2026-04-20"), subscription_id=sub_id, user="idle"))

    # then
    assert [(s["user"], s["status"]) for s in done.data["seats"]] == [("idle", "reclaimed")]
    seat = restored.data["seats"][0]
    assert (seat["status"], seat["assigned_at"]) == ("assigned", "2026-03-10T00:00:00+00:00")
    transitions = [e.transition for e in ledger.history(sub_id)]
    assert transitions[:5] == [
        "seat.restored",
        "seat.reclaimed",
        "seat.notice_lifted",
        "seat.noticed",
        "seat.noticed",
    ]
