"""The demo company's customers as plain data: accounts, their people, and what happens to them.

A :class:`DemoCustomer` is everything the generator decided about one account before anything is
written: firmographics, the subscription it buys, its people (when each joined, how active they
are), how its metered usage and gauges move over the history window, and the moments that matter
(paywall hits, support tickets, survey answers, failed payments, a trial). The loaders turn it into
ledger commands (:mod:`tierwise.demo.ledger_load`) and usage events
(:mod:`tierwise.demo.event_load`).

Days are counted from the first day of the history window (day 0); ``days`` is its length, and
day ``days`` is the as-of day itself (nothing happens on or after it).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from enum import StrEnum

from tierwise.catalog.model import BillingInterval

__all__ = [
    "Archetype",
    "Curve",
    "DemoCustomer",
    "DemoPerson",
    "Moment",
    "PaywallHit",
    "SurveyAnswer",
    "Ticket",
]


class Archetype(StrEnum):
    """The story an account tells; each is a pattern the decisioning should notice (or not)."""

    SEAT_CRUNCH = "seat_crunch"  # a team growing into its seat and project limits
    METERED_POWER = "metered_power"  # power users running through a metered allowance
    SECURITY_PAYWALL = "security_paywall"  # repeated paywall hits on SSO or audit logs
    DECLINING = "declining"  # usage falling, severe tickets, detractor, failed payments
    ONBOARDING = "onboarding"  # signed up in the last weeks, still finding its feet
    RENEWAL = "renewal"  # an annual contract coming up for renewal
    TRIALING = "trialing"  # a trial of a higher tier is running
    STABLE_MONTHLY = "stable_monthly"  # monthly payer with steady usage for months
    FREE_GROWING = "free_growing"  # a free workspace that outgrew its limits
    STEADY = "steady"  # healthy and well served by what it has


@dataclass(frozen=True, slots=True)
class Curve:
    """A quantity over the window, linear between ``(day, value)`` points and flat outside them."""

    points: tuple[tuple[int, float], ...]

    @classmethod
    def flat(cls, value: float) -> Curve:
        return cls(((0, value),))

    @classmethod
    def ramp(cls, start: float, end: float, days: int, *, from_day: int = 0) -> Curve:
        """``start`` until ``from_day``, then linearly to ``end`` on the as-of day (``days``)."""
        return cls(((from_day, start), (days, end)))

    def at(self, day: int) -> float:
        points = self.points
        if day <= points[0][0]:
            return points[0][1]
        for (d0, v0), (d1, v1) in itertools.pairwise(points):
            if day <= d1:
                return v0 + (v1 - v0) * (day - d0) / max(d1 - d0, 1)
        return points[-1][1]


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """Someone at the customer. Active on a working day with probability ``activity``."""

    user: str
    role: str
    joined: int  # first day of activity
    last_day: int  # last day of activity (``days - 1`` while still active)
    activity: float
    seat: bool  # holds a named seat (assigned on ``joined``)


@dataclass(frozen=True, slots=True)
class PaywallHit:
    """The product checked ``feature`` and was told no (or entered the soft-limit zone)."""

    feature: str
    at: dt.datetime
    usage: int = 0
    requested: int = 1


@dataclass(frozen=True, slots=True)
class Ticket:
    ticket_id: str
    opened: dt.datetime
    closed: dt.datetime | None
    severity: str  # low, normal, high, urgent
    user: str


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    kind: str  # nps (0..10) or csat (1..5)
    at: dt.datetime
    score: int
    user: str


@dataclass(frozen=True, slots=True)
class Moment:
    """A dated fact without more detail (a failed payment)."""

    at: dt.datetime
    amount: str = ""


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    index: int
    external_id: str
    name: str
    archetype: Archetype
    industry: str
    company_size: int
    region: str
    currency: str
    owner: str | None
    created: dt.datetime
    plan: str
    interval: BillingInterval
    seats: int
    add_ons: tuple[str, ...]
    term_years: int
    people: tuple[DemoPerson, ...]
    champion: str
    #: Metered usage: (feature, event type, first day, units on each day from it on).
    metered: tuple[tuple[str, str, int, tuple[int, ...]], ...]
    #: Daily readings of a ``latest`` meter: (feature, event type, property, value over time).
    readings: tuple[tuple[str, str, str, Curve], ...]
    #: Gauges of limit features (``projects``: projects in use) over the window.
    gauges: tuple[tuple[str, Curve], ...]
    #: What people do on a normal day, as event types (``report.viewed`` when reports are in).
    activities: tuple[str, ...]
    #: Trials of a higher tier: (plan, started at); the last may still be running.
    trials: tuple[tuple[str, dt.datetime], ...] = ()
    paywall_hits: tuple[PaywallHit, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    surveys: tuple[SurveyAnswer, ...] = ()
    failed_payments: tuple[Moment, ...] = ()
    #: Multiplier of everyone's activity, moving over the window (a declining account: 1 → 0.3).
    engagement: Curve = Curve(((0, 1.0),))
