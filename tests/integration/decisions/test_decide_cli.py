"""``tierwise decide`` and ``tierwise explain`` through a root app, as ``tierwise`` mounts them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from tierwise.adapters.event_store import EventStore
from tierwise.cli.app import app
from tierwise.cli.decide import decide, explain
from tierwise.demo.build import BuiltCompany

from .conftest import PLAYBOOK, ROOT


@pytest.fixture
def cli(company: tuple[Path, BuiltCompany], monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    data_dir, _ = company
    monkeypatch.setenv("TIERWISE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TIERWISE_CATALOG", str(ROOT / "examples" / "catalog.yaml"))
    monkeypatch.setenv("TIERWISE_PLAYBOOK", str(PLAYBOOK))
    monkeypatch.delenv("TIERWISE_DATABASE_URL", raising=False)
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    root = typer.Typer(cls=type(group))
    root.command("decide")(decide)
    root.command("explain")(explain)
    return root


def test_decide_prints_the_summary_and_explain_the_reasons(cli: typer.Typer) -> None:
    # when
    decided = CliRunner().invoke(cli, ["decide", "--as-of", "2026-11-20", "--json"])
    # then
    assert decided.exit_code == 0, decided.output
    run = json.loads(decided.stdout)
    assert run["as_of"] == "2026-11-20T00:00:00+00:00"
    assert run["engine"] == "duckdb"
    assert run["summary"]["accounts"] == 120
    top = next(iter(run["summary"]["top"].values()))[0]
    # when the best account is explained
    shown = CliRunner().invoke(cli, ["explain", top["external_id"]], env={"COLUMNS": "200"})
    explained = CliRunner().invoke(cli, ["explain", top["external_id"], "--json"])
    # then the text names the offer and its clauses; the JSON has the same decision
    assert shown.exit_code == 0, shown.output
    assert "✓" in shown.stdout
    decision = json.loads(explained.stdout)
    assert decision["ranked"][0]["offer"] == top["offer"]
    assert decision["ranked"][0]["expected_value"] == top["expected_value"]


def test_bad_input_exits_2_and_names_the_field(cli: typer.Typer) -> None:
    # when
    day = CliRunner().invoke(cli, ["decide", "--as-of", "20 November"])
    engine = CliRunner().invoke(cli, ["decide", "--engine", "pandas"])
    unknown = CliRunner().invoke(cli, ["explain", "nobody"])
    processes = CliRunner().invoke(cli, ["decide", "--processes", "3"])
    # then
    assert (day.exit_code, engine.exit_code, unknown.exit_code) == (2, 2, 2)
    assert "as_of" in day.stderr
    assert "engine" in engine.stderr
    assert "nobody" in unknown.stderr
    assert processes.exit_code == 2
    assert "--processes" in processes.stderr
    assert "Traceback" not in processes.output


def _warehouse_events(data_dir: Path, target: Path) -> None:
    """The company's events as a vendor's warehouse keeps them: other column names, a naive UTC
    timestamp, NPS scores in a plain column and an extra column tierwise does not read."""
    export = data_dir.parent / f"{data_dir.name}-export"
    with EventStore.open(data_dir, read_only=True) as store:
        store.export_parquet(export)
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
            SELECT account AS org_id, subject AS user_key, type AS event_name,
                   (time AT TIME ZONE 'UTC')::TIMESTAMP AS occurred_at, properties AS payload,
                   TRY_CAST(json_extract_string(properties, '$.score') AS DOUBLE) AS nps_score,
                   'web' AS channel
            FROM read_parquet('{export}/**/*.parquet')
        ) TO '{target}' (FORMAT parquet)
        """
    )
    con.close()


def test_decide_reads_a_vendor_events_table_through_a_column_mapping(
    cli: typer.Typer, company: tuple[Path, BuiltCompany], tmp_path: Path
) -> None:
    # given: the same events in the vendor's own Parquet file, under its own names
    data_dir, _ = company
    table = tmp_path / "product_events.parquet"
    _warehouse_events(data_dir, table)
    mapping = (
        "account=org_id,subject=user_key,type=event_name,time=occurred_at,properties=payload,"
        "score=nps_score"
    )
    # when: decided from the event store, then from the vendor's table (options and settings)
    store = CliRunner().invoke(cli, ["decide", "--as-of", "2026-11-20", "--json"])
    vendor = CliRunner().invoke(
        cli,
        ["decide", "--as-of", "2026-11-20", "--json", "--events-table", str(table)],
        env={"TIERWISE_EVENTS_MAPPING": mapping},
    )
    # then: the same decisions
    assert store.exit_code == 0, store.output
    assert vendor.exit_code == 0, vendor.output
    from_store, from_vendor = json.loads(store.stdout), json.loads(vendor.stdout)
    assert from_vendor["summary"] == from_store["summary"]
    assert from_store["summary"]["with_offer"] > 0


def test_a_bad_events_table_or_mapping_exits_2_naming_it(cli: typer.Typer, tmp_path: Path) -> None:
    # when
    absent = CliRunner().invoke(
        cli, ["decide", "--events-table", str(tmp_path / "nowhere.parquet")]
    )
    garbled = CliRunner().invoke(
        cli,
        ["decide", "--events-table", "lake.events", "--events-mapping", "account:org_id"],
    )
    # then
    assert (absent.exit_code, garbled.exit_code) == (2, 2)
    assert "events_table" in absent.stderr
    assert "nowhere.parquet" in absent.stderr
    assert "events_mapping" in garbled.stderr
    assert "'account:org_id' is not ours=theirs" in garbled.stderr
