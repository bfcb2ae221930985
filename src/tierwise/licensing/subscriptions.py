"""The subscription aggregate: an account's license and the only legal ways to change it.

Every method is one transition. It checks that the current state allows it (otherwise
``TransitionNotAllowed``), changes the state, bumps :attr:`Subscription.version` and appends a
:class:`~tierwise.licensing.events.DomainEvent`. Money and calendar arithmetic happen outside
(the quote engine, the period functions): methods receive the resulting instants and quote.

State machine (statuses)::

    active ──start_trial──► trialing ──convert / revert / end──► active
    active|trialing ──suspend──► suspended ──reinstate──► (status before)
    active|trialing|suspended ──revoke──► canceled ──restore (within window)──► (status before)
    active|trialing|suspended ──cancel──► canceled
    active|trialing|suspended ──term ends without renewal──► expired ──renew──► active

A renewal committed while the term runs (:meth:`Subscription.commit_renewal`) waits in
``renewal`` and starts the next term when the current one ends; ``renewals`` counts the terms
renewed so far (a renewal term earns the catalog's loyalty discount when it is long enough).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tierwise.errors import InvalidInput, TransitionNotAllowed
from tierwise.licensing.events import DomainEvent, EventType, Json, JsonObject
from tierwise.licensing.terms import (
    ChangeKind,
    Renewal,
    Revocation,
    ScheduledChange,
    SubscriptionStatus,
    Suspension,
    Terms,
    Trial,
)
from tierwise.licensing.timestamps import day_start, from_iso, to_iso
from tierwise.pricing.periods import BillingPeriod

__all__ = ["Due", "Subscription"]

_S = SubscriptionStatus


class Due(StrEnum):
    """Kinds of time-driven transitions that ``tick`` carries out."""

    SCHEDULED_CHANGE = "scheduled_change"
    TRIAL_END = "trial_end"
    REVOCATION_FINAL = "revocation_final"
    TERM_END = "term_end"
    PERIOD_END = "period_end"


#: At equal instants: apply the scheduled change first, then end the trial, then the rest.
_DUE_ORDER = list(Due)
_IN_FORCE = frozenset({_S.ACTIVE, _S.TRIALING, _S.SUSPENDED})


@dataclass(eq=False)
class Subscription:
    """An account's subscription (license). Mutate it only through its transition methods."""

    id: str
    account_id: str
    terms: Terms
    currency: str
    status: SubscriptionStatus
    period_start: dt.date
    period_end: dt.date
    billing_anchor_day: int
    term_start: dt.date
    term_end: dt.date
    catalog_version: str
    created_at: dt.datetime
    auto_renew: bool = True
    settings: dict[str, str] = field(default_factory=dict)
    pending_change: ScheduledChange | None = None
    trial: Trial | None = None
    last_trial_at: dt.datetime | None = None
    suspension: Suspension | None = None
    revocation: Revocation | None = None
    canceled_at: dt.datetime | None = None
    renewal: Renewal | None = None
    renewals: int = 0
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def effective_plan(self) -> str:
        """The plan whose entitlements apply now: the trial plan during a trial."""
        return self.trial.plan if self.trial else self.terms.plan

    @property
    def in_force(self) -> bool:
        """True while the contract runs (active, trialing or suspended)."""
        return self.status in _IN_FORCE

    def due(self) -> list[tuple[dt.datetime, Due]]:
        """Everything waiting for a moment in time, in the order ``tick`` must handle it."""
        items: list[tuple[dt.datetime, Due]] = []
        if self.pending_change is not None and self.in_force:
            items.append((self.pending_change.effective_at, Due.SCHEDULED_CHANGE))
        if self.trial is not None:
            items.append((self.trial.ends_at, Due.TRIAL_END))
        if self.revocation is not None and not self.revocation.final:
            items.append((self.revocation.reversible_until, Due.REVOCATION_FINAL))
        if self.in_force:
            items.append((day_start(self.term_end), Due.TERM_END))
            items.append((day_start(self.period_end), Due.PERIOD_END))
        return sorted(items, key=lambda item: (item[0], _DUE_ORDER.index(item[1])))

    @property
    def next_due_at(self) -> dt.datetime | None:
        """The earliest moment something is due (stored and indexed, so ``tick`` is cheap)."""
        items = self.due()
        return items[0][0] if items else None

    def next_due(self, at: dt.datetime) -> tuple[dt.datetime, Due] | None:
        """The first thing due at or before ``at``, or ``None`` when nothing is."""
        items = self.due()
        return items[0] if items and items[0][0] <= at else None

    def pull_events(self) -> list[DomainEvent]:
        """The events appended since the last pull (the service layer puts them in the outbox)."""
        events, self.events = self.events, []
        return events

    # -- creating ----------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        *,
        id: str,
        account_id: str,
        terms: Terms,
        currency: str,
        period: BillingPeriod,
        term: BillingPeriod,
        catalog_version: str,
        at: dt.datetime,
        settings: Mapping[str, str] | None = None,
        auto_renew: bool = True,
    ) -> Subscription:
        """A new active subscription whose first period and contract term start together."""
        subscription = cls(
            id=id,
            account_id=account_id,
            terms=terms,
            currency=currency,
            status=_S.ACTIVE,
            period_start=period.start,
            period_end=period.end,
            billing_anchor_day=period.anchor_day,
            term_start=term.start,
            term_end=term.end,
            catalog_version=catalog_version,
            created_at=at,
            auto_renew=auto_renew,
            settings=dict(settings or {}),
        )
        subscription._emit(EventType.SUBSCRIPTION_CREATED, at, terms=terms.as_dict())
        return subscription

    # -- changes of terms ----------------------------------------------------------------------
    def change_now(
        self,
        terms: Terms,
        at: dt.datetime,
        *,
        period: BillingPeriod | None = None,
        term: BillingPeriod | None = None,
    ) -> None:
        """Apply new terms at once (IMMEDIATE timing). Supersedes a scheduled change."""
        self._require({_S.ACTIVE, _S.TRIALING}, "change")
        before = self.terms
        self.terms = terms
        self.pending_change = None
        self._move_period(period, term)
        self._emit(
            EventType.SUBSCRIPTION_CHANGED, at, before=before.as_dict(), after=terms.as_dict()
        )

    def schedule(self, change: ScheduledChange, at: dt.datetime) -> None:
        """Schedule a change or a cancellation (END_OF_TERM); it replaces any earlier one."""
        self._require({_S.ACTIVE, _S.TRIALING}, "schedule a change to")
        if change.effective_at <= at:
            raise InvalidInput("a scheduled change must take effect after it is requested")
        self.pending_change = change
        self._emit(EventType.CHANGE_SCHEDULED, at, change=_scheduled(change))

    def undo_scheduled_change(self, at: dt.datetime) -> ScheduledChange:
        """Drop the scheduled change before it takes effect; returns what was undone."""
        change = self.pending_change
        if change is None:
            raise TransitionNotAllowed("there is no scheduled change to undo", field="subscription")
        if change.effective_at <= at:
            raise TransitionNotAllowed("the scheduled change has already taken effect")
        self.pending_change = None
        self._emit(EventType.SCHEDULED_CHANGE_UNDONE, at, change=_scheduled(change))
        return change

    def apply_scheduled_change(
        self,
        at: dt.datetime,
        *,
        period: BillingPeriod | None = None,
        term: BillingPeriod | None = None,
    ) -> ScheduledChange:
        """Carry out the scheduled change whose time has come (``tick``)."""
        change = self.pending_change
        if change is None or change.effective_at > at:
            raise TransitionNotAllowed("no scheduled change is due", field="subscription")
        self._require(_IN_FORCE, "apply a scheduled change to")
        if change.kind is ChangeKind.CANCEL:
            self._end(_S.CANCELED, change.effective_at, EventType.CANCELED, scheduled=True)
            self.canceled_at = change.effective_at
            return change
        assert change.terms is not None
        before = self.terms
        self.terms = change.terms
        self.pending_change = None
        self._move_period(period, term)
        self._emit(
            EventType.SUBSCRIPTION_CHANGED,
            change.effective_at,
            before=before.as_dict(),
            after=change.terms.as_dict(),
            scheduled=True,
        )
        return change

    # -- trials ------------------------------------------------------------------------------------
    def start_trial(
        self, plan: str, at: dt.datetime, ends_at: dt.datetime, *, convert_at_end: bool = False
    ) -> None:
        """Raise entitlements to ``plan`` until ``ends_at``; the paid terms stay as they are."""
        self._require({_S.ACTIVE}, "start a trial on")
        if plan == self.terms.plan:
            raise InvalidInput(f"the subscription is already on {plan!r}", field="plan")
        if ends_at <= at:
            raise InvalidInput("a trial must end after it starts", field="ends_at")
        self.trial = Trial(plan=plan, started_at=at, ends_at=ends_at, convert_at_end=convert_at_end)
        self.last_trial_at = at
        self.status = _S.TRIALING
        self._emit(EventType.TRIAL_STARTED, at, trial=self.trial.as_dict(), paid=self.terms.plan)

    def convert_trial(
        self,
        terms: Terms,
        at: dt.datetime,
        *,
        period: BillingPeriod | None = None,
        term: BillingPeriod | None = None,
    ) -> None:
        """Make the trial plan the paid plan (``terms`` carry it); supersedes a scheduled change."""
        trial = self._running_trial()
        if terms.plan != trial.plan:
            raise InvalidInput("a trial converts to the plan that was tried", field="plan")
        before = self.terms
        self.terms = terms
        self.trial = None
        self.pending_change = None
        self._leave_trial()
        self._move_period(period, term)
        self._emit(EventType.TRIAL_CONVERTED, at, before=before.as_dict(), after=terms.as_dict())

    def revert_trial(self, at: dt.datetime) -> None:
        """End the trial; the paid terms, settings and everything else are as before it."""
        trial = self._running_trial()
        self.trial = None
        self._leave_trial()
        self._emit(EventType.TRIAL_REVERTED, at, trial=trial.as_dict(), plan=self.terms.plan)

    # -- suspension, revocation, cancellation ----------------------------------------------------
    def suspend(self, reason: str, at: dt.datetime) -> None:
        self._require({_S.ACTIVE, _S.TRIALING}, "suspend")
        self.suspension = Suspension(reason=reason, at=at, status_before=self.status)
        self.status = _S.SUSPENDED
        self._emit(EventType.SUSPENDED, at, reason=reason)

    def reinstate(self, at: dt.datetime) -> None:
        self._require({_S.SUSPENDED}, "reinstate")
        assert self.suspension is not None
        self.status = self.suspension.status_before
        self.suspension = None
        self._emit(EventType.REINSTATED, at, status=self.status.value)

    def revoke(self, reason: str, at: dt.datetime, reversible_until: dt.datetime) -> None:
        """Take the license away now; :meth:`restore` undoes it until ``reversible_until``."""
        self._require(_IN_FORCE, "revoke")
        self.revocation = Revocation(
            reason=reason, at=at, reversible_until=reversible_until, status_before=self.status
        )
        self.status = _S.CANCELED
        self._emit(EventType.REVOKED, at, reason=reason, reversible_until=to_iso(reversible_until))

    def restore(self, at: dt.datetime) -> None:
        revocation = self.revocation
        if revocation is None or revocation.final or at >= revocation.reversible_until:
            raise TransitionNotAllowed(
                "only a revocation still inside its reversal window can be restored",
                field="subscription",
            )
        self.status = revocation.status_before
        self.revocation = None
        self._emit(EventType.RESTORED, at, status=self.status.value)

    def finalize_revocation(self, at: dt.datetime) -> None:
        revocation = self.revocation
        if revocation is None or revocation.final or at < revocation.reversible_until:
            raise TransitionNotAllowed("no revocation is waiting to become final")
        self.revocation = Revocation(
            reason=revocation.reason,
            at=revocation.at,
            reversible_until=revocation.reversible_until,
            status_before=revocation.status_before,
            final=True,
        )
        self._emit(EventType.REVOCATION_FINALIZED, revocation.reversible_until)

    def cancel(self, reason: str, at: dt.datetime) -> None:
        """Cancel at once; a running trial and a scheduled change end with it."""
        self._require(_IN_FORCE, "cancel")
        self._end(_S.CANCELED, at, EventType.CANCELED, reason=reason)
        self.canceled_at = at

    # -- periods and terms -----------------------------------------------------------------------
    def start_next_period(self, period: BillingPeriod) -> None:
        """Roll into the next billing period (``tick``), which starts where the last one ended."""
        self._require(_IN_FORCE, "start a period of")
        if period.start != self.period_end:
            raise InvalidInput("the next period starts where the current one ends")
        start, period_end = period.start, period.end
        self._move_period(period, None)
        self._emit(
            EventType.PERIOD_STARTED,
            day_start(start),
            period_start=start.isoformat(),
            period_end=period_end.isoformat(),
        )

    def commit_renewal(self, renewal: Renewal, at: dt.datetime) -> None:
        """Commit to the next term, which starts when the current one ends (replaces any other).

        The current term keeps its terms and price lock to its end; :meth:`renew` carries the
        commitment out then (``tick``).
        """
        self._require(_IN_FORCE, "commit the renewal of")
        if day_start(self.term_end) <= at:
            raise TransitionNotAllowed("the term has already ended", field="term_end")
        self.renewal = renewal
        self._emit(
            EventType.RENEWAL_COMMITTED,
            at,
            term_start=self.term_end.isoformat(),
            term_years=renewal.term_years,
            catalog_version=renewal.catalog_version,
        )

    def renew(
        self,
        at: dt.datetime,
        *,
        term: BillingPeriod,
        period: BillingPeriod | None = None,
        term_years: int | None = None,
        catalog_version: str | None = None,
        bundle_ended: bool = False,
    ) -> None:
        """Start the next contract ``term`` (start, end); an expired subscription reactivates.

        ``catalog_version`` is the price lock of the new term (the old one when not given); a
        committed renewal is used up. ``bundle_ended``: the new term's catalog no longer sells
        the terms' bundle whole, so the parts renew one by one.
        """
        self._require(_IN_FORCE | {_S.EXPIRED}, "renew")
        if term.end <= self.term_end:
            raise InvalidInput("a renewal must extend the term", field="term_end")
        if term_years is not None:
            self.terms = self.terms.with_changes(term_years=term_years)
        if bundle_ended:
            self.terms = self.terms.without_bundle()
        if catalog_version is not None:
            self.catalog_version = catalog_version
        if self.status is _S.EXPIRED:
            self.status = _S.ACTIVE
        self.renewal = None
        self.renewals += 1
        self._move_period(period, term)
        self._emit(
            EventType.RENEWED,
            at,
            term_start=term.start.isoformat(),
            term_end=term.end.isoformat(),
            catalog_version=self.catalog_version,
        )

    def expire(self, at: dt.datetime) -> None:
        """End the subscription at its term end (no renewal)."""
        self._require(_IN_FORCE, "expire")
        if at < day_start(self.term_end):
            raise TransitionNotAllowed("the term has not ended yet")
        self._end(_S.EXPIRED, day_start(self.term_end), EventType.EXPIRED)

    # -- what belongs to the license -------------------------------------------------------------
    def attach(self, event: EventType, at: dt.datetime, **data: Json) -> None:
        """Record a change to something this license owns (a named seat, a grant).

        It bumps the version like any transition, so two concurrent seat assignments cannot
        both take the last free seat, and cached entitlement snapshots see the change.
        """
        self._require(_IN_FORCE, "change the seats or grants of")
        self._emit(event, at, **data)

    # -- snapshots -------------------------------------------------------------------------------
    def snapshot(self) -> JsonObject:
        """The whole state as JSON-ready data (history before/after, fakes, ``account show``)."""
        return {
            "id": self.id,
            "account_id": self.account_id,
            "terms": self.terms.as_dict(),
            "currency": self.currency,
            "status": self.status.value,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "billing_anchor_day": self.billing_anchor_day,
            "term_start": self.term_start.isoformat(),
            "term_end": self.term_end.isoformat(),
            "catalog_version": self.catalog_version,
            "created_at": to_iso(self.created_at),
            "auto_renew": self.auto_renew,
            "settings": dict(self.settings),
            "pending_change": self.pending_change.as_dict() if self.pending_change else None,
            "trial": self.trial.as_dict() if self.trial else None,
            "last_trial_at": to_iso(self.last_trial_at) if self.last_trial_at else None,
            "suspension": self.suspension.as_dict() if self.suspension else None,
            "revocation": self.revocation.as_dict() if self.revocation else None,
            "canceled_at": to_iso(self.canceled_at) if self.canceled_at else None,
            "renewal": self.renewal.as_dict() if self.renewal else None,
            "renewals": self.renewals,
            "version": self.version,
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Subscription:
        def maybe(key: str) -> Any:
            return data.get(key)

        return cls(
            id=str(data["id"]),
            account_id=str(data["account_id"]),
            terms=Terms.from_dict(data["terms"]),
            currency=str(data["currency"]),
            status=SubscriptionStatus(data["status"]),
            period_start=dt.date.fromisoformat(data["period_start"]),
            period_end=dt.date.fromisoformat(data["period_end"]),
            billing_anchor_day=int(data["billing_anchor_day"]),
            term_start=dt.date.fromisoformat(data["term_start"]),
            term_end=dt.date.fromisoformat(data["term_end"]),
            catalog_version=str(data["catalog_version"]),
            created_at=from_iso(data["created_at"]),
            auto_renew=bool(data.get("auto_renew", True)),
            settings={str(k): str(v) for k, v in (maybe("settings") or {}).items()},
            pending_change=ScheduledChange.from_dict(c) if (c := maybe("pending_change")) else None,
            trial=Trial.from_dict(t) if (t := maybe("trial")) else None,
            last_trial_at=from_iso(x) if (x := maybe("last_trial_at")) else None,
            suspension=Suspension.from_dict(s) if (s := maybe("suspension")) else None,
            revocation=Revocation.from_dict(r) if (r := maybe("revocation")) else None,
            canceled_at=from_iso(x) if (x := maybe("canceled_at")) else None,
            renewal=Renewal.from_dict(r) if (r := maybe("renewal")) else None,
            renewals=int(data.get("renewals") or 0),
            version=int(data.get("version", 1)),
        )

    # -- internals -------------------------------------------------------------------------------
    def _require(
        self, allowed: set[SubscriptionStatus] | frozenset[SubscriptionStatus], what: str
    ) -> None:
        if self.status not in allowed:
            names = ", ".join(sorted(s.value for s in allowed))
            raise TransitionNotAllowed(
                f"cannot {what} a {self.status.value} subscription (allowed from: {names})",
                field="status",
            )

    def _running_trial(self) -> Trial:
        if self.trial is None:
            raise TransitionNotAllowed("there is no running trial", field="trial")
        return self.trial

    def _leave_trial(self) -> None:
        if self.status is _S.TRIALING:
            self.status = _S.ACTIVE
        elif self.suspension is not None and self.suspension.status_before is _S.TRIALING:
            self.suspension = Suspension(self.suspension.reason, self.suspension.at, _S.ACTIVE)

    def _move_period(self, period: BillingPeriod | None, term: BillingPeriod | None) -> None:
        if term is not None:
            # a new contract term replaces whatever was committed to follow the old one
            self.renewal = None
            self.term_start, self.term_end = term.start, term.end
        if period is not None:
            self.period_start, self.period_end = period.start, period.end
            self.billing_anchor_day = period.anchor_day

    def _end(
        self, status: SubscriptionStatus, at: dt.datetime, event: EventType, **data: Json
    ) -> None:
        self.status = status
        self.trial = None
        self.pending_change = None
        self.suspension = None
        self.renewal = None
        self._emit(event, at, **data)

    def _emit(self, event: EventType, at: dt.datetime, **data: Json) -> None:
        self.version += 1 if event is not EventType.SUBSCRIPTION_CREATED else 0
        self.events.append(DomainEvent(event, self.id, self.account_id, at, data))


def _scheduled(change: ScheduledChange) -> JsonObject:
    return {
        "kind": change.kind.value,
        "effective_at": to_iso(change.effective_at),
        "terms": change.terms.as_dict() if change.terms else None,
    }
