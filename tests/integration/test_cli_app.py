"""The root ``tierwise`` command: every sub-command listed without importing it, loaded on demand.

The table in :mod:`tierwise.cli.app` repeats each command's one-line help so that
``tierwise --help`` need not import the command's module; these tests keep the table honest (each
line loads, and a command function's docstring still says what the table says) and check, in a
fresh interpreter, that help and a quote import only what they use.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from tierwise.cli.app import COMMANDS, app, load_command

# Libraries that take most of the start-up time; no quote or help needs them.
HEAVY = ("sqlalchemy", "alembic", "fastapi", "uvicorn", "duckdb", "ibis", "pyarrow", "pandas")


def _imported_by(*args: str) -> dict[str, list[str]]:
    """Which command modules and heavy libraries ``tierwise ARGS`` imports, in a fresh process."""
    script = (
        "import json, sys\n"
        "from tierwise.cli.app import COMMANDS, main\n"
        f"sys.argv = ['tierwise', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "modules = sorted({e.module for e in COMMANDS.values()} & set(sys.modules))\n"
        f"heavy = sorted(set({HEAVY!r}) & set(sys.modules))\n"
        "print(json.dumps({'modules': modules, 'heavy': heavy}), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    report: dict[str, list[str]] = json.loads(done.stderr.strip().splitlines()[-1])
    return report


def test_help_lists_every_command_with_its_help_and_imports_none_of_them() -> None:
    # when
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    imported = _imported_by("--help")
    # then
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for name, entry in COMMANDS.items():
        assert any(line.split()[1:2] == [name] and entry.help in line for line in lines), name
    assert imported == {"modules": [], "heavy": []}


def test_quote_imports_only_its_own_module() -> None:
    # when
    imported = _imported_by("quote", "--help")
    # then
    assert imported == {"modules": ["tierwise.cli.quote"], "heavy": []}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_table_line_loads_a_command_whose_help_it_repeats(name: str) -> None:
    # given
    entry = COMMANDS[name]
    # when
    command = load_command(name, entry)
    # then
    assert command.name == name
    assert command.help is not None
    first_paragraph = inspect.cleandoc(command.help).split("\n\n")[0].replace("\n", " ")
    assert first_paragraph == entry.help
    if isinstance(command, TyperGroup):  # a group does something: it has commands or runs alone
        assert command.commands or command.invoke_without_command, name


def test_a_mistyped_command_exits_2_and_names_the_closest_one() -> None:
    # when
    result = CliRunner().invoke(app, ["qoute"])
    # then
    assert result.exit_code == 2
    assert "No such command 'qoute'. Did you mean 'quote'?" in result.stderr


def test_tierwise_errors_from_a_loaded_command_still_exit_2() -> None:
    # given a quote whose moment is not a date
    args = ["quote", "--catalog", "examples/catalog.yaml", "--plan", "team"]
    args += ["--interval", "month", "--period-start", "2026-03-01", "--at", "soon"]
    # when
    result = CliRunner().invoke(app, args)
    # then
    assert result.exit_code == 2
    assert "at must be an ISO 8601 date or date-time" in result.stderr


def test_a_root_built_from_the_group_class_mounts_commands_eagerly_too() -> None:
    # given a root of the same group class with one sub-app added directly (as some tests do)
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    root = typer.Typer(cls=type(group))
    extra = typer.Typer(help="An extra group.")

    @extra.command("hello")
    def hello() -> None:
        """Say hello."""
        typer.echo("hello")

    root.add_typer(extra, name="extra")
    # when
    said = CliRunner().invoke(root, ["extra", "hello"])
    listed = CliRunner().invoke(root, ["--help"], env={"COLUMNS": "200"})
    # then
    assert said.exit_code == 0
    assert said.stdout == "hello\n"
    assert "An extra group." in listed.stdout
    assert "Check the catalog" in listed.stdout
