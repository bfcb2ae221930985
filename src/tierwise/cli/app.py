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
from tierwise.cli.decide import decide, explain
from tierwise.cli.demo import demo
from tierwise.cli.events import events_app
from tierwise.cli.keys import keys_app
from tierwise.cli.ledger import account_app, db_app, seats_app, subscription_app, tick_app
from tierwise.cli.license import license_app
from tierwise.cli.output import USAGE_ERROR, report_error
from tierwise.cli.playbook import playbook_app
from tierwise.cli.quote import quote
from tierwise.cli.serve import serve
from tierwise.cli.webhooks import webhooks_app
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

app.command("demo")(demo)
app.command("decide")(decide)
app.command("explain")(explain)
app.add_typer(catalog_app, name="catalog")
app.command("quote")(quote)
app.add_typer(playbook_app, name="playbook")
app.add_typer(db_app, name="db")
app.add_typer(account_app, name="account")
app.add_typer(subscription_app, name="subscription")
app.add_typer(seats_app, name="seats")
app.add_typer(tick_app, name="tick")
app.add_typer(license_app, name="license", help="Issue and verify signed offline license files.")
app.add_typer(events_app, name="events")
app.add_typer(keys_app, name="keys")
app.add_typer(webhooks_app, name="webhooks")
app.command("serve")(serve)


def main() -> None:
    """Console-script entry point."""
    app()
