"""Options and helpers shared by the ledger's commands (account, subscription, seats, tick,
entitlements).

A command function declares its options (Typer reads them from its signature), gathers the
ones every ledger command takes into :class:`LedgerOptions`, builds the service command with
each field named, and hands both to :func:`submit`, which runs it once through the ledger and
prints the receipt::

    @subscription_app.command("cancel")
    def cancel(subscription: SubscriptionArgument, ..., as_json: JsonOption = False) -> None:
        # the docstring is the command's help
        options = LedgerOptions(catalog=catalog, at=at, ..., as_json=as_json)
        command = c.CancelSubscription(
            **options.base(), subscription_id=subscription, at_period_end=at_period_end, ...
        )
        submit(command, options)

Every name is spelt out, so mypy checks each one against the command's fields and an option
that reaches no field is an error, not a silent drop (``submit`` once took the function's
``locals()`` and kept what matched a field by name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypedDict

import typer

from tierwise import bootstrap
from tierwise.cli.output import console, print_json
from tierwise.cli.quote import parse_moment
from tierwise.config import Settings
from tierwise.errors import InvalidInput
from tierwise.services.commands import Command
from tierwise.services.ledger import Ledger
from tierwise.services.receipts import Receipt

__all__ = [
    "ActorOption",
    "AtOption",
    "CatalogOption",
    "CommandBase",
    "ExpectedVersionOption",
    "KeyOption",
    "LedgerOptions",
    "ReasonOption",
    "moment",
    "open_ledger",
    "pairs",
    "show_receipt",
    "submit",
]

CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        envvar="TIERWISE_CATALOG",
        help="Catalog YAML (default: examples/catalog.yaml in the working directory).",
    ),
]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="When it happens (ISO 8601, UTC if no offset; default: now)."),
]
ActorOption = Annotated[str, typer.Option("--actor", help="Who asks (kept in the history).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the history).")]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        help="Same key + same input returns the first result; other input is refused.",
    ),
]
ExpectedVersionOption = Annotated[
    int | None,
    typer.Option("--expected-version", help="Apply only if the subscription is at this version."),
]


def moment(text: str | None) -> dt.datetime:
    """``--at`` as an aware UTC instant; now when not given."""
    return dt.datetime.now(dt.UTC) if text is None else parse_moment(text, field="at")


def open_ledger(catalog: Path | None) -> Ledger:
    """The ledger on the configured store, pricing with the chosen catalog."""
    settings = Settings()
    return bootstrap.build_ledger(bootstrap.load_catalog(catalog, settings), settings=settings)


def pairs(values: list[str] | None, *, field: str) -> dict[str, str]:
    """``key=value`` options as a dict."""
    result: dict[str, str] = {}
    for value in values or []:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{field} must look like key=value, got {value!r}", field=field)
        result[key.strip()] = text
    return result


class CommandBase(TypedDict):
    """The fields of every service command that come from the common options."""

    at: dt.datetime
    actor: str
    reason: str
    idempotency_key: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerOptions:
    """The options every ledger command takes, as its function received them.

    No field has a default, so a command that forgets to pass one on does not type-check.
    """

    catalog: Path | None
    at: str | None
    actor: str
    reason: str
    idempotency_key: str | None
    as_json: bool

    def base(self) -> CommandBase:
        """The command fields they give: ``--at`` parsed (now when not given), who, why, and
        the idempotency key; spread them into the command (``c.X(**options.base(), ...)``)."""
        return CommandBase(
            at=moment(self.at),
            actor=self.actor,
            reason=self.reason,
            idempotency_key=self.idempotency_key,
        )


def submit(command: Command, options: LedgerOptions, *, ledger: Ledger | None = None) -> Receipt:
    """Run ``command`` once through ``ledger`` (default: one opened with ``--catalog``) and
    print the receipt (JSON with ``--json``).

    Errors propagate as :class:`~tierwise.errors.TierwiseError` (the root app prints them,
    exit 2).
    """
    ledger = ledger or open_ledger(options.catalog)
    receipt = ledger.handle(command)
    show_receipt(receipt, options.as_json)
    return receipt


def show_receipt(receipt: Receipt, as_json: bool) -> None:
    """Print what a command did: the receipt as JSON, or a few readable lines."""
    if as_json:
        print_json(receipt.as_dict())
        return
    replay = " [dim](replayed: first result of this idempotency key)[/]" if receipt.replayed else ""
    version = f" → version {receipt.version}" if receipt.version is not None else ""
    console.print(f"[bold]{receipt.command}[/] {receipt.subject_id}{version}{replay}")
    data: dict[str, Any] = receipt.data
    subscription = data.get("subscription")
    if isinstance(subscription, dict):
        terms = subscription["terms"]
        add_ons = ", ".join(terms["add_ons"]) or "no add-ons"
        bundle = f" (bundle {terms['bundle']})" if terms.get("bundle") else ""
        console.print(
            f"  {subscription['status']}: {terms['plan']} × {terms['seats']} seats, "
            f"{terms['interval']}ly, {add_ons}{bundle}; period {subscription['period_start']} to "
            f"{subscription['period_end']}, term to {subscription['term_end']}"
        )
        pending = subscription.get("pending_change")
        if pending:
            console.print(f"  scheduled: {pending['kind']} at {pending['effective_at']}")
        trial = subscription.get("trial")
        if trial:
            console.print(f"  trial of {trial['plan']} until {trial['ends_at']}")
        renewal = subscription.get("renewal")
        if renewal:
            console.print(
                f"  renewal committed: {renewal['term_years']} year(s) from "
                f"{subscription['term_end']} under catalog {renewal['catalog_version']}"
            )
    quote = data.get("quote")
    if isinstance(quote, dict):
        console.print(
            f"  quote: {quote['timing']}, due now {quote['due_now']} {quote['currency']}, "
            f"recurring {quote['recurring']['per_period']} per {quote['recurring']['interval']}"
        )
        _show_renewal(quote)
    for seat in data.get("seats") or []:
        console.print(f"  seat {seat['user']}: {seat['status']}")
    for key in ("grant", "override", "ended"):
        entry = data.get(key)
        if isinstance(entry, dict):
            console.print(
                f"  {'ended ' if key == 'ended' else ''}{describe_entry(entry)}", markup=False
            )


def _show_renewal(quote: dict[str, Any]) -> None:
    renewal = quote.get("renewal")
    if not isinstance(renewal, dict):
        return
    lock = quote["catalog_version"]
    if renewal["price_change"]:
        lock = f"{renewal['previous_catalog_version']} → {lock}"
    console.print(
        f"  new term {renewal['term_start']} to {renewal['term_end']} "
        f"({renewal['term_years']} year(s)), catalog {lock}"
    )
    for discount in quote["discounts"]:
        console.print(f"    − {discount['amount']}: {discount['reason']}")


def describe_entry(entry: Mapping[str, Any]) -> str:
    """One grant or override in a line, e.g. ``grant 3: projects +10 from 2026-03-01T00:00:00+00:00
    until 2026-04-01T00:00:00+00:00 (migration help) [active]``."""
    sign = "+" if entry["kind"] == "grant" else "= "
    window = " ".join(
        f"{word} {entry[key]}"
        for word, key in (("from", "starts"), ("until", "ends"))
        if entry[key]
    )
    status = f" [{entry['status']}]" if "status" in entry else ""
    if entry.get("withdrawn"):
        status += " [withdrawn before it started]"
    return (
        f"{entry['kind']} {entry['id']}: {entry['feature']} {sign}{entry['value']} "
        f"{window or 'open-ended'} ({entry['reason']}){status}"
    )
