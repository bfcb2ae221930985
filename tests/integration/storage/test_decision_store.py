"""The decision store on SQLite and PostgreSQL: a run's signals kept as Arrow chunks, read back."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from sqlalchemy import Engine

from tierwise.adapters.signal_chunks import CHUNK_ROWS
from tierwise.adapters.signal_engine import ArrowSignalRows
from tierwise.adapters.sql.decision_store import KEEP_RUNS, SqlDecisionStore
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
