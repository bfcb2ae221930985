"""``tierwise webhooks`` end to end on the embedded SQLite store, delivering to a local receiver."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from standardwebhooks import Webhook
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from tierwise import bootstrap
from tierwise.cli.app import app
from tierwise.cli.webhooks import webhooks_app
from tierwise.config import Settings
from tierwise.services import commands as c

from .receiver import Receiver

CATALOG = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """A root app with the webhooks sub-app, reporting errors like ``tierwise`` does."""
    monkeypatch.setenv("TIERWISE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIERWISE_CATALOG", str(CATALOG))
    monkeypatch.delenv("TIERWISE_DATABASE_URL", raising=False)
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    root = typer.Typer(cls=type(group))
    root.add_typer(webhooks_app, name="webhooks")
    return root


def run(cli: typer.Typer, *args: str) -> Result:
    return CliRunner().invoke(cli, ["webhooks", *args])


def ok(cli: typer.Typer, *args: str) -> Any:
    result = run(cli, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def open_subscription(external_id: str = "crm-1") -> None:
    """Open an account and a subscription through the ledger on the same store."""
    settings = Settings()
    ledger = bootstrap.build_ledger(bootstrap.load_catalog(None, settings), settings=settings)
    now = dt.datetime.now(dt.UTC)
    account = ledger.handle(
        c.CreateAccount(at=now, external_id=external_id, name="Acme", currency="USD")
    ).subject_id
    ledger.handle(c.CreateSubscription(at=now, account=account, plan="team", seats=5))


def test_add_deliver_and_read_the_log(cli: typer.Typer, receiver: Receiver) -> None:
    # given an endpoint added through the CLI (the secret is printed once)
    added = ok(cli, "endpoint", "add", receiver.url, "--event", "subscription.*")
    listed = ok(cli, "endpoint", "list")
    open_subscription()

    # when one pass runs
    report = ok(cli, "deliver", "--once")

    # then the message arrived and verifies with the printed secret
    assert added["secret"].startswith("whsec_")
    assert "secret" not in listed[0]
    assert listed[0]["event_types"] == ["subscription.*"]
    assert report["delivered"] == 1
    item = receiver.received[0]
    assert Webhook(added["secret"]).verify(item.body, item.headers)["type"] == (
        "subscription.created"
    )
    log = ok(cli, "log", "--endpoint", added["id"])
    assert [(a["attempt"], a["status_code"], a["succeeded"]) for a in log] == [(1, 204, True)]
    assert log[0]["event_id"] == item.message_id


def test_disable_enable_and_rotate(cli: typer.Typer, receiver: Receiver) -> None:
    # given
    added = ok(cli, "endpoint", "add", receiver.url)

    # when
    disabled = ok(cli, "endpoint", "disable", added["id"], "--reason", "maintenance")
    open_subscription()
    while_disabled = ok(cli, "deliver", "--once")
    enabled = ok(cli, "endpoint", "enable", added["id"])
    rotated = ok(cli, "endpoint", "rotate-secret", added["id"], "--overlap-hours", "1")
    open_subscription("crm-2")
    after = ok(cli, "deliver", "--once")

    # then nothing was sent or queued while disabled (endpoints get what is routed while they
    # are enabled); after the rotation the next message verifies with the new and the old secret
    assert (disabled["status"], disabled["disabled_reason"]) == ("disabled", "maintenance")
    assert while_disabled["queued"] == 0
    assert enabled["status"] == "enabled"
    assert rotated["secret"] != added["secret"]
    assert after["delivered"] == 1
    item = receiver.received[0]
    assert Webhook(rotated["secret"]).verify(item.body, item.headers)["data"]["account_id"]
    assert Webhook(added["secret"]).verify(item.body, item.headers)["type"] == (
        "subscription.created"
    )
    assert len(receiver.received) == 1


def test_human_output_prints_the_secret_on_its_own_line(
    cli: typer.Typer, receiver: Receiver
) -> None:
    result = run(cli, "endpoint", "add", receiver.url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith("whsec_")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("endpoint", "add", "ftp://example.com/hook"), "url"),
        (("endpoint", "add", "https://example.com/hook", "--event", "trial.begun"), "event_types"),
        (("endpoint", "disable", "ep_missing"), "endpoint"),
        (("deliver", "--at", "2026-03-01T00:00"), "at"),
        (("deliver", "--once", "--at", "yesterday"), "at"),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    cli: typer.Typer, args: tuple[str, ...], field: str
) -> None:
    # when
    result = run(cli, *args)

    # then
    assert result.exit_code == 2, result.output
    assert f"field: {field}" in result.stderr


def test_deliver_loops_until_interrupted(cli: typer.Typer, receiver: Receiver) -> None:
    # given an endpoint and a message waiting (the store is the test's data dir, via env)
    ok(cli, "endpoint", "add", receiver.url)
    open_subscription()
    script = "from tierwise.cli.webhooks import webhooks_app; webhooks_app()"

    # when the loop runs until it reported its first pass, then gets Ctrl-C
    loop = subprocess.Popen(
        [sys.executable, "-c", script, "deliver", "--interval", "0.2", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert loop.stdout is not None
    lines = []
    for line in iter(loop.stdout.readline, b""):  # ends early if the loop dies
        lines.append(line)
        if line == b"}\n":
            break
    loop.send_signal(signal.SIGINT)
    rest, stderr = loop.communicate(timeout=30)

    # then it delivered, reported the pass, and stopped cleanly
    assert loop.returncode == 0, stderr.decode()
    assert json.loads(b"".join(lines))["delivered"] == 1
    assert receiver.types() == ["subscription.created"]
    assert rest.strip() == b"stopped"
