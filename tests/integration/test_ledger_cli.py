"""The ledger's CLI commands end to end on the embedded SQLite store (a temporary data dir)."""

from __future__ import annotations

import dis
import inspect
import json
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from tierwise.cli.app import app
from tierwise.cli.entitlements import entitlements_app
from tierwise.cli.ledger import account_app, db_app, seats_app, subscription_app, tick_app

CATALOG = Path(__file__).resolve().parents[2] / "examples" / "catalog.yaml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """A root app with the ledger's sub-apps, reporting errors like ``tierwise`` does."""
    monkeypatch.setenv("TIERWISE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIERWISE_CATALOG", str(CATALOG))
    monkeypatch.delenv("TIERWISE_DATABASE_URL", raising=False)
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    root = typer.Typer(cls=type(group))
    root.add_typer(db_app, name="db")
    root.add_typer(account_app, name="account")
    root.add_typer(subscription_app, name="subscription")
    root.add_typer(seats_app, name="seats")
    root.add_typer(tick_app, name="tick")
    return root


def run(cli: typer.Typer, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(cli: typer.Typer, *args: str) -> Any:
    result = run(cli, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _open(cli: typer.Typer) -> tuple[str, str]:
    account = ok(
        cli,
        "account",
        "create",
        "--external-id",
        "crm-1",
        "--name",
        "Acme",
        "--currency",
        "USD",
        "--attribute",
        "crm_tier=gold",
        "--at",
        "2026-03-10",
    )["subject_id"]
    sub = ok(
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
    return account, sub


def test_db_upgrade_then_a_transition_story(cli: typer.Typer) -> None:
    # given a migrated embedded store
    assert ok(cli, "db", "upgrade")["revision"]
    account, sub = _open(cli)

    # when an upgrade is previewed and then made for the same moment
    preview = ok(
        cli,
        "subscription",
        "change",
        sub,
        "--plan",
        "business",
        "--at",
        "2026-03-25",
        "--preview",
    )
    made = ok(cli, "subscription", "change", sub, "--plan", "business", "--at", "2026-03-25")

    # then the commit charged what the preview said: 125.00 × 16/31 − 60.00 × 16/31 = 33.55
    assert made["data"]["quote"] == preview["quote"]
    assert made["data"]["quote"]["due_now"] == "33.55"

    # when seats are assigned, a trial runs, and the account is shown
    ok(cli, "seats", "assign", sub, "ana@acme.test", "--at", "2026-03-26")
    ok(cli, "subscription", "trial", "start", sub, "--plan", "enterprise", "--at", "2026-03-27")
    page = ok(cli, "account", "show", account, "--at", "2026-03-28")

    # then the page has the subscription, entitlements (of the trial), seats and history
    item = page["subscriptions"][0]
    assert item["subscription"]["status"] == "trialing"
    assert page["entitlements"]["values"]["audit_logs"] is True
    assert [s["user"] for s in item["seats"]] == ["ana@acme.test"]
    assert [h["transition"] for h in item["history"]] == [
        "trial.start",
        "seat.assigned",
        "change",
        "create",
    ]
    human = run(cli, "account", "show", account, "--at", "2026-03-28")
    assert human.exit_code == 0
    assert "entitlements" in human.stdout


def test_tick_is_idempotent(cli: typer.Typer) -> None:
    # given a scheduled downgrade
    _, sub = _open(cli)
    ok(cli, "subscription", "change", sub, "--plan", "free", "--seats", "1", "--at", "2026-03-20")

    # when tick runs twice after the period end
    first = ok(cli, "tick", "--at", "2026-04-10T00:05:00")
    second = ok(cli, "tick", "--at", "2026-04-10T00:06:00")

    # then
    assert [s["transition"] for s in first["data"]["applied"]] == ["change"]
    assert second["data"]["applied"] == []


def test_idempotency_keys_on_the_command_line(cli: typer.Typer) -> None:
    # given
    _, sub = _open(cli)
    args = ("subscription", "change", sub, "--seats", "7", "--at", "2026-03-20")

    # when
    first = ok(cli, *args, "--idempotency-key", "k1")
    again = ok(cli, *args, "--idempotency-key", "k1")
    other = run(cli, "subscription", "change", sub, "--seats", "8", "--idempotency-key", "k1")

    # then
    assert again["replayed"] is True
    assert again["version"] == first["version"]
    assert other.exit_code == 2
    assert "idempotency_key_reused" in other.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("change", "{sub}", "--plan", "platinum"), "unknown_plan"),
        (("change", "{sub}", "--seats", "2"), "seats_out_of_range"),
        (("change", "{sub}", "--term-years", "1"), "change_not_allowed"),
        (("reinstate", "{sub}"), "transition_not_allowed"),
        (("suspend", "sub_nope", "--reason", "x"), "not_found"),
        (("create", "--account", "nobody", "--plan", "team"), "not_found"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_changes_nothing(
    cli: typer.Typer, args: tuple[str, ...], code: str
) -> None:
    # given a two-year term (so a one-year term is "shorter": illegal)
    account = ok(
        cli, "account", "create", "--external-id", "c", "--name", "C", "--currency", "USD"
    )["subject_id"]
    sub = ok(
        cli,
        "subscription",
        "create",
        "--account",
        "c",
        "--plan",
        "team",
        "--seats",
        "5",
        "--term-years",
        "2",
        "--at",
        "2026-03-10",
    )["subject_id"]
    before = ok(cli, "account", "show", account, "--at", "2026-03-20")

    # when
    result = run(cli, "subscription", *(a.format(sub=sub) for a in args), "--at", "2026-03-20")

    # then
    assert result.exit_code == 2
    assert code in result.stderr
    assert "Traceback" not in result.output
    assert ok(cli, "account", "show", account, "--at", "2026-03-20") == before


def test_seat_reclaim_workflow(cli: typer.Typer) -> None:
    # given two seats, one used
    _, sub = _open(cli)
    for user in ("busy", "idle"):
        ok(cli, "seats", "assign", sub, user, "--at", "2026-03-10")
    ok(cli, "seats", "activity", sub, "busy", "--at", "2026-04-15")

    # when: report, notice, reclaim after 7 days, restore
    report = ok(cli, "seats", "dormant", sub, "--at", "2026-04-15")
    ok(cli, "seats", "dormant", sub, "--notify", "--at", "2026-04-15")
    reclaimed = ok(cli, "seats", "reclaim", sub, "--at", "2026-04-22")
    restored = ok(cli, "seats", "restore", sub, "idle", "--at", "2026-04-23")

    # then: 2026-03-10 → 2026-04-15 is 36 idle days
    assert report == [
        {
            "user": "idle",
            "status": "assigned",
            "last_seen": "2026-03-10T00:00:00+00:00",
            "idle_days": 36,
        }
    ]
    assert [s["status"] for s in reclaimed["data"]["seats"]] == ["reclaimed"]
    assert [s["status"] for s in restored["data"]["seats"]] == ["assigned"]


def test_a_bundle_on_the_command_line_is_bought_shown_and_ended(cli: typer.Typer) -> None:
    # given Team × 5 monthly bought one by one
    account, sub = _open(cli)

    # when the agency studio is bought on 2026-03-25 (it adds both of its add-ons)
    bought = ok(
        cli, "subscription", "change", sub, "--bundle", "agency_studio", "--at", "2026-03-25"
    )

    # then each part is 15 % off: 51.00 + 41.65 + 84.15 = 176.80 a month, and account show says so
    assert bought["data"]["quote"]["recurring"]["per_period"] == "176.80"
    assert bought["data"]["subscription"]["terms"]["bundle"] == "agency_studio"
    shown = run(cli, "account", "show", account, "--at", "2026-03-26")
    assert shown.exit_code == 0, shown.output
    assert "bought as bundle agency_studio" in shown.stdout

    # when priority support is removed, the bundle ends: 60.00 + 49.00 = 109.00 a month
    dropped = ok(
        cli,
        "subscription",
        "change",
        sub,
        "--remove-add-on",
        "priority_support",
        "--at",
        "2026-03-27",
    )
    assert dropped["data"]["quote"]["recurring"]["per_period"] == "109.00"
    assert "bundle" not in dropped["data"]["subscription"]["terms"]
    assert "bundle" not in run(cli, "account", "show", account, "--at", "2026-03-28").stdout


def test_subscription_create_with_a_bundle_missing_a_part_names_the_field(
    cli: typer.Typer,
) -> None:
    ok(cli, "account", "create", "--external-id", "c", "--name", "C", "--currency", "USD")
    result = run(
        cli,
        "subscription",
        "create",
        "--account",
        "c",
        "--plan",
        "team",
        "--seats",
        "5",
        "--add-on",
        "automation_pack",
        "--bundle",
        "agency_studio",
    )
    assert result.exit_code == 2
    assert "bundle" in result.stderr
    assert "needs all its parts" in result.stderr


def test_account_show_prints_customer_text_as_written_not_as_markup(cli: typer.Typer) -> None:
    # given an account whose name and a history reason look like Rich markup
    ok(
        cli,
        "account",
        "create",
        "--external-id",
        "crm-[b]",
        "--name",
        "[bold]Acme[/bold]",
        "--currency",
        "USD",
        "--at",
        "2026-03-10",
    )
    sub = ok(
        cli,
        "subscription",
        "create",
        "--account",
        "crm-[b]",
        "--plan",
        "team",
        "--seats",
        "5",
        "--at",
        "2026-03-10",
    )["subject_id"]
    ok(cli, "subscription", "suspend", sub, "--reason", "[active] unpaid", "--at", "2026-03-11")

    # when the account is shown in the terminal (not --json)
    shown = run(cli, "account", "show", "crm-[b]", "--at", "2026-03-12")

    # then the text is printed as the customer and the admin wrote it, brackets and all
    assert shown.exit_code == 0, shown.output
    assert "[bold]Acme[/bold]" in shown.stdout
    assert "crm-[b]" in shown.stdout
    assert "[active] unpaid" in shown.stdout


def test_every_option_of_account_and_subscription_create_reaches_the_ledger(
    cli: typer.Typer,
) -> None:
    # given every option of both commands set to something other than its default
    account = ok(
        cli,
        "account",
        "create",
        "--external-id",
        "crm-9",
        "--name",
        "Initech",
        "--currency",
        "USD",
        "--industry",
        "software",
        "--company-size",
        "40",
        "--region",
        "eu",
        "--owner",
        "kim",
        "--attribute",
        "tier=gold",
        "--at",
        "2026-03-09",
    )["subject_id"]
    created = ok(
        cli,
        "subscription",
        "create",
        "--account",
        "crm-9",
        "--plan",
        "team",
        "--interval",
        "year",
        "--seats",
        "6",
        "--add-on",
        "automation_pack",
        "--term-years",
        "2",
        "--currency",
        "USD",
        "--setting",
        "region=eu",
        "--no-auto-renew",
        "--at",
        "2026-03-10",
        "--actor",
        "ana",
        "--reason",
        "deal 7",
        "--idempotency-key",
        "k-create",
    )

    # then each one is on the account or the subscription (a dropped option would show its
    # default here: month, 1 seat, no add-on, a one-year term, auto-renew, actor "cli")
    page = ok(cli, "account", "show", account, "--at", "2026-03-11")
    assert {k: page["account"][k] for k in ("industry", "company_size", "region", "owner")} == {
        "industry": "software",
        "company_size": 40,
        "region": "eu",
        "owner": "kim",
    }
    assert page["account"]["attributes"] == {"tier": "gold"}
    subscription = created["data"]["subscription"]
    assert subscription["terms"] == {
        "plan": "team",
        "interval": "year",
        "seats": 6,
        "add_ons": ["automation_pack"],
        "term_years": 2,
    }
    assert (subscription["term_end"], subscription["auto_renew"]) == ("2028-03-10", False)
    assert subscription["settings"] == {"region": "eu"}
    history = page["subscriptions"][0]["history"]
    assert [(h["transition"], h["actor"], h["reason"], h["at"]) for h in history] == [
        ("create", "ana", "deal 7", "2026-03-10T00:00:00+00:00")
    ]
    again = ok(cli, "subscription", "create", "--account", "crm-9", "--plan", "team",
               "--interval", "year", "--seats", "6", "--add-on", "automation_pack", "--term-years",
               "2", "--currency", "USD", "--setting", "region=eu", "--no-auto-renew", "--at",
               "2026-03-10", "--actor", "ana", "--reason", "deal 7",
               "--idempotency-key", "k-create")  # fmt: skip
    assert again["replayed"] is True


def _ledger_commands() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every command function of the ledger's apps (sub-apps such as ``trial`` included)."""
    apps = [
        ("account", account_app),
        ("subscription", subscription_app),
        ("seats", seats_app),
        ("tick", tick_app),
        ("entitlements", entitlements_app),
    ]
    while apps:
        prefix, group = apps.pop()
        for command in group.registered_commands:
            assert command.callback is not None
            yield f"{prefix} {command.name or command.callback.__name__}", command.callback
        apps += [
            (f"{prefix} {g.name}", g.typer_instance)
            for g in group.registered_groups
            if g.typer_instance is not None
        ]


def _names_read(function: Callable[..., Any]) -> set[str]:
    """The local names the function (and any function or comprehension inside it) reads."""
    read: set[str] = set()
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        for instruction in dis.get_instructions(code):
            if instruction.opname.startswith(("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE")):
                value = instruction.argval
                read.update(value if isinstance(value, tuple) else (value,))
        codes += [const for const in code.co_consts if isinstance(const, types.CodeType)]
    return read


@pytest.mark.parametrize(("name", "function"), list(_ledger_commands()))
def test_every_option_of_a_ledger_command_is_read_by_name(
    name: str, function: Callable[..., Any]
) -> None:
    """An option the function never reads is dropped silently: the command runs without it.
    (``submit`` used to take the function's ``locals()``, which reads none of them by name.)"""
    options = set(inspect.signature(function).parameters)
    assert options - _names_read(function) == set(), name
