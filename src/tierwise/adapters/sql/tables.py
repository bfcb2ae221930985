"""The ledger's tables (SQLAlchemy Core). The domain classes know nothing of them.

Migrations in ``migrations/versions`` create exactly these tables; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tierwise.adapters.sql.types import JsonData, RowId, UtcDateTime

__all__ = [
    "accounts",
    "entitlement_grants",
    "history",
    "idempotency_keys",
    "metadata",
    "outbox",
    "seats",
    "signals",
    "subscriptions",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("external_id", String(200), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("industry", String(100)),
    Column("company_size", Integer),
    Column("region", String(100)),
    Column("currency", String(3), nullable=False),
    Column("owner", String(200)),
    Column("attributes", JsonData, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("plan", String(64), nullable=False),
    Column("interval", String(16), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("add_ons", JsonData, nullable=False),
    Column("term_years", Integer, nullable=False),
    Column("bundle", String(64)),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("billing_anchor_day", Integer, nullable=False),
    Column("term_start", Date, nullable=False),
    Column("term_end", Date, nullable=False),
    Column("catalog_version", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("settings", JsonData, nullable=False),
    Column("pending_change", JsonData),
    Column("trial", JsonData),
    Column("last_trial_at", UtcDateTime),
    Column("suspension", JsonData),
    Column("revocation", JsonData),
    Column("canceled_at", UtcDateTime),
    Column("renewal", JsonData),
    Column("renewals", Integer, nullable=False, server_default="0"),
    Column("next_due_at", UtcDateTime, index=True),
    Column("version", Integer, nullable=False),
)

seats = Table(
    "seats",
    metadata,
    Column("subscription_id", String(64), ForeignKey("subscriptions.id"), primary_key=True),
    Column("user", String(320), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("assigned_at", UtcDateTime, nullable=False),
    Column("last_active_at", UtcDateTime),
    Column("noticed_at", UtcDateTime),
    Column("reclaimed_at", UtcDateTime),
)

history = Table(
    "history",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("subscription_id", String(64), ForeignKey("subscriptions.id"), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("transition", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("before", JsonData),
    Column("after", JsonData, nullable=False),
    Column("quote", JsonData),
    Column("idempotency_key", String(200)),
    UniqueConstraint("subscription_id", "version"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("sequence", RowId, primary_key=True, autoincrement=True),
    Column("event_type", String(64), nullable=False),
    Column("subscription_id", String(64), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("version", Integer),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("payload", JsonData, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index(None, "delivered_at", "sequence"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("command", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("receipt", JsonData, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

entitlement_grants = Table(
    "entitlement_grants",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # grant | override
    Column("feature", String(64), nullable=False),
    Column("value", JsonData, nullable=False),
    Column("starts", UtcDateTime),
    Column("ends", UtcDateTime),
    Column("reason", Text, nullable=False),
)

signals = Table(
    "signals",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False),
    Column("feature", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("details", JsonData, nullable=False),
    Index(None, "account_id", "id"),
)
