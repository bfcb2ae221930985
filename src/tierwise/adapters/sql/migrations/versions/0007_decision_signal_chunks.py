"""Decision signals kept columnar: compressed Arrow chunks per run, and a pointer per decision.

A decide run over a million accounts stored a JSON document of about a hundred signals per
account; the signals now go into ``decision_signal_chunks`` (one compressed Arrow IPC stream per
1,024 accounts) and each decision row points at its chunk and row. ``decision`` is null when
nothing fired for the account, and ``signals`` is null when the signals are in a chunk.

Revision ID: 0007_decision_signal_chunks
Revises: 0006_renewals
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_decision_signal_chunks"
down_revision = "0006_renewals"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "decision_signal_chunks",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["decision_runs.run_id"],
            name="fk_decision_signal_chunks_run_id_decision_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "chunk", name="pk_decision_signal_chunks"),
    )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("signal_chunk", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("signal_row", sa.Integer(), nullable=True))
        batch.alter_column("decision", existing_type=_json, nullable=True)
        batch.alter_column("signals", existing_type=_json, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM decisions WHERE decision IS NULL OR signals IS NULL")
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("signals", existing_type=_json, nullable=False)
        batch.alter_column("decision", existing_type=_json, nullable=False)
        batch.drop_column("signal_row")
        batch.drop_column("signal_chunk")
    op.drop_table("decision_signal_chunks")
