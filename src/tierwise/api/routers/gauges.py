"""Gauges and usage: set the current value of a limit feature, read an account's usage.

* ``PUT /v1/accounts/{account}/gauges/{feature}`` (ingest, admin) — the product reports how much
  of a limit feature the account uses now (projects, guests); the value replaces the last one.
* ``GET /v1/accounts/{account}/gauges/{feature}`` (admin, read) — that value.
* ``GET /v1/accounts/{account}/usage`` (admin, read) — every metered feature's total over its
  current window, computed from the stored events, and every gauge.

Events name accounts by the vendor's **external id** (what the product knows); an account's
usage is read under its external id, whichever of its ids the URL uses.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.api.deps import ReaderKey, Runtime, visible_account
from tierwise.api.runtime import ApiRuntime
from tierwise.api.write_keys import GaugesDep, IngestionDep, IngestKey
from tierwise.catalog.model import Aggregation, FeatureKind, Meter, ResetPeriod
from tierwise.errors import NotFound
from tierwise.licensing.meter_windows import meter_window
from tierwise.licensing.subscriptions import Subscription
from tierwise.licensing.timestamps import day_start
from tierwise.services.gauges import MAX_GAUGE, Gauge
from tierwise.usage.meters import Window, period_window

__all__ = ["router"]

router = APIRouter(tags=["usage"])

_Feature = Path(min_length=1, max_length=64, examples=["projects"])


class GaugeIn(BaseModel):
    value: int = Field(ge=0, le=MAX_GAUGE, description="How much the account uses now.")

    model_config = {"json_schema_extra": {"examples": [{"value": 7}]}}


class GaugeOut(BaseModel):
    account_id: str
    feature: str
    value: int
    updated_at: dt.datetime

    @classmethod
    def of(cls, gauge: Gauge) -> GaugeOut:
        return cls(
            account_id=gauge.account_id,
            feature=gauge.feature,
            value=gauge.value,
            updated_at=gauge.updated_at,
        )


class MeterUsage(BaseModel):
    feature: str
    event: str
    aggregation: Aggregation
    reset: ResetPeriod
    window_start: dt.datetime
    window_end: dt.datetime
    value: int | float | None = Field(description="None for max/latest without an event.")
    events: int = Field(description="Events that counted.")
    skipped: int = Field(description="Matching events whose property was missing or unusable.")


class UsageOut(BaseModel):
    account_id: str
    external_id: str
    at: dt.datetime
    meters: list[MeterUsage]
    gauges: list[GaugeOut]


@router.put("/v1/accounts/{account}/gauges/{feature}", response_model=GaugeOut)
def put_gauge(
    account: str,
    body: GaugeIn,
    key: IngestKey,
    runtime: Runtime,
    gauges: GaugesDep,
    feature: str = _Feature,
) -> GaugeOut:
    """Set a limit feature's current value for the account (ingest, admin).

    Only features the catalog declares as `limit` take a gauge (422 naming `feature`
    otherwise); the last value set wins.
    """
    found = visible_account(runtime, key, account)
    gauge = gauges.set(found.id, feature, body.value, runtime.clock())
    runtime.offers.signalled(found.id)  # the account's offers are re-evaluated on this write
    return GaugeOut.of(gauge)


@router.get("/v1/accounts/{account}/gauges/{feature}", response_model=GaugeOut)
def get_gauge(
    account: str, key: ReaderKey, runtime: Runtime, gauges: GaugesDep, feature: str = _Feature
) -> GaugeOut:
    """The limit feature's current value for the account (admin, read); 404 if never set."""
    found = visible_account(runtime, key, account)
    gauge = gauges.get(found.id, feature)
    if gauge is None:
        raise NotFound(f"no gauge {feature!r} has been set for this account", field="feature")
    return GaugeOut.of(gauge)


def _in_force(runtime: ApiRuntime, account_id: str) -> Subscription | None:
    with SqlUnitOfWork(runtime.engine) as uow:
        for subscription in uow.subscriptions.for_account(account_id):
            if subscription.in_force:
                return subscription
    return None


def window_of(meter: Meter, subscription: Subscription | None, now: dt.datetime) -> Window:
    """The meter's current window: its calendar month or year, or the subscription's billing
    period (a calendar month when the account has no subscription in force)."""
    if meter.reset is ResetPeriod.BILLING_PERIOD and subscription is not None:
        start, end = meter_window(
            meter.reset,
            subscription.billing_anchor_day,
            day_start(subscription.period_start),
            now,
            subscription.terms.interval.months,
        )
        return Window(start, end)
    reset = ResetPeriod.MONTH if meter.reset is ResetPeriod.BILLING_PERIOD else meter.reset
    return period_window(reset, now)


@router.get("/v1/accounts/{account}/usage", response_model=UsageOut)
async def get_usage(
    account: str, key: ReaderKey, runtime: Runtime, ingestion: IngestionDep, gauges: GaugesDep
) -> UsageOut:
    """The account's usage now (admin, read): each metered feature's total over its current
    window, from the stored events (a late event counts in its own period), and each gauge."""
    found = await run_in_threadpool(visible_account, runtime, key, account)
    now = runtime.clock()
    subscription = await run_in_threadpool(_in_force, runtime, found.id)
    meters: list[MeterUsage] = []
    for name, feature in runtime.ledger.context.catalog.latest.features.items():
        if feature.kind is not FeatureKind.METERED or feature.meter is None:
            continue
        window = window_of(feature.meter, subscription, now)
        total = await ingestion.meter_total(found.external_id, feature.meter, window)
        meters.append(
            MeterUsage(
                feature=name,
                event=feature.meter.event,
                aggregation=feature.meter.aggregation,
                reset=feature.meter.reset,
                window_start=window.start,
                window_end=window.end,
                value=total.value,
                events=total.events,
                skipped=total.skipped,
            )
        )
    stored = await run_in_threadpool(gauges.for_account, found.id)
    return UsageOut(
        account_id=found.id,
        external_id=found.external_id,
        at=now,
        meters=meters,
        gauges=[GaugeOut.of(gauge) for gauge in stored],
    )
