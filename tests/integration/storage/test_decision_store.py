"""The decision store on SQLite and PostgreSQL: a run's signals kept as Arrow chunks, its
decisions beside them and its accounts found through key pages, read back; runs stored before
the key pages still read."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from sqlalchemy import Engine, func, insert, select

from tierwise.adapters.signal_chunks import CHUNK_ROWS
from tierwise.adapters.signal_engine import ArrowSignalRows
from tierwise.adapters.sql.decision_store import KEEP_RUNS, SqlDecisionStore
from tierwise.adapters.sql.decision_tables import (
    decision_keys,
    decision_runs,
    decision_signal_chunks,
    decisions,
)
from tierwise.catalog.model import BillingInterval
from tierwise.pricing.quotes import CurrentSubscription
from tierwise.services.decision_ports import AccountRecord, DecisionRun

AS_OF = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
ACCOUNTS = CHUNK_ROWS + 5  # two chunks, the second of 5 rows


def _record(i: int) -> AccountRecord:
    return AccountRecord(
        account_id=f"A{i}",
        external_id=f"e{i:05d}",
        name=f"Account {i}",
        currency="EUR",
        catalog_version="2026-01",
        subscription_id=f"S{i}",
        subscription=CurrentSubscription(
            plan="team", interval=BillingInterval.MONTH, currency="EUR", period_start=AS_OF.date()
        ),
    )


def _rows() -> ArrowSignalRows:
    """Signals as the engine returns them: a number, a text with nulls, a date, and one
    condition that fires for every third account."""
    n = range(ACCOUNTS)
    table = pa.table(
        {
            "account_id": [f"A{i}" for i in n],
            "external_id": [f"e{i:05d}" for i in n],
            "seats": list(n),
            "segment": [None if i % 2 else "smb" for i in n],
            "renewal_on": [dt.date(2027, 1, 1) for _ in n],
            "_c0": [i % 3 == 0 for i in n],
        }
    )
    records = {f"A{i}": _record(i) for i in n}
    columns = ["account_id", "external_id", "seats", "segment", "renewal_on"]
    return ArrowSignalRows(table, ["trigger:more_seats"], columns, records)


def _run(run_id: str, minutes: int) -> DecisionRun:
    return DecisionRun(
        run_id=run_id,
        as_of=AS_OF,
        started_at=AS_OF + dt.timedelta(minutes=minutes),
        engine="duckdb",
        playbook="test 1",
        summary={"accounts": ACCOUNTS},
    )


def test_a_run_keeps_every_accounts_signals_and_only_the_fired_decisions(engine: Engine) -> None:
    # given a run in which account A1026 (in the second chunk) fired and A1 did not
    store = SqlDecisionStore(engine)
    decided = {"A1026": {"chosen": {"in_app": {"offer": "more_seats"}}}}
    # when
    store.save_run(_run("r1", 0), decided, _rows())
    fired = store.decision("e01026")
    quiet = store.decision("A1")
    # then each comes back with its own values (nulls left out, dates as ISO text)
    assert fired is not None
    assert quiet is not None
    assert fired.decision == decided["A1026"]
    assert fired.signals == {
        "external_id": "e01026",
        "seats": 1026,
        "segment": "smb",
        "renewal_on": "2027-01-01",
        "$fired": ["trigger:more_seats"],  # 1026 = 3 × 342
    }
    assert quiet.decision is None
    assert quiet.signals == {
        "external_id": "e00001",
        "seats": 1,
        "renewal_on": "2027-01-01",
        "$fired": [],
    }
    every = store.decisions("r1")
    assert [d.external_id for d in every] == [f"e{i:05d}" for i in range(ACCOUNTS)]
    assert every[1026].signals == fired.signals


def test_only_the_newest_runs_are_kept_with_their_chunks(engine: Engine) -> None:
    # given
    store = SqlDecisionStore(engine)
    rows = _rows()
    # when one run more than are kept is saved
    for k in range(KEEP_RUNS + 1):
        store.save_run(_run(f"r{k}", k), {}, rows)
    # then the oldest is gone, decisions and signals with it
    assert [r.run_id for r in store.runs()] == [f"r{k}" for k in reversed(range(1, KEEP_RUNS + 1))]
    assert store.decisions("r0") == []
    assert store.decision("A7", "r0") is None
    newest = store.decision("A7")
    assert newest is not None
    assert newest.run_id == f"r{KEEP_RUNS}"
    assert newest.signals["seats"] == 7


def _many_rows(accounts: int) -> tuple[ArrowSignalRows, list[str], list[str]]:
    """Rows as the engine returns them, in external id order, with account ids in another
    order (the ledger's ids are random) and one non-ASCII external id, whose UTF-8 sorts it
    after every ASCII one."""
    n = range(accounts)
    account_ids = [f"A{(i * 7919) % accounts:05d}" for i in n]  # 7919 is prime: a permutation
    external_ids = [f"e{i:05d}" for i in n]
    if external_ids:
        external_ids[-1] = "é-last"
    table = pa.table(
        {
            "account_id": pa.array(account_ids, pa.string()),
            "external_id": pa.array(external_ids, pa.string()),
            "seats": pa.array(list(n), pa.int64()),
            "_c0": pa.array([i % 3 == 0 for i in n], pa.bool_()),
        }
    )
    records = {a: _record(i) for i, a in enumerate(account_ids)}
    rows = ArrowSignalRows(
        table, ["trigger:more_seats"], ["account_id", "external_id", "seats"], records
    )
    return rows, account_ids, external_ids


def test_a_run_of_several_chunks_and_key_pages_reads_back_every_account_exactly(
    engine: Engine,
) -> None:
    # given 2,100 accounts: chunks of 1,024, 1,024 and 52 rows; key pages of 100 keys, so an
    # account is found through one of 21 pages per kind; every fifth account decided
    accounts = 2 * CHUNK_ROWS + 52
    rows, account_ids, external_ids = _many_rows(accounts)
    decided = {
        a: {"chosen": {"email": {"offer": f"offer_{i}"}}, "ranked": [i, 2**70]}
        for i, a in enumerate(account_ids)
        if i % 5 == 0
    }
    store = SqlDecisionStore(engine, page_keys=100)
    # when
    store.save_run(_run("r1", 0), decided, rows)
    # then each account reads back by its id and by its external id, with its own decision
    # (integers past 64 bits kept) and its own signals ($fired: every third account)
    for i, (account_id, external_id) in enumerate(zip(account_ids, external_ids, strict=True)):
        for key in (account_id, external_id):
            found = store.decision(key)
            assert found is not None, key
            assert (found.run_id, found.account_id, found.external_id) == (
                "r1",
                account_id,
                external_id,
            )
            assert found.as_of == AS_OF
            assert found.decision == decided.get(account_id)
            assert found.signals == {
                "external_id": external_id,
                "seats": i,
                "$fired": ["trigger:more_seats"] if i % 3 == 0 else [],
            }
    # keys before the first page, between two keys, and after the last page are not found
    for missing in ("", "A", "A00000x", "e00001x", "zzz", "éz"):
        assert store.decision(missing) is None, missing
    # and the whole run lists every account once, by external id
    every = store.decisions("r1")
    assert [d.external_id for d in every] == sorted(external_ids)
    assert {d.account_id: d.decision for d in every if d.decision} == decided
    assert every[7] == store.decision(external_ids[7])


def test_a_run_stored_before_the_key_pages_still_reads_and_is_pruned(engine: Engine) -> None:
    # given a run stored as before migration 0009: a decisions row per account, and a chunk
    # compressed by Arrow itself (one LZ4 frame per buffer), which pack() never wrote
    table = pa.table({"external_id": ["e1", "e2"], "seats": [4, 9], "_c0": [True, False]})
    table = table.replace_schema_metadata({b"tierwise.conditions": b'["trigger:more_seats"]'})
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    with engine.begin() as connection:
        connection.execute(
            insert(decision_runs),
            {
                "run_id": "old",
                "as_of": AS_OF,
                "started_at": AS_OF,
                "engine": "duckdb",
                "playbook": "test 1",
                "summary": {"accounts": 2},
            },
        )
        connection.execute(
            insert(decision_signal_chunks),
            {"run_id": "old", "chunk": 0, "data": sink.getvalue().to_pybytes()},
        )
        connection.execute(
            insert(decisions),
            [
                {
                    "run_id": "old",
                    "account_id": f"A{i}",
                    "external_id": f"e{i}",
                    "as_of": AS_OF,
                    "decision": {"chosen": {}} if i == 1 else None,
                    "signal_chunk": 0,
                    "signal_row": i - 1,
                }
                for i in (1, 2)
            ],
        )
    store = SqlDecisionStore(engine)
    # when read
    first = store.decision("A1")
    second = store.decision("e2")
    # then as stored
    assert first is not None
    assert second is not None
    assert (first.decision, first.signals) == (
        {"chosen": {}},
        {"external_id": "e1", "seats": 4, "$fired": ["trigger:more_seats"]},
    )
    assert (second.account_id, second.decision, second.signals["seats"]) == ("A2", None, 9)
    assert [d.account_id for d in store.decisions("old")] == ["A1", "A2"]
    # and when as many new runs as are kept are saved, it goes with its rows and chunks
    rows = _rows()
    for k in range(KEEP_RUNS):
        store.save_run(_run(f"new{k}", k + 1), {}, rows)
    assert store.decision("A1", "old") is None
    with engine.connect() as connection:
        for stored in (decisions, decision_signal_chunks, decision_runs):
            query = select(func.count()).select_from(stored).where(stored.c.run_id == "old")
            assert connection.execute(query).scalar() == 0
        leftover = select(func.count()).select_from(decision_keys)
        assert connection.execute(leftover).scalar() == 2 * KEEP_RUNS  # one page a kind a run


def test_an_account_twice_in_a_run_is_refused_and_nothing_of_the_run_is_kept(
    engine: Engine,
) -> None:
    # given rows where the second account's id is also the third's (the engine never makes them,
    # but a run is one decision an account, as the decisions table's primary key enforced)
    _, account_ids, _ = _many_rows(3)
    table = pa.table(
        {
            "account_id": [*account_ids[:2], account_ids[1]],
            "external_id": ["e1", "e2", "e3"],
            "seats": [1, 2, 3],
            "_c0": [False, False, False],
        }
    )
    records = {a: _record(i) for i, a in enumerate(account_ids)}
    twice = ArrowSignalRows(table, ["trigger:more_seats"], ["account_id", "external_id"], records)
    store = SqlDecisionStore(engine)
    # when / then
    with pytest.raises(ValueError, match=f"account id '{account_ids[1]}' is in the run twice"):
        store.save_run(_run("r1", 0), {}, twice)
    assert store.runs() == []
    assert store.decision("e1") is None


def test_a_run_of_no_accounts_reads_as_empty(engine: Engine) -> None:
    # given
    store = SqlDecisionStore(engine)
    rows, _, _ = _many_rows(0)
    # when
    store.save_run(_run("r1", 0), {}, rows)
    # then
    assert [r.run_id for r in store.runs()] == ["r1"]
    assert store.decisions("r1") == []
    assert store.decision("A00000") is None


def test_reads_see_the_last_saved_run_while_the_next_one_is_being_saved(engine: Engine) -> None:
    # given a saved run, and the next run's transaction open (on SQLite it holds the write lock)
    store = SqlDecisionStore(engine)
    store.save_run(_run("r1", 0), {}, _rows())
    with engine.begin() as saving:
        saving.execute(
            insert(decision_runs),
            {
                "run_id": "r2",
                "as_of": AS_OF,
                "started_at": AS_OF + dt.timedelta(minutes=1),
                "engine": "duckdb",
                "playbook": "test 1",
                "summary": {"accounts": 0},
            },
        )
        # when the real-time path reads meanwhile
        found = store.decision("A7")
        # then it reads the committed run at once (a SQLite reader that asked for the write
        # lock would wait out the 30 s busy timeout, then fail with "database is locked")
        assert found is not None
        assert found.run_id == "r1"
        assert [r.run_id for r in store.runs()] == ["r1"]
