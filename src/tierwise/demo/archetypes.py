"""What each kind of demo account looks like: its plan, team, usage and the moments that matter.

Each archetype draws a :class:`Shape` — the parameters of one account's story — from a seeded
random generator; :mod:`tierwise.demo.company` turns a shape into people, daily usage, paywall
hits, tickets and surveys. Quantities are read from the catalog (allowances, limits, trial
lengths), so a power user "runs through its allowance" whatever the allowance is.

The shares say how common each story is; they add up to 100.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from tierwise.catalog.model import BillingInterval, CatalogVersion
from tierwise.demo.customers import Archetype, Curve

__all__ = ["SHARES", "Shape", "Storyline", "draw_shape"]

_MONTH, _YEAR = BillingInterval.MONTH, BillingInterval.YEAR

#: How many accounts in a hundred tell each story.
SHARES: dict[Archetype, int] = {
    Archetype.SEAT_CRUNCH: 12,
    Archetype.METERED_POWER: 10,
    Archetype.SECURITY_PAYWALL: 8,
    Archetype.DECLINING: 8,
    Archetype.ONBOARDING: 10,
    Archetype.RENEWAL: 7,
    Archetype.TRIALING: 3,
    Archetype.STABLE_MONTHLY: 15,
    Archetype.FREE_GROWING: 10,
    Archetype.STEADY: 17,
}


@dataclass(frozen=True, slots=True)
class Storyline:
    """The example catalog's parts a story needs (checked once against the catalog)."""

    free: str = "free"
    team: str = "team"
    business: str = "business"
    enterprise: str = "enterprise"
    projects: str = "projects"
    guests: str = "guests"
    automation: str = "automation_runs"
    api: str = "api_calls"
    storage: str = "storage_gb"
    sso: str = "sso"
    audit_logs: str = "audit_logs"
    reports: str = "advanced_reports"


@dataclass(slots=True)
class Shape:
    """One account's story before it is played out over the window."""

    plan: str
    interval: BillingInterval
    seats: int
    people: int
    created_day: int  # may be negative: the account is older than the history window
    add_ons: tuple[str, ...] = ()
    term_years: int = 1
    #: Share of the people who join in the last ``growth_days`` (a growing team).
    late_joiners: float = 0.1
    growth_days: int = 60
    activity: tuple[float, float] = (0.2, 0.7)
    engagement: Curve = field(default_factory=lambda: Curve.flat(1.0))
    #: Meter feature → share of a window's allowance used at day 0 and on the as-of day. The
    #: allowance is the plan's or the team plan's, whichever is smaller (so 0.2 means the same
    #: usage on every paid plan: a bigger plan does not make people call the API more).
    meter_share: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: Limit feature → gauge value at day 0 and on the as-of day.
    gauge: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: (feature, hits, within the last N days, usage reported, requested).
    paywall: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    severe_open_tickets: int = 0
    routine_tickets_per_month: float = 0.4
    nps: tuple[int, int] | None = (7, 10)
    csat: tuple[int, int] = (4, 5)
    failed_payments: int = 0
    champion_quiet_days: int | None = None
    trial_days_ago: int | None = None  # a running trial of the next tier
    past_trial_days_ago: int | None = None  # a trial that ended (reverted)


def _limit(version: CatalogVersion, plan: str, feature: str) -> int | None:
    value = version.plans[plan].entitlements.get(feature)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _older(rng: random.Random, days: int) -> int:
    """A creation day for an established account: 2 to 20 months before the as-of day."""
    return days - rng.randint(60, 600)


def _team(rng: random.Random, smallest: int, largest: int) -> int:
    """A team size between the bounds, skewed small (most customers are small teams)."""
    return smallest + int((largest - smallest) * rng.random() ** 2.2)


def _staffed(rng: random.Random, seats: int, vacant: int) -> int:
    """People holding seats: most teams keep a few seats free (60-95 % taken, at least one
    person); ``vacant`` more may be free on top."""
    return max(1, round(seats * rng.uniform(0.6, 0.95)) - rng.randint(0, vacant))


def _seat_plan(rng: random.Random, s: Storyline, business_share: float) -> str:
    return s.business if rng.random() < business_share else s.team


