"""``tierwise playbook``: validate a playbook, print its JSON Schema, explain one trigger."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.playbook_files import check_playbook_path
from tierwise.cli.output import USAGE_ERROR, JsonOption, console, error_console, print_json
from tierwise.errors import ExpressionInvalid, Problem, TierwiseError
from tierwise.offers.expression_evaluation import evaluate, show_value
from tierwise.offers.expression_types import signal_types, type_issues
from tierwise.offers.expressions import parse
from tierwise.offers.playbook_schema import playbook_json_schema
from tierwise.signals.definitions import ACCOUNT_SIGNALS, signal_definitions

__all__ = ["playbook_app"]

playbook_app = typer.Typer(
    help="Check the upgrade playbook (offers, triggers, cadence) a growth team keeps as code.",
    no_args_is_help=True,
)

CatalogOption = Annotated[
    Path | None,
    typer.Option("--catalog", help="The catalog the playbook sells (checks plans, signals)."),
]


def _problem_dict(problem: Problem) -> dict[str, object]:
    return {
        "code": problem.code,
        "severity": problem.severity,
        "path": problem.path,
        "line": problem.line,
        "source": problem.source,
        "message": problem.message,
    }


@playbook_app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(help="The playbook YAML file.")],
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the whole playbook and list every problem with its code, YAML path and line.

    Exits 0 when the playbook is valid (warnings allowed), 1 when it has errors, 2 on bad usage.
    """
    if catalog is not None and not catalog.exists():
        error_console.print(f"[bold red]error[/]: no such catalog file or folder: {catalog}")
        raise typer.Exit(USAGE_ERROR)
    check = check_playbook_path(path, catalog)
    playbook = check.playbook
    if as_json:
        print_json(
            {
                "valid": check.ok,
                "problems": [_problem_dict(p) for p in check.problems],
                "offers": {k: o.status.value for k, o in playbook.offers.items()}
                if playbook
                else None,
            }
        )
    else:
        if check.problems:
            table = Table(title=f"Problems in {path}", title_justify="left")
            for column in ("where", "severity", "code", "path", "message"):
                table.add_column(column, overflow="fold")
            for problem in check.problems:
                colour = "red" if problem.severity == "error" else "yellow"
                table.add_row(
                    problem.where(),
                    f"[{colour}]{problem.severity}[/]",
                    problem.code,
                    problem.path,
                    problem.message,
                )
            console.print(table)
        if playbook is not None:
            active = sum(1 for o in playbook.offers.values() if o.status.value == "active")
            console.print(
                f"[green]valid[/]: {playbook.name}: {len(playbook.offers)} offers ({active} "
                f"active), {len(playbook.milestones)} milestones, "
                f"{len(playbook.placements)} placements"
            )
        else:
            console.print(f"[red]invalid[/]: {len(check.errors)} error(s) in {path}")
    if playbook is None:
        raise typer.Exit(1)


@playbook_app.command("schema")
def schema() -> None:
    """Print the playbook's JSON Schema (for editor completion and checks in CI)."""
    typer.echo(json.dumps(playbook_json_schema(), indent=2))


def _signal_values(text: str) -> dict[str, Any]:
    try:
        values = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"--signals is not JSON: {error}") from None
    if not isinstance(values, dict):
        raise typer.BadParameter("--signals must be a JSON object of signal name to value")
    return values


@playbook_app.command("explain-trigger")
def explain_trigger(
    expression: Annotated[str, typer.Argument(help='A trigger, e.g. "util_projects >= 0.8".')],
    signals: Annotated[
        str, typer.Option("--signals", help="Signal values as JSON: '{\"util_projects\": 0.86}'.")
    ] = "{}",
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate one trigger on the given values and show every clause with its values.

    Exits 0 when it fires, 1 when it does not, 2 when the expression or the values are invalid.
    """
    values = _signal_values(signals)
    try:
        tree = parse(expression)
    except ExpressionInvalid as error:
        error_console.print(f"[bold red]error[/] ({error.reason}): {error.message}")
        error_console.print(f"  {expression}\n  {' ' * error.position}^")
        raise typer.Exit(USAGE_ERROR) from None
    try:
        definitions = (
            signal_definitions(load_catalog_path(catalog).latest) if catalog else ACCOUNT_SIGNALS
        )
    except TierwiseError as error:
        error_console.print(f"[bold red]error[/] ({error.code}): {error.message}")
        raise typer.Exit(USAGE_ERROR) from None
    issues = type_issues(tree, signal_types(definitions)) if catalog else ()
    if issues:
        for issue in issues:
            error_console.print(
                f"[bold red]error[/] ({issue.code}): {issue.message} (column {issue.position + 1})"
            )
        raise typer.Exit(USAGE_ERROR)
    result = evaluate(tree, values)
    if as_json:
        print_json(
            {
                "fired": result.fired,
                "clauses": [
                    {
                        "text": c.text,
                        "passed": c.passed,
                        "detail": c.detail,
                        "values": {name: show_value(value) for name, value in c.values},
                    }
                    for c in result.clauses
                ],
            }
        )
    else:
        for clause in result.clauses:
            colour = "green" if clause.passed else "red"
            console.print(f"[{colour}]{clause.detail}[/]")
        console.print("[bold]fired[/]" if result.fired else "[bold]did not fire[/]")
    if not result.fired:
        raise typer.Exit(1)
