"""The ledger read in bulk for the decisioning, and one account's live counters for real time.

:func:`read_ledger` turns the SQL store into what the signals need — one license row per account
with a subscription in force, its entitlement profile, and the recorded paywall signals — with a
handful of set-based queries, not one query per account. Entitlements are resolved by the
licensing core (:func:`~tierwise.licensing.entitlements.resolve_entitlements`) from the same
sources the ledger's checks use; accounts whose sources are equal share one resolution.

:class:`SqlLiveCounters` answers the real-time path: the account's subscription now, its paywall
signals since the last decide run, its current gauges and its offer outcomes, in two
indexed reads with statements built once.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, func, literal_column, select, union_all

from tierwise.adapters.analytics.ledger import (
    EntitlementRow,
    LicenseRow,
    PaywallRow,
    entitlement_rows,
)
from tierwise.adapters.sql import tables as t
from tierwise.adapters.sql.decision_tables import offer_outcomes
from tierwise.adapters.sql.driver_statements import DriverCursor, DriverStatement
from tierwise.adapters.sql.engine import reading
from tierwise.adapters.sql.gauges import gauges as gauge_table
from tierwise.adapters.sql.rows import grant_from_row, override_from_row, subscription_from_row
from tierwise.catalog.versions import Catalog
from tierwise.errors import InvalidInput
from tierwise.licensing.entitlements import (
    EntitlementSnapshot,
    EntitlementSources,
    Grant,
    Override,
    resolve_entitlements,
)
from tierwise.licensing.subscriptions import Subscription
from tierwise.licensing.terms import SubscriptionStatus, Terms
from tierwise.pricing.quotes import CurrentSubscription
from tierwise.pricing.recurring import Configuration, price_configuration
from tierwise.services.decision_ports import AccountRecord, LiveAccount, LiveCounters
from tierwise.services.quoting import current_of

__all__ = ["IN_FORCE_STATUSES", "LedgerRead", "SqlLiveCounters", "live_record", "read_ledger"]

_HELD = ("assigned", "noticed")
#: Paywall signals older than this before ``as_of`` cannot count in any signal window.
_PAYWALL_LOOKBACK = dt.timedelta(days=61)


@dataclass(frozen=True, slots=True)
class LedgerRead:
    records: dict[str, AccountRecord]
    licenses: list[LicenseRow]
    entitlements: list[EntitlementRow]
    paywall: list[PaywallRow]


def _sources(
    catalog: Catalog,
    subscription: Subscription,
    grants: tuple[Grant, ...],
    overrides: tuple[Override, ...],
) -> EntitlementSources:
    trial = subscription.trial
    return EntitlementSources(
        catalog=catalog.version(subscription.catalog_version),
        plan=subscription.terms.plan,
        add_ons=subscription.terms.add_ons,
        trial_plan=trial.plan if trial else None,
        trial_ends=trial.ends_at if trial else None,
        grants=grants,
        overrides=overrides,
        suspended=subscription.status is SubscriptionStatus.SUSPENDED,
        currency=subscription.currency,
        seats=subscription.terms.seats,
        version=0,  # equal sources share one resolution; the version is not an input here
    )


def _grants(engine: Engine) -> tuple[dict[str, list[Grant]], dict[str, list[Override]]]:
    grants: dict[str, list[Grant]] = collections.defaultdict(list)
    overrides: dict[str, list[Override]] = collections.defaultdict(list)
    query = select(t.entitlement_grants).order_by(t.entitlement_grants.c.id)
    with reading(engine).connect() as connection:
        for r in connection.execute(query).mappings():
            if r["kind"] == "grant":
                grants[r["account_id"]].append(grant_from_row(r))
            else:
                overrides[r["account_id"]].append(override_from_row(r))
    return grants, overrides


def _record(account: Mapping[str, object], subscription: Subscription) -> AccountRecord:
    return AccountRecord(
        account_id=str(account["id"]),
        external_id=str(account["external_id"]),
        name=str(account["name"]),
        currency=subscription.currency,
        catalog_version=subscription.catalog_version,
        subscription_id=subscription.id,
        subscription=current_of(subscription),
        owner=None if account["owner"] is None else str(account["owner"]),
    )


def _pays(catalog: Catalog, catalog_version: str, terms: Terms, currency: str) -> bool:
    """Whether the terms cost anything: a free plan (its recurring price zero) has no paid
    contract term, so no renewal is coming for it (``days_to_renewal`` is null). Terms the
    catalog can no longer price are taken as paid, as they were when sold."""
    configuration = Configuration(
        terms.plan, terms.add_ons, terms.seats, terms.interval, terms.term_years
    )
    try:
        priced = price_configuration(catalog.version(catalog_version), configuration, currency)
    except InvalidInput:
        return True
    return priced.amount.amount > 0


def read_ledger(engine: Engine, catalog: Catalog, as_of: dt.datetime) -> LedgerRead:
    """Every account with a subscription in force, as the signals and decisions need it (read
    in one read-only transaction: one snapshot, beside the ledger's writers)."""
    with reading(engine).connect() as connection:
        accounts = {
            row["id"]: dict(row) for row in connection.execute(select(t.accounts)).mappings()
        }
        subscriptions = [
            subscription_from_row(row)
            for row in connection.execute(
                select(t.subscriptions).order_by(t.subscriptions.c.id)
            ).mappings()
        ]
        held: dict[str, int] = dict(
            connection.execute(
                select(t.seats.c.subscription_id, func.count())
                .where(t.seats.c.status.in_(_HELD))
                .group_by(t.seats.c.subscription_id)
            ).all()
        )
        paywall = [
            PaywallRow(r.account_id, r.feature, r.kind, r.at)
            for r in connection.execute(
                select(
                    t.signals.c.account_id, t.signals.c.feature, t.signals.c.kind, t.signals.c.at
                )
                .where(t.signals.c.at >= as_of - _PAYWALL_LOOKBACK, t.signals.c.at < as_of)
                .order_by(t.signals.c.id)
            )
        ]
    grants, overrides = _grants(engine)
    first_started: dict[str, dt.date] = {}
    for subscription in subscriptions:
        day = subscription.created_at.date()
        account_id = subscription.account_id
        first_started[account_id] = min(first_started.get(account_id, day), day)
    resolved: dict[tuple[object, ...], EntitlementSnapshot] = {}
    profiles: dict[str, EntitlementSnapshot] = {}
    records: dict[str, AccountRecord] = {}
    licenses: list[LicenseRow] = []
    paying: dict[tuple[object, ...], bool] = {}
    for subscription in subscriptions:
        account = accounts.get(subscription.account_id)
        if account is None or not subscription.in_force or subscription.account_id in records:
            continue
        sources = _sources(
            catalog,
            subscription,
            tuple(grants.get(subscription.account_id, ())),
            tuple(overrides.get(subscription.account_id, ())),
        )
        key = (
            subscription.catalog_version,
            sources.plan,
            sources.add_ons,
            sources.trial_plan,
            sources.trial_ends,
            sources.grants,
            sources.overrides,
            sources.suspended,
            sources.currency,
            sources.seats,
        )
        snapshot = resolved.get(key)
        if snapshot is None:
            snapshot = resolved[key] = resolve_entitlements(sources, as_of)
        profiles.setdefault(snapshot.fingerprint, snapshot)
        version = catalog.version(subscription.catalog_version)
        records[subscription.account_id] = _record(account, subscription)
        terms = subscription.terms
        priced = (subscription.catalog_version, terms, subscription.currency)
        paid = paying.get(priced)
        if paid is None:
            paid = paying[priced] = _pays(catalog, *priced)
        licenses.append(
            LicenseRow(
                account_id=subscription.account_id,
                external_id=str(account["external_id"]),
                industry=account["industry"],
                region=account["region"],
                company_size=account["company_size"],
                plan=subscription.terms.plan,
                plan_rank=version.plans[subscription.terms.plan].rank,
                interval=subscription.terms.interval.value,
                term_years=subscription.terms.term_years,
                status=subscription.status.value,
                trial_plan=subscription.trial.plan if subscription.trial else None,
                last_trial_at=subscription.last_trial_at,
                seats=subscription.terms.seats,
                seats_assigned=int(held.get(subscription.id, 0)),
                first_started=first_started[subscription.account_id],
                term_end=subscription.term_end,
                period_start=subscription.period_start,
                period_end=subscription.period_end,
                profile=snapshot.fingerprint,
                paid=paid,
            )
        )
    rows = [row for snapshot in profiles.values() for row in entitlement_rows(snapshot)]
    return LedgerRead(records, licenses, rows, paywall)


#: The statuses of a subscription in force (``Subscription.in_force``), for the real-time read.
IN_FORCE_STATUSES = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.SUSPENDED,
)

