"""DuckDB and Spark compute identical signals from the same events (Spark in local mode).

DuckDB reads the event store file; Spark reads the store's Parquet export — the way a Spark
deployment reads events. Skipped with the reason when Java or PySpark is missing, unless
``CI=true``: then it fails, so CI never passes without the Spark half (``spark_support``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.spark_support import SPARK_WARNINGS, require_spark
from tierwise.adapters.analytics.engine import parquet_events, spark_session
from tierwise.adapters.analytics.signals import compute_signals

from . import dataset

pytestmark = SPARK_WARNINGS


@pytest.fixture(scope="module")
def spark_rows(store_dir: Path) -> Iterator[dict[str, dict[str, Any]]]:
    require_spark()
    import ibis

    session = spark_session(master="local[2]", shuffle_partitions=2)
    try:
        backend = ibis.pyspark.connect(session)
        events = parquet_events(store_dir / "export", backend)
        table = compute_signals(
            events,
            dataset.ledger(),
            dataset.catalog(),
            dataset.AS_OF,
            milestones_defined=dataset.MILESTONES,
        )
        rows = backend.to_pyarrow(table).to_pylist()
        yield {row["account_id"]: row for row in rows}
    finally:
        session.stop()


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-12)
    return left == right and type(left) is type(right)


def test_spark_computes_the_same_rows_as_duckdb(
    spark_rows: dict[str, dict[str, Any]], duckdb_rows: dict[str, dict[str, Any]]
) -> None:
    # then: same accounts, same columns in the same order, same values
    assert sorted(spark_rows) == sorted(duckdb_rows)
    for account, expected in duckdb_rows.items():
        actual = spark_rows[account]
        assert list(actual) == list(expected)
        different = {
            name: (expected[name], actual[name])
            for name in expected
            if not _same(expected[name], actual[name])
        }
        assert different == {}, account
