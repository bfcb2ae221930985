"""Tables of the decisioning (SQLAlchemy Core), on the ledger's shared ``metadata``.

``decision_runs``: one row per ``tierwise decide`` (its as-of moment, engine, playbook, the
summary counts, and its ``layout``); ``decision_signal_chunks``: compressed Arrow chunks of
1,024 accounts' signals (``explain`` and the real-time endpoint read them) and, beside each, the
chunk's ``accounts`` (ids and decisions, :mod:`tierwise.adapters.sql.decision_pages`);
``decision_keys``: a run's account ids and external ids in sorted pages, each key with the chunk
and row of its account; ``offer_outcomes``: what happened to offers shown (shown, accepted,
declined, dismissed), which cadence reads.

A run's ``layout`` says where its decisions are: :data:`LAYOUT_PAGED` — in the chunks'
``accounts``, found through ``decision_keys`` (every run stored since ``0009``); null — a row
per account in ``decisions`` (what was decided, null when nothing fired, and where its signals
are: in ``signals`` as JSON, or at (``signal_chunk``, ``signal_row``) of the chunks). The
migrations ``0005_decisions``, ``0007_decision_signal_chunks`` and ``0009_decision_key_pages``
create exactly these.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Table

from tierwise.adapters.sql.tables import metadata
from tierwise.adapters.sql.types import JsonData, RowId, UtcDateTime

__all__ = [
    "LAYOUT_PAGED",
    "decision_keys",
    "decision_runs",
    "decision_signal_chunks",
    "decisions",
    "offer_outcomes",
]

#: ``decision_runs.layout`` of a run whose decisions are in its chunks and key pages.
LAYOUT_PAGED = 1

decision_runs = Table(
    "decision_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("as_of", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=False, index=True),
    Column("engine", String(32), nullable=False),
    Column("playbook", String(300), nullable=False),
    Column("summary", JsonData, nullable=False),
    Column("layout", Integer),
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
    Column("decision", JsonData),
    Column("signals", JsonData),
    Column("signal_chunk", Integer),
    Column("signal_row", Integer),
    Index(None, "run_id", "external_id"),
)

decision_signal_chunks = Table(
    "decision_signal_chunks",
    metadata,
    Column(
        "run_id",
        String(64),
        ForeignKey("decision_runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("chunk", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("accounts", LargeBinary),
)

decision_keys = Table(
    "decision_keys",
    metadata,
    Column(
        "run_id",
        String(64),
        ForeignKey("decision_runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(16), primary_key=True),  # "account_id" or "external_id"
    Column("page", Integer, primary_key=True),
    Column("first_key", LargeBinary, nullable=False),  # UTF-8: compared in byte order
    Column("data", LargeBinary, nullable=False),
    Index(None, "run_id", "kind", "first_key"),
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
