"""Support, satisfaction and payment signals from the non-usage event conventions.

* ``tickets_30d`` — tickets opened in the last 30 days (distinct ``ticket_id``; an opening
  without an id counts once);
* ``open_severe_tickets`` — tickets of a severe severity opened before as-of and not closed
  before as-of (a close matches its opening by account and ``ticket_id``);
* ``nps``, ``csat`` — the latest answer's ``score`` up to as-of;
* ``failed_payments_30d`` — failed payments in the last 30 days.
"""

from __future__ import annotations

from ibis.expr import types as ir

from tierwise.adapters.analytics.engine import EventSource
from tierwise.adapters.analytics.windows import AsOf, latest
from tierwise.signals.conventions import COMPARISON_DAYS, EventConventions

__all__ = ["support_signals"]


def support_signals(
    events: ir.Table, source: EventSource, c: EventConventions, as_of: AsOf
) -> list[ir.Table]:
    """Per-account tables keyed by ``account``: tickets, open severe tickets, failed payments,
    NPS and CSAT (an account without such events has no row; zero or null by default)."""
    recent = as_of.at(COMPARISON_DAYS)
    opened = events.filter(events["type"] == c.ticket_opened)
    opened = opened.select(
        "account",
        "time",
        ticket=source.text(opened, "ticket_id"),
        severity=source.text(opened, "severity"),
    )
    closed = events.filter(events["type"] == c.ticket_closed)
    closed = closed.select("account", ticket=source.text(closed, "ticket_id")).filter(
        lambda t: t["ticket"].notnull()
    )
    severe = opened.filter(
        opened["severity"].isin(list(c.severe_severities)) & opened["ticket"].notnull()
    )
    still_open = severe.anti_join(
        closed, (severe["account"] == closed["account"]) & (severe["ticket"] == closed["ticket"])
    )
    is_recent = opened["time"] >= recent
    tickets = opened.group_by("account").agg(
        tickets_30d=opened["ticket"].nunique(where=is_recent)
        + opened["time"].count(where=is_recent & opened["ticket"].isnull())
    )
    open_severe = still_open.group_by("account").agg(
        open_severe_tickets=still_open["ticket"].nunique()
    )
    failed = events.filter((events["type"] == c.payment_failed) & (events["time"] >= recent))
    payments = failed.group_by("account").agg(failed_payments_30d=failed["time"].count())
    return [
        tickets,
        open_severe,
        payments,
        _score(events, source, c.nps, "nps"),
        _score(events, source, c.csat, "csat"),
    ]


def _score(events: ir.Table, source: EventSource, event_type: str, name: str) -> ir.Table:
    answers = events.filter(events["type"] == event_type)
    scored = answers.select("account", "time", score=source.number(answers, "score"))
    return latest(scored, ["account"], "score").select("account", **{name: "score"})
