"""The ledger as the analytics engine sees it: four small tables, handed in as Arrow data.

Signals join usage events with what the ledger knows. Rather than reaching into the SQL store
from inside a query (which Spark or a warehouse cannot do), the caller passes a
:class:`LedgerSnapshot` of plain rows — built from the ledger's domain objects with
:func:`license_row` and :func:`entitlement_rows`, or generated in bulk (the benchmark) — which
becomes in-memory tables (``ibis.memtable``) on whatever engine reads the events.

``licenses``: one row per account (its subscription in force) —
    ``account_id``, ``external_id`` (the ``account`` of its events), ``industry``, ``region``,
    ``company_size``, ``plan``, ``plan_rank``, ``interval``, ``term_years``, ``status``,
    ``trial_plan`` (running trial, or null), ``last_trial_at``, ``seats``, ``seats_assigned``
    (seats held: assigned or noticed), ``first_started`` (date the first subscription started),
    ``term_end``, ``period_start``, ``period_end`` (the billing period in force, dates),
    ``profile`` (a key of the account's resolved entitlements) and ``paid`` (the subscription
    pays for its contract term: its recurring price is above zero; false on a free plan, whose
    term renews without a contract to renew — taken as true when a table made elsewhere has no
    such column).
``entitlements``: per profile and feature — ``entitled`` and ``limit`` (null: unlimited, or a
    boolean feature). Accounts with equal entitlements share a profile (the entitlement
    snapshot's fingerprint), so a million accounts need only a handful of rows.
``paywall``: the ledger's signal records — ``account_id``, ``feature``, ``kind`` (``denied`` or
    ``soft_limit``), ``at``.
``offers``: what was offered — ``account_id``, ``offer``, ``outcome`` (shown, accepted,
    declined, dismissed), ``at``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import ibis
import pyarrow as pa
from ibis.expr import types as ir

from tierwise.catalog.model import FeatureKind
from tierwise.licensing.accounts import Account
from tierwise.licensing.entitlements import EntitlementSnapshot
from tierwise.licensing.seats import Seat, SeatStatus
from tierwise.licensing.subscriptions import Subscription

__all__ = [
    "ENTITLEMENTS_SCHEMA",
    "LICENSES_SCHEMA",
    "OFFERS_SCHEMA",
    "PAYWALL_SCHEMA",
    "EntitlementRow",
    "LedgerSnapshot",
    "LicenseRow",
    "OfferRow",
    "PaywallRow",
    "entitlement_rows",
    "license_row",
]

_TS = pa.timestamp("us", tz="UTC")

LICENSES_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("external_id", pa.string()),
        ("industry", pa.string()),
        ("region", pa.string()),
        ("company_size", pa.int64()),
        ("plan", pa.string()),
        ("plan_rank", pa.int64()),
        ("interval", pa.string()),
        ("term_years", pa.int64()),
        ("status", pa.string()),
        ("trial_plan", pa.string()),
        ("last_trial_at", _TS),
        ("seats", pa.int64()),
        ("seats_assigned", pa.int64()),
        ("first_started", pa.date32()),
        ("term_end", pa.date32()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("profile", pa.string()),
        ("paid", pa.bool_()),
    ]
)
ENTITLEMENTS_SCHEMA = pa.schema(
    [
        ("profile", pa.string()),
        ("feature", pa.string()),
        ("entitled", pa.bool_()),
        ("limit", pa.float64()),
    ]
)
PAYWALL_SCHEMA = pa.schema(
    [("account_id", pa.string()), ("feature", pa.string()), ("kind", pa.string()), ("at", _TS)]
)
OFFERS_SCHEMA = pa.schema(
    [("account_id", pa.string()), ("offer", pa.string()), ("outcome", pa.string()), ("at", _TS)]
)


@dataclass(frozen=True, slots=True)
class LicenseRow:
    account_id: str
    external_id: str
    plan: str
    plan_rank: int
    interval: str
    term_years: int
    status: str
    seats: int
    seats_assigned: int
    first_started: dt.date
    term_end: dt.date
    period_start: dt.date
    period_end: dt.date
    profile: str
    industry: str | None = None
    region: str | None = None
    company_size: int | None = None
    trial_plan: str | None = None
    last_trial_at: dt.datetime | None = None
    paid: bool = True


@dataclass(frozen=True, slots=True)
class EntitlementRow:
    profile: str
    feature: str
    entitled: bool
    limit: float | None


@dataclass(frozen=True, slots=True)
class PaywallRow:
    account_id: str
    feature: str
    kind: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class OfferRow:
    account_id: str
    offer: str
    outcome: str
    at: dt.datetime


_HELD = frozenset({SeatStatus.ASSIGNED, SeatStatus.NOTICED})


def license_row(
    account: Account,
    subscription: Subscription,
    seats: Iterable[Seat],
    snapshot: EntitlementSnapshot,
    *,
    plan_rank: int,
    first_started: dt.date,
    paid: bool = True,
) -> LicenseRow:
    """An account's license row from the ledger's domain objects (the subscription in force,
    its seats and its resolved entitlements); ``paid``: its recurring price is above zero."""
    return LicenseRow(
        account_id=account.id,
        external_id=account.external_id,
        industry=account.industry,
        region=account.region,
        company_size=account.company_size,
        plan=subscription.terms.plan,
        plan_rank=plan_rank,
        interval=subscription.terms.interval.value,
        term_years=subscription.terms.term_years,
        status=subscription.status.value,
        trial_plan=subscription.trial.plan if subscription.trial else None,
        last_trial_at=subscription.last_trial_at,
        seats=subscription.terms.seats,
        seats_assigned=sum(1 for seat in seats if seat.status in _HELD),
        first_started=first_started,
        term_end=subscription.term_end,
        period_start=subscription.period_start,
        period_end=subscription.period_end,
        profile=snapshot.fingerprint,
        paid=paid,
    )


def entitlement_rows(snapshot: EntitlementSnapshot) -> list[EntitlementRow]:
    """The rows of one entitlement profile (add each distinct fingerprint once)."""
    rows = []
    for key, resolved in snapshot.entitlements.items():
        if resolved.kind is FeatureKind.BOOLEAN:
            rows.append(EntitlementRow(snapshot.fingerprint, key, resolved.value is True, None))
            continue
        limit = resolved.numeric_limit
        entitled = limit is None or limit > 0
        value = None if limit is None else float(limit)
        rows.append(EntitlementRow(snapshot.fingerprint, key, entitled, value))
    return rows


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """The four ledger tables as Arrow data (see the module docstring for their columns)."""

    licenses: pa.Table
    entitlements: pa.Table
    paywall: pa.Table
    offers: pa.Table

    @classmethod
    def from_rows(
        cls,
        licenses: Sequence[LicenseRow],
        entitlements: Sequence[EntitlementRow],
        paywall: Sequence[PaywallRow] = (),
        offers: Sequence[OfferRow] = (),
    ) -> LedgerSnapshot:
        return cls(
            licenses=_arrow(licenses, LICENSES_SCHEMA),
            entitlements=_arrow(entitlements, ENTITLEMENTS_SCHEMA),
            paywall=_arrow(paywall, PAYWALL_SCHEMA),
            offers=_arrow(offers, OFFERS_SCHEMA),
        )

    @classmethod
    def from_arrow(
        cls,
        licenses: pa.Table,
        entitlements: pa.Table,
        paywall: pa.Table | None = None,
        offers: pa.Table | None = None,
    ) -> LedgerSnapshot:
        """Tables made elsewhere (pandas, Parquet, a generator), cast to the expected schemas.

        A licenses table without ``paid`` is taken as all paid (every term a contract)."""
        if "paid" not in licenses.column_names:
            licenses = licenses.append_column("paid", pa.repeat(pa.scalar(True), len(licenses)))
        return cls(
            licenses=licenses.select(LICENSES_SCHEMA.names).cast(LICENSES_SCHEMA),
            entitlements=entitlements.select(ENTITLEMENTS_SCHEMA.names).cast(ENTITLEMENTS_SCHEMA),
            paywall=(PAYWALL_SCHEMA.empty_table() if paywall is None else paywall)
            .select(PAYWALL_SCHEMA.names)
            .cast(PAYWALL_SCHEMA),
            offers=(OFFERS_SCHEMA.empty_table() if offers is None else offers)
            .select(OFFERS_SCHEMA.names)
            .cast(OFFERS_SCHEMA),
        )

    def tables(self, backend: Any | None = None) -> dict[str, ir.Table]:
        """The tables on ``backend``: in-memory tables, or on Spark temporary views made from
        the Arrow data directly (PySpark's pandas route turns missing text and numbers into
        values under pandas 3)."""
        arrow = {
            "licenses": self.licenses,
            "entitlements": self.entitlements,
            "paywall": self.paywall,
            "offers": self.offers,
        }
        if backend is None or backend.name != "pyspark":
            return {name: ibis.memtable(table) for name, table in arrow.items()}
        tables = {}
        for name, table in arrow.items():
            view = f"tierwise_{name}_{uuid.uuid4().hex}"
            backend._session.createDataFrame(table).createOrReplaceTempView(view)
            tables[name] = backend.table(view)
        return tables


def _arrow(rows: Sequence[object], schema: pa.Schema) -> pa.Table:
    columns: dict[str, list[object]] = {name: [] for name in schema.names}
    for row in rows:
        for name, value in asdict(row).items():  # type: ignore[call-overload]
            columns[name].append(value)
    return pa.table(columns, schema=schema)
