"""Shared output helpers of the CLI: one console, JSON printing, and error reporting."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from tierwise.errors import CatalogInvalid, TierwiseError

__all__ = ["USAGE_ERROR", "JsonOption", "console", "error_console", "print_json", "report_error"]

#: Exit status for bad input: the command did nothing.
USAGE_ERROR = 2

#: The ``--json`` flag every command that prints results accepts.
JsonOption = Annotated[bool, typer.Option("--json", help="Print a machine-readable object.")]

console = Console(highlight=False)
error_console = Console(stderr=True, highlight=False)


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on standard output (no colours, stable key order)."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def report_error(error: TierwiseError) -> None:
    """Print a tierwise error as one readable block on standard error (no traceback)."""
    error_console.print(f"[bold red]error[/] [dim]({error.code})[/]: {error.message}")
    if isinstance(error, CatalogInvalid):
        for problem in error.problems:
            where = problem.where()
            prefix = f"{where}: " if where else ""
            error_console.print(
                f"  {prefix}[cyan]{problem.path}[/] {problem.message} [dim]({problem.code})[/]"
            )
    elif error.field:
        error_console.print(f"  field: [cyan]{error.field}[/]")
