"""The ``tierwise`` command: the root Typer application and its sub-commands.

Every command that prints results accepts ``--json``. Bad input exits with status 2 and a message
that names the field, never with a traceback: the root group turns every
:class:`~tierwise.errors.TierwiseError` raised below it into that exit.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from tierwise.cli.catalog import catalog_app
from tierwise.cli.demo import demo
from tierwise.cli.license import license_app
from tierwise.cli.output import USAGE_ERROR, report_error
from tierwise.cli.quote import quote
from tierwise.errors import TierwiseError

__all__ = ["app", "main"]


class _ReportingGroup(TyperGroup):
    """The root command group: reports tierwise errors instead of showing tracebacks."""

    def invoke(self, ctx: Any) -> Any:  # the vendored click Context of Typer
        try:
            return super().invoke(ctx)
        except TierwiseError as error:
            report_error(error)
            ctx.exit(USAGE_ERROR)


app = typer.Typer(
    name="tierwise",
    cls=_ReportingGroup,
    help="Customer-centric license upgrade offers, and the engine that carries the upgrades out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.add_typer(catalog_app, name="catalog")
app.command("quote")(quote)
app.command("demo")(demo)
app.add_typer(license_app, name="license", help="Issue and verify signed offline license files.")


def main() -> None:
    """Console-script entry point."""
    app()
