"""The demo company: a seeded customer base over a history window that ends on ``as_of``.

:func:`generate_company` is pure and deterministic: the same :class:`CompanySpec` and catalog give
the same customers, people, usage and moments, down to the last event. Each account draws from its
own generator (seeded with the spec's seed and its index), so account 42 is the same account
whether the company has 200 or 20,000 of them; which story it tells comes from a shuffled
schedule of a hundred slots that follows :data:`~tierwise.demo.archetypes.SHARES`, so even a small
company has every story.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, replace

from tierwise.catalog.model import Aggregation, CatalogVersion, FeatureKind
from tierwise.catalog.versions import Catalog
from tierwise.demo.archetypes import SHARES, Shape, Storyline, draw_shape
from tierwise.demo.customers import (
    Archetype,
    Curve,
    DemoCustomer,
    DemoPerson,
    Moment,
    PaywallHit,
    SurveyAnswer,
    Ticket,
)
from tierwise.demo.firmographics import CSM_OWNERS, draw_firmographics, draw_role
from tierwise.errors import InvalidInput
from tierwise.licensing.meter_windows import meter_window

__all__ = ["DEFAULT_AS_OF", "CompanySpec", "DemoCompany", "generate_company"]

#: The as-of day of the demo unless another is asked for.
DEFAULT_AS_OF = dt.date(2026, 11, 20)
#: Working hours (UTC) of each region: when its people are active.
REGION_HOURS = {"north_america": 14, "europe": 7, "apac": 0, "latam": 12}
_WORKDAY_HOURS = 9
#: Event type of a use of a boolean feature (``{"feature": key}``), as the signals read it.
FEATURE_USED = "feature.used"
#: Days of metered detail kept before the as-of day (two meter windows).
METERED_DETAIL_DAYS = 62


@dataclass(frozen=True, slots=True)
class CompanySpec:
    """What to generate: how many accounts, from which seed, over which window."""

    accounts: int = 2000
    seed: int = 7
    as_of: dt.date = DEFAULT_AS_OF
    days: int = 183  # six months of history

    def __post_init__(self) -> None:
        if not 1 <= self.accounts <= 1_000_000:
            raise InvalidInput("accounts must be between 1 and 1,000,000", field="accounts")
        if not 60 <= self.days <= 730:
            raise InvalidInput("the history window is 60 to 730 days", field="days")

    @property
    def start(self) -> dt.date:
        """Day 0 of the history window."""
        return self.as_of - dt.timedelta(days=self.days)

    def moment(self, day: int, hour: float = 0.0) -> dt.datetime:
        """``hour`` hours into day ``day`` of the window, in UTC."""
        base = dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)
        return base + dt.timedelta(days=day, seconds=round(hour * 3600))


@dataclass(frozen=True, slots=True)
class DemoCompany:
    spec: CompanySpec
    storyline: Storyline
    customers: tuple[DemoCustomer, ...]

    @property
    def as_of(self) -> dt.datetime:
        """The first moment of the as-of day: everything generated happened before it."""
        return self.spec.moment(self.spec.days)


def _schedule(seed: int) -> list[Archetype]:
    slots = [archetype for archetype, share in SHARES.items() for _ in range(share)]
    random.Random(f"{seed}:schedule").shuffle(slots)
    return slots


def _check_storyline(version: CatalogVersion, storyline: Storyline) -> None:
    plans = (storyline.free, storyline.team, storyline.business, storyline.enterprise)
    features = (
        storyline.projects,
        storyline.guests,
        storyline.automation,
        storyline.api,
        storyline.storage,
        storyline.sso,
        storyline.audit_logs,
        storyline.reports,
    )
    missing = [p for p in plans if p not in version.plans]
    missing += [f for f in features if f not in version.features]
    if missing:
        raise InvalidInput(
            "the demo company tells the example catalog's story; this catalog lacks "
            + ", ".join(missing),
            field="catalog",
        )


def generate_company(catalog: Catalog, spec: CompanySpec | None = None) -> DemoCompany:
    """Every customer of the demo company, from ``spec`` (default: 2,000 accounts, seed 7)."""
    spec = spec or CompanySpec()
    storyline = Storyline()
    version = catalog.version_at(spec.as_of)
    _check_storyline(version, storyline)
    schedule = _schedule(spec.seed)
    names: dict[str, int] = {}
    factors = weekday_factors(spec)
    customers = []
    for index in range(spec.accounts):
        rng = random.Random(f"{spec.seed}:{index}")
        archetype = schedule[index % len(schedule)]
        shape = draw_shape(archetype, rng, version, storyline, spec.days)
        customers.append(
            _customer(index, archetype, shape, rng, spec, version, storyline, names, factors)
        )
    return DemoCompany(spec, storyline, tuple(customers))


def _unique(names: dict[str, int], name: str) -> str:
    seen = names.get(name, 0)
    names[name] = seen + 1
    return name if seen == 0 else f"{name} {seen + 1}"


def _customer(
    index: int,
    archetype: Archetype,
    shape: Shape,
    rng: random.Random,
    spec: CompanySpec,
    version: CatalogVersion,
    storyline: Storyline,
    names: dict[str, int],
    factors: tuple[float, ...],
) -> DemoCustomer:
    security = archetype is Archetype.SECURITY_PAYWALL
    firm = draw_firmographics(
        rng,
        min_size=max(2, shape.people),
        industries=("fintech", "healthcare", "software", "consulting") if security else (),
    )
    external_id = f"nw-{index:05d}"
    created = spec.moment(shape.created_day, REGION_HOURS[firm.region] + rng.uniform(0, 8))
    people = _people(rng, shape, spec, external_id, firm.industry, security)
    champion = people[0]
    metered = _metered(rng, shape, spec, version, storyline, factors)
    gauges = tuple(
        (feature, Curve(((max(shape.created_day, 0), start), (spec.days, end))))
        for feature, (start, end) in shape.gauge.items()
    )
    owner = None
    if shape.plan in (storyline.business, storyline.enterprise) or shape.seats >= 20:
        owner = rng.choice(CSM_OWNERS)
    customer = DemoCustomer(
        index=index,
        external_id=external_id,
        name=_unique(names, firm.name),
        archetype=archetype,
        industry=firm.industry,
        company_size=max(firm.company_size, shape.people),
        region=firm.region,
        currency=firm.currency,
        owner=owner,
        created=created,
        plan=shape.plan,
        interval=shape.interval,
        seats=shape.seats,
        add_ons=shape.add_ons,
        term_years=shape.term_years,
        people=people,
        champion=champion.user,
        metered=metered,
        readings=_readings(rng, shape, version, storyline, spec.days),
        gauges=gauges,
        activities=_activities(version, shape, storyline),
        trials=_trials(rng, shape, spec, version, storyline),
        tickets=_tickets(rng, shape, spec, external_id, people),
        surveys=_surveys(rng, shape, spec, people),
        engagement=shape.engagement,
        failed_payments=tuple(
            Moment(spec.moment(spec.days - rng.randint(1, 28), rng.uniform(1, 5)))
            for _ in range(shape.failed_payments)
        ),
    )
    return replace(customer, paywall_hits=_paywall_hits(rng, shape, spec, customer, version))


def _people(
    rng: random.Random,
    shape: Shape,
    spec: CompanySpec,
    external_id: str,
    industry: str,
    security: bool,
) -> tuple[DemoPerson, ...]:
    people = []
    first_day = shape.created_day
    late = round(shape.people * shape.late_joiners)
    for j in range(shape.people):
        if j > 0 and j >= shape.people - late:
            joined = spec.days - rng.randint(1, shape.growth_days)
        else:
            joined = first_day + (0 if j == 0 else rng.randint(0, 21))
        joined = min(max(joined, first_day), spec.days - 1)
        role = draw_role(rng, industry)
        if security and j == 1:
            role = rng.choice(("it_admin", "security"))
        last_day = spec.days - 1
        if j == 0 and shape.champion_quiet_days is not None:
            last_day = spec.days - shape.champion_quiet_days
        people.append(
            DemoPerson(
                user=f"{external_id}-u{j:03d}",
                role=role,
                joined=joined,
                last_day=max(last_day, joined),
                activity=rng.uniform(*shape.activity),
                seat=True,
            )
        )
    return tuple(people)


def _reference(version: CatalogVersion, plan: str, feature: str, storyline: Storyline) -> float:
    """The allowance usage shares refer to: the plan's or the team plan's, whichever is smaller."""
    values = [
        value
        for key in (plan, storyline.team)
        if isinstance(value := version.plans[key].entitlements.get(feature), int)
        and not isinstance(value, bool)
        and value > 0
    ]
    return float(min(values)) if values else 1000.0


def _metered(
    rng: random.Random,
    shape: Shape,
    spec: CompanySpec,
    version: CatalogVersion,
    storyline: Storyline,
    factors: tuple[float, ...],
) -> tuple[tuple[str, str, int, tuple[int, ...]], ...]:
    """Units of each counted meter per day, over the last :data:`METERED_DETAIL_DAYS` days.

    Metered events are the bulk of any event store (one per API call); the demo keeps them for
    the two most recent meter windows, which is what the allowance signals (usage, trend,
    run-out date) read. ``factors`` are the weekday factors of the window's days.
    """
    result = []
    origin = max(shape.created_day, 0)
    first = max(origin, spec.days - METERED_DETAIL_DAYS)
    for feature, (start, end) in shape.meter_share.items():
        meter = version.features[feature].meter
        if meter is None or meter.aggregation is Aggregation.LATEST:
            continue
        per_day = _reference(version, shape.plan, feature, storyline) / 30.0
        slope = (end - start) / max(spec.days - origin, 1)
        counts = tuple(
            max(0, round(per_day * (start + slope * (day - origin)) * factors[day] * noise))
            for day, noise in zip(
                range(first, spec.days),
                [rng.uniform(0.8, 1.2) for _ in range(first, spec.days)],
                strict=True,
            )
        )
        result.append((feature, meter.event, first, counts))
    return tuple(result)


def _readings(
    rng: random.Random, shape: Shape, version: CatalogVersion, storyline: Storyline, days: int
) -> tuple[tuple[str, str, str, Curve], ...]:
    """The daily storage reading (a ``latest`` meter), growing slowly over the window."""
    storage = version.features.get(storyline.storage)
    if storage is None or storage.meter is None or storage.meter.property is None:
        return ()
    used = rng.uniform(0.05, 0.4) * _reference(version, shape.plan, storyline.storage, storyline)
    curve = Curve(((max(shape.created_day, 0), used * 0.7), (days, used)))
    return ((storyline.storage, storage.meter.event, storage.meter.property, curve),)


def weekday_factors(spec: CompanySpec) -> tuple[float, ...]:
    """Busier on working days: 5 × 1.22 + 2 × 0.45 ≈ 7, so a week keeps its daily average."""
    return tuple(
        0.45 if (spec.start + dt.timedelta(days=day)).weekday() >= 5 else 1.22
        for day in range(spec.days)
    )


def _activities(version: CatalogVersion, shape: Shape, storyline: Storyline) -> tuple[str, ...]:
    """Event types of a normal day; ``feature.used:<key>`` is a use of a boolean feature."""
    entitled = version.plans[shape.plan].entitlements
    activities = ["board.viewed", "task.updated", "comment.added", "file.uploaded"]
    for feature in (storyline.reports, storyline.sso):
        if entitled.get(feature) is True:
            activities.append(f"{FEATURE_USED}:{feature}")
    return tuple(activities)


def _trials(
    rng: random.Random,
    shape: Shape,
    spec: CompanySpec,
    version: CatalogVersion,
    storyline: Storyline,
) -> tuple[tuple[str, dt.datetime], ...]:
    ladder = sorted(version.plans, key=lambda key: version.plans[key].rank)
    position = ladder.index(shape.plan)
    if position + 1 >= len(ladder):
        return ()
    target = ladder[position + 1]
    trials = []
    for days_ago in (shape.past_trial_days_ago, shape.trial_days_ago):
        if days_ago is not None and version.plans[target].trial is not None:
            trials.append((target, spec.moment(spec.days - days_ago, rng.uniform(8, 17))))
    return tuple(trials)


def _tickets(
    rng: random.Random,
    shape: Shape,
    spec: CompanySpec,
    external_id: str,
    people: tuple[DemoPerson, ...],
) -> tuple[Ticket, ...]:
    first = max(shape.created_day, 0)
    months = (spec.days - first) / 30.0
    routine = _poisson(rng, shape.routine_tickets_per_month * months)
    tickets = []
    for k in range(routine):
        day = rng.randint(first, spec.days - 1)
        opened = spec.moment(day, rng.uniform(6, 20))
        closed = opened + dt.timedelta(hours=rng.uniform(2, 24 * 6))
        severity = rng.choices(("low", "normal", "high"), weights=(6, 3, 1))[0]
        tickets.append(
            Ticket(
                f"{external_id}-T{k:03d}",
                opened,
                closed if closed < spec.moment(spec.days) else None,
                severity,
                rng.choice(people).user,
            )
        )
    for k in range(shape.severe_open_tickets):
        opened = spec.moment(spec.days - rng.randint(1, 20), rng.uniform(6, 20))
        tickets.append(
            Ticket(
                f"{external_id}-S{k:03d}",
                opened,
                None,
                rng.choice(("high", "urgent")),
                rng.choice(people).user,
            )
        )
    return tuple(sorted(tickets, key=lambda t: (t.opened, t.ticket_id)))


def _surveys(
    rng: random.Random, shape: Shape, spec: CompanySpec, people: tuple[DemoPerson, ...]
) -> tuple[SurveyAnswer, ...]:
    answers = []
    first = max(shape.created_day, 0)
    if shape.nps is not None and spec.days - first > 30:
        for quarter in range(rng.randint(1, 2)):
            day = spec.days - rng.randint(5, 55) - 90 * quarter
            if day > first:
                answers.append(
                    SurveyAnswer(
                        "nps",
                        spec.moment(day, 12),
                        rng.randint(*shape.nps),
                        rng.choice(people).user,
                    )
                )
    if rng.random() < 0.5 and spec.days - first > 10:
        day = rng.randint(max(first, spec.days - 60), spec.days - 1)
        answers.append(
            SurveyAnswer("csat", spec.moment(day, 15), rng.randint(*shape.csat), people[0].user)
        )
    return tuple(sorted(answers, key=lambda a: a.at))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by inversion (small means only)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _paywall_hits(
    rng: random.Random,
    shape: Shape,
    spec: CompanySpec,
    customer: DemoCustomer,
    version: CatalogVersion,
) -> tuple[PaywallHit, ...]:
    hits = []
    daily = {feature: (first, counts) for feature, _, first, counts in customer.metered}
    gauges = dict(customer.gauges)
    for feature, count, within, usage, requested in shape.paywall:
        kind = version.features[feature].kind
        if kind is FeatureKind.METERED and feature in daily:
            hits += _metered_hits(rng, spec, customer, version, feature, daily[feature], count)
            continue
        days = sorted(rng.sample(range(within), min(count, within)))
        for back in days:
            day = spec.days - 1 - back
            if day < max(shape.created_day, 0):
                continue
            reported = usage
            if kind is FeatureKind.LIMIT and feature in gauges:
                reported = round(gauges[feature].at(day))
            at = spec.moment(day, REGION_HOURS[customer.region] + rng.uniform(0, _WORKDAY_HOURS))
            hits.append(PaywallHit(feature, at, reported, requested))
    return tuple(sorted(hits, key=lambda h: (h.at, h.feature)))


def _metered_hits(
    rng: random.Random,
    spec: CompanySpec,
    customer: DemoCustomer,
    version: CatalogVersion,
    feature: str,
    metered: tuple[int, tuple[int, ...]],
    count: int,
) -> list[PaywallHit]:
    """Checks on the days the meter's window total passed the plan's nudge point (or its limit).

    The product reports what it counted so far in the meter's window (the same counts the
    events carry), so the ledger records a soft-limit entry or a denial exactly when the
    account really was there.
    """
    plan = version.plans[customer.plan]
    limit = plan.entitlements.get(feature)
    meter = version.features[feature].meter
    if not isinstance(limit, int) or isinstance(limit, bool) or meter is None:
        return []
    nudge = float(plan.soft_limit.nudge_at_percent) / 100 * limit
    first, counts = metered
    hits: list[PaywallHit] = []
    anchor = dt.datetime.combine(customer.created.date(), dt.time(), tzinfo=dt.UTC)
    for day in range(spec.days - 30, spec.days):
        at = spec.moment(day, REGION_HOURS[customer.region] + rng.uniform(0, _WORKDAY_HOURS))
        start, _ = meter_window(meter.reset, anchor.day, anchor, at, customer.interval.months)
        window_first = max(0, (start.date() - spec.start).days)
        used = sum(counts[max(window_first - first, 0) : max(day - first, 0)])
        if used >= nudge:
            hits.append(PaywallHit(feature, at, used, 1))
    if len(hits) <= count:
        return hits
    # the entry into the zone, then the latest (the ones nearest or past the limit)
    return [hits[0], *hits[len(hits) - count + 1 :]] if count > 1 else hits[:1]
