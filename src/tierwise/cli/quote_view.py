"""Render a :class:`~tierwise.pricing.quotes.Quote` as readable Rich tables."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from tierwise.catalog.model import ChangeTiming
from tierwise.money import Money
from tierwise.pricing.quotes import Quote

__all__ = ["render_quote"]


def _money(value: Money, locale: str) -> str:
    return value.format(locale)


def _lines_table(quote: Quote, locale: str) -> Table:
    table = Table(title="Due now, line by line", title_justify="left", expand=True)
    table.add_column("", width=6)
    table.add_column("what and why", ratio=1)
    table.add_column("days", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    for line in quote.lines:
        colour = "green" if line.kind.value == "credit" else "default"
        table.add_row(
            f"[{colour}]{line.kind.value}[/]",
            line.description,
            f"{line.period_start.isoformat()} → {line.period_end.isoformat()}",
            f"[{colour}]{_money(line.amount, locale)}[/]",
        )
    table.add_section()
    table.add_row("", "[bold]due now[/]", "", f"[bold]{_money(quote.due_now, locale)}[/]")
    if quote.credit_balance:
        table.add_row(
            "", "credit kept for the next invoices", "", _money(quote.credit_balance, locale)
        )
    return table


def _recurring_table(quote: Quote, locale: str) -> Table:
    recurring = quote.recurring
    table = Table(title="The new recurring price", title_justify="left", expand=True)
    table.add_column("billed monthly", justify="right")
    table.add_column("billed yearly", justify="right")
    table.add_column("yearly saves", justify="right")
    table.add_column("list price (monthly)", justify="right")
    table.add_row(
        f"{_money(recurring.monthly, locale)} / month",
        f"{_money(recurring.annual, locale)} / year",
        f"{_money(recurring.savings, locale)} ({recurring.savings_percent} %)",
        "—" if recurring.list_monthly is None else _money(recurring.list_monthly, locale),
    )
    return table


def _discounts_table(quote: Quote, locale: str) -> Table:
    table = Table(
        title=f"Discounts (per {quote.recurring.interval.value})", title_justify="left", expand=True
    )
    table.add_column("policy", no_wrap=True)
    table.add_column("why", ratio=1)
    table.add_column("%", justify="right")
    table.add_column("saves", justify="right", no_wrap=True)
    for discount in quote.discounts:
        table.add_row(
            discount.policy,
            discount.reason,
            str(discount.percent),
            _money(discount.amount, locale),
        )
    if quote.needs_approval:
        table.caption = (
            f"[yellow]combined {quote.combined_discount_percent} % is above the policy's "
            "limit without approval[/]"
        )
    return table


def _price_path_table(quote: Quote, locale: str) -> Table:
    table = Table(title="Price path, year by year", title_justify="left", expand=True)
    table.add_column("year", justify="right")
    table.add_column("from → to (end exclusive)")
    table.add_column("before discounts", justify="right")
    table.add_column("you pay", justify="right")
    table.add_column("discounts", ratio=1)
    for year in quote.price_path:
        table.add_row(
            str(year.year),
            f"{year.start.isoformat()} → {year.end.isoformat()}",
            _money(year.before_discounts, locale),
            f"[bold]{_money(year.amount, locale)}[/]",
            ", ".join(f"{d.policy} {d.percent} %" for d in year.discounts) or "—",
        )
    return table


def render_quote(console: Console, quote: Quote, *, title: str, locale: str = "en_US") -> None:
    """Print ``quote`` under ``title``: timing, lines, recurring price, discounts, price path."""
    timing = {
        ChangeTiming.IMMEDIATE: "[green]immediate[/]",
        ChangeTiming.END_OF_TERM: "[yellow]at the end of the term[/]",
        ChangeTiming.ILLEGAL: "[red]not allowed[/]",
    }[quote.timing]
    parts: list[Table | str] = [
        f"Timing: {timing}, effective {quote.effective_at.isoformat()}",
        f"[dim]Why: {quote.rule.explanation()}. Prices of catalog version "
        f"{quote.catalog_version}, in {quote.currency}.[/]",
    ]
    if quote.lines:
        parts.append(_lines_table(quote, locale))
    else:
        parts.append("Nothing is due now: the change waits for the end of the term.")
    parts.append(_recurring_table(quote, locale))
    if quote.discounts:
        parts.append(_discounts_table(quote, locale))
    if quote.price_path:
        parts.append(_price_path_table(quote, locale))
    console.print(Panel(Group(*parts), title=title, title_align="left"))
