"""``tierwise catalog``: validate a catalog and print its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tierwise.adapters.catalog_files import check_catalog_path
from tierwise.catalog.schema import catalog_json_schema
from tierwise.catalog.versions import Catalog
from tierwise.cli.output import JsonOption, console, print_json
from tierwise.errors import Problem

__all__ = ["catalog_app"]

catalog_app = typer.Typer(
    help="Check the catalog a pricing team keeps as code.", no_args_is_help=True
)


def _problem_dict(problem: Problem) -> dict[str, object]:
    return {
        "code": problem.code,
        "severity": problem.severity,
        "path": problem.path,
        "line": problem.line,
        "source": problem.source,
        "message": problem.message,
    }


def _summary(catalog: Catalog) -> dict[str, object]:
    latest = catalog.latest
    return {
        "name": catalog.name,
        "versions": [
            {"version": v.version, "effective": v.effective.isoformat()} for v in catalog.versions
        ],
        "currencies": list(latest.currencies),
        "features": len(latest.features),
        "plans": list(latest.plans),
        "add_ons": list(latest.add_ons),
        "bundles": list(latest.bundles),
    }


@catalog_app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(help="A catalog YAML file or a folder of YAML files.")],
    as_json: JsonOption = False,
) -> None:
    """Check the whole catalog and list every problem with its code, YAML path and line.

    Exits 0 when the catalog is valid (warnings allowed) and 1 when it has errors.
    """
    check = check_catalog_path(path)
    if as_json:
        print_json(
            {
                "valid": check.ok,
                "problems": [_problem_dict(p) for p in check.problems],
                "catalog": _summary(check.catalog) if check.catalog else None,
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
        if check.catalog is not None:
            summary = _summary(check.catalog)
            console.print(
                f"[green]valid[/]: {summary['name']}: "
                f"{len(check.catalog.versions)} version(s), {summary['features']} features, "
                f"{len(check.catalog.latest.plans)} plans, {len(check.catalog.latest.add_ons)} "
                f"add-ons, {len(check.catalog.latest.bundles)} bundles, currencies "
                f"{', '.join(check.catalog.latest.currencies)}"
            )
        else:
            console.print(f"[red]invalid[/]: {len(check.errors)} error(s) in {path}")
    if check.catalog is None:
        raise typer.Exit(1)


@catalog_app.command("schema")
def schema() -> None:
    """Print the catalog's JSON Schema (for editor completion and checks in CI)."""
    typer.echo(json.dumps(catalog_json_schema(), indent=2))
