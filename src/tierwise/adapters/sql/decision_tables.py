"""Tables of the decisioning (SQLAlchemy Core), on the ledger's shared ``metadata``.

``decision_runs``: one row per ``tierwise decide`` (its as-of moment, engine, playbook and the
summary counts); ``decisions``: per run and account, the decision with every reason and the
signals it was made from (``explain`` and the real-time endpoint read them); ``offer_outcomes``:
what happened to offers shown (shown, accepted, declined, dismissed), which cadence reads. The
migration ``0005_decisions`` creates exactly these.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from tierwise.adapters.sql.tables import metadata
from tierwise.adapters.sql.types import JsonData, RowId, UtcDateTime

__all__ = ["decision_runs", "decisions", "offer_outcomes"]

decision_runs = Table(
    "decision_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("as_of", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=False, index=True),
    Column("engine", String(32), nullable=False),
    Column("playbook", String(300), nullable=False),
    Column("summary", JsonData, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column(
        "run_id",
        String(64),
        ForeignKey("decision_runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("account_id", String(64), primary_key=True),
    Column("external_id", String(200), nullable=False),
    Column("as_of", UtcDateTime, nullable=False),
    Column("decision", JsonData, nullable=False),
    Column("signals", JsonData, nullable=False),
    Index(None, "run_id", "external_id"),
)

offer_outcomes = Table(
    "offer_outcomes",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("account_id", String(64), nullable=False),
    Column("offer", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("placement", String(64)),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "account_id", "id"),
)
