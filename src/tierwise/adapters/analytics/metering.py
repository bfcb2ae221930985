"""Per-feature usage: the current value of each limit and metered feature, 30 days apart.

For every limit or metered feature the engine measures, per account:

* ``usage`` — a **limit** feature's gauge: the latest ``gauge`` report for it up to as-of; a
  **metered** feature's meter value over its current window (calendar month or year in UTC, or
  the account's billing period in force), with the catalog meter's aggregation;
* ``recent`` and ``prior`` — the same measure over the last 30 days and the 30 before (for a
  gauge: the latest report as of as-of and as of 30 days earlier), whose difference per unit of
  the limit is the feature's ``trend``.

A ``count`` meter of usage events (the bulk of the events) is counted in the one pass over usage
events that also aggregates user activity (:func:`pass_counts`, summed per account); only the
usage of one whose window is the billing period needs each event's account joined with its
period (:func:`billing_usage`), over the events since the earliest period in force.

The meter rules are those of :mod:`tierwise.usage.meters`: ``count`` counts events, ``sum`` and
``max`` read the property's numbers, ``unique_count`` counts distinct property values (or
distinct users without a property), ``latest`` takes the value of the latest event.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import ibis
from ibis.expr import types as ir

from tierwise.adapters.analytics.engine import EventSource
from tierwise.adapters.analytics.windows import DAY_SECONDS, AsOf, attach, latest, midnight_utc
from tierwise.catalog.model import Aggregation, Feature, FeatureKind, Meter, ResetPeriod
from tierwise.signals.conventions import COMPARISON_DAYS, EventConventions

__all__ = [
    "ACCUMULATING",
    "MeterWindow",
    "billing_usage",
    "counted_in_pass",
    "feature_measures",
    "meter_window",
    "pass_counts",
]

#: Aggregations that only grow within a window, so a rate of use can be projected.
ACCUMULATING = frozenset({Aggregation.COUNT, Aggregation.SUM, Aggregation.UNIQUE_COUNT})
#: How far back a billing period can start (a yearly one, plus a leap day).
_LONGEST_PERIOD_DAYS = 367


@dataclass(frozen=True, slots=True)
class MeterWindow:
    """A meter's current window: its start and end in epoch days (per account for billing
    periods), and how many days of it have passed at as-of."""

    start_day: ir.IntegerValue
    end_day: ir.IntegerValue
    elapsed_days: ir.FloatingValue

    @property
    def length_days(self) -> ir.IntegerValue:
        return self.end_day - self.start_day


def meter_window(reset: ResetPeriod, licenses: ir.Table, as_of: AsOf) -> MeterWindow:
    """The window containing as-of; billing periods come from the license rows."""
    if reset is ResetPeriod.BILLING_PERIOD:
        start, end = licenses["period_start"].epoch_days(), licenses["period_end"].epoch_days()
    else:
        first, after = _calendar_window(reset, as_of.moment)
        start, end = ibis.literal(_epoch_day(first)), ibis.literal(_epoch_day(after))
    elapsed = (ibis.literal(as_of.epoch_seconds) - start * DAY_SECONDS) / float(DAY_SECONDS)
    return MeterWindow(start, end, elapsed)


def feature_measures(
    key: str,
    feature: Feature,
    events: ir.Table,
    licenses: ir.Table,
    source: EventSource,
    conventions: EventConventions,
    as_of: AsOf,
) -> ir.Table:
    """``account``, ``usage``, ``recent`` and ``prior`` of one feature (see the module doc)."""
    if feature.kind is FeatureKind.LIMIT:
        return _gauge(key, events, source, conventions, as_of)
    assert feature.meter is not None  # catalog validation: a metered feature has a meter
    return _metered(feature.meter, events, licenses, source, as_of)


def counted_in_pass(feature: Feature, conventions: EventConventions) -> bool:
    """Whether the feature is a ``count`` meter of usage events, measured in the pass over usage
    events (:func:`pass_counts`) instead of by :func:`feature_measures`."""
    meter = feature.meter
    return (
        feature.kind is FeatureKind.METERED
        and meter is not None
        and meter.aggregation is Aggregation.COUNT
        and meter.event not in conventions.non_usage_types
    )


def pass_counts(key: str, meter: Meter, usage: ir.Table, as_of: AsOf) -> dict[str, ir.BooleanValue]:
    """The conditions whose event counts give a count meter's ``_recent_<key>``,
    ``_prior_<key>`` and, for a calendar window, ``_usage_<key>`` (see :func:`billing_usage`
    for a billing period's)."""
    time = usage["time"]
    of_meter = usage["type"] == meter.event
    recent = time >= as_of.at(COMPARISON_DAYS)
    counts = {
        f"_recent_{key}": of_meter & recent,
        f"_prior_{key}": of_meter & (time >= as_of.at(2 * COMPARISON_DAYS)) & ~recent,
    }
    if meter.reset is not ResetPeriod.BILLING_PERIOD:
        first, _ = _calendar_window(meter.reset, as_of.moment)
        counts[f"_usage_{key}"] = of_meter & (time >= ibis.literal(first))
    return counts


def billing_usage(
    key: str,
    meter: Meter,
    events: ir.Table,
    licenses: ir.Table,
    as_of: AsOf,
    earliest_start: dt.date | None,
) -> ir.Table:
    """``account`` and ``_usage_<key>``: a count meter's events in each account's billing
    period in force.

    ``earliest_start`` is the earliest ``period_start`` of the license rows (known before the
    query runs): events before its start (midnight UTC, as the window test below reads a date)
    cannot be in any period, so they are dropped before the join with the periods — most of
    them when periods are monthly."""
    since = as_of.ago(_LONGEST_PERIOD_DAYS)
    if earliest_start is not None:
        since = max(since, dt.datetime.combine(earliest_start, dt.time(), dt.UTC))
    rows = events.filter(
        (events["type"] == meter.event) & (events["time"] >= ibis.literal(since))
    ).select("account", "time")
    starts = licenses.select(account="external_id", _start=midnight_utc(licenses["period_start"]))
    rows = rows.join(starts, "account")
    rows = rows.filter(rows["time"] >= rows["_start"])
    return rows.group_by("account").agg(**{f"_usage_{key}": rows.count().cast("float64")})


def _gauge(
    key: str, events: ir.Table, source: EventSource, c: EventConventions, as_of: AsOf
) -> ir.Table:
    reports = events.filter(events["type"] == c.gauge)
    reports = reports.filter(source.text(reports, "feature") == key)
    values = reports.select("account", "time", value=source.number(reports, "value"))
    now = latest(values, ["account"], "value").select("account", usage="value")
    before = values.filter(values["time"] < as_of.at(COMPARISON_DAYS))
    then = latest(before, ["account"], "value").select("account", prior="value")
    joined = attach(now, then, "account")
    return joined.select("account", "usage", recent="usage", prior="prior")


def _metered(
    meter: Meter, events: ir.Table, licenses: ir.Table, source: EventSource, as_of: AsOf
) -> ir.Table:
    earliest = min(as_of.ago(2 * COMPARISON_DAYS), _earliest_window(meter.reset, as_of))
    rows = events.filter(
        (events["type"] == meter.event) & (events["time"] >= ibis.literal(earliest))
    )
    if meter.reset is ResetPeriod.BILLING_PERIOD:
        starts = licenses.select(
            account="external_id", _start=midnight_utc(licenses["period_start"])
        )
        rows = rows.join(starts, "account")
        in_window = rows["time"] >= rows["_start"]
    else:
        first, _ = _calendar_window(meter.reset, as_of.moment)
        in_window = rows["time"] >= ibis.literal(first)
    recent = rows["time"] >= as_of.at(COMPARISON_DAYS)
    prior = (rows["time"] >= as_of.at(2 * COMPARISON_DAYS)) & ~recent
    conditions = {"usage": in_window, "recent": recent, "prior": prior}
    aggregation = meter.aggregation
    if aggregation is Aggregation.LATEST:
        return _latest_measures(rows, meter, source, conditions)
    if aggregation is Aggregation.COUNT:
        measures = {name: rows["time"].count(where=cond) for name, cond in conditions.items()}
    elif aggregation is Aggregation.UNIQUE_COUNT:
        value = rows["subject"] if meter.property is None else source.text(rows, meter.property)
        measures = {name: value.nunique(where=cond) for name, cond in conditions.items()}
    else:
        assert meter.property is not None  # catalog validation: sum and max name a property
        number = source.number(rows, meter.property)
        if aggregation is Aggregation.SUM:
            measures = {
                name: ibis.coalesce(number.sum(where=cond), 0.0)
                for name, cond in conditions.items()
            }
        else:
            measures = {name: number.max(where=cond) for name, cond in conditions.items()}
    return rows.group_by("account").agg(
        **{name: measure.cast("float64") for name, measure in measures.items()}
    )


def _latest_measures(
    rows: ir.Table, meter: Meter, source: EventSource, conditions: dict[str, ir.BooleanValue]
) -> ir.Table:
    assert meter.property is not None  # catalog validation: latest names a property
    tables = [
        latest(
            rows.filter(cond).select("account", "time", value=source.number(rows, meter.property)),
            ["account"],
            "value",
        ).select("account", **{name: "value"})
        for name, cond in conditions.items()
    ]
    keys = ibis.union(*(t.select("account") for t in tables), distinct=True)
    for table in tables:
        keys = attach(keys, table, "account")
    return keys


def _calendar_window(reset: ResetPeriod, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if reset is ResetPeriod.YEAR:
        first = dt.datetime(moment.year, 1, 1, tzinfo=dt.UTC)
        return first, first.replace(year=moment.year + 1)
    first = dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)
    days = calendar.monthrange(moment.year, moment.month)[1]
    return first, first + dt.timedelta(days=days)


def _earliest_window(reset: ResetPeriod, as_of: AsOf) -> dt.datetime:
    if reset is ResetPeriod.BILLING_PERIOD:
        return as_of.ago(_LONGEST_PERIOD_DAYS)
    return _calendar_window(reset, as_of.moment)[0]


def _epoch_day(moment: dt.datetime) -> int:
    return (moment.date() - dt.date(1970, 1, 1)).days
