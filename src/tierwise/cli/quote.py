"""``tierwise quote``: price a proposed change to a subscription, line by line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.model import BillingInterval
from tierwise.cli.output import JsonOption, console, print_json
from tierwise.cli.quote_view import render_quote
from tierwise.errors import InvalidInput
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange, quote_change

__all__ = ["parse_moment", "quote"]


def parse_moment(text: str, *, field: str) -> dt.datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime; a date means 00:00 UTC.

    A date-time without an offset is read as UTC.
    """
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{field} must be an ISO 8601 date or date-time, got {text!r}", field=field
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def parse_day(text: str, *, field: str) -> dt.date:
    """An ISO 8601 calendar date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field} must be an ISO 8601 date, got {text!r}", field=field) from None


def quote(
    catalog: Annotated[Path, typer.Option(help="Catalog YAML file or folder.")],
    plan: Annotated[str, typer.Option(help="Current plan.")],
    interval: Annotated[BillingInterval, typer.Option(help="Current billing interval.")],
    period_start: Annotated[str, typer.Option(help="First day of the current billing period.")],
    at: Annotated[str, typer.Option(help="When the change happens (ISO 8601; a date = 00:00Z).")],
    seats: Annotated[int, typer.Option(help="Current seats.")] = 1,
    add_on: Annotated[list[str] | None, typer.Option(help="Current add-on (repeatable).")] = None,
    anchor_day: Annotated[
        int | None, typer.Option(help="Billing anchor day (default: period start's day).")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency (default: the catalog's first).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Target plan.")] = None,
    to_interval: Annotated[BillingInterval | None, typer.Option(help="Target interval.")] = None,
    to_seats: Annotated[int | None, typer.Option(help="Target seats.")] = None,
    to_add_on: Annotated[
        list[str] | None,
        typer.Option(help="Target add-on (repeatable; replaces the current add-ons)."),
    ] = None,
    no_add_ons: Annotated[bool, typer.Option(help="Remove every add-on.")] = False,
    term_years: Annotated[
        int | None, typer.Option(help="Target contract term in years (1, 2, 3...).")
    ] = None,
    current_term_years: Annotated[int, typer.Option(help="Current contract term in years.")] = 1,
    term_start: Annotated[
        str | None, typer.Option(help="First day of the current contract term.")
    ] = None,
    renewal: Annotated[
        bool, typer.Option(help="The current term is a renewal (multi-year loyalty).")
    ] = False,
    bundle: Annotated[
        str | None, typer.Option(help="Catalog bundle the current plan and add-ons were bought as.")
    ] = None,
    to_bundle: Annotated[
        str | None, typer.Option(help="Buy this catalog bundle (its plan and add-ons).")
    ] = None,
    catalog_version: Annotated[
        str | None,
        typer.Option(
            help="Catalog version (price lock); default: the one in force at period start."
        ),
    ] = None,
    locale: Annotated[str, typer.Option(help="Locale for amounts, e.g. de_DE.")] = "en_US",
    as_json: JsonOption = False,
) -> None:
    """Price a proposed change: timing, prorated lines, recurring price, discounts, price path."""
    loaded = load_catalog_path(catalog)
    start = parse_day(period_start, field="period_start")
    version = loaded.version(catalog_version) if catalog_version else loaded.version_at(start)
    if no_add_ons and to_add_on:
        raise InvalidInput("give either --to-add-on or --no-add-ons, not both", field="to_add_on")
    current = CurrentSubscription(
        plan=plan,
        interval=interval,
        currency=currency or version.currencies[0],
        period_start=start,
        seats=seats,
        add_ons=tuple(add_on or ()),
        anchor_day=anchor_day,
        term_years=current_term_years,
        term_start=parse_day(term_start, field="term_start") if term_start else None,
        renewal=renewal,
        bundle=bundle,
    )
    change = ProposedChange(
        to_plan=to,
        to_add_ons=() if no_add_ons else (tuple(to_add_on) if to_add_on else None),
        to_seats=to_seats,
        to_interval=to_interval,
        term_years=term_years,
        to_bundle=to_bundle,
    )
    result = quote_change(version, current, change, parse_moment(at, field="at"))
    if as_json:
        print_json(result.as_dict())
        return
    target = to or (version.bundles[to_bundle].name if to_bundle else plan)
    render_quote(console, result, title=f"Quote: {plan} → {target}", locale=locale)
