"""``tierwise demo``: the main job on the embedded default, from a fresh clone.

1. validates the example catalog and prints two example quotes (a mid-period upgrade with its
   prorated lines, and yearly billing against monthly);
2. builds a realistic synthetic company in a fresh demo data directory (default
   ``./.tierwise/demo``): accounts and subscriptions in the ledger, months of usage, support,
   survey and payment events in the event store (:mod:`tierwise.demo`);
3. loads the example playbook, computes every account's signals and decides (``tierwise
   decide``), and prints the top offers with their reasons, quotes and value cases;
4. writes an HTML report and prints its path.

``--json`` prints the same as one object (with all five example quotes).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from tierwise import bootstrap
from tierwise.adapters.catalog_files import check_catalog_path
from tierwise.catalog.model import BillingInterval
from tierwise.cli.decide import as_of_moment, run_decide
from tierwise.cli.decision_view import render_offer, render_summary
from tierwise.cli.output import JsonOption, console, error_console, print_json, report_error
from tierwise.cli.quote_view import render_quote
from tierwise.config import Settings
from tierwise.demo.build import build_company
from tierwise.demo.company import DEFAULT_AS_OF, CompanySpec
from tierwise.demo.report import ReportData, top_offers, write_report
from tierwise.errors import CatalogInvalid
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange, quote_change

__all__ = ["demo", "example_catalog_path", "example_playbook_path"]

_MONTH, _YEAR = BillingInterval.MONTH, BillingInterval.YEAR


@dataclass(frozen=True, slots=True)
class _Scenario:
    title: str
    current: CurrentSubscription
    change: ProposedChange
    at: dt.datetime
    locale: str = "en_US"
    shown: bool = False  # printed in the text output (all are in --json)


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


_SCENARIOS = (
    _Scenario(
        "A growing team hits its limits: Team × 8 → Business × 12, mid-March",
        CurrentSubscription("team", _MONTH, "USD", dt.date(2026, 3, 1), seats=8),
        ProposedChange(to_plan="business", to_seats=12),
        _at("2026-03-15T09:30:00"),
        shown=True,
    ),
    _Scenario(
        "Same plan, billed yearly instead of monthly: Business × 20 (EUR)",
        CurrentSubscription(
            "business", _MONTH, "EUR", dt.date(2026, 4, 10), seats=20, add_ons=("audit_logs",)
        ),
        ProposedChange(to_interval=_YEAR),
        _at("2026-04-22T00:00:00"),
        locale="de_DE",
        shown=True,
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


def _example(name: str) -> Path:
    """``examples/<name>`` in the working directory, else the one beside the sources."""
    here = Path("examples") / name
    if here.exists():
        return here
    return Path(__file__).resolve().parents[3] / "examples" / name


def example_catalog_path() -> Path:
    return _example("catalog.yaml")


def example_playbook_path() -> Path:
    return _example("playbook.yaml")


def demo(
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog to use (default: examples/catalog.yaml).")
    ] = None,
    playbook: Annotated[
        Path | None, typer.Option(help="Playbook to use (default: examples/playbook.yaml).")
    ] = None,
    data_dir: Annotated[
        Path,
        typer.Option(help="Where the demo company is built (rebuilt on every run)."),
    ] = Path(".tierwise/demo"),
    accounts: Annotated[int, typer.Option(min=1, max=200_000, help="Accounts to generate.")] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the generator (same seed, same company).")] = 7,
    as_of: Annotated[
        str, typer.Option("--as-of", help="The day the history ends and decisions are made.")
    ] = DEFAULT_AS_OF.isoformat(),
    report: Annotated[
        Path | None, typer.Option(help="HTML report path (default: DATA_DIR/report.html).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Build a synthetic company, decide who needs which upgrade, explain it, write a report."""
    started = time.perf_counter()
    path = catalog or example_catalog_path()
    check = check_catalog_path(path)
    if check.catalog is None:
        report_error(CatalogInvalid(list(check.problems)))
        raise typer.Exit(1)
    loaded = check.catalog
    quotes = [
        (s, quote_change(loaded.version_at(s.current.period_start), s.current, s.change, s.at))
        for s in _SCENARIOS
    ]
    if not as_json:
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
        for scenario, result in quotes:
            if scenario.shown:
                console.print()
                render_quote(console, result, title=scenario.title, locale=scenario.locale)
    moment = as_of_moment(as_of)
    spec = CompanySpec(accounts=accounts, seed=seed, as_of=moment.date())
    settings = Settings(data_dir=data_dir, database_url=None)
    with error_console.status("building the demo company", spinner="dots") as status:
        built = build_company(
            data_dir, loaded, spec, stage=lambda name: status.update(f"demo company: {name}")
        )
    engine = bootstrap.ledger_engine(settings)
    try:
        decisions = bootstrap.build_decisions(
            loaded, settings, playbook=playbook or example_playbook_path(), engine=engine
        )
        decided = run_decide(decisions, moment, quiet=as_json)
    finally:
        engine.dispose()
    seconds = dict(built.seconds)
    seconds["signals"] = decided.signal_seconds
    seconds["decisions"] = decided.decide_seconds
    events = built.events.stored.inserted
    report_path = write_report(
        report or data_dir / "report.html",
        ReportData(
            catalog=loaded.name,
            playbook=decisions.rules.playbook.name,
            company=built.company,
            summary=decided.run.summary,
            decisions=decided.decisions,
            events=events,
            seconds=seconds,
            generated_at=dt.datetime.now(dt.UTC),
        ),
    )
    seconds["total"] = time.perf_counter() - started
    top = top_offers(decided.decisions)
    if as_json:
        print_json(_json(path, loaded.name, quotes, built, decided.run.summary, top, seconds,
                         report_path, data_dir))  # fmt: skip
        return
    console.print()
    console.rule(f"[bold]{accounts:,} accounts[/] · {events:,} events · decided as of {spec.as_of}")
    render_summary(console, decided.run.summary, top=5)
    console.rule("[bold]Top offers, with their reasons, quotes and value cases")
    console.print("[dim]The best account for each offer the engine made, highest expected value "
                  "first.[/]")  # fmt: skip
    for decision, channel, item in top:
        console.print(
            f"[bold]{decision['name']}[/] ({decision['external_id']}, {decision['plan']})"
        )
        render_offer(console, channel, item)
    console.print(
        f"[green]✓[/] report: [bold]{report_path}[/]  ·  explain any account with "
        f"[bold]TIERWISE_DATA_DIR={data_dir} tierwise explain ACCOUNT[/]  ·  "
        f"{seconds['total']:.0f} s in all"
    )


def _json(
    path: Path,
    name: str,
    quotes: list[tuple[_Scenario, Any]],
    built: Any,
    summary: Any,
    top: list[tuple[Any, str, Any]],
    seconds: dict[str, float],
    report_path: Path,
    data_dir: Path,
) -> dict[str, Any]:
    return {
        "catalog": {"path": str(path), "name": name, "valid": True},
        "quotes": [{"title": s.title, **q.as_dict()} for s, q in quotes],
        "company": {
            "data_dir": str(data_dir),
            "accounts": len(built.company.customers),
            "seed": built.company.spec.seed,
            "as_of": built.company.spec.as_of.isoformat(),
            "ledger_rows": built.ledger.rows,
            "events": built.events.stored.inserted,
        },
        "summary": summary,
        "top_offers": [
            {"external_id": d["external_id"], "channel": channel, **item}
            for d, channel, item in top
        ],
        "report": str(report_path),
        "seconds": {stage: round(value, 2) for stage, value in seconds.items()},
    }
