"""Subscription bundles: the catalog bundle a subscription's plan and add-ons were bought as.

A subscription bought as a bundle keeps the bundle's discount on later changes and renewals
while it holds all the bundle's parts; ``bundle`` is null for plans and add-ons bought one by one
(every subscription stored before this revision).

Revision ID: 0008_subscription_bundles
Revises: 0007_decision_signal_chunks
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_subscription_bundles"
down_revision = "0007_decision_signal_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("bundle", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("bundle")
