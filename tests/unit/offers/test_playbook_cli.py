"""``tierwise playbook`` through Typer: exit codes, JSON, explanations; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tierwise.cli.playbook import playbook_app

ROOT = Path(__file__).resolve().parents[3]
CATALOG = str(ROOT / "examples" / "catalog.yaml")
EXAMPLE = str(ROOT / "examples" / "playbook.yaml")
BROKEN = str(ROOT / "tests" / "fixtures" / "playbooks" / "broken.yaml")
runner = CliRunner()


def test_validate_a_valid_playbook_exits_0() -> None:
    # when
    result = runner.invoke(playbook_app, ["validate", EXAMPLE, "--catalog", CATALOG])

    # then
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "12 offers (10 active)" in result.output


def test_validate_a_broken_playbook_exits_1_with_every_problem_as_json() -> None:
    # when
    result = runner.invoke(playbook_app, ["validate", BROKEN, "--catalog", CATALOG, "--json"])

    # then
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert len(payload["problems"]) == 26
    assert {"code", "path", "line", "source", "message", "severity"} <= set(payload["problems"][0])


def test_bad_usage_exits_2_without_a_traceback(tmp_path: Path) -> None:
    # when
    missing_catalog = runner.invoke(
        playbook_app, ["validate", EXAMPLE, "--catalog", str(tmp_path / "nope.yaml")]
    )
    no_path = runner.invoke(playbook_app, ["validate"])

    # then
    assert missing_catalog.exit_code == 2
    assert no_path.exit_code == 2
    assert "Traceback" not in missing_catalog.output + no_path.output


def test_a_missing_playbook_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    # when
    result = runner.invoke(playbook_app, ["validate", str(tmp_path / "none.yaml"), "--json"])

    # then
    assert result.exit_code == 1
    codes = [p["code"] for p in json.loads(result.stdout)["problems"]]
    assert "file_not_found" in codes


def test_schema_is_json_with_the_playbook_keys() -> None:
    # when
    result = runner.invoke(playbook_app, ["schema"])

    # then
    schema = json.loads(result.stdout)
    assert {"offers", "cadence", "save_play", "milestones", "placements"} <= set(
        schema["properties"]
    )


def test_explain_trigger_prints_each_clause_with_its_value() -> None:
    # when
    result = runner.invoke(
        playbook_app,
        [
            "explain-trigger",
            "util_projects >= 0.8 and paywall_sso >= 3",
            "--signals",
            '{"util_projects": 0.86, "paywall_sso": 2}',
            "--catalog",
            CATALOG,
            "--json",
        ],
    )

    # then
    assert result.exit_code == 1  # it did not fire
    payload = json.loads(result.stdout)
    assert payload["fired"] is False
    assert [c["detail"] for c in payload["clauses"]] == [
        "util_projects = 0.86 ≥ 0.8 ✓",
        "paywall_sso = 2 ≥ 3 ✗",
    ]


def test_explain_trigger_refuses_calls_and_unknown_signals_with_exit_2() -> None:
    # when
    call = runner.invoke(playbook_app, ["explain-trigger", "__import__('os')"])
    unknown = runner.invoke(
        playbook_app, ["explain-trigger", "util_projetcs > 1", "--catalog", CATALOG]
    )
    bad_json = runner.invoke(playbook_app, ["explain-trigger", "a > 1", "--signals", "{"])

    # then
    assert (call.exit_code, unknown.exit_code, bad_json.exit_code) == (2, 2, 2)
    assert "dunder_not_allowed" in call.output
    assert "unknown_signal" in unknown.output
