"""``tierwise decide --engine pyspark`` end to end: the same decisions as DuckDB's (Spark in local
mode, one session for the module).

The demo company is copied twice before any run, so each data directory holds exactly one run
as of the day: the CLI decides on one copy with DuckDB and on the other with Spark (which reads
the event store's Parquet export), and every account's decision is then explained from each
store — the full per-account evaluation over the stored signals — and compared. Skipped with
the reason when Java or PySpark is missing, unless ``CI=true`` (``spark_support``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import typer
from typer.testing import CliRunner

from tests.integration.spark_support import SPARK_WARNINGS, require_spark
from tierwise import bootstrap
from tierwise.adapters.analytics.engine import event_store_events, spark_session
from tierwise.adapters.analytics.event_tables import open_event_table, parse_event_table
from tierwise.adapters.event_store import EventStore
from tierwise.catalog.versions import Catalog
from tierwise.cli.decide import decide
from tierwise.config import Settings
from tierwise.demo.build import BuiltCompany
from tierwise.errors import InvalidInput

from .conftest import AS_OF, PLAYBOOK, ROOT

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = SPARK_WARNINGS


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    require_spark()
    session = spark_session(master="local[2]", shuffle_partitions=2)
    yield session
    session.stop()


def _decide(data_dir: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("TIERWISE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TIERWISE_CATALOG", str(ROOT / "examples" / "catalog.yaml"))
    monkeypatch.setenv("TIERWISE_PLAYBOOK", str(PLAYBOOK))
    monkeypatch.delenv("TIERWISE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TIERWISE_EVENTS_TABLE", raising=False)
    app = typer.Typer()
    app.command()(decide)
    result = CliRunner().invoke(
        app, ["--as-of", AS_OF.date().isoformat(), "--engine", engine, "--json"]
    )
    assert result.exit_code == 0, result.output
    run: dict[str, Any] = json.loads(result.stdout)
    return run


def _explained(catalog: Catalog, data_dir: Path, accounts: list[str]) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, database_url=None)
    engine = bootstrap.ledger_engine(settings)
    try:
        decisions = bootstrap.build_decisions(catalog, settings, playbook=PLAYBOOK, engine=engine)
        return {account: decisions.explain(account, AS_OF) for account in accounts}
    finally:
        engine.dispose()


def test_decide_on_spark_gives_duckdbs_decisions(
    spark: SparkSession,
    catalog: Catalog,
    company: tuple[Path, BuiltCompany],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: two copies of the company, untouched by any run
    data_dir, built = company
    on_duckdb, on_spark = tmp_path / "duckdb", tmp_path / "spark"
    shutil.copytree(data_dir, on_duckdb)
    shutil.copytree(data_dir, on_spark)
    # when
    duckdb_run = _decide(on_duckdb, "duckdb", monkeypatch)
    spark_run = _decide(on_spark, "pyspark", monkeypatch)
    # then: each engine says which it was, and the summaries agree
    assert (duckdb_run["engine"], spark_run["engine"]) == ("duckdb", "pyspark")
    assert spark_run["summary"] == duckdb_run["summary"]
    assert duckdb_run["summary"]["accounts"] == 120
    assert duckdb_run["summary"]["with_offer"] > 0
    # and every account's stored signals and decision, explained again, are the same
    accounts = sorted(customer.external_id for customer in built.company.customers)
    from_duckdb = _explained(catalog, on_duckdb, accounts)
    from_spark = _explained(catalog, on_spark, accounts)
    different = [a for a in accounts if from_spark[a] != from_duckdb[a]]
    assert different == []
    assert any(decision["chosen"] for decision in from_duckdb.values())


def _by_type(table: Any) -> dict[str, int]:
    counted = table.group_by("type").aggregate(n=table.count()).to_pyarrow().to_pylist()
    return {row["type"]: row["n"] for row in counted}


def test_a_spark_catalog_table_is_read_through_the_mapping(
    spark: SparkSession, company: tuple[Path, BuiltCompany], tmp_path: Path
) -> None:
    # given: the company's events as a view of the Spark catalog, under the warehouse's names
    import ibis

    data_dir, _ = company
    with EventStore.open(data_dir, read_only=True) as store:
        store.export_parquet(tmp_path / "export")
    spark.read.parquet(str(tmp_path / "export")).selectExpr(
        "account AS org_id",
        "subject AS user_key",
        "type AS event_name",
        "time AS occurred_at",
        "properties AS payload",
    ).createOrReplaceTempView("product_events")
    mapping = "account=org_id,subject=user_key,type=event_name,time=occurred_at,properties=payload"
    table = parse_event_table("product_events", mapping)
    absent = parse_event_table("lake.nothing_here", mapping)
    assert table is not None
    assert absent is not None
    # when
    events = open_event_table(table, "pyspark", lambda: ibis.pyspark.connect(spark))
    # then: our columns, and the event store's events type for type
    assert events.engine == "pyspark"
    assert events.table.columns == ("account", "subject", "type", "time", "properties")
    from_store = event_store_events(data_dir / "events.duckdb")
    assert _by_type(events.table) == _by_type(from_store.table)
    with pytest.raises(InvalidInput, match=r"no events table 'lake\.nothing_here'"):
        open_event_table(absent, "pyspark", lambda: ibis.pyspark.connect(spark))
