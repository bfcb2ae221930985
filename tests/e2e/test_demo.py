"""``tierwise demo`` end to end: a small company built, decided, explained and reported."""

from __future__ import annotations

import json
import re
from pathlib import Path

from markupsafe import escape
from typer.testing import CliRunner

from tierwise.cli.app import app


def test_the_demo_builds_decides_and_reports_the_top_offers(tmp_path: Path) -> None:
    # given a fresh directory
    data_dir = tmp_path / "demo"
    # when
    result = CliRunner().invoke(
        app, ["demo", "--json", "--accounts", "80", "--seed", "11", "--data-dir", str(data_dir)]
    )
    # then the company, the decisions and the report are there
    assert result.exit_code == 0, result.stderr
    demo = json.loads(result.stdout)
    assert demo["company"]["accounts"] == 80
    assert demo["company"]["ledger_rows"]["accounts"] == 80
    assert demo["company"]["events"] > 10_000
    assert demo["summary"]["accounts"] == 80
    assert demo["summary"]["with_offer"] > 0
    assert demo["top_offers"]
    report = Path(demo["report"]).read_text(encoding="utf-8")
    for offer in demo["top_offers"]:
        assert f'id="{offer["external_id"]}"' in report
        assert offer["name"] in report
        assert offer["quote"]["due_now"] in report
        clause = str(escape(offer["trigger"]["clauses"][0]["detail"]))  # as autoescaped
        assert clause.replace("≥", "&ge;") in report or clause in report
    assert (data_dir / "tierwise.db").is_file()
    assert (data_dir / "events.duckdb").is_file()


def test_the_demo_prints_reasons_quotes_and_the_report_path(tmp_path: Path) -> None:
    # when
    result = CliRunner().invoke(
        app,
        ["demo", "--accounts", "40", "--data-dir", str(tmp_path / "d")],
        env={"COLUMNS": "160"},
    )
    # then
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "is valid" in out
    assert "Top offers, with their reasons, quotes and value cases" in out
    assert re.search(r"expected value [-\d.]+ [A-Z]{3} = prior", out)
    assert "quote: " in out
    assert f"report: {tmp_path / 'd' / 'report.html'}" in out.replace("\n", "")


def test_the_demo_refuses_a_directory_with_other_data(tmp_path: Path) -> None:
    # given
    (tmp_path / "tierwise.db").write_text("someone's ledger")
    # when
    result = CliRunner().invoke(app, ["demo", "--accounts", "5", "--data-dir", str(tmp_path)])
    # then
    assert result.exit_code == 2
    assert "data_dir" in result.stderr
    assert (tmp_path / "tierwise.db").read_text() == "someone's ledger"
