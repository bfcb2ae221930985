"""Gauges: the current value of each limit feature per account (set through the API).

Revision ID: 0004_gauges
Revises: 0003_webhooks
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_gauges"
down_revision = "0003_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gauges",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("feature", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_gauges_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("account_id", "feature", name="pk_gauges"),
    )


def downgrade() -> None:
    op.drop_table("gauges")
