"""The decision store in SQL: decide runs, decisions with their signals, and offer outcomes.

A run and all its decisions are written in one transaction (bulk ``executemany``), and only the
newest :data:`KEEP_RUNS` runs are kept: a decision is a snapshot of one moment, and the next run
supersedes it. Each account gets one row: what was decided (null when nothing fired) and a
pointer to its signals, which are stored as the engine's compressed Arrow chunks
(:mod:`tierwise.adapters.signal_chunks`, one per 1,024 accounts) instead of a JSON document
per account. Lookups of one account's latest decision (the real-time path) are two indexed
reads: the newest run, then the decision by account id or external id; then its chunk, unless
one of the last few decoded is it, of which the one row is read.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Mapping

from sqlalchemy import Connection, Engine, RowMapping, bindparam, delete, insert, select

from tierwise.adapters.signal_chunks import DecodedChunk
from tierwise.adapters.sql.decision_tables import (
    decision_runs,
    decision_signal_chunks,
    decisions,
    offer_outcomes,
)
from tierwise.licensing.events import JsonObject
from tierwise.offers.cadence import OfferOutcome
from tierwise.services.decision_ports import (
    DecisionRun,
    DecisionStore,
    OutcomeRecord,
    SignalRows,
    StoredDecision,
)

__all__ = ["KEEP_RUNS", "SqlDecisionStore"]

#: How many decide runs are kept (older ones are deleted with their decisions).
KEEP_RUNS = 3
# The real-time path's statements, built once (values travel as parameters).
_LATEST_RUN_ID = (
    select(decision_runs.c.run_id)
    .order_by(decision_runs.c.started_at.desc(), decision_runs.c.run_id.desc())
    .limit(1)
)
_BY_ACCOUNT_ID = select(decisions).where(
    decisions.c.run_id == bindparam("run_id"), decisions.c.account_id == bindparam("account")
)
_BY_EXTERNAL_ID = select(decisions).where(
    decisions.c.run_id == bindparam("run_id"), decisions.c.external_id == bindparam("account")
)
_CHUNK = select(decision_signal_chunks.c.data).where(
    decision_signal_chunks.c.run_id == bindparam("run_id"),
    decision_signal_chunks.c.chunk == bindparam("chunk"),
)
#: Decoded chunks kept for the next reads (neighbours by external id share a chunk; decoding
#: one costs about a millisecond, reading a row of a decoded one about a third of that).
_DECODED_KEPT = 16


def _run(row: RowMapping) -> DecisionRun:
    return DecisionRun(
        run_id=row["run_id"],
        as_of=row["as_of"],
        started_at=row["started_at"],
        engine=row["engine"],
        playbook=row["playbook"],
        summary=row["summary"],
    )


def _decision(row: RowMapping, signals: JsonObject | None) -> StoredDecision:
    return StoredDecision(
        run_id=row["run_id"],
        account_id=row["account_id"],
        external_id=row["external_id"],
        as_of=row["as_of"],
        decision=row["decision"],
        signals=signals or {},
    )


def _outcome(row: RowMapping) -> OutcomeRecord:
    return OutcomeRecord(
        account_id=row["account_id"],
        offer=row["offer"],
        outcome=OfferOutcome(row["outcome"]),
        at=row["at"],
        channel=row["channel"],
        placement=row["placement"],
    )


class SqlDecisionStore(DecisionStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._decoded: collections.OrderedDict[tuple[str, int], DecodedChunk] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    def _signals(self, connection: Connection, row: RowMapping) -> JsonObject | None:
        """The row's signals: its JSON, or its row of a stored chunk (decoded chunks kept)."""
        if row["signal_chunk"] is None:
            signals: JsonObject | None = row["signals"]
            return signals
        key = (str(row["run_id"]), int(row["signal_chunk"]))
        with self._lock:
            chunk = self._decoded.get(key)
            if chunk is not None:
                self._decoded.move_to_end(key)
        if chunk is None:
            data = connection.execute(_CHUNK, {"run_id": key[0], "chunk": key[1]}).scalar_one()
            chunk = DecodedChunk(data)
            with self._lock:
                self._decoded[key] = chunk
                while len(self._decoded) > _DECODED_KEPT:
                    self._decoded.popitem(last=False)
        return chunk.row(int(row["signal_row"]))

    @property
    def engine(self) -> Engine:
        """The database the decisions are stored in."""
        return self._engine

    def save_run(
        self, run: DecisionRun, decided: Mapping[str, JsonObject], signals: SignalRows
    ) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                insert(decision_runs),
                {
                    "run_id": run.run_id,
                    "as_of": run.as_of,
                    "started_at": run.started_at,
                    "engine": run.engine,
                    "playbook": run.playbook,
                    "summary": run.summary,
                },
            )
            for number, chunk in enumerate(signals.chunks()):
                connection.execute(
                    insert(decision_signal_chunks),
                    {"run_id": run.run_id, "chunk": number, "data": chunk.payload},
                )
                connection.execute(
                    insert(decisions),
                    [
                        {
                            "run_id": run.run_id,
                            "account_id": account_id,
                            "external_id": external_id,
                            "as_of": run.as_of,
                            "decision": decided.get(account_id),
                            "signals": None,
                            "signal_chunk": number,
                            "signal_row": row,
                        }
                        for row, (account_id, external_id) in enumerate(
                            zip(chunk.account_ids, chunk.external_ids, strict=True)
                        )
                    ],
                )
            newest = select(decision_runs.c.run_id).order_by(
                decision_runs.c.started_at.desc(), decision_runs.c.run_id.desc()
            )
            old = [r for (r,) in connection.execute(newest.offset(KEEP_RUNS))]
            if old:
                connection.execute(delete(decisions).where(decisions.c.run_id.in_(old)))
                connection.execute(
                    delete(decision_signal_chunks).where(decision_signal_chunks.c.run_id.in_(old))
                )
                connection.execute(delete(decision_runs).where(decision_runs.c.run_id.in_(old)))

    def latest_run(self) -> DecisionRun | None:
        query = (
            select(decision_runs)
            .order_by(decision_runs.c.started_at.desc(), decision_runs.c.run_id.desc())
            .limit(1)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _run(row) if row else None

    def latest_run_id(self) -> str | None:
        with self._engine.connect() as connection:
            value = connection.execute(_LATEST_RUN_ID).scalar()
        return None if value is None else str(value)

    def runs(self) -> list[DecisionRun]:
        query = select(decision_runs).order_by(
            decision_runs.c.started_at.desc(), decision_runs.c.run_id.desc()
        )
        with self._engine.connect() as connection:
            return [_run(row) for row in connection.execute(query).mappings()]

    def decision(self, account: str, run_id: str | None = None) -> StoredDecision | None:
        with self._engine.connect() as connection:
            if run_id is None:
                run_id = connection.execute(_LATEST_RUN_ID).scalar()
                if run_id is None:
                    return None
            for statement in (_BY_ACCOUNT_ID, _BY_EXTERNAL_ID):
                row = (
                    connection.execute(statement, {"run_id": run_id, "account": account})
                    .mappings()
                    .first()
                )
                if row is not None:
                    return _decision(row, self._signals(connection, row))
        return None

    def decisions(self, run_id: str) -> list[StoredDecision]:
        query = (
            select(decisions).where(decisions.c.run_id == run_id).order_by(decisions.c.external_id)
        )
        chunks = select(decision_signal_chunks.c.chunk, decision_signal_chunks.c.data).where(
            decision_signal_chunks.c.run_id == run_id
        )
        with self._engine.connect() as connection:
            decoded = {n: DecodedChunk(data) for n, data in connection.execute(chunks)}
            return [
                _decision(
                    row,
                    row["signals"]
                    if row["signal_chunk"] is None
                    else decoded[row["signal_chunk"]].row(row["signal_row"]),
                )
                for row in connection.execute(query).mappings()
            ]

    def record_outcome(self, outcome: OutcomeRecord) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                insert(offer_outcomes),
                {
                    "account_id": outcome.account_id,
                    "offer": outcome.offer,
                    "outcome": outcome.outcome.value,
                    "channel": outcome.channel,
                    "placement": outcome.placement,
                    "at": outcome.at,
                },
            )

    def outcomes(self, account_id: str | None = None) -> list[OutcomeRecord]:
        query = select(offer_outcomes).order_by(offer_outcomes.c.id)
        if account_id is not None:
            query = query.where(offer_outcomes.c.account_id == account_id)
        with self._engine.connect() as connection:
            return [_outcome(row) for row in connection.execute(query).mappings()]
