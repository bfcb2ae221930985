"""A vendor's events table named in configuration: parsed, checked, and read on DuckDB with the
same signals as the event store (the table is the store's events under the warehouse's names)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tierwise.adapters.analytics.engine import ColumnMapping, duckdb_backend
from tierwise.adapters.analytics.event_tables import (
    EventTable,
    open_event_table,
    parse_column_mapping,
    parse_event_table,
)
from tierwise.adapters.analytics.signals import compute_signals
from tierwise.adapters.signal_engine import events_for
from tierwise.errors import InvalidInput

from . import dataset

MAPPING = "account=org_id, subject=user_key,type=event_name,time=occurred_at,properties=payload"
RENAMED = """
    SELECT account AS org_id, subject AS user_key, type AS event_name,
           time::TIMESTAMP AS occurred_at, properties AS payload,
           TRY_CAST(json_extract_string(properties, '$.score') AS DOUBLE) AS survey_score
    FROM read_parquet('{export}/**/*.parquet')
"""


def test_a_mapping_names_our_columns_and_flattened_properties() -> None:
    # when
    mapping = parse_column_mapping(MAPPING + ",score=survey_score")
    # then
    assert mapping == ColumnMapping(
        account="org_id",
        subject="user_key",
        type="event_name",
        time="occurred_at",
        properties="payload",
        property_columns={"score": "survey_score"},
    )


def test_a_mapping_can_say_there_is_no_subject_or_properties_and_keeps_our_other_names() -> None:
    # when
    mapping = parse_column_mapping("subject=, properties=,time=at")
    # then
    assert mapping == ColumnMapping(subject=None, properties=None, time="at")
    assert parse_column_mapping(None) == ColumnMapping()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("account", "'account' is not ours=theirs"),
        ("account=org,account=org_id", "'account' is mapped twice"),
        ("time=", "'time' needs a column"),
        ("account=org id", "'org id' \\(for 'account'\\) is not a column name"),
        ("score=", "property 'score' needs a column"),
        ("=org_id", "'=org_id' is not ours=theirs"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_pair(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        parse_column_mapping(text)
    assert raised.value.field == "events_mapping"


def test_table_references_are_told_apart(tmp_path: Path) -> None:
    # given
    (tmp_path / "events.parquet").write_bytes(b"")
    (tmp_path / "dataset" / "month=2026-03").mkdir(parents=True)
    (tmp_path / "dataset" / "month=2026-03" / "part-0.parquet").write_bytes(b"")
    (tmp_path / "wh.duckdb").write_bytes(b"")
    # when / then
    assert parse_event_table(None) is None
    single = parse_event_table(str(tmp_path / "events.parquet"), "account=org")
    assert single == EventTable(
        "parquet", str(tmp_path / "events.parquet"), None, ColumnMapping(account="org")
    )
    assert parse_event_table(str(tmp_path / "dataset")) == EventTable(
        "parquet", str(tmp_path / "dataset"), None, ColumnMapping()
    )
    assert parse_event_table(f"{tmp_path / 'wh.duckdb'}#analytics.events") == EventTable(
        "duckdb", str(tmp_path / "wh.duckdb"), "analytics.events", ColumnMapping()
    )
    assert parse_event_table("lake.product_events") == EventTable(
        "catalog", "lake.product_events", "lake.product_events", ColumnMapping()
    )


@pytest.mark.parametrize(
    ("reference", "mapping", "message"),
    [
        ("missing.parquet", None, "'missing.parquet': no such file or directory"),
        ("{tmp}", None, "no \\*.parquet file under it"),
        ("{tmp}/wh.duckdb", None, "name the table too, as .*wh.duckdb#TABLE"),
        ("{tmp}/wh.csv#events", None, "FILE#TABLE names a DuckDB file"),
        ("{tmp}/wh.duckdb#drop table", None, "'drop table' after # is not a table name"),
        ("events; drop", None, "is not a Parquet path, a directory, FILE.duckdb#TABLE"),
        (None, "account=org", "an events mapping needs an events table"),
        ("lake.events", "account", "is not ours=theirs"),
    ],
)
def test_a_bad_table_reference_is_refused_before_reading(
    tmp_path: Path, reference: str | None, mapping: str | None, message: str
) -> None:
    # given
    (tmp_path / "wh.duckdb").write_bytes(b"")
    (tmp_path / "wh.csv").write_bytes(b"")
    named = None if reference is None else reference.replace("{tmp}", str(tmp_path))
    # when / then
    with pytest.raises(InvalidInput, match=message) as raised:
        parse_event_table(named, mapping)
    assert raised.value.field in ("events_table", "events_mapping")


def _signals(table: EventTable) -> dict[str, dict[str, Any]]:
    events = open_event_table(table, "duckdb")
    signals = compute_signals(
        events,
        dataset.ledger(),
        dataset.catalog(),
        dataset.AS_OF,
        milestones_defined=dataset.MILESTONES,
    )
    rows = events.table._find_backend().to_pyarrow(signals).to_pylist()
    return {row["account_id"]: row for row in rows}


def _warehouse_file(store_dir: Path, target: Path, sql: str) -> None:
    backend = duckdb_backend()
    export = str(store_dir / "export").replace("'", "''")
    backend.raw_sql(sql.format(export=export, target=str(target).replace("'", "''")))
    backend.disconnect()


def test_a_vendor_parquet_file_gives_the_event_stores_signals(
    store_dir: Path, tmp_path: Path, duckdb_rows: dict[str, dict[str, Any]]
) -> None:
    # given: one Parquet file with the warehouse's names and scores in a plain column
    target = tmp_path / "product_events.parquet"
    _warehouse_file(store_dir, target, "COPY (" + RENAMED + ") TO '{target}' (FORMAT parquet)")
    table = parse_event_table(str(target), MAPPING + ",score=survey_score")
    assert table is not None
    # when / then
    assert _signals(table) == duckdb_rows


def test_a_table_in_a_vendor_duckdb_file_gives_the_event_stores_signals(
    store_dir: Path, tmp_path: Path, duckdb_rows: dict[str, dict[str, Any]]
) -> None:
    # given
    target = tmp_path / "warehouse.duckdb"
    backend = duckdb_backend()
    backend.raw_sql(f"ATTACH '{target}' AS wh")
    backend.raw_sql("CREATE SCHEMA wh.analytics")
    export = str(store_dir / "export").replace("'", "''")
    backend.raw_sql("CREATE TABLE wh.analytics.product_events AS " + RENAMED.format(export=export))
    backend.raw_sql("DETACH wh")
    backend.disconnect()
    table = parse_event_table(f"{target}#analytics.product_events", MAPPING)
    assert table is not None
    # when / then
    assert _signals(table) == duckdb_rows


def test_a_missing_table_or_column_is_named(store_dir: Path, tmp_path: Path) -> None:
    # given
    target = tmp_path / "warehouse.duckdb"
    backend = duckdb_backend()
    backend.raw_sql(f"ATTACH '{target}' AS wh")
    backend.raw_sql("CREATE TABLE wh.events AS SELECT 'a' AS org, now()::TIMESTAMP AS at")
    backend.raw_sql("DETACH wh")
    backend.disconnect()
    absent = parse_event_table(f"{target}#product_events")
    mapping = "account=org,time=at,type=kind,subject=,properties="
    unmapped = parse_event_table(f"{target}#events", mapping)
    assert absent is not None
    assert unmapped is not None
    # when / then
    with pytest.raises(InvalidInput, match=r"no events table '.*#product_events'"):
        open_event_table(absent, "duckdb")
    with pytest.raises(InvalidInput, match="no column 'kind' for 'type'") as raised:
        open_event_table(unmapped, "duckdb")
    assert raised.value.field == "events_mapping"


def test_each_engine_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    # given
    (tmp_path / "wh.duckdb").write_bytes(b"")
    catalog_table = parse_event_table("lake.product_events")
    duckdb_file = parse_event_table(f"{tmp_path / 'wh.duckdb'}#events")
    assert catalog_table is not None
    assert duckdb_file is not None
    # when / then
    with pytest.raises(InvalidInput, match="only --engine pyspark reads"):
        open_event_table(catalog_table, "duckdb")
    with pytest.raises(InvalidInput, match="which Spark cannot read"):
        open_event_table(duckdb_file, "pyspark", spark=lambda: pytest.fail("not started"))


def test_the_spark_engine_without_java_or_pyspark_stops_at_once_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: no java on the PATH and no JAVA_HOME
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    # when / then: refused while building, before any event is read
    with pytest.raises(InvalidInput, match="needs Java 17") as raised:
        events_for("pyspark", tmp_path)
    assert raised.value.field == "engine"
    # given: and no PySpark either
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *_: None)
    with pytest.raises(InvalidInput, match=r"pip install 'tierwise\[spark\]'"):
        events_for("pyspark", tmp_path)
    # DuckDB needs neither
    assert callable(events_for("duckdb", tmp_path))