# The real-time path's statements, built once (values travel as parameters). The subscription
# read selects only what the live account needs (its record, the quote engine's view and the
# marker): decoding the whole row into a subscription was a third of the read's cost.
_LIVE_SUBSCRIPTION = DriverStatement(
    select(
        t.accounts.c.external_id,
        t.accounts.c.name,
        t.accounts.c.owner,
        *(
            t.subscriptions.c[name]
            for name in (
                "id",
                "account_id",
                "version",
                "currency",
                "catalog_version",
                "plan",
                "interval",
                "seats",
                "add_ons",
                "term_years",
                "bundle",
                "period_start",
                "billing_anchor_day",
                "term_start",
                "renewals",
            )
        ),
    )
    .join(t.accounts, t.accounts.c.id == t.subscriptions.c.account_id)
    .where(
        (t.accounts.c.id == bindparam("reference"))
        | (t.accounts.c.external_id == bindparam("reference")),
        t.subscriptions.c.status.in_(
            [literal_column(f"'{status.value}'") for status in IN_FORCE_STATUSES]
        ),
    )
    .order_by(t.subscriptions.c.id)  # the first in force, as the whole read took it
)
_COUNTERS = DriverStatement(
    union_all(
        select(
            literal_column("'paywall'").label("kind"),
            t.signals.c.feature,
            func.count().label("value"),
            func.max(t.signals.c.id).label("last"),
        )
        .where(
            t.signals.c.account_id == bindparam("account_id"), t.signals.c.at >= bindparam("since")
        )
        .group_by(t.signals.c.feature),
        select(
            literal_column("'gauge'").label("kind"),
            gauge_table.c.feature,
            gauge_table.c.value,
            literal_column("0").label("last"),
        ).where(gauge_table.c.account_id == bindparam("account_id")),
        select(
            literal_column("'outcome'").label("kind"),
            literal_column("''").label("feature"),
            func.count().label("value"),
            func.coalesce(func.max(offer_outcomes.c.id), literal_column("0")).label("last"),
        ).where(offer_outcomes.c.account_id == bindparam("account_id")),
    )
)


