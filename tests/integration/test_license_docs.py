"""The examples of ``docs/license-files.md`` really run, and say what really happens.

Every ``$ tierwise license ...`` line of the ``console`` blocks runs in order in an empty folder;
its exit status must be the documented one (1 when the documented output is a refusal, else 0)
and every documented output line must be printed (white space aside), once key ids and keys
(which change with each ``keygen``) are masked. Abbreviated JSON (``"..."``) is compared by its
``standing`` and ``code``.
Then the Python example runs against the files the commands made.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierwise.cli.license import license_app

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "license-files.md"
HEX = re.compile(r"\b[0-9a-f]{64}\b|\b[0-9a-f]{16}\b")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def examples() -> list[tuple[str, list[str]]]:
    """(command, documented output lines) for each ``$ tierwise license`` line, in order."""
    found: list[tuple[str, list[str]]] = []
    for block in blocks("console"):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
    return found


def masked(text: str) -> str:
    """Keys and key ids masked, runs of white space (and Rich's line wrapping) made one space."""
    return " ".join(HEX.sub("<hex>", text).split())


def expected_status(output: list[str]) -> int:
    text = "\n".join(output)
    refused = text.startswith("error (") or '"valid": false' in text
    return 1 if refused else 0


def test_the_docs_have_examples_of_every_command() -> None:
    commands = {shlex.split(command)[2] for command, _ in examples()}
    assert commands == {"keygen", "issue", "verify"}


def test_the_documented_commands_run_and_print_what_the_docs_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for command, output in examples():
        # given
        words = shlex.split(
            command.replace("examples/catalog.yaml", str(REPO / "examples/catalog.yaml"))
        )
        assert words[:2] == ["tierwise", "license"], command
        # when
        result = CliRunner().invoke(license_app, words[2:])
        # then
        assert result.exit_code == expected_status(output), f"{command}\n{result.output}"
        printed = "\n".join([result.stdout, result.stderr])
        if output and output[0].startswith("{"):
            documented, actual = "\n".join(output), json.loads(result.stdout)
            for key in ("standing", "code"):
                shown = re.search(rf'"{key}": "(\w+)"', documented)
                assert shown is not None, command
                assert actual[key] == shown.group(1), command
            continue
        for line in output:
            assert masked(line) in masked(printed), f"{command}: missing {line!r}\n{printed}"


def test_the_python_example_runs_against_the_files_the_commands_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: the files of the documented commands
    monkeypatch.chdir(tmp_path)
    for command, _ in examples():
        words = shlex.split(
            command.replace("examples/catalog.yaml", str(REPO / "examples/catalog.yaml"))
        )
        CliRunner().invoke(license_app, words[2:])
    (program,) = blocks("python")
    # when
    exec(compile(program, str(DOC), "exec"), {"__name__": "license_docs_example"})
    # then
    assert capsys.readouterr().out.startswith("business 25 {'sso': True}")
