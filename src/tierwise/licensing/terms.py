"""Value objects of a subscription: what is sold (terms) and the states it can be in.

``Terms`` is the part of a subscription a customer buys: plan, billing interval, seats, add-ons,
contract term and the catalog bundle the plan and add-ons were bought as (if any). The other
values record a state that can be undone: a scheduled change (undone until it takes effect), a
trial (reverted or converted), a suspension and a revocation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from tierwise.catalog.model import BillingInterval
from tierwise.errors import InvalidInput
from tierwise.licensing.events import Json, JsonObject
from tierwise.licensing.timestamps import from_iso, to_iso

__all__ = [
    "ChangeKind",
    "Renewal",
    "Revocation",
    "ScheduledChange",
    "SubscriptionStatus",
    "Suspension",
    "Terms",
    "Trial",
]


class SubscriptionStatus(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELED = "canceled"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Terms:
    """Plan, interval, seats, add-ons (sorted, no duplicates) and contract term in years.

    ``bundle`` names the catalog bundle the plan and add-ons were bought as (``None``: bought one
    by one); it earns the bundle's discount while the terms hold all its parts. Whether the
    bundle exists and is whole is a catalog question, checked where the terms are priced.
    """

    plan: str
    interval: BillingInterval
    seats: int
    add_ons: tuple[str, ...] = ()
    term_years: int = 1
    bundle: str | None = None

    def __post_init__(self) -> None:
        if self.seats < 1:
            raise InvalidInput(f"seats must be at least 1, got {self.seats}", field="seats")
        if self.term_years < 1:
            raise InvalidInput("term_years must be at least 1", field="term_years")
        if self.bundle is not None and not self.bundle.strip():
            raise InvalidInput("bundle must name a catalog bundle", field="bundle")
        object.__setattr__(self, "add_ons", tuple(sorted(set(self.add_ons))))

    def with_changes(
        self,
        *,
        plan: str | None = None,
        interval: BillingInterval | None = None,
        seats: int | None = None,
        add_ons: Iterable[str] | None = None,
        term_years: int | None = None,
    ) -> Terms:
        """These terms with the given fields replaced (``None`` keeps a field; the bundle stays)."""
        return replace(
            self,
            plan=self.plan if plan is None else plan,
            interval=self.interval if interval is None else interval,
            seats=self.seats if seats is None else seats,
            add_ons=self.add_ons if add_ons is None else tuple(add_ons),
            term_years=self.term_years if term_years is None else term_years,
        )

    def without_bundle(self) -> Terms:
        """These terms bought one by one (the bundle, and its discount, ended)."""
        return replace(self, bundle=None)

    def as_dict(self) -> JsonObject:
        """The terms as JSON; ``bundle`` only when there is one (history stays as it was)."""
        data: dict[str, Json] = {
            "plan": self.plan,
            "interval": self.interval.value,
            "seats": self.seats,
            "add_ons": list(self.add_ons),
            "term_years": self.term_years,
        }
        if self.bundle is not None:
            data["bundle"] = self.bundle
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Terms:
        return cls(
            plan=str(data["plan"]),
            interval=BillingInterval(data["interval"]),
            seats=int(data["seats"]),
            add_ons=tuple(str(a) for a in data.get("add_ons", ())),
            term_years=int(data.get("term_years", 1)),
            bundle=str(bundle) if (bundle := data.get("bundle")) is not None else None,
        )


class ChangeKind(StrEnum):
    CHANGE = "change"  # new terms
    CANCEL = "cancel"  # cancellation at the end of the period


@dataclass(frozen=True, slots=True)
class ScheduledChange:
    """A change that takes effect later (END_OF_TERM timing) and can be undone until then."""

    kind: ChangeKind
    effective_at: dt.datetime
    requested_at: dt.datetime
    terms: Terms | None = None  # the new terms of a CHANGE; None for a CANCEL
    anchor_day: int | None = None  # billing anchor from the effective day on
    term_start: dt.date | None = None  # contract term start from the effective day on
    quote: JsonObject | None = None  # the quote that priced it, as shown to the customer

    def as_dict(self) -> JsonObject:
        return {
            "kind": self.kind.value,
            "effective_at": to_iso(self.effective_at),
            "requested_at": to_iso(self.requested_at),
            "terms": self.terms.as_dict() if self.terms else None,
            "anchor_day": self.anchor_day,
            "term_start": self.term_start.isoformat() if self.term_start else None,
            "quote": self.quote,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScheduledChange:
        terms = data.get("terms")
        return cls(
            kind=ChangeKind(data["kind"]),
            effective_at=from_iso(data["effective_at"]),
            requested_at=from_iso(data["requested_at"]),
            terms=Terms.from_dict(terms) if terms else None,
            anchor_day=data.get("anchor_day"),
            term_start=dt.date.fromisoformat(t) if (t := data.get("term_start")) else None,
            quote=data.get("quote"),
        )


@dataclass(frozen=True, slots=True)
class Renewal:
    """The next contract term, committed before the current one ends.

    The current term keeps its price lock to its end; the next term starts that day, lasts
    ``term_years`` and is priced by ``catalog_version`` (the catalog in effect on its first day
    when it was committed) as ``quote`` says. Committing again replaces it.
    """

    term_years: int
    catalog_version: str
    requested_at: dt.datetime
    quote: JsonObject | None = None

    def __post_init__(self) -> None:
        if self.term_years < 1:
            raise InvalidInput("term_years must be at least 1", field="term_years")

    def as_dict(self) -> JsonObject:
        return {
            "term_years": self.term_years,
            "catalog_version": self.catalog_version,
            "requested_at": to_iso(self.requested_at),
            "quote": self.quote,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Renewal:
        return cls(
            term_years=int(data["term_years"]),
            catalog_version=str(data["catalog_version"]),
            requested_at=from_iso(data["requested_at"]),
            quote=data.get("quote"),
        )


@dataclass(frozen=True, slots=True)
class Trial:
    """A running trial of a higher plan; the paid plan stays in the subscription's terms."""

    plan: str
    started_at: dt.datetime
    ends_at: dt.datetime
    convert_at_end: bool = False

    def as_dict(self) -> JsonObject:
        return {
            "plan": self.plan,
            "started_at": to_iso(self.started_at),
            "ends_at": to_iso(self.ends_at),
            "convert_at_end": self.convert_at_end,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trial:
        return cls(
            plan=str(data["plan"]),
            started_at=from_iso(data["started_at"]),
            ends_at=from_iso(data["ends_at"]),
            convert_at_end=bool(data.get("convert_at_end", False)),
        )


@dataclass(frozen=True, slots=True)
class Suspension:
    """Why and when a subscription was suspended, and the status reinstating returns to."""

    reason: str
    at: dt.datetime
    status_before: SubscriptionStatus

    def as_dict(self) -> JsonObject:
        return {"reason": self.reason, "at": to_iso(self.at), "status_before": self.status_before}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Suspension:
        return cls(
            reason=str(data["reason"]),
            at=from_iso(data["at"]),
            status_before=SubscriptionStatus(data["status_before"]),
        )


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revoked license: reversible until ``reversible_until``, final after that."""

    reason: str
    at: dt.datetime
    reversible_until: dt.datetime
    status_before: SubscriptionStatus
    final: bool = False

    def as_dict(self) -> JsonObject:
        payload: dict[str, Json] = {
            "reason": self.reason,
            "at": to_iso(self.at),
            "reversible_until": to_iso(self.reversible_until),
            "status_before": self.status_before.value,
            "final": self.final,
        }
        return payload

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Revocation:
        return cls(
            reason=str(data["reason"]),
            at=from_iso(data["at"]),
            reversible_until=from_iso(data["reversible_until"]),
            status_before=SubscriptionStatus(data["status_before"]),
            final=bool(data.get("final", False)),
        )
