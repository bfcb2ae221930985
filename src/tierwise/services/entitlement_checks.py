"""Entitlements from the ledger: fetch the sources, resolve, check, and record the signals.

"Fetch, then compute": the subscription, its grants and overrides are read in one unit of work
and handed to the pure resolver (:mod:`tierwise.licensing.entitlements`). A check that says no
records a ``denied`` signal; the first check of a billing period that lands in the soft-limit
zone (or the grace band) records a ``soft_limit`` signal. The decisioning reads these signals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tierwise.catalog.model import Entitlement
from tierwise.errors import InvalidInput, NotFound, TransitionNotAllowed
from tierwise.licensing.entitlement_sources import checked_value
from tierwise.licensing.entitlements import (
    CheckDecision,
    EntitlementSnapshot,
    EntitlementSources,
    Grant,
    Override,
    check,
    resolve_entitlements,
)
from tierwise.licensing.events import EventType, JsonObject
from tierwise.licensing.subscriptions import Subscription
from tierwise.licensing.terms import SubscriptionStatus
from tierwise.licensing.timestamps import day_start, to_iso
from tierwise.services.accounts import require_account
from tierwise.services.commands import EndEntitlement, GrantEntitlement, OverrideEntitlement
from tierwise.services.context import LedgerContext
from tierwise.services.loading import finish, load
from tierwise.services.ports import SignalRecord, UnitOfWork
from tierwise.services.quoting import price_lock
from tierwise.services.receipts import Receipt

__all__ = [
    "DENIED",
    "SOFT_LIMIT",
    "check_entitlement",
    "end_entitlement",
    "entry_dict",
    "grant_entitlement",
    "in_force",
    "list_entries",
    "override_entitlement",
    "resolve_account",
    "sources_of",
]

DENIED = "denied"
SOFT_LIMIT = "soft_limit"


def sources_of(
    uow: UnitOfWork, context: LedgerContext, subscription: Subscription
) -> EntitlementSources:
    """Everything the subscription's entitlements are resolved from, versioned by it."""
    trial = subscription.trial
    return EntitlementSources(
        catalog=price_lock(context, subscription),
        plan=subscription.terms.plan,
        add_ons=subscription.terms.add_ons,
        trial_plan=trial.plan if trial else None,
        trial_ends=trial.ends_at if trial else None,
        grants=tuple(uow.grants.grants(subscription.account_id)),
        overrides=tuple(uow.grants.overrides(subscription.account_id)),
        suspended=subscription.status is SubscriptionStatus.SUSPENDED,
        currency=subscription.currency,
        seats=subscription.terms.seats,
        version=subscription.version,
    )


def in_force(uow: UnitOfWork, reference: str) -> Subscription:
    """The account's subscription in force (``NotFound`` when it has none)."""
    account = require_account(uow, reference)
    for subscription in uow.subscriptions.for_account(account.id):
        if subscription.in_force:
            return subscription
    raise NotFound(f"account {reference!r} has no subscription in force", field="account")


def resolve_account(
    uow: UnitOfWork, context: LedgerContext, reference: str, at: dt.datetime
) -> EntitlementSnapshot:
    """The account's entitlements at ``at`` (its subscription in force)."""
    subscription = in_force(uow, reference)
    return resolve_entitlements(sources_of(uow, context, subscription), at)


def check_entitlement(
    uow: UnitOfWork,
    context: LedgerContext,
    reference: str,
    feature: str,
    at: dt.datetime,
    *,
    usage: int = 0,
    requested: int = 1,
) -> CheckDecision:
    """Check one request and record the signal it gives, if any (commit the unit afterwards)."""
    subscription = in_force(uow, reference)
    snapshot = resolve_entitlements(sources_of(uow, context, subscription), at)
    decision = check(snapshot, feature, usage, requested)
    kind = None
    if not decision.allowed:
        kind = DENIED
    elif decision.in_soft_limit_zone or decision.in_grace_band:
        period_start = day_start(subscription.period_start)
        earlier = [
            s
            for s in uow.signals.for_account(subscription.account_id)
            if s.feature == feature and s.kind == SOFT_LIMIT and s.at >= period_start
        ]
        kind = None if earlier else SOFT_LIMIT
    if kind is not None:
        uow.signals.record(
            SignalRecord(
                account_id=subscription.account_id,
                feature=feature,
                kind=kind,
                at=at,
                details={
                    "reason": decision.reason.value,
                    "limit": decision.limit,
                    "usage": decision.usage,
                    "requested": requested,
                    "subscription_id": subscription.id,
                    "upsell": decision.upsell.key if decision.upsell else None,
                },
            )
        )
    return decision


def _feature(context: LedgerContext, subscription: Subscription, feature: str) -> str:
    version = price_lock(context, subscription)
    if feature not in version.features:
        known = ", ".join(version.features)
        raise InvalidInput(f"unknown feature {feature!r} (features: {known})", field="feature")
    return feature


