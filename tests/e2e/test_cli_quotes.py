"""The ``tierwise`` command end to end: catalog validate/schema, quote, demo, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierwise.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
CATALOG = str(ROOT / "examples" / "catalog.yaml")
runner = CliRunner()

UPGRADE = [
    "quote", "--catalog", CATALOG, "--plan", "team", "--interval", "month", "--seats", "8",
    "--period-start", "2026-03-01", "--to", "business", "--to-seats", "12",
    "--at", "2026-03-15T09:30:00Z",
]  # fmt: skip


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_the_console_script_validates_the_example_catalog() -> None:
    # given the installed console script, in a real process
    tierwise = Path(sys.executable).with_name("tierwise")
    # when
    done = subprocess.run(
        [str(tierwise), "catalog", "validate", CATALOG, "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "120"},
    )
    # then
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["valid"] is True
    assert report["catalog"]["plans"] == ["free", "team", "business", "enterprise"]
    assert [v["version"] for v in report["catalog"]["versions"]] == ["2026.1", "2026.7"]


def test_an_invalid_catalog_exits_1_and_lists_problems_with_lines(tmp_path: Path) -> None:
    # given a catalog whose plan references a feature that does not exist
    broken = tmp_path / "broken.yaml"
    text = Path(CATALOG).read_text().replace("      projects: 3\n", "      projectz: 3\n", 1)
    broken.write_text(text)
    line = text.splitlines().index("      projectz: 3") + 1
    # when
    code, out, _ = _run("catalog", "validate", str(broken), "--json")
    # then
    assert code == 1
    problems = json.loads(out)["problems"]
    assert any(
        p["path"] == "plans.free.entitlements.projectz" and p["line"] == line for p in problems
    ), problems


def test_schema_is_json_schema_for_editors() -> None:
    code, out, _ = _run("catalog", "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "plans" in schema["properties"]


def test_quote_json_follows_the_cli_contract() -> None:
    # when
    code, out, err = _run(*UPGRADE, "--json")
    # then
    assert code == 0, err
    quote = json.loads(out)
    assert quote["timing"] == "immediate"
    assert quote["effective_at"] == "2026-03-15T09:30:00+00:00"
    assert quote["currency"] == "USD"
    # March has 31 days; from the 15th to April 1st (exclusive) is 17 days.
    # credit: Team 8 seats × $12 = $96.00 × 17/31 = 52.645... -> -52.65
    # charge: Business 12 seats × $25 = $300.00 × 17/31 = 164.516... -> 164.52
    assert [(line["kind"], line["amount"]) for line in quote["lines"]] == [
        ("credit", "-52.65"),
        ("charge", "164.52"),
    ]
    for line in quote["lines"]:
        assert (line["period_start"], line["period_end"]) == ("2026-03-15", "2026-04-01")
        assert "17 of 31 days" in line["description"]
    # due now is the exact sum of the lines: 164.52 - 52.65 = 111.87
    assert quote["due_now"] == "111.87"
    assert sum(Decimal(line["amount"]) for line in quote["lines"]) == Decimal("111.87")
    # monthly: 12 × $25 = $300; yearly: 12 × $240 = $2,880; saving 3,600 - 2,880 = 720 (20 %)
    assert quote["recurring"]["monthly"] == "300.00"
    assert quote["recurring"]["annual"] == "2880.00"
    assert quote["recurring"]["savings"] == "720.00"
    assert quote["price_path"] == []


def test_quote_three_year_term_has_a_price_path_with_the_term_discount() -> None:
    code, out, err = _run(*UPGRADE, "--term-years", "3", "--json")
    assert code == 0, err
    quote = json.loads(out)
    # 12 seats × $25 × 12 months = $3,600 a year before discounts; 3 years -> 10 % off = $3,240
    assert [(y["year"], y["amount"]) for y in quote["price_path"]] == [
        (1, "3240.00"),
        (2, "3240.00"),
        (3, "3240.00"),
    ]
    assert [d["policy"] for d in quote["discounts"]] == ["term_years"]


def test_quote_prints_a_readable_table() -> None:
    code, out, _ = _run(*UPGRADE)
    assert code == 0
    assert "Unused time on Team × 8 seats" in out
    assert "$111.87" in out


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (["--to", "platinum"], "unknown_plan", "to_plan"),
        (["--currency", "GBP"], "currency_not_priced", "currency"),
        (["--at", "2026-04-02"], "outside_period", "at"),
        (["--to-seats", "2"], "seats_out_of_range", "to_seats"),
        (["--at", "next tuesday"], "invalid_input", "at"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(change: list[str], code: str, field: str) -> None:
    # given the upgrade with one option replaced by a bad value
    args = list(UPGRADE)
    for option, value in zip(change[::2], change[1::2], strict=True):
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    # when
    exit_code, _, err = _run(*args)
    # then
    assert exit_code == 2
    assert f"({code})" in err
    assert "Traceback" not in err


def test_an_illegal_change_is_refused_with_exit_2() -> None:
    # the example policy makes shortening a contract term illegal (changes.cases[0])
    exit_code, _, err = _run(*UPGRADE, "--current-term-years", "3", "--term-years", "1")
    assert exit_code == 2
    assert "(change_not_allowed)" in err
    assert "changes.cases[0]" in err


def test_demo_validates_and_prints_quotes_as_json(tmp_path: Path) -> None:
    code, out, err = _run(
        "demo", "--json", "--accounts", "40", "--data-dir", str(tmp_path / "demo")
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["catalog"]["valid"] is True
    timings = [q["timing"] for q in report["quotes"]]
    assert "immediate" in timings
    assert "end_of_term" in timings
    assert {q["currency"] for q in report["quotes"]} == {"USD", "EUR", "JPY"}
    for quote in report["quotes"]:
        total = sum(Decimal(line["amount"]) for line in quote["lines"])
        assert Decimal(quote["due_now"]) == max(total, Decimal(0))


def test_a_bundle_quote_shows_its_discount_and_keeps_it_for_a_bundle_customer() -> None:
    # when Team × 5 buys the agency studio bundle mid-March (15 % off every part; hand-computed in
    # tests/unit/pricing/test_bundle_quotes.py: 64.06 due now, 31.20 a month saved)
    base = [
        "quote", "--catalog", CATALOG, "--plan", "team", "--interval", "month", "--seats", "5",
        "--period-start", "2026-03-01", "--at", "2026-03-15", "--json",
    ]  # fmt: skip
    code, out, _ = _run(*base, "--to-bundle", "agency_studio")
    # then
    assert code == 0, out
    data = json.loads(out)
    assert data["due_now"] == "64.06"
    assert [(d["policy"], d["amount"]) for d in data["discounts"]] == [("bundle", "31.20")]
    assert data["subscription_after"]["bundle"] == "agency_studio"
    # and a bundle customer adding a seat keeps the discount: 61.20 × 17/31 − 51.00 × 17/31
    # = 33.56 − 27.97 = 5.59
    studio = ["--add-on", "automation_pack", "--add-on", "priority_support"]
    code, out, _ = _run(*base, *studio, "--bundle", "agency_studio", "--to-seats", "6")
    assert code == 0, out
    assert json.loads(out)["due_now"] == "5.59"
