"""Decisions kept beside their signal chunks, found through sorted key pages.

A decide run wrote one ``decisions`` row per account, which at a million accounts took most of
the store stage. Runs stored from this revision on keep each chunk's account ids, external ids
and decisions in ``decision_signal_chunks.accounts``, and the run's ids in ``decision_keys``
(sorted pages of keys, each with the chunk and row of its account); ``decision_runs.layout`` is
``1`` for them. Runs stored before keep their ``decisions`` rows (``layout`` null) and read as
before. A downgrade deletes the runs stored the new way (they have no ``decisions`` rows).

On PostgreSQL the packed columns are stored ``EXTERNAL``: out of line and never compressed again
(they are LZ4 already; trying pglz on each value made a million accounts' run take twice as long
to write).

Revision ID: 0009_decision_key_pages
Revises: 0008_subscription_bundles
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_decision_key_pages"
down_revision = "0008_subscription_bundles"
branch_labels = None
depends_on = None

#: The columns holding packed (already compressed) payloads.
_PACKED = (
    ("decision_signal_chunks", "data"),
    ("decision_signal_chunks", "accounts"),
    ("decision_keys", "data"),
)


def upgrade() -> None:
    with op.batch_alter_table("decision_runs") as batch:
        batch.add_column(sa.Column("layout", sa.Integer(), nullable=True))
    with op.batch_alter_table("decision_signal_chunks") as batch:
        batch.add_column(sa.Column("accounts", sa.LargeBinary(), nullable=True))
    op.create_table(
        "decision_keys",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("first_key", sa.LargeBinary(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["decision_runs.run_id"],
            name="fk_decision_keys_run_id_decision_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "kind", "page", name="pk_decision_keys"),
    )
    op.create_index(
        "ix_decision_keys_run_id_kind_first_key", "decision_keys", ["run_id", "kind", "first_key"]
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, column in _PACKED:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE decision_signal_chunks ALTER COLUMN data SET STORAGE EXTENDED")
    paged = "SELECT run_id FROM decision_runs WHERE layout IS NOT NULL"
    op.execute(f"DELETE FROM decision_signal_chunks WHERE run_id IN ({paged})")
    op.execute(f"DELETE FROM decisions WHERE run_id IN ({paged})")
    op.execute("DELETE FROM decision_keys")
    op.execute("DELETE FROM decision_runs WHERE layout IS NOT NULL")
    op.drop_index("ix_decision_keys_run_id_kind_first_key", table_name="decision_keys")
    op.drop_table("decision_keys")
    with op.batch_alter_table("decision_signal_chunks") as batch:
        batch.drop_column("accounts")
    with op.batch_alter_table("decision_runs") as batch:
        batch.drop_column("layout")
