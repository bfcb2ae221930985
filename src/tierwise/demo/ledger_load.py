"""Play each demo customer's story through the ledger's own handlers, then write it in bulk.

Every account is opened, subscribed, staffed seat by seat, put on trials and checked against its
entitlements by the same handlers the CLI and the API use (:data:`tierwise.services.ledger.HANDLERS`
and :func:`~tierwise.services.entitlement_checks.check_entitlement`), at the moments the story
says, in time order; finally everything due by the as-of moment is carried out (billing periods
roll over, trials end, terms renew) exactly as ``tierwise tick`` would. So the history, outbox and
paywall signals are the ledger's own. The handlers run on a staging unit of work
(:mod:`tierwise.demo.staging`) and the result is written with one bulk insert per table.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine

from tierwise.adapters.sql.ledger_bulk import LedgerRows, write_ledger
from tierwise.catalog.versions import Catalog
from tierwise.demo.company import REGION_HOURS, CompanySpec, DemoCompany
from tierwise.demo.customers import Curve, DemoCustomer, PaywallHit
from tierwise.demo.firmographics import size_band
from tierwise.demo.staging import StagedLedger, StagingUnitOfWork
from tierwise.services import commands as c
from tierwise.services.context import LedgerContext, LedgerPolicy
from tierwise.services.due import TICK_ACTOR, bring_up_to_date
from tierwise.services.entitlement_checks import check_entitlement
from tierwise.services.gauges import Gauge
from tierwise.services.ledger import HANDLERS

__all__ = ["DemoIds", "LedgerCounts", "load_ledger", "stage_ledger"]

_ACTOR = "demo:northwind"


class DemoIds:
    """Deterministic ids (``acc_000042``), so the same company always gets the same ids."""

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {}

    def __call__(self, prefix: str) -> str:
        counter = self._counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}_{next(counter):06d}"


@dataclass(frozen=True, slots=True)
class LedgerCounts:
    """Rows written per table, and the ids of the accounts by external id."""

    rows: dict[str, int]
    account_ids: dict[str, str]


def _segment(customer: DemoCustomer) -> str:
    band = size_band(customer.company_size)
    if band in ("1-10", "11-50"):
        return "smb"
    return "mid_market" if band in ("51-200", "201-1000") else "enterprise"


@dataclass(frozen=True, slots=True)
class _Step:
    """One thing that happens to an account: a command to run, or a paywall hit to check."""

    at: dt.datetime
    order: int  # breaks ties of ``at``: seats before trials before checks before activity
    command: c.Command | None = None
    hit: PaywallHit | None = None


def _steps(customer: DemoCustomer, spec: CompanySpec, subscription_id: str) -> list[_Step]:
    """Everything after the subscription opened, in time order, up to the as-of moment."""
    steps: list[_Step] = []
    sub, actor = subscription_id, _ACTOR
    hour = REGION_HOURS[customer.region] + 1.0  # the first hour of their working day
    for person in customer.people:
        user = person.user
        assigned = max(customer.created, spec.moment(person.joined, hour))
        seat = c.AssignSeat(at=assigned, actor=actor, subscription_id=sub, user=user)
        steps.append(_Step(assigned, 1, seat))
        last = max(spec.moment(person.last_day, hour + 6), assigned)
        active = c.RecordSeatActivity(at=last, actor=actor, subscription_id=sub, user=user)
        steps.append(_Step(last, 4, active))
    for plan, started in customer.trials:
        trial = c.StartTrial(
            at=started, actor=actor, reason="asked to try it", subscription_id=sub, plan=plan
        )
        steps.append(_Step(started, 2, trial))
    steps += [_Step(hit.at, 3, hit=hit) for hit in customer.paywall_hits]
    as_of = spec.moment(spec.days)
    return sorted((s for s in steps if s.at < as_of), key=lambda s: (s.at, s.order))


def _play(
    customer: DemoCustomer, uow: StagingUnitOfWork, context: LedgerContext, spec: CompanySpec
) -> None:
    account = HANDLERS[c.CreateAccount](
        c.CreateAccount(
            at=customer.created,
            actor=_ACTOR,
            reason="signed up",
            external_id=customer.external_id,
            name=customer.name,
            currency=customer.currency,
            industry=customer.industry,
            company_size=customer.company_size,
            region=customer.region,
            owner=customer.owner,
            attributes={"crm_segment": _segment(customer)},
        ),
        uow,
        context,
    )
    opened = HANDLERS[c.CreateSubscription](
        c.CreateSubscription(
            at=customer.created,
            actor=_ACTOR,
            reason="first purchase",
            account=account.subject_id,
            plan=customer.plan,
            interval=customer.interval,
            seats=customer.seats,
            add_ons=customer.add_ons,
            term_years=customer.term_years,
        ),
        uow,
        context,
    )
    subscription_id = opened.subject_id
    for step in _steps(customer, spec, subscription_id):
        if step.command is not None:
            HANDLERS[type(step.command)](step.command, uow, context)
        elif step.hit is not None:
            hit = step.hit
            check_entitlement(
                uow,
                context,
                account.subject_id,
                hit.feature,
                hit.at,
                usage=hit.usage,
                requested=hit.requested,
            )
    subscription = uow.subscriptions.get(subscription_id)
    assert subscription is not None
    bring_up_to_date(
        uow, context, subscription, c.Tick(at=spec.moment(spec.days), actor=TICK_ACTOR)
    )
    uow.subscriptions.save(subscription)


def _half_up(curve: Curve, day: int) -> int:
    """The gauge on ``day`` rounded half up, as the gauge events have it (DuckDB's ``round``)."""
    return math.floor(curve.at(day) + 0.5)


def stage_ledger(
    company: DemoCompany,
    catalog: Catalog,
    *,
    progress: Callable[[int], None] | None = None,
) -> StagedLedger:
    """Run every account's story through the ledger's handlers on a staging unit of work."""
    context = LedgerContext(catalog=catalog, policy=LedgerPolicy(), new_id=DemoIds())
    uow = StagingUnitOfWork()
    for n, customer in enumerate(company.customers, start=1):
        _play(customer, uow, context, company.spec)
        if progress is not None:
            progress(n)
    uow.commit()
    return uow.staged


def load_ledger(
    engine: Engine,
    company: DemoCompany,
    catalog: Catalog,
    *,
    progress: Callable[[int], None] | None = None,
) -> LedgerCounts:
    """Stage the company's ledger and write it to the SQL store in one transaction."""
    staged = stage_ledger(company, catalog, progress=progress)
    spec = company.spec
    reported = spec.moment(spec.days - 1, 4)
    gauges = [
        Gauge(
            staged.account_ids[customer.external_id],
            feature,
            _half_up(curve, spec.days - 1),
            reported,
        )
        for customer in company.customers
        for feature, curve in customer.gauges
    ]
    rows = write_ledger(
        engine,
        LedgerRows(
            accounts=list(staged.accounts.values()),
            subscriptions=list(staged.subscriptions.values()),
            seats=list(staged.seats.values()),
            history=staged.history,
            outbox=staged.outbox,
            signals=staged.signals,
            grants=[(a, g) for a, items in staged.grants.items() for g in items],
            overrides=[(a, o) for a, items in staged.overrides.items() for o in items],
            gauges=gauges,
        ),
    )
    return LedgerCounts(rows, dict(staged.account_ids))
