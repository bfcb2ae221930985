"""Time-driven transitions: what ``tick`` does, and what every command does first.

Before a command changes a subscription at ``at``, and whenever ``tick`` runs, everything due by
then is carried out in time order, each step at its own moment and with its own history entry:
scheduled changes, trial ends (convert or revert), revocations becoming final, term ends (renew
or expire) and billing periods rolling over. Running it again finds nothing due, so ``tick`` is
idempotent and safe to run every minute.
"""

from __future__ import annotations

import datetime as dt

from tierwise.licensing.events import JsonObject
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.subscriptions import Due, Subscription
from tierwise.licensing.terms import ChangeKind
from tierwise.pricing.periods import billing_period, contract_term
from tierwise.pricing.quotes import ProposedChange
from tierwise.services.commands import Command
from tierwise.services.context import LedgerContext
from tierwise.services.ports import UnitOfWork
from tierwise.services.quoting import (
    period_after,
    quote_for,
    renewal_bundle,
    renewal_quote,
    terms_after,
)
from tierwise.services.recording import record

__all__ = ["TICK_ACTOR", "bring_up_to_date"]

#: Actor of the history entries written by time-driven steps.
TICK_ACTOR = "tierwise:tick"
#: A guard against a runaway loop (ten years of monthly periods is 120 steps).
_MAX_STEPS = 1000


def bring_up_to_date(
    uow: UnitOfWork,
    context: LedgerContext,
    subscription: Subscription,
    command: Command,
) -> list[HistoryEntry]:
    """Carry out every step due at or before ``command.at``; returns their history entries."""
    entries: list[HistoryEntry] = []
    for _ in range(_MAX_STEPS):
        item = subscription.next_due(command.at)
        if item is None:
            return entries
        moment, kind = item
        before = subscription.snapshot()
        quote, transition, reason = _step(context, subscription, kind, moment)
        entries.append(
            record(
                uow,
                subscription,
                command,
                transition,
                before,
                quote=quote,
                actor=TICK_ACTOR,
                reason=reason,
                at=moment,
            )
        )
    raise RuntimeError(f"subscription {subscription.id} did not settle in {_MAX_STEPS} steps")


def _step(
    context: LedgerContext, subscription: Subscription, kind: Due, moment: dt.datetime
) -> tuple[JsonObject | None, str, str]:
    if kind is Due.SCHEDULED_CHANGE:
        change = subscription.pending_change
        assert change is not None
        if change.kind is ChangeKind.CANCEL:
            subscription.apply_scheduled_change(moment)
            return change.quote, "cancel", "scheduled cancellation took effect"
        assert change.terms is not None
        day = change.effective_at.date()
        period = billing_period(day, change.terms.interval, change.anchor_day)
        term = None
        if change.term_start is not None:
            term = contract_term(change.term_start, change.terms.term_years)
        subscription.apply_scheduled_change(moment, period=period, term=term)
        return change.quote, "change", "scheduled change took effect"
    if kind is Due.TRIAL_END:
        trial = subscription.trial
        assert trial is not None
        if trial.convert_at_end:
            quote = quote_for(context, subscription, ProposedChange(to_plan=trial.plan), moment)
            subscription.convert_trial(terms_after(quote), moment, period=period_after(quote))
            return quote.as_dict(), "trial.convert", "trial ended; converted as agreed"
        subscription.revert_trial(moment)
        return None, "trial.revert", "trial ended"
    if kind is Due.REVOCATION_FINAL:
        subscription.finalize_revocation(moment)
        return None, "revoke.final", "reversal window closed"
    if kind is Due.TERM_END:
        committed = subscription.renewal
        if committed is not None or subscription.auto_renew:
            return _renew(context, subscription, moment)
        subscription.expire(moment)
        return None, "expire", "contract term ended without renewal"
    terms = subscription.terms
    period = billing_period(
        subscription.period_end, terms.interval, subscription.billing_anchor_day
    )
    subscription.start_next_period(period)
    return None, "period", "billing period rolled over"


def _renew(
    context: LedgerContext, subscription: Subscription, moment: dt.datetime
) -> tuple[JsonObject | None, str, str]:
    """Start the next term at the term end: the committed renewal, or the same length again.

    The new term is priced as a renewal under the committed catalog version, or (automatic
    renewal) the version in effect on its first day: the old price lock ends with its term.
    The terms are priced as they are now, so a change made after the commitment is included; a
    bundle that version no longer sells whole ends (its parts renew one by one).
    """
    committed = subscription.renewal
    start = subscription.term_end
    if committed is not None:
        years = committed.term_years
        version = context.catalog.version(committed.catalog_version)
        reason = "committed renewal took effect"
    else:
        years = subscription.terms.term_years
        version = context.catalog.version_at(start)
        reason = "contract term renewed automatically"
    term = contract_term(start, years)
    quote = renewal_quote(version, subscription, years, term=term, effective_at=moment)
    subscription.renew(
        moment,
        term=term,
        term_years=years,
        catalog_version=version.version,
        bundle_ended=renewal_bundle(version, subscription.terms) != subscription.terms.bundle,
    )
    return quote.as_dict(), "renew", reason
