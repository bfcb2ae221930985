"""The license ledger: accounts, subscriptions, seats, history, outbox, keys, grants, signals.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_rowid = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("industry", sa.String(100)),
        sa.Column("company_size", sa.Integer()),
        sa.Column("region", sa.String(100)),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("attributes", _json, nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("external_id", name="uq_accounts_external_id"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("plan", sa.String(64), nullable=False),
        sa.Column("interval", sa.String(16), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("add_ons", _json, nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("billing_anchor_day", sa.Integer(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("catalog_version", sa.String(64), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("settings", _json, nullable=False),
        sa.Column("pending_change", _json),
        sa.Column("trial", _json),
        sa.Column("last_trial_at", _instant()),
        sa.Column("suspension", _json),
        sa.Column("revocation", _json),
        sa.Column("canceled_at", _instant()),
        sa.Column("next_due_at", _instant()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_subscriptions_account_id_accounts"
        ),
    )
    op.create_index("ix_subscriptions_account_id", "subscriptions", ["account_id"])
    op.create_index("ix_subscriptions_next_due_at", "subscriptions", ["next_due_at"])
    op.create_table(
        "seats",
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("user", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_at", _instant(), nullable=False),
        sa.Column("last_active_at", _instant()),
        sa.Column("noticed_at", _instant()),
        sa.Column("reclaimed_at", _instant()),
        sa.PrimaryKeyConstraint("subscription_id", "user", name="pk_seats"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_seats_subscription_id_subscriptions",
        ),
    )
    op.create_table(
        "history",
        sa.Column("id", _rowid, autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("transition", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("before", _json),
        sa.Column("after", _json, nullable=False),
        sa.Column("quote", _json),
        sa.Column("idempotency_key", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_history"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_history_subscription_id_subscriptions",
        ),
        sa.UniqueConstraint(
            "subscription_id", "version", name="uq_history_subscription_id_version"
        ),
    )
    op.create_table(
        "outbox",
        sa.Column("sequence", _rowid, autoincrement=True, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer()),
        sa.Column("occurred_at", _instant(), nullable=False),
        sa.Column("payload", _json, nullable=False),
        sa.Column("delivered_at", _instant()),
        sa.PrimaryKeyConstraint("sequence", name="pk_outbox"),
    )
    op.create_index("ix_outbox_delivered_at_sequence", "outbox", ["delivered_at", "sequence"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("receipt", _json, nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "entitlement_grants",
        sa.Column("id", _rowid, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("feature", sa.String(64), nullable=False),
        sa.Column("value", _json, nullable=False),
        sa.Column("starts", _instant()),
        sa.Column("ends", _instant()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entitlement_grants"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_entitlement_grants_account_id_accounts"
        ),
    )
    op.create_index("ix_entitlement_grants_account_id", "entitlement_grants", ["account_id"])
    op.create_table(
        "signals",
        sa.Column("id", _rowid, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("feature", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("details", _json, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signals"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_signals_account_id_accounts"
        ),
    )
    op.create_index("ix_signals_account_id_id", "signals", ["account_id", "id"])


def downgrade() -> None:
    for table in (
        "signals",
        "entitlement_grants",
        "idempotency_keys",
        "outbox",
        "history",
        "seats",
        "subscriptions",
        "accounts",
    ):
        op.drop_table(table)
