"""The decision store in SQL: decide runs, decisions with their signals, and offer outcomes.

A run and all its decisions are written in one transaction, and only the newest
:data:`KEEP_RUNS` runs are kept: a decision is a snapshot of one moment, and the next run
supersedes it. A run is stored as rows of whole chunks, never a row per account: each of the
engine's signal chunks (:mod:`tierwise.adapters.signal_chunks`, 1,024 accounts, compressed
Arrow) with, beside it, the chunk's accounts and what was decided for each (null when nothing
fired); and the run's account ids and external ids in sorted key pages, each key with the chunk
and row of its account (:mod:`tierwise.adapters.sql.decision_pages`). A million accounts make
about 1,500 rows instead of a million.

Lookups of one account's latest decision (the real-time path) are three indexed reads: the
newest run, the key page that would hold the account id (then, if it is not there, the external
id), and the account's chunk, unless one of the last few decoded is it, of which the one row is
read. Reads never take SQLite's write lock (:func:`~tierwise.adapters.sql.engine.reading`): they
see the last committed run while the next one is being saved. Runs stored before the key pages
(``layout`` null) have a ``decisions`` row per account and read as they always did.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
from sqlalchemy import Connection, Engine, RowMapping, bindparam, delete, insert, select

from tierwise.adapters.signal_chunks import DecodedChunk
from tierwise.adapters.sql.decision_pages import (
    PAGE_KEYS,
    DecodedAccounts,
    KeyPage,
    encode_accounts,
    key_pages,
)
from tierwise.adapters.sql.decision_tables import (
    LAYOUT_PAGED,
    decision_keys,
    decision_runs,
    decision_signal_chunks,
    decisions,
    offer_outcomes,
)
from tierwise.adapters.sql.engine import json_text, reading
from tierwise.licensing.events import JsonObject
from tierwise.offers.cadence import OfferOutcome
from tierwise.services.decision_ports import (
    DecisionRun,
    DecisionStore,
    OutcomeRecord,
    SignalChunk,
    SignalRows,
    StoredDecision,
)

__all__ = ["KEEP_RUNS", "SqlDecisionStore"]

#: How many decide runs are kept (older ones are deleted with their decisions).
KEEP_RUNS = 3
#: The keys an account is found by, in the order they are tried.
_KEYS = ("account_id", "external_id")
#: Chunk rows written per ``executemany`` (a bounded number of payloads held at once).
_CHUNKS_PER_INSERT = 64
# The real-time path's statements, built once (values travel as parameters).
_NEWEST = (decision_runs.c.started_at.desc(), decision_runs.c.run_id.desc())
_NEWEST_RUN_IDS = select(decision_runs.c.run_id).order_by(*_NEWEST)
_LATEST_RUN_ID = _NEWEST_RUN_IDS.limit(1)
_RUN_COLUMNS = (decision_runs.c.run_id, decision_runs.c.as_of, decision_runs.c.layout)
_LATEST_RUN = select(*_RUN_COLUMNS).order_by(*_NEWEST).limit(1)
_RUN = select(*_RUN_COLUMNS).where(decision_runs.c.run_id == bindparam("run_id"))
_PAGE = (
    select(decision_keys.c.data)
    .where(
        decision_keys.c.run_id == bindparam("run_id"),
        decision_keys.c.kind == bindparam("kind"),
        decision_keys.c.first_key <= bindparam("key"),
    )
    .order_by(decision_keys.c.first_key.desc())
    .limit(1)
)
_BY_ACCOUNT_ID = select(decisions).where(
    decisions.c.run_id == bindparam("run_id"), decisions.c.account_id == bindparam("account")
)
_BY_EXTERNAL_ID = select(decisions).where(
    decisions.c.run_id == bindparam("run_id"), decisions.c.external_id == bindparam("account")
)
_CHUNK = select(decision_signal_chunks.c.data, decision_signal_chunks.c.accounts).where(
    decision_signal_chunks.c.run_id == bindparam("run_id"),
    decision_signal_chunks.c.chunk == bindparam("chunk"),
)
#: orjson's options in :func:`~tierwise.adapters.sql.engine.json_text`, which JSON columns are
#: written with: what orjson would write but the standard library refuses goes to json_text.
_AS_JSON_TEXT = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _json(document: JsonObject) -> bytes:
    """A decision as UTF-8 JSON, as a JSON column would hold it (850,000 of them in a run of a
    million accounts: orjson's bytes as they are, not decoded to text and encoded again)."""
    try:
        return orjson.dumps(document, option=_AS_JSON_TEXT)
    except orjson.JSONEncodeError:  # str/int subclasses, integers past 64 bits, dates…
        return json_text(document).encode()


#: Decoded chunks kept for the next reads (neighbours by external id share a chunk; decoding
#: one costs about 0.6 ms, reading a row of a decoded one about a quarter of that).
_DECODED_KEPT = 16


def _ahead(chunks: Iterator[SignalChunk]) -> Iterator[SignalChunk]:
    """``chunks``, each next one made in a worker thread while the caller stores this one.

    The engine's encoding of a chunk (an Arrow IPC stream, LZ4) runs mostly outside the GIL,
    as do SQLite's writes; the decisions' JSON and the accounts' encoding hold it. Overlapped,
    the two take the time of the longer rather than the sum (a quarter of the store stage's CPU
    at a million accounts is the engine's encoding). The worker only advances ``chunks``; nothing
    else (not ``decided``, which may build documents as they are asked for) leaves the caller's
    thread.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="tierwise-chunks") as worker:
        pending = worker.submit(next, chunks, None)
        while (chunk := pending.result()) is not None:
            pending = worker.submit(next, chunks, None)
            yield chunk


class _Chunk:
    """A stored chunk decoded: its signals and (runs stored in pages) its accounts."""

    __slots__ = ("accounts", "signals")

    def __init__(self, data: bytes, accounts: bytes | None) -> None:
        self.signals = DecodedChunk(data)
        self.accounts = None if accounts is None else DecodedAccounts(accounts)


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
    def __init__(self, engine: Engine, *, page_keys: int = PAGE_KEYS) -> None:
        """``page_keys``: keys per key page of the runs it saves (any size reads back)."""
        self._engine = engine
        self._reader = reading(engine)  # reads take a snapshot beside a run being saved
        self._page_keys = page_keys
        self._decoded: collections.OrderedDict[tuple[str, int], _Chunk] = collections.OrderedDict()
        self._lock = threading.Lock()

    def _chunk(self, connection: Connection, run_id: str, number: int) -> _Chunk:
        """Chunk ``number`` of the run, decoded (the last few decoded are kept)."""
        key = (run_id, number)
        with self._lock:
            chunk = self._decoded.get(key)
            if chunk is not None:
                self._decoded.move_to_end(key)
        if chunk is None:
            data, accounts = connection.execute(_CHUNK, {"run_id": run_id, "chunk": number}).one()
            chunk = _Chunk(data, accounts)
            with self._lock:
                self._decoded[key] = chunk
                while len(self._decoded) > _DECODED_KEPT:
                    self._decoded.popitem(last=False)
        return chunk

    def _signals(self, connection: Connection, row: RowMapping) -> JsonObject | None:
        """A ``decisions`` row's signals: its JSON, or its row of a stored chunk."""
        if row["signal_chunk"] is None:
            signals: JsonObject | None = row["signals"]
            return signals
        chunk = self._chunk(connection, str(row["run_id"]), int(row["signal_chunk"]))
        return chunk.signals.row(int(row["signal_row"]))

    @property
    def engine(self) -> Engine:
        """The database the decisions are stored in."""
        return self._engine

    def save_run(
        self, run: DecisionRun, decided: Mapping[str, JsonObject], signals: SignalRows
    ) -> None:
        ids: dict[str, list[pa.Array]] = {kind: [] for kind in _KEYS}
        numbers: list[np.ndarray[Any, np.dtype[np.int32]]] = []
        rows: list[np.ndarray[Any, np.dtype[np.int32]]] = []
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
                    "layout": LAYOUT_PAGED,
                },
            )
            pending: list[dict[str, object]] = []
            for number, chunk in enumerate(_ahead(signals.chunks())):
                texts = [
                    None if document is None else _json(document)
                    for document in map(decided.get, chunk.account_ids)
                ]
                account_ids = pa.array(chunk.account_ids, pa.string())
                external_ids = pa.array(chunk.external_ids, pa.string())
                pending.append(
                    {
                        "run_id": run.run_id,
                        "chunk": number,
                        "data": chunk.payload,
                        "accounts": encode_accounts(account_ids, external_ids, texts),
                    }
                )
                if len(pending) == _CHUNKS_PER_INSERT:
                    connection.execute(insert(decision_signal_chunks), pending)
                    pending = []
                ids["account_id"].append(account_ids)
                ids["external_id"].append(external_ids)
                size = len(chunk.account_ids)
                numbers.append(np.full(size, number, np.int32))
                rows.append(np.arange(size, dtype=np.int32))
            if pending:
                connection.execute(insert(decision_signal_chunks), pending)
            if numbers:
                chunk_of, row_of = np.concatenate(numbers), np.concatenate(rows)
                for kind, keys in ids.items():
                    connection.execute(
                        insert(decision_keys),
                        self._key_page_rows(run.run_id, kind, keys, chunk_of, row_of),
                    )
            old = [r for (r,) in connection.execute(_NEWEST_RUN_IDS.offset(KEEP_RUNS))]
            if old:
                for table in (decisions, decision_keys, decision_signal_chunks, decision_runs):
                    connection.execute(delete(table).where(table.c.run_id.in_(old)))

    def _key_page_rows(
        self,
        run_id: str,
        kind: str,
        keys: list[pa.Array],
        chunk_of: np.ndarray[Any, np.dtype[np.int32]],
        row_of: np.ndarray[Any, np.dtype[np.int32]],
    ) -> list[dict[str, object]]:
        """``decision_keys`` rows of a run's ``kind`` keys (an account id only once)."""
        pages = key_pages(
            pa.chunked_array(keys, pa.string()).combine_chunks(),
            chunk_of,
            row_of,
            self._page_keys,
            unique="account id" if kind == "account_id" else None,
        )
        return [
            {"run_id": run_id, "kind": kind, "page": page, "first_key": first, "data": data}
            for page, first, data in pages
        ]

    def latest_run(self) -> DecisionRun | None:
        query = select(decision_runs).order_by(*_NEWEST).limit(1)
        with self._reader.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _run(row) if row else None

    def latest_run_id(self) -> str | None:
        with self._reader.connect() as connection:
            value = connection.execute(_LATEST_RUN_ID).scalar()
        return None if value is None else str(value)

    def runs(self) -> list[DecisionRun]:
        query = select(decision_runs).order_by(*_NEWEST)
        with self._reader.connect() as connection:
            return [_run(row) for row in connection.execute(query).mappings()]

    def decision(self, account: str, run_id: str | None = None) -> StoredDecision | None:
        with self._reader.connect() as connection:
            if run_id is None:
                run = connection.execute(_LATEST_RUN).first()
            else:
                run = connection.execute(_RUN, {"run_id": run_id}).first()
            if run is None:
                return None
            if run.layout == LAYOUT_PAGED:
                return self._paged_decision(connection, run.run_id, run.as_of, account)
            for statement in (_BY_ACCOUNT_ID, _BY_EXTERNAL_ID):
                row = (
                    connection.execute(statement, {"run_id": run.run_id, "account": account})
                    .mappings()
                    .first()
                )
                if row is not None:
                    return _decision(row, self._signals(connection, row))
        return None

    def _paged_decision(
        self, connection: Connection, run_id: str, as_of: dt.datetime, account: str
    ) -> StoredDecision | None:
        """The account (id, else external id) in a run stored in pages (module docstring)."""
        key = account.encode()
        for kind in _KEYS:
            page = connection.execute(_PAGE, {"run_id": run_id, "kind": kind, "key": key}).scalar()
            found = None if page is None else KeyPage(page).find(account)
            if found is None:
                continue
            chunk = self._chunk(connection, run_id, found[0])
            assert chunk.accounts is not None  # a paged run's chunks all have their accounts
            row = found[1]
            return StoredDecision(
                run_id=run_id,
                account_id=chunk.accounts.account_id(row),
                external_id=chunk.accounts.external_id(row),
                as_of=as_of,
                decision=chunk.accounts.decision(row),
                signals=chunk.signals.row(row),
            )
        return None

    def decisions(self, run_id: str) -> list[StoredDecision]:
        chunks = (
            select(
                decision_signal_chunks.c.chunk,
                decision_signal_chunks.c.data,
                decision_signal_chunks.c.accounts,
            )
            .where(decision_signal_chunks.c.run_id == run_id)
            .order_by(decision_signal_chunks.c.chunk)
        )
        with self._reader.connect() as connection:
            run = connection.execute(_RUN, {"run_id": run_id}).first()
            if run is None:
                return []
            decoded = {
                n: _Chunk(data, accounts) for n, data, accounts in connection.execute(chunks)
            }
            if run.layout == LAYOUT_PAGED:
                every = []
                for chunk in decoded.values():
                    assert chunk.accounts is not None  # a paged run's chunks all have them
                    for (account_id, external_id, decision), signals in zip(
                        chunk.accounts.rows(), chunk.signals.rows(), strict=True
                    ):
                        every.append(
                            StoredDecision(
                                run_id=run_id,
                                account_id=account_id,
                                external_id=external_id,
                                as_of=run.as_of,
                                decision=decision,
                                signals=signals,
                            )
                        )
                return sorted(every, key=lambda d: d.external_id)
            query = (
                select(decisions)
                .where(decisions.c.run_id == run_id)
                .order_by(decisions.c.external_id)
            )
            return [
                _decision(
                    row,
                    row["signals"]
                    if row["signal_chunk"] is None
                    else decoded[row["signal_chunk"]].signals.row(row["signal_row"]),
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
        with self._reader.connect() as connection:
            return [_outcome(row) for row in connection.execute(query).mappings()]
