"""Tables of webhook delivery (SQLAlchemy Core), on the ledger's shared ``metadata``.

``webhook_endpoints`` are the receivers; ``webhook_events`` the messages, each stored once (its
id is the ``webhook-id``, so a derived message produced twice is refused by the key);
``webhook_deliveries`` one row per message and endpoint, with the state the dispatcher claims
(``status``, ``next_attempt_at``, ``claim_token``); ``webhook_attempts`` the delivery log;
``webhook_cursors`` remembered positions in other tables (the entitlement signals). The migration
``0002_webhooks`` creates exactly these.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tierwise.adapters.sql.tables import metadata
from tierwise.adapters.sql.types import JsonData, RowId, UtcDateTime

__all__ = [
    "webhook_attempts",
    "webhook_cursors",
    "webhook_deliveries",
    "webhook_endpoints",
    "webhook_events",
]

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("event_types", JsonData, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("previous_secret", String(200)),
    Column("previous_secret_until", UtcDateTime),
    Column("status", String(16), nullable=False),
    Column("consecutive_failures", Integer, nullable=False),
    Column("failing_since", UtcDateTime),
    Column("disabled_at", UtcDateTime),
    Column("disabled_reason", Text),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(64), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("data", JsonData, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("event_id", String(64), ForeignKey("webhook_events.id"), nullable=False),
    Column("endpoint_id", String(64), ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claim_token", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_attempt_at", UtcDateTime),
    Column("delivered_at", UtcDateTime),
    UniqueConstraint("event_id", "endpoint_id"),
    Index(None, "status", "next_attempt_at"),
    Index(None, "endpoint_id", "status"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("delivery_id", RowId, ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("endpoint_id", String(64), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("duration_ms", Integer, nullable=False),
    Column("error", Text),
    Column("response_excerpt", Text, nullable=False),
    Index(None, "endpoint_id", "id"),
    Index(None, "event_id"),
)

webhook_cursors = Table(
    "webhook_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)
