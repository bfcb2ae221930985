"""Options and helpers shared by the ledger's commands (account, subscription, seats, tick)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from tierwise import bootstrap
from tierwise.cli.output import console, print_json
from tierwise.cli.quote import parse_moment
from tierwise.config import Settings
from tierwise.errors import InvalidInput
from tierwise.services.ledger import Ledger
from tierwise.services.receipts import Receipt

__all__ = [
    "ActorOption",
    "AtOption",
    "CatalogOption",
    "ExpectedVersionOption",
    "KeyOption",
    "ReasonOption",
    "moment",
    "open_ledger",
    "pairs",
    "show_receipt",
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
        console.print(
            f"  {subscription['status']}: {terms['plan']} × {terms['seats']} seats, "
            f"{terms['interval']}ly, {add_ons}; period {subscription['period_start']} to "
            f"{subscription['period_end']}, term to {subscription['term_end']}"
        )
        pending = subscription.get("pending_change")
        if pending:
            console.print(f"  scheduled: {pending['kind']} at {pending['effective_at']}")
        trial = subscription.get("trial")
        if trial:
            console.print(f"  trial of {trial['plan']} until {trial['ends_at']}")
    quote = data.get("quote")
    if isinstance(quote, dict):
        console.print(
            f"  quote: {quote['timing']}, due now {quote['due_now']} {quote['currency']}, "
            f"recurring {quote['recurring']['per_period']} per {quote['recurring']['interval']}"
        )
    for seat in data.get("seats") or []:
        console.print(f"  seat {seat['user']}: {seat['status']}")
