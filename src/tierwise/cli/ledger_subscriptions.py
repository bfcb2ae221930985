"""``tierwise subscription …``: open, change, trial, suspend, revoke, renew, cancel."""

from __future__ import annotations

from typing import Annotated

import typer

from tierwise.catalog.model import BillingInterval
from tierwise.cli.ledger_options import (
    ActorOption,
    AtOption,
    CatalogOption,
    ExpectedVersionOption,
    KeyOption,
    LedgerOptions,
    ReasonOption,
    open_ledger,
    pairs,
    submit,
)
from tierwise.cli.output import JsonOption, print_json
from tierwise.services import commands as c

__all__ = ["subscription_app"]

subscription_app = typer.Typer(
    help="Subscriptions (licenses) and their transitions.", no_args_is_help=True
)
trial_app = typer.Typer(help="Trials of a higher tier.", no_args_is_help=True)
subscription_app.add_typer(trial_app, name="trial")

SubscriptionArgument = Annotated[str, typer.Argument(help="Subscription id.")]


@subscription_app.command("create")
def create(
    account: Annotated[str, typer.Option(help="Account id or external id.")],
    plan: Annotated[str, typer.Option(help="Plan key.")],
    interval: Annotated[BillingInterval, typer.Option(help="Billing interval.")] = (
        BillingInterval.MONTH
    ),
    seats: Annotated[int, typer.Option(help="Seats.")] = 1,
    add_on: Annotated[list[str] | None, typer.Option(help="Add-on key (repeatable).")] = None,
    term_years: Annotated[int, typer.Option(help="Contract term in years.")] = 1,
    bundle: Annotated[
        str | None,
        typer.Option(help="Catalog bundle the plan and add-ons are bought as (its parts)."),
    ] = None,
    currency: Annotated[str | None, typer.Option(help="Default: the account's.")] = None,
    setting: Annotated[list[str] | None, typer.Option(help="key=value (repeatable).")] = None,
    auto_renew: Annotated[bool, typer.Option(help="Renew at term end.")] = True,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a subscription; the first period is charged in full."""
    add_ons, settings = tuple(add_on or ()), pairs(setting, field="setting")
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.CreateSubscription(
        **options.base(),
        account=account,
        plan=plan,
        interval=interval,
        seats=seats,
        add_ons=add_ons,
        term_years=term_years,
        bundle=bundle,
        currency=currency,
        settings=settings,
        auto_renew=auto_renew,
    )
    submit(command, options)


@subscription_app.command("change")
def change(
    subscription: SubscriptionArgument,
    plan: Annotated[str | None, typer.Option(help="New plan.")] = None,
    interval: Annotated[BillingInterval | None, typer.Option(help="New interval.")] = None,
    seats: Annotated[int | None, typer.Option(help="New number of seats.")] = None,
    add_on: Annotated[list[str] | None, typer.Option(help="Add-on to add (repeatable).")] = None,
    remove_add_on: Annotated[
        list[str] | None, typer.Option(help="Add-on to remove (repeatable).")
    ] = None,
    term_years: Annotated[int | None, typer.Option(help="New contract term in years.")] = None,
    bundle: Annotated[
        str | None,
        typer.Option(help="Buy this catalog bundle: its plan and add-ons join the others."),
    ] = None,
    preview: Annotated[bool, typer.Option(help="Show the quote; change nothing.")] = False,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    expected_version: ExpectedVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change plan, interval, seats, add-ons, term or bundle; timing and money from the quote
    engine (a change that drops one of the bundle's parts ends the bundle and its discount)."""
    added, removed = tuple(add_on or ()), tuple(remove_add_on or ())
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.ChangeSubscription(
        **options.base(),
        subscription_id=subscription,
        expected_version=expected_version,
        plan=plan,
        interval=interval,
        seats=seats,
        add=added,
        remove=removed,
        term_years=term_years,
        bundle=bundle,
    )
    if not preview:
        submit(command, options)
        return
    print_json(open_ledger(catalog).preview_change(command))


def _simple(name: str, command_type: type[c.SubscriptionCommand], doc: str) -> None:
    """Register a command that takes only the common options."""

    def command(
        subscription: SubscriptionArgument,
        catalog: CatalogOption = None,
        at: AtOption = None,
        actor: ActorOption = "cli",
        reason: ReasonOption = "",
        idempotency_key: KeyOption = None,
        expected_version: ExpectedVersionOption = None,
        as_json: JsonOption = False,
    ) -> None:
        options = LedgerOptions(
            catalog=catalog,
            at=at,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            as_json=as_json,
        )
        submit(
            command_type(
                **options.base(), subscription_id=subscription, expected_version=expected_version
            ),
            options,
        )

    command.__doc__ = doc
    target = trial_app if name.startswith("trial ") else subscription_app
    target.command(name.removeprefix("trial "))(command)


_simple("undo-change", c.UndoScheduledChange, "Undo the scheduled change before it applies.")
_simple("trial revert", c.RevertTrial, "End the trial; nothing of the paid terms changed.")
_simple("suspend", c.SuspendSubscription, "Suspend (every entitlement check says no); --reason.")
_simple("reinstate", c.ReinstateSubscription, "Lift a suspension.")
_simple("revoke", c.RevokeSubscription, "Revoke now, reversible within the window; --reason.")
_simple("restore", c.RestoreSubscription, "Undo a revocation inside its window.")


@subscription_app.command("renew")
def renew(
    subscription: SubscriptionArgument,
    term_years: Annotated[
        int | None, typer.Option(help="Length of the next term (default: the current one's).")
    ] = None,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    expected_version: ExpectedVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Renew, priced as a renewal: in force, commit the next term (it starts at the term end,
    priced by the catalog in effect then, with any loyalty discount); expired, start again now."""
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.RenewSubscription(
        **options.base(),
        subscription_id=subscription,
        expected_version=expected_version,
        term_years=term_years,
    )
    submit(command, options)


@subscription_app.command("cancel")
def cancel(
    subscription: SubscriptionArgument,
    at_period_end: Annotated[
        bool, typer.Option(help="Cancel when the period ends (undo-change until then).")
    ] = False,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    expected_version: ExpectedVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel now, or at the end of the current period."""
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.CancelSubscription(
        **options.base(),
        subscription_id=subscription,
        expected_version=expected_version,
        at_period_end=at_period_end,
    )
    submit(command, options)


@trial_app.command("start")
def trial_start(
    subscription: SubscriptionArgument,
    plan: Annotated[str, typer.Option(help="The higher plan to try.")],
    days: Annotated[int | None, typer.Option(help="Default: the plan's trial policy.")] = None,
    convert_at_end: Annotated[bool, typer.Option(help="Buy the plan when the trial ends.")] = False,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    expected_version: ExpectedVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a trial: entitlements of the higher plan at once, the paid plan kept."""
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.StartTrial(
        **options.base(),
        subscription_id=subscription,
        expected_version=expected_version,
        plan=plan,
        days=days,
        convert_at_end=convert_at_end,
    )
    submit(command, options)


@trial_app.command("convert")
def trial_convert(
    subscription: SubscriptionArgument,
    seats: Annotated[int | None, typer.Option(help="Seats, if the plan needs more.")] = None,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    expected_version: ExpectedVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Buy the tried plan now (prorated by the quote engine)."""
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    command = c.ConvertTrial(
        **options.base(),
        subscription_id=subscription,
        expected_version=expected_version,
        seats=seats,
    )
    submit(command, options)
