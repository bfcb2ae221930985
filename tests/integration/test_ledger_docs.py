"""The ``console`` examples of ``docs/ledger.md`` run, in order, and print what the docs show.

Each ``$ tierwise ...`` line runs through the real root command on an empty embedded store with
the example catalog; ``sub_…`` stands for the subscription the example created. It must exit 0
and print every documented output line (white space and Rich's wrapping aside).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierwise.cli.app import app

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ledger.md"
SUB = "sub_…"


def examples() -> list[tuple[str, list[str]]]:
    """(command, documented output lines) for each ``$ tierwise`` line, in order."""
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", DOC.read_text(), flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found and line.strip():
                found[-1][1].append(line)
    return found


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_docs_show_renewals_and_every_entitlements_command() -> None:
    commands = {tuple(shlex.split(command)[1:3]) for command, _ in examples()}
    assert ("subscription", "renew") in commands
    assert {("entitlements", verb) for verb in ("grant", "override", "list", "end")} <= commands


def test_the_documented_commands_run_and_print_what_the_docs_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIERWISE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIERWISE_CATALOG", str(REPO / "examples" / "catalog.yaml"))
    monkeypatch.delenv("TIERWISE_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    subscription = ""
    for command, output in examples():
        args = [subscription if arg == SUB else arg for arg in shlex.split(command)[1:]]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{command}\n{result.output}"
        if args[:2] == ["subscription", "create"]:
            subscription = result.stdout.split()[1]
        printed = flat(result.stdout.replace(subscription, SUB) if subscription else result.stdout)
        for line in output:
            assert flat(line) in printed, f"{command}: {line!r} not in\n{result.stdout}"
