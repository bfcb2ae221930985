"""A vendor's own events table, named differently, gives the same signals through a mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tierwise.adapters.analytics.engine import (
    ColumnMapping,
    duckdb_backend,
    events_from_table,
    parquet_events,
)
from tierwise.adapters.analytics.signals import compute_signals
from tierwise.errors import InvalidInput

from . import dataset

WAREHOUSE_MAPPING = ColumnMapping(
    account="org_id",
    subject="user_key",
    type="event_name",
    time="occurred_at",
    properties="payload",
    property_columns={"score": "survey_score"},
)


def test_a_differently_named_table_gives_the_same_signals(
    store_dir: Path, duckdb_rows: dict[str, dict[str, Any]]
) -> None:
    # given: the warehouse's table — other names, a naive UTC timestamp, scores in a column
    backend = duckdb_backend()
    backend.raw_sql(
        f"""
        CREATE TABLE product_events AS
        SELECT account AS org_id, subject AS user_key, type AS event_name,
               time::TIMESTAMP AS occurred_at, properties AS payload,
               TRY_CAST(json_extract_string(properties, '$.score') AS DOUBLE) AS survey_score,
               'web' AS channel
        FROM read_parquet('{str(store_dir / "export").replace("'", "''")}/**/*.parquet')
        """
    )
    events = events_from_table(backend.table("product_events"), WAREHOUSE_MAPPING)
    # when
    table = compute_signals(
        events,
        dataset.ledger(),
        dataset.catalog(),
        dataset.AS_OF,
        milestones_defined=dataset.MILESTONES,
    )
    rows = {row["account_id"]: row for row in backend.to_pyarrow(table).to_pylist()}
    # then
    assert rows == duckdb_rows


def test_the_parquet_export_gives_the_same_signals(
    store_dir: Path, duckdb_rows: dict[str, dict[str, Any]]
) -> None:
    events = parquet_events(store_dir / "export")
    table = compute_signals(
        events,
        dataset.ledger(),
        dataset.catalog(),
        dataset.AS_OF,
        milestones_defined=dataset.MILESTONES,
    )
    rows = events.table._find_backend().to_pyarrow(table).to_pylist()
    assert {row["account_id"]: row for row in rows} == duckdb_rows


def test_a_mapping_naming_a_missing_column_is_refused_with_its_name() -> None:
    backend = duckdb_backend()
    backend.raw_sql("CREATE TABLE t AS SELECT 'a' AS org, now()::TIMESTAMP AS at, 'x' AS kind")
    with pytest.raises(InvalidInput, match="'org_id'"):
        events_from_table(backend.table("t"), ColumnMapping(account="org_id", time="at"))


def test_a_time_column_must_be_a_timestamp() -> None:
    backend = duckdb_backend()
    backend.raw_sql("CREATE TABLE t AS SELECT 'a' AS account, 'x' AS type, '2026-01-01' AS time")
    mapping = ColumnMapping(subject=None, properties=None)
    with pytest.raises(InvalidInput, match="not a timestamp"):
        events_from_table(backend.table("t"), mapping)
