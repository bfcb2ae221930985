"""``tierwise demo``: the main job on the embedded default.

Validates the example catalog and prints example quotes that show what tierwise explains: a
mid-period upgrade with prorated credits and charges, a move to yearly billing, a multi-year term
with its price path, a price in a currency without minor units, and a downgrade that waits for the
end of the term.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from tierwise.adapters.catalog_files import check_catalog_path
from tierwise.catalog.model import BillingInterval
from tierwise.cli.output import JsonOption, console, print_json, report_error
from tierwise.cli.quote_view import render_quote
from tierwise.errors import CatalogInvalid
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange, quote_change

__all__ = ["demo", "example_catalog_path"]

_MONTH, _YEAR = BillingInterval.MONTH, BillingInterval.YEAR


@dataclass(frozen=True, slots=True)
class _Scenario:
    title: str
    current: CurrentSubscription
    change: ProposedChange
    at: dt.datetime
    locale: str = "en_US"


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


_SCENARIOS = (
    _Scenario(
        "A growing team hits its limits: Team × 8 → Business × 12, mid-March",
        CurrentSubscription("team", _MONTH, "USD", dt.date(2026, 3, 1), seats=8),
        ProposedChange(to_plan="business", to_seats=12),
        _at("2026-03-15T09:30:00"),
    ),
    _Scenario(
        "Same plan, billed yearly instead of monthly: Business × 20 (EUR)",
        CurrentSubscription(
            "business", _MONTH, "EUR", dt.date(2026, 4, 10), seats=20, add_ons=("audit_logs",)
        ),
        ProposedChange(to_interval=_YEAR),
        _at("2026-04-22T00:00:00"),
        locale="de_DE",
    ),
    _Scenario(
        "Company-wide roll-out on a three-year term: Business × 60 → Enterprise × 120",
        CurrentSubscription("business", _YEAR, "USD", dt.date(2026, 2, 1), seats=60),
        ProposedChange(to_plan="enterprise", to_seats=120, term_years=3),
        _at("2026-08-01T00:00:00"),
    ),
    _Scenario(
        "A yen customer adds the automation pack mid-period: Team × 5 (JPY)",
        CurrentSubscription("team", _MONTH, "JPY", dt.date(2026, 1, 31), seats=5, anchor_day=31),
        ProposedChange(to_add_ons=("automation_pack",)),
        _at("2026-02-10T00:00:00"),
        locale="ja_JP",
    ),
    _Scenario(
        "A downgrade waits for the end of the term: Business × 10 → Team × 10",
        CurrentSubscription("business", _MONTH, "USD", dt.date(2026, 5, 1), seats=10),
        ProposedChange(to_plan="team"),
        _at("2026-05-20T00:00:00"),
    ),
)


def example_catalog_path() -> Path:
    """``examples/catalog.yaml`` in the working directory, else the one beside the sources."""
    here = Path("examples/catalog.yaml")
    if here.exists():
        return here
    return Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"


def demo(
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog to use (default: examples/catalog.yaml).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Validate the example catalog and print example quotes, explained line by line."""
    path = catalog or example_catalog_path()
    check = check_catalog_path(path)
    if check.catalog is None:
        report_error(CatalogInvalid(list(check.problems)))
        raise typer.Exit(1)
    loaded = check.catalog
    results = [
        (s, quote_change(loaded.version_at(s.current.period_start), s.current, s.change, s.at))
        for s in _SCENARIOS
    ]
    if as_json:
        print_json(
            {
                "catalog": {"path": str(path), "name": loaded.name, "valid": True},
                "quotes": [{"title": s.title, **q.as_dict()} for s, q in results],
            }
        )
        return
    latest = loaded.latest
    console.rule(f"[bold]tierwise demo[/] · {loaded.name}")
    console.print(
        f"[green]✓[/] {path} is valid: {len(loaded.versions)} versions, "
        f"{len(latest.plans)} plans ({', '.join(p.name for p in latest.plans.values())}), "
        f"{len(latest.add_ons)} add-ons, {len(latest.bundles)} bundles, "
        f"{len(latest.features)} features, currencies {', '.join(latest.currencies)}."
    )
    for warning in check.warnings:
        console.print(f"[yellow]warning[/] {warning.path}: {warning.message}")
    for scenario, result in results:
        console.print()
        render_quote(console, result, title=scenario.title, locale=scenario.locale)