class SqlLiveCounters(LiveCounters):
    """One account's subscription in force, paywall signals since a moment, gauges and the
    number of offer outcomes, from SQL in two indexed reads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = reading(engine)  # one snapshot per call, beside the writers

    def account(self, reference: str, since: dt.datetime) -> LiveAccount | None:
        with self._engine.connect() as connection:
            driver = DriverCursor(connection)
            row = driver.first(_LIVE_SUBSCRIPTION, {"reference": reference})
            if row is None:
                return None
            counters = [
                (r["kind"], r["feature"], r["value"], r["last"])
                for r in driver.rows(_COUNTERS, {"account_id": row["account_id"], "since": since})
            ]
        paywall = {str(f): int(v) for kind, f, v, _ in counters if kind == "paywall"}
        gauges = {str(f): int(v) for kind, f, v, _ in counters if kind == "gauge"}
        marker = (
            row["id"],
            row["version"],
            tuple(sorted((str(k), str(f), int(v), int(last or 0)) for k, f, v, last in counters)),
        )
        return LiveAccount(
            record=live_record(row),
            paywall_since=paywall,
            gauges=gauges,
            marker=marker,
        )


def live_record(row: Mapping[str, Any]) -> AccountRecord:
    """The account record of a live subscription read: what ``_record`` makes of the account
    and its whole decoded subscription, from the few columns it uses."""
    terms = Terms.from_dict(row)
    return AccountRecord(
        account_id=str(row["account_id"]),
        external_id=str(row["external_id"]),
        name=str(row["name"]),
        currency=str(row["currency"]),
        catalog_version=str(row["catalog_version"]),
        subscription_id=str(row["id"]),
        subscription=CurrentSubscription(
            plan=terms.plan,
            interval=terms.interval,
            currency=str(row["currency"]),
            period_start=row["period_start"],
            seats=terms.seats,
            add_ons=terms.add_ons,
            anchor_day=int(row["billing_anchor_day"]),
            term_years=terms.term_years,
            term_start=row["term_start"],
            renewal=int(row["renewals"] or 0) > 0,
            bundle=terms.bundle,
        ),
        owner=None if row["owner"] is None else str(row["owner"]),
    )
