"""The large-run path of decide: batch decisions, documents rendered on read, columnar signals.

A run over more accounts than it keeps documents for decides its fired accounts column-wise
(:mod:`tierwise.services.decision_batch`) and stores each account's signals as Arrow chunks; on
the test company it must give exactly the run decided account by account with every document
kept: the same summary, the same stored outcomes, the same documents rendered on read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierwise import bootstrap
from tierwise.adapters.sql.decision_store import SqlDecisionStore
from tierwise.adapters.sql.ledger_reader import SqlLiveCounters
from tierwise.catalog.versions import Catalog
from tierwise.config import Settings
from tierwise.demo.build import BuiltCompany
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
    """The same decisions, run as a large run: no document kept, decided column-wise."""
    return Decisions(
        decisions.rules,
        decisions.signal_engine,
        store,
        live=SqlLiveCounters(store.engine),
        new_run_id=lambda at: f"large_{at.timestamp():.0f}",
        keep_documents=0,
    )


def test_a_large_run_decided_column_wise_equals_the_run_decided_account_by_account(
    decisions: Decisions, large: Decisions, store: SqlDecisionStore
) -> None:
    # when the same day is decided both ways
    kept = decisions.decide(AS_OF, started_at=NOW)
    rendered = large.decide(AS_OF, started_at=NOW + dt.timedelta(seconds=1))
    # then the summaries agree, and every document rendered on read equals the one kept
    assert rendered.run.summary == kept.run.summary
    assert rendered.fired == kept.fired > 16
    assert len(rendered.decisions) == len(kept.decisions) == 120
    assert list(rendered.decisions) == list(kept.decisions)
    # and every stored outcome of the column-wise run is the outcome of the document kept
    for document in kept.decisions:
        stored = store.decision(str(document["account_id"]), rendered.run.run_id)
        assert stored is not None
        expected = None if "evaluated" in document else outcome_of(document)
        assert stored.decision == expected


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


def test_a_large_run_in_two_processes_stores_the_same_outcomes(
    decisions: Decisions, large: Decisions, store: SqlDecisionStore
) -> None:
    # when the same day is decided in one process and, half the fired accounts forked, in two
    # (the newest runs of this module: the store keeps the three newest)
    one = large.decide(AS_OF, started_at=NOW + dt.timedelta(minutes=40))
    two = large.decide(AS_OF, started_at=NOW + dt.timedelta(minutes=41), processes=2)
    # then the runs agree account by account
    assert two.run.summary == one.run.summary
    assert two.fired == one.fired > 16
    first = {d.account_id: d.decision for d in store.decisions(one.run.run_id)}
    second = {d.account_id: d.decision for d in store.decisions(two.run.run_id)}
    assert len(first) == 120
    assert second == first
