"""A staged signal query (the activity part run first into a temporary table) gives the same
rows as the single query, and really runs that part on its own first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ibis.expr import types as ir

from tierwise.adapters.analytics.engine import event_store_events
from tierwise.adapters.analytics.signals import compute_signals, temporary_tables

from . import dataset


def test_staged_signals_equal_the_single_query(
    store_dir: Path, duckdb_rows: dict[str, dict[str, Any]]
) -> None:
    # given: the hand-built company, read by a connection of its own
    events = event_store_events(store_dir / "events.duckdb")
    backend = events.table._find_backend()
    written = temporary_tables(backend)
    staged: list[ir.Table] = []

    def stage(table: ir.Table) -> ir.Table:
        result = written(table)
        staged.append(result)
        return result

    # when: the signals are computed with the activity part staged
    table = compute_signals(
        events,
        dataset.ledger(),
        dataset.catalog(),
        dataset.AS_OF,
        milestones_defined=dataset.MILESTONES,
        stage=stage,
    )
    # then: the part was written before the query ran — one row per (account, role) that has
    # activity — and the final rows are those of the single query, column for column
    assert len(staged) == 1
    part = backend.to_pyarrow(staged[0])
    assert part.num_rows > 0
    assert {"account", "role", "mau", "champion_seen"} <= set(part.column_names)
    rows = {row["account_id"]: row for row in backend.to_pyarrow(table).to_pylist()}
    assert rows == duckdb_rows
    backend.disconnect()
