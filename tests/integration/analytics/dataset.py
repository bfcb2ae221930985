"""A small hand-built company whose every signal is computed by hand in the tests.

As of 2026-03-15 00:00 UTC. "acme" (team-like profile) has a full story; "globex" (unlimited
profile, on trial, no events) shows the defaults. Times are chosen away from window edges
unless a test is about an edge.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tierwise.adapters.analytics.ledger import (
    EntitlementRow,
    LedgerSnapshot,
    LicenseRow,
    OfferRow,
    PaywallRow,
)
from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.model import CatalogVersion
from tierwise.signals.conventions import Milestone
from tierwise.usage.events import JsonValue, UsageEvent

AS_OF = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
EXAMPLE_CATALOG = Path(__file__).parents[3] / "examples" / "catalog.yaml"
MILESTONES = (
    Milestone("first_automation", "automation.run", 1),
    Milestone("hundred_api_calls", "api.call", 100),
    # not usage events: counted apart from the pass over usage events
    Milestone("four_tickets_raised", "support.ticket.opened", 4),
    Milestone("five_tickets_raised", "support.ticket.opened", 5),
)


def catalog() -> CatalogVersion:
    return load_catalog_path(EXAMPLE_CATALOG).latest


def at(month: int, day: int, hour: int = 12, minute: int = 0, second: float = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC) + dt.timedelta(seconds=second)


class _Events:
    def __init__(self) -> None:
        self.events: list[UsageEvent] = []

    def add(
        self,
        type_: str,
        time: dt.datetime,
        *,
        account: str | None = "acme",
        subject: str | None = None,
        **properties: JsonValue,
    ) -> None:
        self.events.append(
            UsageEvent(
                source="test",
                id=f"e{len(self.events)}",
                type=type_,
                account=account,
                subject=subject,
                time=time,
                properties=properties,
                received_at=AS_OF,
            )
        )


def events() -> list[UsageEvent]:
    e = _Events()
    # 7,000 automation runs by u1 spread evenly over Mar 1 00:00 .. Mar 15 00:00 (14 days)
    step = 14 * 86_400 / 7_000
    for i in range(7_000):
        e.add(
            "automation.run", at(3, 1, 0) + dt.timedelta(seconds=(i + 1) * step - 1), subject="u1"
        )
    for i in range(2_000):  # the prior 30 days: 2,000 runs on Feb 5
        e.add("automation.run", at(2, 5, 10, second=i), subject="u1")
    e.add("board.viewed", at(3, 10), subject="u2")
    e.add("api.call", at(2, 20), subject="u3")
    e.add("board.viewed", at(2, 1, 10), subject="u4")
    e.add("feature.used", at(3, 10, 13), subject="u2", feature="sso")  # not entitled
    # gauges: projects 20 on Feb 1, 40 on Mar 10
    e.add("feature.gauge", at(2, 1), feature="projects", value=20)
    e.add("feature.gauge", at(3, 10), feature="projects", value=40)
    # storage (latest): 20 GB on Feb 1, 30 GB on Mar 5, 45.5 GB on Mar 12
    e.add("storage.measured", at(2, 1), gigabytes=20)
    e.add("storage.measured", at(3, 5), gigabytes=30.0)
    e.add("storage.measured", at(3, 12), gigabytes=45.5)
    # tickets
    e.add("support.ticket.opened", at(1, 1), ticket_id="T0", severity="urgent")
    e.add("support.ticket.opened", at(3, 1), ticket_id="T1", severity="urgent")
    e.add("support.ticket.opened", at(2, 20), ticket_id="T2", severity="high")
    e.add("support.ticket.closed", at(3, 5), ticket_id="T2")
    e.add("support.ticket.opened", at(3, 2), ticket_id="T3", severity="low")
    # surveys and payments
    e.add("survey.nps", at(1, 10), subject="u1", score=9)
    e.add("survey.nps", at(3, 3), subject="u2", score=3)
    e.add("survey.csat", at(3, 4), subject="u2", score=4)
    e.add("payment.failed", at(3, 2))
    e.add("payment.failed", at(1, 1))
    # roles: u3 was an engineer, then an it_admin
    e.add("user.identified", at(1, 2), subject="u1", role="engineer")
    e.add("user.identified", at(1, 2), subject="u2", role="engineer")
    e.add("user.identified", at(1, 2), subject="u3", role="engineer")
    e.add("user.identified", at(2, 2), subject="u3", role="it_admin")
    # champion: u2, then u4 (last active Feb 1 10:00)
    e.add("account.champion", at(1, 5), user_id="u2")
    e.add("account.champion", at(2, 1, 11), user_id="u4")
    # an event at as-of itself does not count; one without an account is ignored
    e.add("board.viewed", AS_OF, subject="u9")
    e.add("board.viewed", at(3, 14), account=None, subject="u8")
    return e.events


def ledger() -> LedgerSnapshot:
    licenses = [
        LicenseRow(
            account_id="A1",
            external_id="acme",
            plan="team",
            plan_rank=2,
            interval="month",
            term_years=1,
            status="active",
            seats=10,
            seats_assigned=9,
            first_started=dt.date(2025, 3, 15),
            term_end=dt.date(2026, 4, 14),
            period_start=dt.date(2026, 3, 1),
            period_end=dt.date(2026, 3, 31),
            profile="P1",
            industry="software",
            region="EU",
            company_size=40,
            last_trial_at=dt.datetime(2026, 1, 14, 12, tzinfo=dt.UTC),
        ),
        LicenseRow(
            account_id="A2",
            external_id="globex",
            plan="business",
            plan_rank=3,
            interval="year",
            term_years=2,
            status="trialing",
            seats=0,
            seats_assigned=0,
            first_started=dt.date(2026, 3, 1),
            term_end=dt.date(2028, 3, 1),
            period_start=dt.date(2026, 3, 1),
            period_end=dt.date(2027, 3, 1),
            profile="P2",
            trial_plan="enterprise",
        ),
    ]
    team = {
        "projects": 50,
        "automation_runs": 10_000,
        "api_calls": 50_000,
        "storage_gb": 100,
        "guests": 10,
    }
    entitlements = [
        EntitlementRow("P1", key, True, float(limit)) for key, limit in team.items()
    ] + [
        EntitlementRow("P1", key, False, None)
        for key in ("advanced_reports", "sso", "audit_logs", "data_residency", "priority_support")
    ]
    entitlements += [
        EntitlementRow("P2", key, True, None)
        for key in (
            *team,
            "advanced_reports",
            "sso",
            "audit_logs",
            "data_residency",
            "priority_support",
        )
    ]
    paywall = [
        PaywallRow("A1", "sso", "denied", at(3, 10)),
        PaywallRow("A1", "sso", "denied", at(3, 11)),
        PaywallRow("A1", "projects", "soft_limit", at(3, 12)),
        PaywallRow("A1", "sso", "denied", at(2, 1)),
    ]
    offers = [
        OfferRow("A1", "team_to_business", "shown", at(2, 20)),
        OfferRow("A1", "team_to_business", "shown", at(3, 1)),
        OfferRow("A1", "team_to_business", "declined", at(3, 2)),
    ]
    return LedgerSnapshot.from_rows(licenses, entitlements, paywall, offers)
