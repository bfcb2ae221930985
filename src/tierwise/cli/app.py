"""The ``tierwise`` command: the root Typer application and its sub-commands.

Every command that prints results accepts ``--json``. Bad input exits with status 2 and a message
that names the field, never with a traceback: the root group turns every
:class:`~tierwise.errors.TierwiseError` raised below it into that exit.

Sub-commands are loaded on demand. Their modules pull in the storage, the HTTP server and the
analytics engines, which take seconds to import, and one invocation needs at most one of them:
``tierwise --help`` imports none (it lists every command from :data:`COMMANDS`) and
``tierwise quote ...`` imports only :mod:`tierwise.cli.quote`. To add a command, add a line to
:data:`COMMANDS`; ``tests/integration/test_cli_app.py`` checks that every line loads and that its
help matches the command's own.
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from tierwise.cli.output import USAGE_ERROR, report_error
from tierwise.errors import TierwiseError

__all__ = ["COMMANDS", "CommandEntry", "app", "load_command", "main"]


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """Where a sub-command lives, and the line ``tierwise --help`` shows for it.

    ``attribute`` names either a Typer sub-app (mounted as a group, with ``help`` as its help, as
    ``add_typer(..., help=...)`` does) or a command function (whose own docstring is its help, so
    ``help`` must repeat the docstring's first paragraph).
    """

    module: str
    attribute: str
    help: str


#: Every sub-command of ``tierwise``, in the order ``tierwise --help`` lists them.
COMMANDS: dict[str, CommandEntry] = {
    "demo": CommandEntry(
        "tierwise.cli.demo",
        "demo",
        "Build a synthetic company, decide who needs which upgrade, explain it, write a report.",
    ),
    "decide": CommandEntry(
        "tierwise.cli.decide",
        "decide",
        "Decide the best offer per channel for every account, and store the run.",
    ),
    "explain": CommandEntry(
        "tierwise.cli.decide",
        "explain",
        "Why this account gets this offer (each clause with its value), and why not the others.",
    ),
    "quote": CommandEntry(
        "tierwise.cli.quote",
        "quote",
        "Price a proposed change: timing, prorated lines, recurring price, discounts, price path.",
    ),
    "serve": CommandEntry(
        "tierwise.cli.serve",
        "serve",
        "Serve the REST API (OpenAPI at /openapi.json, docs at /docs).",
    ),
    "catalog": CommandEntry(
        "tierwise.cli.catalog", "catalog_app", "Check the catalog a pricing team keeps as code."
    ),
    "playbook": CommandEntry(
        "tierwise.cli.playbook",
        "playbook_app",
        "Check the upgrade playbook (offers, triggers, cadence) a growth team keeps as code.",
    ),
    "db": CommandEntry("tierwise.cli.ledger", "db_app", "The ledger database: migrations."),
    "account": CommandEntry("tierwise.cli.ledger", "account_app", "Customer accounts."),
    "subscription": CommandEntry(
        "tierwise.cli.ledger_subscriptions",
        "subscription_app",
        "Subscriptions (licenses) and their transitions.",
    ),
    "seats": CommandEntry(
        "tierwise.cli.ledger_seats", "seats_app", "Named seats and reclaiming dormant ones."
    ),
    "entitlements": CommandEntry(
        "tierwise.cli.entitlements",
        "entitlements_app",
        "Grants and overrides of an account's entitlements.",
    ),
    "tick": CommandEntry(
        "tierwise.cli.ledger",
        "tick_app",
        "Carry out what is due: scheduled changes, trial ends, revocations, renewals.",
    ),
    "license": CommandEntry(
        "tierwise.cli.license", "license_app", "Issue and verify signed offline license files."
    ),
    "events": CommandEntry(
        "tierwise.cli.events",
        "events_app",
        "Load usage events in bulk and look into the event store.",
    ),
    "keys": CommandEntry(
        "tierwise.cli.keys", "keys_app", "API keys: create (the key is shown once), list, revoke."
    ),
    "webhooks": CommandEntry(
        "tierwise.cli.webhooks",
        "webhooks_app",
        "Webhooks: endpoints, the dispatcher (deliver) and the delivery log.",
    ),
}


def _no_options() -> None:
    """Nothing to do at the root; it only dispatches to the sub-command."""


def load_command(name: str, entry: CommandEntry) -> Any:  # a click Command of Typer's click
    """Import ``entry``'s module and build its command exactly as a Typer root would mount it."""
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    holder = typer.Typer(add_completion=False, callback=_no_options)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name, help=entry.help)
    else:
        holder.command(name)(target)
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    return group.commands[name]


class _ReportingGroup(TyperGroup):
    """A command group that reports tierwise errors instead of showing tracebacks."""

    def invoke(self, ctx: Any) -> Any:  # the vendored click Context of Typer
        try:
            return super().invoke(ctx)
        except TierwiseError as error:
            report_error(error)
            ctx.exit(USAGE_ERROR)


class _LazyGroup(_ReportingGroup):
    """The root group: imports a sub-command's module only when that command is asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        mounted = [name for name in super().list_commands(ctx) if name not in COMMANDS]
        return [*COMMANDS, *mounted]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is not None and cmd_name not in self.commands:
            self.add_command(load_command(cmd_name, entry), cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in COMMANDS:
            return super().resolve_command(ctx, args)
        # Not a listed name: resolve it on the full listing, so "did you mean" can name any command.
        return super(_LazyGroup, self._listing()).resolve_command(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # Render from a copy that knows every command by its table line, so nothing is imported.
        super(_LazyGroup, self._listing()).format_help(ctx, formatter)

    def _listing(self) -> _LazyGroup:
        listing = copy.copy(self)
        listing.commands = {
            **{name: TyperCommand(name=name, help=entry.help) for name, entry in COMMANDS.items()},
            **self.commands,
        }
        return listing


app = typer.Typer(
    name="tierwise",
    cls=_LazyGroup,
    callback=_no_options,
    help="Customer-centric license upgrade offers, and the engine that carries the upgrades out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def main() -> None:
    """Console-script entry point."""
    app()
