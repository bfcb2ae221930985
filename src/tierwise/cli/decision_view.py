"""Readable decisions for the terminal: the run's summary tables and one account's explanation.

Shared by ``tierwise decide``, ``tierwise explain`` and ``tierwise demo``. Everything printed
comes from the decision documents (:mod:`tierwise.services.decision_making`), so the screen and
``--json`` never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

__all__ = ["render_decision", "render_offer", "render_summary"]

_CHANNELS = ("in_app", "email", "csm")


def render_summary(console: Console, summary: Mapping[str, Any], *, top: int = 10) -> None:
    """Offers by target kind and channel, suppressions by rule, and the top accounts."""
    console.print(
        f"[bold]{summary['accounts']}[/] accounts: [green]{summary['with_offer']}[/] with "
        f"something to say, [yellow]{summary['nudges']}[/] gentle nudges, "
        f"[red]{summary['at_risk']}[/] at risk (a person reaches out instead of an offer)."
    )
    kinds: dict[str, dict[str, int]] = {}
    for key, count in summary["offers"].items():
        kind, channel, strength = key.split("|")
        label = kind if strength == "offer" else f"{kind} (nudge)"
        kinds.setdefault(label, {})[channel] = kinds.get(label, {}).get(channel, 0) + count
    offers = Table(title="Offers by target and channel")
    offers.add_column("target")
    for channel in _CHANNELS:
        offers.add_column(channel, justify="right")
    for label in sorted(kinds):
        offers.add_row(label, *(str(kinds[label].get(c, "")) for c in _CHANNELS))
    offers.add_row("save play", "", "", str(summary["save_plays"]), style="red")
    console.print(offers)
    suppressed = Table(title="Held back, by rule (an offer can fail several)")
    suppressed.add_column("rule")
    suppressed.add_column("offers", justify="right")
    for rule, count in summary["suppressed"].items():
        suppressed.add_row(rule, str(count))
    console.print(suppressed)
    best = Table(title="Top accounts by expected value (prior × value)")
    for name in ("currency", "account", "offer", "expected value"):
        best.add_column(name, justify="right" if name == "expected value" else "left")
    for currency, entries in summary["top"].items():
        for entry in entries[:top]:
            best.add_row(currency, entry["external_id"], entry["offer"], entry["expected_value"])
    console.print(best)


def _clauses(evaluation: Mapping[str, Any]) -> str:
    return "\n".join(f"  {clause['detail']}" for clause in evaluation["clauses"])


def render_offer(console: Console, channel: str, item: Mapping[str, Any]) -> None:
    """One chosen offer: why (clauses with values), the quote, the value case and the copy."""
    if "save_play" in item:
        play = item["save_play"]
        lines = [f"[bold]{play['name']}[/] — {play['goal']}", "at risk because:"]
        lines += [f"  {c['detail']}" for c in play["at_risk"]["clauses"] if c["passed"]]
        lines += [f"• {point}" for point in play["talking_points"]]
        lines += [f"→ {action}" for action in play["actions"]]
        console.print(Panel("\n".join(lines), title=f"{channel}: save play", border_style="red"))
        return
    quote = item["quote"]
    recurring = quote["new_recurring"]
    value = item["value"]
    strength = "gentle nudge (near miss)" if item["strength"] == "nudge" else "offer"
    lines = [
        f"[bold]{item['name']}[/] → {item['target']['name']} ({item['target']['kind']}, "
        f"{strength})",
        "why:",
        _clauses(item["trigger"] if item["strength"] == "offer" else item["near_miss"]),
        f"expected value {item['expected_value']} {item['currency']} = prior {item['prior']} × "
        f"value {item.get('revenue_value', item['annual_delta'])}",
        *(f"  {line}" for line in item.get("valuation", ())),
        f"quote: {quote['timing']}, due now {quote['due_now']} {quote['currency']}; then "
        f"{recurring['per_period']} per {recurring['interval']} ({recurring['monthly']} monthly"
        f" / {recurring['annual']} yearly)",
    ]
    lines += [f"  discount: {d['percent']} % {d['reason']}" for d in quote["discounts"]]
    lines.append(f"value: {value['outcome']}")
    if "hours_saved_per_month" in value:
        lines.append(
            f"  {value['hours_saved_per_month']} h/month saved, worth "
            f"{value['money_value_per_month']} {item['currency']}; payback "
            f"{value['payback_months'] or '—'} months, ROI {value['roi_percent'] or '—'} %"
        )
    message = item["message"]
    if "headline" in message:
        lines.append(f"copy: “{message['headline']}” {message['body']} [{message['cta']}]")
    elif "subject" in message:
        lines.append(f"copy: “{message['subject']}” {message['body']}")
    elif "talking_points" in message:
        lines += [f"• {point}" for point in message["talking_points"]]
    console.print(Panel("\n".join(lines), title=channel, border_style="green"))


def render_decision(console: Console, decision: Mapping[str, Any]) -> None:
    """Why this offer, with the clause values, quote and value case — and why not the others."""
    console.rule(
        f"[bold]{decision['name']}[/] ({decision['external_id']}) · plan {decision['plan']} · "
        f"stage {decision.get('lifecycle_stage') or 'unknown'} · health "
        f"{decision.get('health_score') or '—'} · as of {decision['as_of']}"
    )
    chosen = decision["chosen"]
    if not chosen:
        console.print("No offer and no save play: nothing this account does calls for one now.")
    for channel in _CHANNELS:
        if channel in chosen:
            render_offer(console, channel, chosen[channel])
    ranked = decision["ranked"]
    if len(ranked) > 1:
        table = Table(title="Ranked candidates")
        for name in ("offer", "kind", "expected value", "channels"):
            table.add_column(name)
        for entry in ranked:
            table.add_row(
                entry["offer"],
                entry["strength"],
                entry["expected_value"],
                ", ".join(entry["channels"]),
            )
        console.print(table)
    if decision["suppressed"]:
        table = Table(title="Why not: triggered but held back")
        table.add_column("offer")
        table.add_column("reasons")
        for entry in decision["suppressed"]:
            table.add_row(entry["offer"], "\n".join(entry["reasons"]))
        console.print(table)
    if decision["not_triggered"]:
        table = Table(title="Why not: trigger did not fire")
        table.add_column("offer")
        table.add_column("clauses (values seen)")
        for entry in decision["not_triggered"]:
            table.add_row(entry["offer"], _clauses(entry["trigger"]).strip())
        console.print(table)
