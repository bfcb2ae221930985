"""``tierwise seats …``: named seats and the reclaim workflow (report, notice, reclaim, restore)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tierwise.cli.ledger_options import (
    ActorOption,
    AtOption,
    CatalogOption,
    KeyOption,
    LedgerOptions,
    ReasonOption,
    moment,
    open_ledger,
    submit,
)
from tierwise.cli.output import JsonOption, console, print_json
from tierwise.services import commands as c

__all__ = ["seats_app"]

seats_app = typer.Typer(help="Named seats and reclaiming dormant ones.", no_args_is_help=True)

SubscriptionArgument = Annotated[str, typer.Argument(help="Subscription id.")]
UserArgument = Annotated[str, typer.Argument(help="The person: email or user id.")]


def _seat_command(
    name: str,
    command_type: type[c.AssignSeat | c.UnassignSeat | c.RecordSeatActivity | c.RestoreSeat],
    doc: str,
) -> None:
    def command(
        subscription: SubscriptionArgument,
        user: UserArgument,
        catalog: CatalogOption = None,
        at: AtOption = None,
        actor: ActorOption = "cli",
        reason: ReasonOption = "",
        idempotency_key: KeyOption = None,
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
        submit(command_type(**options.base(), subscription_id=subscription, user=user), options)

    command.__doc__ = doc
    seats_app.command(name)(command)


_seat_command("assign", c.AssignSeat, "Give a person one of the subscription's seats.")
_seat_command("unassign", c.UnassignSeat, "Free a person's seat.")
_seat_command("activity", c.RecordSeatActivity, "Record that the person used the product.")
_seat_command("restore", c.RestoreSeat, "Give a reclaimed seat back to the same person.")


@seats_app.command("dormant")
def dormant(
    subscription: SubscriptionArgument,
    days: Annotated[int | None, typer.Option(help="Days without activity (default 30).")] = None,
    notify: Annotated[
        bool, typer.Option(help="Also send the reclaim notice to every dormant seat.")
    ] = False,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Report dormant seats; with --notify, give them notice (step 2 of reclaiming)."""
    if notify:
        options = LedgerOptions(
            catalog=catalog,
            at=at,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            as_json=as_json,
        )
        submit(
            c.NoticeDormantSeats(**options.base(), subscription_id=subscription, days=days),
            options,
        )
        return
    report = open_ledger(catalog).dormant_seats(subscription, moment(at), days)
    if as_json:
        print_json([line.as_dict() for line in report])
        return
    table = Table("user", "status", "last seen", "idle days", title="dormant seats")
    for line in report:
        table.add_row(
            escape(line.user), line.status.value, line.last_seen.isoformat(), str(line.idle_days)
        )
    console.print(table)


@seats_app.command("reclaim")
def reclaim(
    subscription: SubscriptionArgument,
    users: Annotated[
        list[str] | None, typer.Argument(help="Whom (default: every noticed seat that is due).")
    ] = None,
    catalog: CatalogOption = None,
    at: AtOption = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    idempotency_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reclaim noticed seats whose notice has run out (reversible with `seats restore`)."""
    options = LedgerOptions(
        catalog=catalog,
        at=at,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        as_json=as_json,
    )
    submit(
        c.ReclaimSeats(**options.base(), subscription_id=subscription, users=tuple(users or ())),
        options,
    )