def _fitting(
    context: LedgerContext, subscription: Subscription, feature: str, value: Entitlement
) -> Entitlement:
    """``value`` if the feature takes it (a number or unlimited for limits, true or false for
    booleans): refused here, it can never break a later resolution of the account."""
    features = price_lock(context, subscription).features
    return checked_value(features[feature], value, "value")


def grant_entitlement(
    command: GrantEntitlement, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    subscription = load(uow, context, command)
    feature = _feature(context, subscription, command.feature)
    grant = Grant(
        feature=feature,
        value=_fitting(context, subscription, feature, command.value),
        starts=command.starts,
        ends=command.ends,
        reason=command.reason,
    )
    before = subscription.snapshot()
    grant = replace(grant, id=uow.grants.add_grant(subscription.account_id, grant))
    subscription.attach(
        EventType.GRANT_ADDED,
        command.at,
        feature=grant.feature,
        value=_value(grant.value),
        starts=to_iso(grant.starts),
        ends=to_iso(grant.ends),
    )
    return finish(uow, subscription, command, "grant", before, extra={"grant": entry_dict(grant)})


def override_entitlement(
    command: OverrideEntitlement, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    subscription = load(uow, context, command)
    feature = _feature(context, subscription, command.feature)
    override = Override(
        feature=feature,
        value=_fitting(context, subscription, feature, command.value),
        reason=command.reason,
        starts=command.starts,
        ends=command.ends,
    )
    before = subscription.snapshot()
    override = replace(override, id=uow.grants.add_override(subscription.account_id, override))
    subscription.attach(
        EventType.OVERRIDE_ADDED, command.at, feature=override.feature, value=_value(override.value)
    )
    extra: JsonObject = {"override": entry_dict(override)}
    return finish(uow, subscription, command, "override", before, extra=extra)


def end_entitlement(command: EndEntitlement, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    """End a grant or override at ``at`` (withdraw it if it has not started): history + event."""
    subscription = load(uow, context, command)
    account_id = subscription.account_id
    entries: list[Grant | Override] = [*uow.grants.grants(account_id)]
    entries += uow.grants.overrides(account_id)
    entry = next((e for e in entries if e.id == command.entry_id), None)
    if entry is None:
        raise NotFound(
            f"no grant or override {command.entry_id} on account {account_id}", field="entry_id"
        )
    if entry.ends is not None and entry.ends <= command.at:
        raise TransitionNotAllowed(
            f"{_kind(entry)} {command.entry_id} already ended at {to_iso(entry.ends)}",
            field="entry_id",
        )
    before = subscription.snapshot()
    uow.grants.end(account_id, command.entry_id, command.at)
    withdrawn = entry.starts is not None and entry.starts >= command.at
    kind = _kind(entry)
    subscription.attach(
        EventType.GRANT_ENDED if kind == "grant" else EventType.OVERRIDE_ENDED,
        command.at,
        id=command.entry_id,
        feature=entry.feature,
        value=_value(entry.value),
        ended=to_iso(command.at),
        withdrawn=withdrawn,
    )
    ended = entry_dict(entry) | {"withdrawn": withdrawn}
    if not withdrawn:
        ended["ends"] = to_iso(command.at)
    extra: JsonObject = {"ended": ended}
    return finish(uow, subscription, command, f"{kind}.end", before, extra=extra)


def list_entries(
    uow: UnitOfWork, reference: str, at: dt.datetime, *, ended: bool = False
) -> list[JsonObject]:
    """The account's grants and overrides with their ``status`` at ``at`` (active, upcoming,
    ended), in the order they were given; ended ones only when ``ended``."""
    account = require_account(uow, reference)
    entries: list[Grant | Override] = [*uow.grants.grants(account.id)]
    entries += uow.grants.overrides(account.id)
    listed: list[JsonObject] = []
    for entry in sorted(entries, key=lambda e: e.id or 0):
        status = _status(entry, at)
        if ended or status != "ended":
            listed.append(entry_dict(entry) | {"status": status})
    return listed


def _status(entry: Grant | Override, at: dt.datetime) -> str:
    if entry.ends is not None and entry.ends <= at:
        return "ended"
    if entry.starts is not None and entry.starts > at:
        return "upcoming"
    return "active"


def entry_dict(entry: Grant | Override) -> JsonObject:
    """A grant or override as JSON-ready data (listings, receipts)."""
    return {
        "id": entry.id,
        "kind": _kind(entry),
        "feature": entry.feature,
        "value": _value(entry.value),
        "starts": to_iso(entry.starts) if entry.starts is not None else None,
        "ends": to_iso(entry.ends) if entry.ends is not None else None,
        "reason": entry.reason,
    }


def _kind(entry: Grant | Override) -> str:
    return "grant" if isinstance(entry, Grant) else "override"


def _value(value: Entitlement) -> bool | int | str:
    return value
