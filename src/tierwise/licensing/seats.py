"""Named seats: who holds a seat of a subscription, when they were last active, and reclaiming.

A seat that nobody used for ``dormant_days`` is *dormant*. Reclaiming one is a reversible,
customer-friendly workflow rather than a silent removal:

    report (list dormant seats) → notice (tell the holder and the admin) → reclaim (after
    ``notice_days`` without activity, the seat is freed) → restore (give it back, same holder)

Activity after a notice cancels the notice: the person is using the product after all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tierwise.errors import InvalidInput, TransitionNotAllowed
from tierwise.licensing.events import JsonObject
from tierwise.licensing.timestamps import from_iso, to_iso

__all__ = ["DormantSeat", "Seat", "SeatStatus", "dormant_seats", "occupied"]


class SeatStatus(StrEnum):
    ASSIGNED = "assigned"
    NOTICED = "noticed"  # dormant, holder told the seat will be reclaimed
    RECLAIMED = "reclaimed"  # freed; can be restored to the same holder
    UNASSIGNED = "unassigned"  # released on purpose


#: Statuses that take one of the subscription's seats.
_OCCUPYING = frozenset({SeatStatus.ASSIGNED, SeatStatus.NOTICED})


@dataclass
class Seat:
    """One named seat of a subscription, identified by the holder (``user``: email or id)."""

    subscription_id: str
    user: str
    status: SeatStatus
    assigned_at: dt.datetime
    last_active_at: dt.datetime | None = None
    noticed_at: dt.datetime | None = None
    reclaimed_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not self.user.strip():
            raise InvalidInput("a seat needs a user", field="user")

    @property
    def occupying(self) -> bool:
        return self.status in _OCCUPYING

    def last_seen(self) -> dt.datetime:
        """Last activity, or the assignment when there was none yet."""
        return self.last_active_at or self.assigned_at

    def record_activity(self, at: dt.datetime) -> bool:
        """Note that the holder used the product; returns True when a pending notice was lifted."""
        if not self.occupying:
            raise TransitionNotAllowed(f"{self.user} holds no seat", field="user")
        if self.last_active_at is None or at > self.last_active_at:
            self.last_active_at = at
        if self.status is SeatStatus.NOTICED and self.noticed_at and at >= self.noticed_at:
            self.status, self.noticed_at = SeatStatus.ASSIGNED, None
            return True
        return False

    def notice(self, at: dt.datetime) -> None:
        self._require(SeatStatus.ASSIGNED, "notify")
        self.status, self.noticed_at = SeatStatus.NOTICED, at

    def reclaim(self, at: dt.datetime, notice_days: int) -> None:
        """Free the seat; only after a notice that stood ``notice_days`` without activity."""
        self._require(SeatStatus.NOTICED, "reclaim")
        assert self.noticed_at is not None
        ready = self.noticed_at + dt.timedelta(days=notice_days)
        if at < ready:
            raise TransitionNotAllowed(
                f"the notice to {self.user} stands until {ready.isoformat()}", field="user"
            )
        self.status, self.reclaimed_at = SeatStatus.RECLAIMED, at

    def restore(self, at: dt.datetime) -> None:
        """Give a reclaimed seat back to its holder, as it was (assignment date kept)."""
        self._require(SeatStatus.RECLAIMED, "restore")
        self.status, self.noticed_at, self.reclaimed_at = SeatStatus.ASSIGNED, None, None

    def reassign(self, at: dt.datetime) -> None:
        """Assign again a seat that was released on purpose; a fresh start."""
        self._require(SeatStatus.UNASSIGNED, "assign")
        self.status, self.assigned_at = SeatStatus.ASSIGNED, at
        self.last_active_at = self.noticed_at = self.reclaimed_at = None

    def unassign(self, at: dt.datetime) -> None:
        if not self.occupying:
            raise TransitionNotAllowed(f"{self.user} holds no seat", field="user")
        self.status, self.noticed_at = SeatStatus.UNASSIGNED, None

    def as_dict(self) -> JsonObject:
        return {
            "subscription_id": self.subscription_id,
            "user": self.user,
            "status": self.status.value,
            "assigned_at": to_iso(self.assigned_at),
            "last_active_at": _iso(self.last_active_at),
            "noticed_at": _iso(self.noticed_at),
            "reclaimed_at": _iso(self.reclaimed_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Seat:
        return cls(
            subscription_id=str(data["subscription_id"]),
            user=str(data["user"]),
            status=SeatStatus(data["status"]),
            assigned_at=from_iso(data["assigned_at"]),
            last_active_at=_parse(data.get("last_active_at")),
            noticed_at=_parse(data.get("noticed_at")),
            reclaimed_at=_parse(data.get("reclaimed_at")),
        )

    def _require(self, status: SeatStatus, what: str) -> None:
        if self.status is not status:
            raise TransitionNotAllowed(
                f"cannot {what} the seat of {self.user}: it is {self.status.value}", field="user"
            )


@dataclass(frozen=True, slots=True)
class DormantSeat:
    """A line of the dormant-seat report."""

    user: str
    status: SeatStatus
    last_seen: dt.datetime
    idle_days: int

    def as_dict(self) -> JsonObject:
        return {
            "user": self.user,
            "status": self.status.value,
            "last_seen": to_iso(self.last_seen),
            "idle_days": self.idle_days,
        }


def dormant_seats(seats: Iterable[Seat], at: dt.datetime, days: int) -> list[DormantSeat]:
    """Occupied seats with no activity for at least ``days`` days before ``at``, idlest first."""
    if days < 1:
        raise InvalidInput("dormant days must be at least 1", field="days")
    report = [
        DormantSeat(seat.user, seat.status, seat.last_seen(), (at - seat.last_seen()).days)
        for seat in seats
        if seat.occupying and at - seat.last_seen() >= dt.timedelta(days=days)
    ]
    return sorted(report, key=lambda line: (-line.idle_days, line.user))


def occupied(seats: Iterable[Seat]) -> int:
    """How many of the subscription's seats are taken."""
    return sum(1 for seat in seats if seat.occupying)


def _iso(moment: dt.datetime | None) -> str | None:
    return to_iso(moment) if moment else None


def _parse(text: object) -> dt.datetime | None:
    return from_iso(str(text)) if text else None
