"""``tierwise entitlements …``: grants and overrides of an account, given, listed and ended.

A **grant** adds to the plan's value for a while (``+10`` projects for a month, SSO during a
pilot); an **override** replaces it (a negotiated limit), open-ended unless ``--until``. Both
belong to the account and take effect through its subscription in force, whose version they
bump, so cached entitlement snapshots see them at once. ``end`` closes one early (history and an
outbox event like every transition); one that has not started yet is withdrawn.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tierwise.catalog.model import Entitlement
from tierwise.cli.ledger_options import (
    ActorOption,
    AtOption,
    CatalogOption,
    ExpectedVersionOption,
    KeyOption,
    LedgerOptions,
    moment,
    open_ledger,
    submit,
)
from tierwise.cli.output import JsonOption, console, print_json
from tierwise.cli.quote import parse_moment
from tierwise.errors import InvalidInput
from tierwise.services import commands as c

__all__ = ["entitlements_app", "parse_value"]

entitlements_app = typer.Typer(
    help="Grants and overrides of an account's entitlements.", no_args_is_help=True
)

AccountArgument = Annotated[str, typer.Argument(help="Account id or external id.")]
FeatureArgument = Annotated[str, typer.Argument(help="Feature key, e.g. projects.")]
ValueOption = Annotated[
    str,
    typer.Option("--value", help="A number, unlimited, or true/false for a boolean feature."),
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Start (ISO 8601, UTC if no offset; default: --at).")
]
WhyOption = Annotated[str, typer.Option("--reason", help="Why (required; kept in the history).")]

_TRUE = frozenset({"true", "yes", "on"})
_FALSE = frozenset({"false", "no", "off"})


def parse_value(text: str) -> Entitlement:
    """``--value`` as an entitlement: ``true``/``false``, ``unlimited`` or a whole number ≥ 0.

    Whether it fits the feature (a number for a limit, true/false for a boolean feature) is
    checked by the ledger against the catalog.
    """
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    if word == "unlimited":
        return "unlimited"
    if word.isdigit():
        return int(word)
    raise InvalidInput(
        f"value must be a whole number, unlimited, true or false, got {text!r}", field="value"
    )


@entitlements_app.command("grant")
def grant(
    account: AccountArgument,
    feature: FeatureArgument,
    value: ValueOption,
    until: Annotated[str, typer.Option("--until", help="End, exclusive (ISO 8601).")],
    reason: WhyOption,
    starts: FromOption = None,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    idempotency_key: KeyOption = None,
    expected_version: ExpectedVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add to a feature for a while, like an add-on (numbers add, true wins)."""
    ledger = open_ledger(catalog)
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    base = options.base()
    begin = base["at"] if starts is None else parse_moment(starts, field="from")
    command = c.GrantEntitlement(
        **base,
        subscription_id=ledger.subscription_in_force(account),
        expected_version=expected_version,
        feature=feature,
        value=parse_value(value),
        starts=begin,
        ends=parse_moment(until, field="until"),
    )
    submit(command, options, ledger=ledger)


@entitlements_app.command("override")
def override(
    account: AccountArgument,
    feature: FeatureArgument,
    value: ValueOption,
    reason: WhyOption,
    starts: FromOption = None,
    until: Annotated[
        str | None, typer.Option("--until", help="End, exclusive (default: open-ended).")
    ] = None,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    idempotency_key: KeyOption = None,
    expected_version: ExpectedVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the plan's value of a feature (a negotiated limit); the last active one wins."""
    ledger = open_ledger(catalog)
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.OverrideEntitlement(
        **options.base(),
        subscription_id=ledger.subscription_in_force(account),
        expected_version=expected_version,
        feature=feature,
        value=parse_value(value),
        starts=None if starts is None else parse_moment(starts, field="from"),
        ends=None if until is None else parse_moment(until, field="until"),
    )
    submit(command, options, ledger=ledger)


@entitlements_app.command("end")
def end(
    account: AccountArgument,
    entry_id: Annotated[int, typer.Argument(help="The grant's or override's id (see list).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")] = "",
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    idempotency_key: KeyOption = None,
    expected_version: ExpectedVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """End a grant or override now (one that has not started is withdrawn)."""
    ledger = open_ledger(catalog)
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.EndEntitlement(
        **options.base(),
        subscription_id=ledger.subscription_in_force(account),
        expected_version=expected_version,
        entry_id=entry_id,
    )
    submit(command, options, ledger=ledger)


@entitlements_app.command("list")
def list_entries(
    account: AccountArgument,
    ended: Annotated[bool, typer.Option("--all", help="Include ended ones.")] = False,
    catalog: CatalogOption = None,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """The account's grants and overrides: active, upcoming (and ended with --all)."""
    entries = open_ledger(catalog).grants(account, moment(at), ended=ended)
    if as_json:
        print_json(entries)
        return
    if not entries:
        console.print("no grants or overrides")
        return
    table = Table("id", "kind", "feature", "value", "from", "until", "status", "reason")
    for entry in entries:
        table.add_row(
            str(entry["id"]),
            entry["kind"],
            entry["feature"],
            str(entry["value"]),
            entry["starts"] or "",
            entry["ends"] or "",
            entry["status"],
            escape(entry["reason"]),
        )
    console.print(table)
