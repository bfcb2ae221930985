"""``tierwise entitlements`` and the priced ``subscription renew`` end to end on embedded SQLite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from tierwise.cli.app import app
from tierwise.cli.entitlements import entitlements_app
from tierwise.cli.ledger import account_app, subscription_app

CATALOG = Path(__file__).resolve().parents[2] / "examples" / "catalog.yaml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """A root app with the sub-apps used here, reporting errors like ``tierwise`` does."""
    monkeypatch.setenv("TIERWISE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIERWISE_CATALOG", str(CATALOG))
    monkeypatch.delenv("TIERWISE_DATABASE_URL", raising=False)
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    root = typer.Typer(cls=type(group))
    root.add_typer(account_app, name="account")
    root.add_typer(subscription_app, name="subscription")
    root.add_typer(entitlements_app, name="entitlements")
    return root


def run(cli: typer.Typer, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(cli: typer.Typer, *args: str) -> Any:
    result = run(cli, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refused(cli: typer.Typer, *args: str) -> str:
    result = run(cli, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def sub(cli: typer.Typer) -> str:
    """Account crm-1 with Team × 5 monthly from 2026-03-10 (projects: 50)."""
    ok(cli, "account", "create", "--external-id", "crm-1", "--name", "Acme", "--currency", "USD")
    return str(
        ok(
            cli,
            "subscription",
            "create",
            "--account",
            "crm-1",
            "--plan",
            "team",
            "--seats",
            "5",
            "--at",
            "2026-03-10",
        )["subject_id"]
    )


def projects(cli: typer.Typer, when: str) -> Any:
    return ok(cli, "account", "show", "crm-1", "--at", when)["entitlements"]["values"]["projects"]


def test_grant_list_show_and_end(cli: typer.Typer, sub: str) -> None:
    # when 10 projects are granted for March, with a key, twice
    grant_args = (
        "entitlements",
        "grant",
        "crm-1",
        "projects",
        "--value",
        "10",
        "--from",
        "2026-03-12",
        "--until",
        "2026-04-01",
        "--reason",
        "migration help",
        "--at",
        "2026-03-12",
        "--idempotency-key",
        "grant-1",
    )
    first = ok(cli, *grant_args)
    again = ok(cli, *grant_args)

    # then one grant exists (the replay answers with the first receipt), and it adds: 50 + 10
    assert (first["command"], again["replayed"]) == ("grant", True)
    grant = first["data"]["grant"]
    assert (grant["feature"], grant["value"], grant["ends"]) == (
        "projects",
        10,
        "2026-04-01T00:00:00+00:00",
    )
    listed = ok(cli, "entitlements", "list", "crm-1", "--at", "2026-03-20")
    assert [(e["id"], e["status"]) for e in listed] == [(grant["id"], "active")]
    assert projects(cli, "2026-03-20") == 60
    page = ok(cli, "account", "show", "crm-1", "--at", "2026-03-20")
    assert [e["id"] for e in page["grants"]] == [grant["id"]]
    shown = run(cli, "account", "show", "crm-1", "--at", "2026-03-20")
    assert f"grant {grant['id']}: projects +10" in shown.stdout

    # when it is ended on 2026-03-25
    ended = ok(
        cli,
        "entitlements",
        "end",
        "crm-1",
        str(grant["id"]),
        "--reason",
        "done",
        "--at",
        "2026-03-25",
    )

    # then it no longer counts, is listed only with --all, and history says so
    assert ended["command"] == "grant.end"
    assert ended["data"]["ended"]["withdrawn"] is False
    assert projects(cli, "2026-03-26") == 50
    assert ok(cli, "entitlements", "list", "crm-1", "--at", "2026-03-26") == []
    everything = ok(cli, "entitlements", "list", "crm-1", "--all", "--at", "2026-03-26")
    assert [(e["ends"], e["status"]) for e in everything] == [
        ("2026-03-25T00:00:00+00:00", "ended")
    ]
    history = ok(cli, "account", "show", "crm-1", "--at", "2026-03-26")["subscriptions"][0]
    assert [h["transition"] for h in history["history"]][:2] == ["grant.end", "grant"]

    # and ending it again is refused
    assert "already ended" in refused(
        cli, "entitlements", "end", "crm-1", str(grant["id"]), "--at", "2026-03-27"
    )


def test_an_override_replaces_and_a_future_one_is_withdrawn(cli: typer.Typer, sub: str) -> None:
    # when projects are overridden to 80 (open-ended), and to 5 from May (not yet started)
    deal = ok(
        cli,
        "entitlements",
        "override",
        "crm-1",
        "projects",
        "--value",
        "80",
        "--reason",
        "negotiated",
        "--at",
        "2026-03-11",
    )["data"]["override"]
    later = ok(
        cli,
        "entitlements",
        "override",
        "crm-1",
        "projects",
        "--value",
        "5",
        "--from",
        "2026-05-01",
        "--reason",
        "fair use",
        "--at",
        "2026-03-11",
    )["data"]["override"]

    # then the plan's 50 is replaced by 80 now
    assert projects(cli, "2026-03-12") == 80
    statuses = ok(cli, "entitlements", "list", "crm-1", "--at", "2026-03-12")
    assert [(e["id"], e["status"]) for e in statuses] == [
        (deal["id"], "active"),
        (later["id"], "upcoming"),
    ]

    # when the future one is ended before it starts, then it is withdrawn (never applies)
    ended = ok(cli, "entitlements", "end", "crm-1", str(later["id"]), "--at", "2026-03-13")
    assert (ended["command"], ended["data"]["ended"]["withdrawn"]) == ("override.end", True)
    assert projects(cli, "2026-05-02") == 80
    all_entries = ok(cli, "entitlements", "list", "crm-1", "--all", "--at", "2026-05-02")
    assert [e["id"] for e in all_entries] == [deal["id"]]


def test_bad_grants_are_refused_naming_the_field_and_change_nothing(
    cli: typer.Typer, sub: str
) -> None:
    # when / then
    common = ("--until", "2026-04-01", "--reason", "x", "--at", "2026-03-12")
    assert "value" in refused(
        cli, "entitlements", "grant", "crm-1", "projects", "--value", "lots", *common
    )
    assert "takes a number or unlimited" in refused(
        cli, "entitlements", "grant", "crm-1", "projects", "--value", "true", *common
    )
    assert "unknown feature" in refused(
        cli, "entitlements", "grant", "crm-1", "teleport", "--value", "1", *common
    )
    assert "reason" in refused(
        cli,
        "entitlements",
        "grant",
        "crm-1",
        "projects",
        "--value",
        "1",
        "--until",
        "2026-04-01",
        "--reason",
        " ",
        "--at",
        "2026-03-12",
    )
    assert "42" in refused(cli, "entitlements", "end", "crm-1", "42", "--at", "2026-03-12")
    assert "does not exist" in refused(cli, "entitlements", "list", "nobody")
    assert ok(cli, "entitlements", "list", "crm-1", "--all", "--at", "2026-03-12") == []


def test_subscription_renew_shows_the_renewal_quote(cli: typer.Typer, sub: str) -> None:
    # when Team × 5 (term to 2027-03-10) renews for 2 years on 2026-11-20
    receipt = ok(cli, "subscription", "renew", sub, "--term-years", "2", "--at", "2026-11-20")
    text = run(cli, "subscription", "renew", sub, "--term-years", "2", "--at", "2026-11-21")

    # then: under 2026.7, 5 × 14.00 = 70.00 − 4.20 (6 % term) − 3.50 (5 % loyalty) = 62.30
    assert receipt["command"] == "renew.schedule"
    assert receipt["data"]["quote"]["recurring"]["per_period"] == "62.30"
    assert text.exit_code == 0, text.output
    assert "new term 2027-03-10 to 2029-03-10 (2 year(s)), catalog 2026.1 → 2026.7" in text.stdout
    assert "3.50: 5% loyalty" in text.stdout
