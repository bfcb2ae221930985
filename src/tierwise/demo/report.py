"""The demo's HTML report: what the engine decided for the demo company, and why.

One self-contained HTML file (inline styles, no scripts, nothing fetched) rendered with Jinja2
from the template shipped in the package (``templates/report.html.j2``, autoescaped). It shows
the run's summary, how each of the generator's stories came out (the company's hidden truth next
to what the engine noticed), the top offers with their reasons, quotes and value cases, and the
accounts routed to a person instead of an offer.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from tierwise.demo.company import DemoCompany

__all__ = ["ReportData", "render_report", "top_offers", "write_report"]

_CHANNELS = ("in_app", "email", "csm")


@dataclass(frozen=True, slots=True)
class ReportData:
    catalog: str
    playbook: str
    company: DemoCompany
    summary: Mapping[str, Any]
    decisions: Sequence[Mapping[str, Any]]
    events: int
    seconds: Mapping[str, float]
    generated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class _Best:
    """An account's own best offer."""

    value: Decimal
    account: str
    currency: str
    offer: str
    decision: Mapping[str, Any]
    channel: str
    item: Mapping[str, Any]


def _best_of(decision: Mapping[str, Any]) -> _Best | None:
    items = [
        (channel, item)
        for channel, item in decision["chosen"].items()
        if "save_play" not in item and item["strength"] == "offer"
    ]
    if not items:
        return None
    channel, item = max(
        items, key=lambda pair: (Decimal(pair[1]["expected_value"]), -_CHANNELS.index(pair[0]))
    )
    return _Best(
        Decimal(item["expected_value"]),
        str(decision["external_id"]),
        str(decision["currency"]),
        str(item["offer"]),
        decision,
        channel,
        item,
    )


def _most_common(counts: collections.Counter[str]) -> str:
    return min(counts, key=lambda key: (-counts[key], key))


def top_offers(
    decisions: Sequence[Mapping[str, Any]],
) -> list[tuple[Mapping[str, Any], str, Mapping[str, Any]]]:
    """(decision, channel, offer): the best account of each offer, so every play the engine made
    is shown once, with its reasons, quote and value case.

    Each account counts with its own best offer (highest expected value, in-app before email
    before CSM on a tie; nudges and save plays left out). An offer's best account is taken in the
    *main* currency (the one with the most such accounts), else in the offer's own most common
    currency: amounts in different currencies are never compared. Main-currency entries come
    first by expected value, then the others by currency and expected value.
    """
    entries = [best for best in map(_best_of, decisions) if best is not None]
    if not entries:
        return []
    main = _most_common(collections.Counter(entry.currency for entry in entries))
    by_offer: dict[str, list[_Best]] = collections.defaultdict(list)
    for entry in entries:
        by_offer[entry.offer].append(entry)
    chosen = []
    for offered in by_offer.values():
        counts = collections.Counter(entry.currency for entry in offered)
        currency = main if main in counts else _most_common(counts)
        chosen.append(
            min((e for e in offered if e.currency == currency), key=lambda e: (-e.value, e.account))
        )
    chosen.sort(key=lambda e: (e.currency != main, e.currency, -e.value, e.account))
    return [(entry.decision, entry.channel, entry.item) for entry in chosen]


def _stories(company: DemoCompany, decisions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    by_account = {str(d["external_id"]): d for d in decisions}
    rows: dict[str, dict[str, Any]] = {}
    for customer in company.customers:
        row = rows.setdefault(
            customer.archetype.value,
            {"story": customer.archetype.value, "accounts": 0, "offer": 0, "nudge": 0,
             "save_play": 0, "nothing": 0, "offers": collections.Counter()},
        )  # fmt: skip
        row["accounts"] += 1
        decision = by_account.get(customer.external_id)
        chosen = {} if decision is None else decision["chosen"]
        if not chosen:
            row["nothing"] += 1
        elif any("save_play" in item for item in chosen.values()):
            row["save_play"] += 1
        elif any(item["strength"] == "offer" for item in chosen.values()):
            row["offer"] += 1
        else:
            row["nudge"] += 1
        for item in chosen.values():
            if "save_play" not in item:
                row["offers"][item["offer"]] += 1
    for row in rows.values():
        row["offers"] = ", ".join(f"{k} ({n})" for k, n in row["offers"].most_common(3))
    return sorted(rows.values(), key=lambda r: -r["accounts"])


def _offer_table(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    kinds: dict[str, dict[str, int]] = {}
    for key, count in summary["offers"].items():
        kind, channel, strength = key.split("|")
        label = kind if strength == "offer" else f"{kind} (nudge)"
        kinds.setdefault(label, {})
        kinds[label][channel] = kinds[label].get(channel, 0) + count
    return [{"target": k, **{c: kinds[k].get(c, 0) for c in _CHANNELS}} for k in sorted(kinds)]


def render_report(data: ReportData) -> str:
    """The report as one HTML document."""
    environment = Environment(
        loader=PackageLoader("tierwise.demo", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    at_risk = [d for d in data.decisions if d["at_risk"]]
    return environment.get_template("report.html.j2").render(
        catalog=data.catalog,
        playbook=data.playbook,
        spec=data.company.spec,
        summary=data.summary,
        stories=_stories(data.company, data.decisions),
        offer_table=_offer_table(data.summary),
        top=top_offers(data.decisions),
        at_risk=at_risk[:15],
        at_risk_count=len(at_risk),
        events=data.events,
        seconds=data.seconds,
        generated_at=data.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        channels=_CHANNELS,
    )


def write_report(path: Path, data: ReportData) -> Path:
    """Write the report to ``path`` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(data), encoding="utf-8")
    return path
