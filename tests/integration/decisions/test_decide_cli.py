"""``tierwise decide`` and ``tierwise explain`` through a root app, as ``tierwise`` mounts them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

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
    # then
    assert (day.exit_code, engine.exit_code, unknown.exit_code) == (2, 2, 2)
    assert "as_of" in day.stderr
    assert "engine" in engine.stderr
    assert "nobody" in unknown.stderr
