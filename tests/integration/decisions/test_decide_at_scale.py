"""The large-run path of decide: worker processes, documents rendered on read, columnar signals.

A run over more accounts than it keeps documents for decides its fired accounts in forked
worker processes and stores each account's signals as Arrow chunks; on the demo company it must
give exactly the run decided in process with every document kept.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierwise import bootstrap
from tierwise.adapters.sql.decision_store import SqlDecisionStore
from tierwise.adapters.sql.ledger_reader import SqlLiveCounters
from tierwise.catalog.versions import Catalog
from tierwise.config import Settings
from tierwise.demo.build import BuiltCompany
from tierwise.services.decision_workers import in_parts
from tierwise.services.decisions import Decisions, outcome_of, signals_json

from .conftest import AS_OF

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


@pytest.fixture
def store(company: tuple[Path, BuiltCompany]) -> Iterator[SqlDecisionStore]:
    data_dir, _ = company
    engine = bootstrap.ledger_engine(Settings(data_dir=data_dir, database_url=None))
    yield SqlDecisionStore(engine)
    engine.dispose()


@pytest.fixture
def large(decisions: Decisions, store: SqlDecisionStore, catalog: Catalog) -> Decisions:
    """The same decisions, run as a large run: no document kept, 2 workers, parts of 16."""
    return Decisions(
        decisions.rules,
        decisions.signal_engine,
        store,
        live=SqlLiveCounters(store.engine),
        new_run_id=lambda at: f"large_{at.timestamp():.0f}",
        workers=2,
        keep_documents=0,
        part_size=16,
    )


def test_a_large_run_in_worker_processes_equals_the_run_in_process(
    decisions: Decisions, large: Decisions
) -> None:
    # when the same day is decided both ways
    kept = decisions.decide(AS_OF, started_at=NOW)
    rendered = large.decide(AS_OF, started_at=NOW + dt.timedelta(seconds=1))
    # then the summaries agree, and every document rendered on read equals the one kept
    assert rendered.run.summary == kept.run.summary
    assert rendered.fired == kept.fired > 16  # more than one part went to the workers
    assert len(rendered.decisions) == len(kept.decisions) == 120
    assert list(rendered.decisions) == list(kept.decisions)


def test_the_stored_decision_is_the_outcome_and_the_signals_are_the_engines(
    large: Decisions, store: SqlDecisionStore
) -> None:
    # given a large run (the newest), and the engine's rows for the same day
    run = large.decide(AS_OF, started_at=NOW + dt.timedelta(minutes=10))
    rows = large.signal_engine.compute(large.request(AS_OF)).accounts
    fired = next(i for i, d in enumerate(run.decisions) if "evaluated" not in d)
    quiet = next(i for i, d in enumerate(run.decisions) if "evaluated" in d)
    for row in (fired, quiet):
        account = rows.account(row)
        # when
        stored = store.decision(account.account.external_id)
        # then the chunk gives back the very values and fired conditions of the engine
        assert stored is not None
        assert stored.run_id == run.run.run_id
        assert stored.signals == signals_json(account.values) | {"$fired": sorted(account.fired)}
    fired_stored = store.decision(str(run.decisions[fired]["account_id"]))
    quiet_stored = store.decision(str(run.decisions[quiet]["account_id"]))
    assert fired_stored is not None
    assert quiet_stored is not None
    assert fired_stored.decision == outcome_of(run.decisions[fired])
    assert quiet_stored.decision is None  # nothing fired: nothing but the signals is stored


def test_explain_reads_the_columnar_signals_of_a_large_run(large: Decisions) -> None:
    # given a large run (the newest)
    run = large.decide(AS_OF, started_at=NOW + dt.timedelta(minutes=20))
    decision = next(d for d in run.decisions if d["chosen"])
    # when
    explained = large.explain(str(decision["external_id"]))
    # then the full evaluation comes back with the run's choice and the stored values
    assert explained["chosen"] == decision["chosen"]
    assert explained["vectorised_fired"]
    assert explained["signals"]["plan"] == decision["plan"]


def _squares(start: int, stop: int) -> list[tuple[int, int]]:
    return [(i, os.getpid()) for i in range(start, stop)]


def test_parts_come_back_in_order_from_the_worker_processes() -> None:
    # when 10 items are done in parts of 3 by 2 forked workers
    parts = list(in_parts(_squares, 10, workers=2, part=3))
    # then every item comes once, in order, with the count done after each part
    assert [done for done, _ in parts] == [3, 6, 9, 10]
    assert [i for _, part in parts for i, _ in part] == list(range(10))
    assert {pid for _, part in parts for _, pid in part} - {os.getpid()}  # not in this process
