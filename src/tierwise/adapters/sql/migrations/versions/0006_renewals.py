"""Renewals: a subscription's committed next term and how many terms it has renewed.

Revision ID: 0006_renewals
Revises: 0005_decisions
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_renewals"
down_revision = "0005_decisions"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("renewal", _json, nullable=True))
        batch.add_column(
            sa.Column("renewals", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("renewals")
        batch.drop_column("renewal")
