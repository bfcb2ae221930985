"""Decisions: decide runs, each account's decision with its signals, and offer outcomes.

Revision ID: 0005_decisions
Revises: 0004_gauges
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_decisions"
down_revision = "0004_gauges"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_rowid = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decision_runs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("as_of", _instant(), nullable=False),
        sa.Column("started_at", _instant(), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("playbook", sa.String(300), nullable=False),
        sa.Column("summary", _json, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_decision_runs"),
    )
    op.create_index("ix_decision_runs_started_at", "decision_runs", ["started_at"])
    op.create_table(
        "decisions",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("as_of", _instant(), nullable=False),
        sa.Column("decision", _json, nullable=False),
        sa.Column("signals", _json, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["decision_runs.run_id"],
            name="fk_decisions_run_id_decision_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "account_id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_run_id_external_id", "decisions", ["run_id", "external_id"])
    op.create_table(
        "offer_outcomes",
        sa.Column("id", _rowid, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("offer", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("placement", sa.String(64), nullable=True),
        sa.Column("at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_offer_outcomes"),
    )
    op.create_index("ix_offer_outcomes_account_id_id", "offer_outcomes", ["account_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_offer_outcomes_account_id_id", table_name="offer_outcomes")
    op.drop_table("offer_outcomes")
    op.drop_index("ix_decisions_run_id_external_id", table_name="decisions")
    op.drop_table("decisions")
    op.drop_index("ix_decision_runs_started_at", table_name="decision_runs")
    op.drop_table("decision_runs")
