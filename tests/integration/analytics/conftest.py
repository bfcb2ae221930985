"""The hand-built dataset in a real event store, and its signals on DuckDB (computed once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tierwise.adapters.analytics.engine import event_store_events
from tierwise.adapters.analytics.signals import compute_signals
from tierwise.adapters.event_store import EventStore

from . import dataset


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("analytics")
    with EventStore.open(directory) as store:
        store.append(dataset.events())
        store.export_parquet(directory / "export")
    return directory


@pytest.fixture(scope="session")
def duckdb_rows(store_dir: Path) -> Iterator[dict[str, dict[str, Any]]]:
    events = event_store_events(store_dir / "events.duckdb")
    table = compute_signals(
        events,
        dataset.ledger(),
        dataset.catalog(),
        dataset.AS_OF,
        milestones_defined=dataset.MILESTONES,
    )
    rows = events.table._find_backend().to_pyarrow(table).to_pylist()
    yield {row["account_id"]: row for row in rows}
    events.table._find_backend().disconnect()
