"""Meter arithmetic over raw usage events: the reference that every stored total must agree with.

A catalog :class:`~tierwise.catalog.model.Meter` says which events count (``event`` = the usage
event ``type``), how (``aggregation``) and over which property. This module computes that quantity
for one window from plain :class:`UsageEvent` values, with no storage involved, so the event
store's SQL totals (and any counter kept elsewhere) can be checked against a naive recomputation.

Rules, shared with :mod:`tierwise.adapters.event_store`:

* an event counts when its type is the meter's event, it names an account, and its time lies in
  the half-open window ``[start, end)`` — the event's own time decides, not when it arrived, so a
  late event lands in its own period;
* ``count``: matching events; ``sum`` and ``max``: over the property's numeric values (booleans
  are not numbers); ``latest``: the numeric value of the matching event with the greatest
  ``(time, received_at, source, id)``; ``unique_count``: distinct non-null values of the property
  (compared as canonical JSON, so ``1`` and ``"1"`` differ), or distinct users (``subject``) when
  the meter names no property;
* a matching event whose property is missing or unusable is *skipped* and reported, not guessed;
* ``sum`` is exact: integers add as integers; once a float is involved the sum is the correctly
  rounded ``math.fsum``, which does not depend on the order of the events.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tierwise.catalog.model import Aggregation, Meter, ResetPeriod
from tierwise.errors import InvalidInput
from tierwise.usage.events import JsonValue, UsageEvent

__all__ = ["MeterTotal", "Quantity", "Window", "measure", "measure_by_account", "period_window"]

Quantity = int | float


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open UTC time range ``[start, end)``."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None:
                raise InvalidInput(f"{name} must be timezone-aware", field=name)
            object.__setattr__(self, name, value.astimezone(dt.UTC))
        if self.end <= self.start:
            raise InvalidInput("end must be after start", field="end")

    def __contains__(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class MeterTotal:
    """A meter's value over a window, with how many events counted and how many were skipped.

    ``value`` is ``None`` only for ``max`` and ``latest`` when no event counted.
    """

    value: Quantity | None
    events: int
    skipped: int = 0


def period_window(
    reset: ResetPeriod, at: dt.datetime, *, billing_period: Window | None = None
) -> Window:
    """The reset period that contains ``at``: its calendar month or year (UTC), or the billing
    period the caller passes (the subscription knows it; this module does not)."""
    moment = Window(at, at + dt.timedelta(microseconds=1)).start
    if reset is ResetPeriod.MONTH:
        start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        days = calendar.monthrange(start.year, start.month)[1]
        return Window(start, start + dt.timedelta(days=days))
    if reset is ResetPeriod.YEAR:
        start = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        return Window(start, start.replace(year=start.year + 1))
    if billing_period is None:
        raise InvalidInput(
            "a billing_period meter needs the billing period", field="billing_period"
        )
    if moment not in billing_period:
        raise InvalidInput("the moment lies outside the billing period", field="billing_period")
    return billing_period


def measure(
    meter: Meter, events: Iterable[UsageEvent], window: Window, *, account: str
) -> MeterTotal:
    """The meter's value for one account over ``window``."""
    return _aggregate(
        meter, [e for e in events if e.account == account and _counts(meter, e, window)]
    )


def measure_by_account(
    meter: Meter, events: Iterable[UsageEvent], window: Window
) -> dict[str, MeterTotal]:
    """The meter's value for every account that has at least one matching event in ``window``."""
    grouped: dict[str, list[UsageEvent]] = defaultdict(list)
    for event in events:
        if event.account is not None and _counts(meter, event, window):
            grouped[event.account].append(event)
    return {account: _aggregate(meter, matching) for account, matching in grouped.items()}


def _counts(meter: Meter, event: UsageEvent, window: Window) -> bool:
    return event.type == meter.event and event.account is not None and event.time in window


def _aggregate(meter: Meter, events: list[UsageEvent]) -> MeterTotal:
    aggregation = meter.aggregation
    if aggregation is Aggregation.COUNT:
        return MeterTotal(len(events), len(events))
    if aggregation is Aggregation.UNIQUE_COUNT:
        if meter.property is None:
            users = {e.subject for e in events if e.subject is not None}
            return MeterTotal(len(users), len(events) - _none_count(e.subject for e in events))
        values = [e.properties.get(meter.property) for e in events]
        distinct = {_canonical(v) for v in values if v is not None}
        return MeterTotal(len(distinct), len(values) - _none_count(values), _none_count(values))
    if meter.property is None:
        raise InvalidInput(f"a {aggregation.value} meter needs a property", field="meter.property")
    numbers = [
        (e, v) for e in events if (v := _number(e.properties.get(meter.property))) is not None
    ]
    skipped = len(events) - len(numbers)
    if aggregation is Aggregation.SUM:
        return MeterTotal(_exact_sum([v for _, v in numbers]), len(numbers), skipped)
    if not numbers:
        return MeterTotal(None, 0, skipped)
    if aggregation is Aggregation.MAX:
        return MeterTotal(max(v for _, v in numbers), len(numbers), skipped)
    _, latest = max(numbers, key=lambda pair: _recency(pair[0]))
    return MeterTotal(latest, len(numbers), skipped)


def _number(value: JsonValue) -> Quantity | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _exact_sum(values: list[Quantity]) -> Quantity:
    if all(isinstance(v, int) for v in values):
        return sum(values)
    return math.fsum(values)


def _recency(event: UsageEvent) -> tuple[dt.datetime, dt.datetime, str, str]:
    return (event.time, event.received_at, event.source, event.id)


def _canonical(value: JsonValue) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _none_count(values: Iterable[object]) -> int:
    return sum(1 for v in values if v is None)
