"""Row mappers of the ledger tables: a domain object to the row stored for it, and back.

One place for each mapping, shared by the repositories of a unit of work
(:mod:`.repositories`), the bulk writer (:mod:`.ledger_bulk`) and the bulk reader
(:mod:`.ledger_reader`), so a row written by one is read the same way by all. Rows are plain
dicts keyed by column name; times stay ``datetime`` (the column types store them as UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tierwise.licensing.accounts import Account
from tierwise.licensing.entitlement_sources import Grant, Override
from tierwise.licensing.events import DomainEvent
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.seats import Seat, SeatStatus
from tierwise.licensing.subscriptions import Subscription
from tierwise.licensing.timestamps import to_iso
from tierwise.services.ports import SignalRecord

__all__ = [
    "SUBSCRIPTION_JSON_COLUMNS",
    "account_from_row",
    "account_row",
    "entitlement_row",
    "grant_from_row",
    "history_row",
    "outbox_row",
    "override_from_row",
    "seat_from_row",
    "seat_row",
    "signal_row",
    "subscription_from_row",
    "subscription_row",
]

#: Subscription columns that hold a nested document (``None`` when the subscription has none).
SUBSCRIPTION_JSON_COLUMNS = ("pending_change", "trial", "suspension", "revocation", "renewal")


def account_row(account: Account) -> dict[str, Any]:
    """The ``accounts`` row of ``account``."""
    return account.as_dict() | {"created_at": account.created_at}


def account_from_row(row: Mapping[Any, Any]) -> Account:
    """The account stored in an ``accounts`` row."""
    return Account.from_dict(dict(row) | {"created_at": to_iso(row["created_at"])})


def _json_of(value: Any) -> Any:
    return None if value is None else value.as_dict()


def subscription_row(subscription: Subscription) -> dict[str, Any]:
    """The ``subscriptions`` row of ``subscription`` (its version included)."""
    terms = subscription.terms
    return {
        "id": subscription.id,
        "account_id": subscription.account_id,
        "plan": terms.plan,
        "interval": terms.interval.value,
        "seats": terms.seats,
        "add_ons": list(terms.add_ons),
        "term_years": terms.term_years,
        "bundle": terms.bundle,
        "currency": subscription.currency,
        "status": subscription.status.value,
        "period_start": subscription.period_start,
        "period_end": subscription.period_end,
        "billing_anchor_day": subscription.billing_anchor_day,
        "term_start": subscription.term_start,
        "term_end": subscription.term_end,
        "catalog_version": subscription.catalog_version,
        "created_at": subscription.created_at,
        "auto_renew": subscription.auto_renew,
        "settings": dict(subscription.settings),
        **{name: _json_of(getattr(subscription, name)) for name in SUBSCRIPTION_JSON_COLUMNS},
        "last_trial_at": subscription.last_trial_at,
        "canceled_at": subscription.canceled_at,
        "renewals": subscription.renewals,
        "next_due_at": subscription.next_due_at,
        "version": subscription.version,
    }


def subscription_from_row(row: Mapping[Any, Any]) -> Subscription:
    """The subscription stored in a ``subscriptions`` row."""

    def iso(value: dt.datetime | None) -> str | None:
        return to_iso(value) if value else None

    return Subscription.from_snapshot(
        {
            **{name: row[name] for name in ("id", "account_id", "currency", "status")},
            "terms": {
                "plan": row["plan"],
                "interval": row["interval"],
                "seats": row["seats"],
                "add_ons": row["add_ons"],
                "term_years": row["term_years"],
                "bundle": row["bundle"],
            },
            **{
                name: row[name].isoformat()
                for name in ("period_start", "period_end", "term_start", "term_end")
            },
            "billing_anchor_day": row["billing_anchor_day"],
            "catalog_version": row["catalog_version"],
            "created_at": to_iso(row["created_at"]),
            "auto_renew": row["auto_renew"],
            "settings": row["settings"],
            **{name: row[name] for name in SUBSCRIPTION_JSON_COLUMNS},
            "last_trial_at": iso(row["last_trial_at"]),
            "canceled_at": iso(row["canceled_at"]),
            "renewals": row["renewals"],
            "version": row["version"],
        }
    )


def seat_row(seat: Seat) -> dict[str, Any]:
    """The ``seats`` row of ``seat``."""
    return {
        "subscription_id": seat.subscription_id,
        "user": seat.user,
        "status": seat.status.value,
        "assigned_at": seat.assigned_at,
        "last_active_at": seat.last_active_at,
        "noticed_at": seat.noticed_at,
        "reclaimed_at": seat.reclaimed_at,
    }


def seat_from_row(row: Mapping[Any, Any]) -> Seat:
    """The seat stored in a ``seats`` row."""
    return Seat(
        subscription_id=row["subscription_id"],
        user=row["user"],
        status=SeatStatus(row["status"]),
        assigned_at=row["assigned_at"],
        last_active_at=row["last_active_at"],
        noticed_at=row["noticed_at"],
        reclaimed_at=row["reclaimed_at"],
    )


def history_row(entry: HistoryEntry) -> dict[str, Any]:
    """The ``history`` row of ``entry`` (the id is the table's)."""
    return entry.as_dict() | {"at": entry.at}


def outbox_row(event: DomainEvent, version: int | None) -> dict[str, Any]:
    """The ``outbox`` row of ``event``, not yet delivered (the sequence is the table's)."""
    return {
        "event_type": event.type.value,
        "subscription_id": event.subscription_id,
        "account_id": event.account_id,
        "version": version,
        "occurred_at": event.at,
        "payload": event.as_dict(),
        "delivered_at": None,
    }


def signal_row(signal: SignalRecord) -> dict[str, Any]:
    """The ``signals`` row of ``signal`` (the id is the table's)."""
    return {
        "account_id": signal.account_id,
        "feature": signal.feature,
        "kind": signal.kind,
        "at": signal.at,
        "details": signal.details,
    }


def entitlement_row(account_id: str, kind: str, item: Grant | Override) -> dict[str, Any]:
    """The ``entitlement_grants`` row of a grant (``kind`` "grant") or an override ("override")."""
    return {
        "account_id": account_id,
        "kind": kind,
        "feature": item.feature,
        "value": item.value,
        "starts": item.starts,
        "ends": item.ends,
        "reason": item.reason,
    }


def grant_from_row(row: Mapping[Any, Any]) -> Grant:
    """The grant stored in an ``entitlement_grants`` row of kind "grant", with its id."""
    return Grant(
        row["feature"], row["value"], row["starts"], row["ends"], row["reason"], id=row["id"]
    )


def override_from_row(row: Mapping[Any, Any]) -> Override:
    """The override stored in an ``entitlement_grants`` row of kind "override", with its id."""
    return Override(
        row["feature"], row["value"], row["reason"], row["starts"], row["ends"], id=row["id"]
    )