def _seat_crunch(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    plan = _seat_plan(rng, s, 0.25)
    seats = _team(rng, 5, 30)
    projects = _limit(v, plan, s.projects)
    shape = Shape(
        plan=plan,
        interval=rng.choice((_MONTH, _MONTH, _YEAR)),
        seats=seats,
        people=seats,
        created_day=_older(rng, days),
        late_joiners=rng.uniform(0.3, 0.5),
        meter_share={s.automation: (0.02, rng.uniform(0.05, 0.1)), s.api: (0.001, 0.004)},
        gauge={s.guests: (1, rng.randint(3, 8))},
    )
    if projects is not None:
        end = round(projects * rng.uniform(0.84, 0.98))
        shape.gauge[s.projects] = (projects * 0.45, end)
        shape.paywall.append((s.projects, 1, 20, end, 1))
    return shape


def _metered_power(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    roll = rng.random()
    free = roll < 0.4  # a free workspace outgrowing its API or automation allowance
    plan = s.free if free else s.team
    people = rng.randint(1, 3) if free else _team(rng, 4, 20)
    meter = s.api if roll < 0.25 else s.automation
    other = s.automation if meter == s.api else s.api
    end_share = rng.uniform(0.95, 1.35)
    allowance = _limit(v, plan, meter) or 0
    gauge: dict[str, tuple[float, float]] = {s.projects: (1, 2 if free else rng.randint(10, 30))}
    if not free:  # paying teams that automate everything often bring clients in as guests
        gauge[s.guests] = (1, rng.randint(2, 9))
    return Shape(
        plan=plan,
        interval=_MONTH,
        seats=max(people, v.plans[plan].pricing.minimum_seats),
        people=people,
        # late in a billing period on the as-of day: the allowance is about to run out
        created_day=days - 30 * rng.randint(2, 12) - rng.randint(19, 26),
        meter_share={
            meter: (end_share * rng.uniform(0.45, 0.65), end_share),
            other: (0.1, 0.3) if free else (0.002, 0.008),
        },
        gauge=gauge,
        paywall=[(meter, rng.randint(1, 3), 12, round(allowance * rng.uniform(0.82, 0.95)), 1)],
    )


def _security_paywall(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    plan = _seat_plan(rng, s, 0.35)
    feature = s.audit_logs if plan == s.business else s.sso
    seats = _team(rng, 8, 45)
    return Shape(
        plan=plan,
        interval=rng.choice((_MONTH, _YEAR)),
        seats=seats,
        people=_staffed(rng, seats, 2),
        created_day=_older(rng, days),
        meter_share={s.automation: (0.03, 0.06), s.api: (0.002, 0.005)},
        gauge={s.projects: (8, rng.randint(12, 30)), s.guests: (0, 2)},
        paywall=[(feature, rng.randint(3, 12), 30, 0, 1)],
    )


def _declining(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    plan = _seat_plan(rng, s, 0.4)
    seats = _team(rng, 5, 40)
    drop_from = days - rng.randint(50, 70)
    floor = rng.uniform(0.15, 0.35)
    shape = Shape(
        plan=plan,
        interval=rng.choice((_MONTH, _MONTH, _YEAR)),
        seats=seats,
        people=_staffed(rng, seats, 3),
        created_day=_older(rng, days),
        engagement=Curve(((drop_from, 1.0), (days, floor))),
        meter_share={s.automation: (0.08, 0.08 * floor), s.api: (0.005, 0.005 * floor)},
        gauge={s.projects: (20, rng.randint(14, 22))},
        severe_open_tickets=rng.randint(1, 3),
        routine_tickets_per_month=1.5,
        nps=(0, 5),
        csat=(1, 3),
        failed_payments=rng.choice((0, 1, 1, 2)),
        champion_quiet_days=rng.randint(21, 60),
    )
    if rng.random() < 0.4:  # still hitting a wall now and then: help first, not a pitch
        shape.paywall.append(
            (s.sso if plan == s.team else s.audit_logs, rng.randint(2, 4), 30, 0, 1)
        )
    return shape


def _onboarding(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    free = rng.random() < 0.5
    plan = s.free if free else s.team
    people = rng.randint(1, 6)
    projects = _limit(v, plan, s.projects)
    shape = Shape(
        plan=plan,
        interval=_MONTH,
        seats=max(people, v.plans[plan].pricing.minimum_seats),
        people=people,
        created_day=days - rng.randint(2, 25),
        late_joiners=0.0,
        activity=(0.4, 0.9),
        meter_share={s.automation: (0.02, 0.08), s.api: (0.0, 0.004)},
        gauge={s.projects: (1, min(projects or 10, rng.randint(1, 4)))},
        nps=None,
    )
    if free and rng.random() < 0.4 and projects is not None:  # eager, but still in its first weeks
        shape.paywall.append((s.projects, rng.randint(1, 3), 10, projects, 1))
    return shape


def _renewal(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    plan = _seat_plan(rng, s, 0.5)
    seats = _team(rng, 10, 60)
    return Shape(
        plan=plan,
        interval=_YEAR,
        seats=seats,
        people=_staffed(rng, seats, 4),
        created_day=days - 365 + rng.randint(20, 75),
        meter_share={s.automation: (0.04, 0.06), s.api: (0.002, 0.004)},
        gauge={s.projects: (15, rng.randint(20, 40)), s.guests: (2, 6)},
        nps=(8, 10),
    )


def _trialing(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    seats = _team(rng, 6, 25)
    return Shape(
        plan=s.team,
        interval=_MONTH,
        seats=seats,
        people=seats,
        created_day=_older(rng, days),
        meter_share={s.automation: (0.08, 0.15), s.api: (0.002, 0.005)},
        gauge={s.projects: (20, rng.randint(35, 48))},
        trial_days_ago=rng.randint(2, 11),
    )


def _stable_monthly(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    plan = _seat_plan(rng, s, 0.35)
    seats = _team(rng, 3, 35)
    share = rng.uniform(0.03, 0.08)
    return Shape(
        plan=plan,
        interval=_MONTH,
        seats=max(seats, v.plans[plan].pricing.minimum_seats),
        people=_staffed(rng, seats, 0),
        created_day=days - rng.randint(150, 600),
        late_joiners=0.0,
        meter_share={s.automation: (share, share), s.api: (0.002, 0.002)},
        gauge={s.projects: (12, 14), s.guests: (1, 1)},
        past_trial_days_ago=rng.randint(60, 200) if rng.random() < 0.15 else None,
    )


def _free_growing(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    # Free counts no seats: most free workspaces are a handful of people, some a whole team that
    # grew on Free before anyone asked about a plan.
    people = rng.randint(2, 6) if rng.random() < 0.7 else rng.randint(7, 14)
    projects = _limit(v, s.free, s.projects) or 3
    return Shape(
        plan=s.free,
        interval=_MONTH,
        seats=people,
        people=people,
        created_day=days - rng.randint(45, 300),
        late_joiners=0.4,
        meter_share={s.automation: (0.4, rng.uniform(0.8, 1.0)), s.api: (0.1, 0.3)},
        gauge={s.projects: (1, projects)},
        paywall=[(s.projects, rng.randint(2, 8), 30, projects, 1)],
    )


def _steady(rng: random.Random, v: CatalogVersion, s: Storyline, days: int) -> Shape:
    roll = rng.random()
    if roll < 0.06:
        plan, seats = s.enterprise, _team(rng, 30, 300)
        interval = _MONTH
    else:
        plan = _seat_plan(rng, s, 0.4)
        seats = _team(rng, 3, 40)
        interval = rng.choice((_MONTH, _YEAR, _YEAR))
    minimum = v.plans[plan].pricing.minimum_seats
    add_ons = (s.audit_logs,) if plan == s.business and rng.random() < 0.3 else ()
    return Shape(
        plan=plan,
        interval=interval,
        seats=max(seats, minimum),
        people=_staffed(rng, max(seats, minimum), 3),
        created_day=_older(rng, days),
        add_ons=add_ons,
        term_years=2 if interval == _YEAR and rng.random() < 0.2 else 1,
        meter_share={s.automation: (0.02, 0.04), s.api: (0.001, 0.003)},
        gauge={s.projects: (5, rng.randint(6, 20))},
    )


_BUILDERS: dict[Archetype, Callable[[random.Random, CatalogVersion, Storyline, int], Shape]] = {
    Archetype.SEAT_CRUNCH: _seat_crunch,
    Archetype.METERED_POWER: _metered_power,
    Archetype.SECURITY_PAYWALL: _security_paywall,
    Archetype.DECLINING: _declining,
    Archetype.ONBOARDING: _onboarding,
    Archetype.RENEWAL: _renewal,
    Archetype.TRIALING: _trialing,
    Archetype.STABLE_MONTHLY: _stable_monthly,
    Archetype.FREE_GROWING: _free_growing,
    Archetype.STEADY: _steady,
}


def draw_shape(
    archetype: Archetype,
    rng: random.Random,
    version: CatalogVersion,
    storyline: Storyline,
    days: int,
) -> Shape:
    """The shape of one account of ``archetype`` (``days``: length of the history window)."""
    return _BUILDERS[archetype](rng, version, storyline, days)
