"""The ledger's commands: ``db``, ``account``, ``subscription``, ``seats`` and ``tick``.

Mount them on the root app (see ``docs/cli.md``)::

    app.add_typer(db_app, name="db")
    app.add_typer(account_app, name="account")
    app.add_typer(subscription_app, name="subscription")
    app.add_typer(seats_app, name="seats")
    app.add_typer(tick_app, name="tick")

Errors are raised as :class:`~tierwise.errors.TierwiseError`; the root app prints them and exits
with status 2. Every command runs in one transaction, so a refused command changed nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tierwise import bootstrap
from tierwise.adapters.sql import upgrade_database
from tierwise.cli.ledger_options import (
    ActorOption,
    AtOption,
    CatalogOption,
    KeyOption,
    LedgerOptions,
    ReasonOption,
    describe_entry,
    moment,
    open_ledger,
    pairs,
    submit,
)
from tierwise.cli.ledger_seats import seats_app
from tierwise.cli.ledger_subscriptions import subscription_app
from tierwise.cli.output import JsonOption, console, print_json
from tierwise.config import Settings
from tierwise.services import commands as c

__all__ = ["account_app", "db_app", "seats_app", "subscription_app", "tick_app"]

db_app = typer.Typer(help="The ledger database: migrations.", no_args_is_help=True)
account_app = typer.Typer(help="Customer accounts.", no_args_is_help=True)
tick_app = typer.Typer(
    help="Carry out what is due: scheduled changes, trial ends, revocations, renewals."
)


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Apply every pending migration to the configured database (TIERWISE_DATABASE_URL or the
    embedded SQLite file in TIERWISE_DATA_DIR)."""
    settings = Settings()
    revision = upgrade_database(bootstrap.database_url(settings))
    target = "embedded SQLite" if settings.embedded else "TIERWISE_DATABASE_URL"
    if as_json:
        print_json({"revision": revision, "database": target})
    else:
        console.print(f"database ({target}) is at revision [bold]{revision}[/]")


@account_app.command("create")
def account_create(
    external_id: Annotated[str, typer.Option(help="Your id of the account (CRM, billing).")],
    name: Annotated[str, typer.Option(help="Company name.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 currency, e.g. USD.")],
    industry: Annotated[str | None, typer.Option(help="Industry.")] = None,
    company_size: Annotated[int | None, typer.Option(help="Employees.")] = None,
    region: Annotated[str | None, typer.Option(help="Region.")] = None,
    owner: Annotated[str | None, typer.Option(help="Customer-success manager.")] = None,
    attribute: Annotated[
        list[str] | None, typer.Option(help="Free-form key=value (repeatable).")
    ] = None,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account."""
    attributes = pairs(attribute, field="attribute")
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.CreateAccount(
        **options.base(),
        external_id=external_id,
        name=name,
        currency=currency,
        industry=industry,
        company_size=company_size,
        region=region,
        owner=owner,
        attributes=attributes,
    )
    submit(command, options)


@account_app.command("list")
def account_list(
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """List accounts, oldest first."""
    accounts = open_ledger(catalog).list_accounts(limit=limit, offset=offset)
    if as_json:
        print_json(accounts)
        return
    table = Table("id", "external id", "name", "currency", "owner")
    for account in accounts:
        table.add_row(
            account["id"],
            escape(account["external_id"]),
            escape(account["name"]),
            account["currency"],
            escape(account["owner"] or ""),
        )
    console.print(table)


@account_app.command("show")
def account_show(
    account: Annotated[str, typer.Argument(help="Account id or external id.")],
    catalog: CatalogOption = None,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """The account's subscription, entitlements, grants and overrides, seats and recent
    history."""
    page = open_ledger(catalog).account_page(account, moment(at))
    if as_json:
        print_json(page)
        return
    _render_page(page)


def _render_page(page: dict[str, Any]) -> None:
    account = page["account"]
    name, external_id = escape(account["name"]), escape(account["external_id"])
    console.print(f"[bold]{name}[/] ({account['id']}, {external_id})")
    details = [account.get(k) for k in ("industry", "company_size", "region", "owner")]
    console.print("  " + " · ".join(str(d) for d in details if d is not None), markup=False)
    for item in page["subscriptions"]:
        sub = item["subscription"]
        terms = sub["terms"]
        console.print(
            f"\n[bold]{sub['id']}[/] {sub['status']} v{sub['version']}: {terms['plan']} × "
            f"{terms['seats']} seats, {terms['interval']}ly, add-ons: "
            f"{', '.join(terms['add_ons']) or 'none'}; period {sub['period_start']} to "
            f"{sub['period_end']}; term {sub['term_start']} to {sub['term_end']}"
        )
        if terms.get("bundle"):
            console.print(f"  bought as bundle {terms['bundle']} (its discount while whole)")
        if sub["pending_change"]:
            pending = sub["pending_change"]
            console.print(f"  scheduled {pending['kind']} at {pending['effective_at']}")
        if sub["trial"]:
            console.print(f"  trial of {sub['trial']['plan']} until {sub['trial']['ends_at']}")
        if sub.get("renewal"):
            renewal = sub["renewal"]
            console.print(
                f"  renewal committed: {renewal['term_years']} year(s) from {sub['term_end']} "
                f"under catalog {renewal['catalog_version']}"
            )
        seats = Table("user", "status", "assigned", "last active", title="seats")
        for seat in item["seats"]:
            seats.add_row(
                escape(seat["user"]),
                seat["status"],
                seat["assigned_at"],
                seat["last_active_at"] or "",
            )
        console.print(seats)
        history = Table("v", "at", "transition", "actor", "reason", title="recent history")
        for entry in item["history"]:
            history.add_row(
                str(entry["version"]),
                entry["at"],
                entry["transition"],
                escape(entry["actor"]),
                escape(entry["reason"]),
            )
        console.print(history)
    entitlements = page["entitlements"]
    if entitlements:
        table = Table("feature", "value", title="entitlements")
        for feature, value in entitlements["values"].items():
            table.add_row(feature, str(value))
        console.print(table)
    else:
        console.print("no subscription in force: no entitlements")
    for entry in page.get("grants") or []:
        console.print(describe_entry(entry), markup=False)


@tick_app.callback(invoke_without_command=True)
def tick(
    catalog: CatalogOption = None,
    at: AtOption = None,
    limit: Annotated[int, typer.Option(help="At most this many subscriptions per run.")] = 500,
    as_json: JsonOption = False,
) -> None:
    """Apply past-due scheduled changes, trial ends, revocation expiry, renewals and period
    roll-overs. Idempotent: safe to run from cron every minute."""
    receipt = open_ledger(catalog).handle(c.Tick(at=moment(at), limit=limit))
    if as_json:
        print_json(receipt.as_dict())
        return
    applied = receipt.data["applied"]
    console.print(f"tick: {len(applied)} step(s) applied, {len(receipt.data['skipped'])} skipped")
    for step in applied:
        console.print(f"  {step['subscription_id']} v{step['version']} {step['transition']}")
