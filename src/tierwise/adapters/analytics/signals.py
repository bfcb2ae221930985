"""``compute_signals``: every registry signal for every account, as one Ibis table.

The table has one row per license row of the ledger snapshot, keyed by ``account_id`` (with the
events' ``external_id``), and the columns of :func:`tierwise.signals.definitions.signal_definitions`
for the catalog version, plus each health factor's points (``health_<factor>``) and each red
flag (``red_flag_<code>``). Nothing runs until the caller executes the table
(``backend.to_pyarrow(table)``, ``.to_pandas()``, or writes it out), so the same expression runs
on DuckDB, Spark or a warehouse.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import ibis
import pyarrow.compute as pc
from ibis.expr import types as ir

from tierwise.adapters.analytics.activity import (
    account_activity,
    by_role,
    champion_inactive_days,
    champions,
    features_adopted,
    milestones,
    named_features,
    per_user,
    reached_in_pass,
    role_mix,
    user_roles,
)
from tierwise.adapters.analytics.contracts import (
    entitlement_columns,
    license_signals,
    offer_signals,
    paywall_signals,
)
from tierwise.adapters.analytics.engine import EventSource
from tierwise.adapters.analytics.ledger import LedgerSnapshot
from tierwise.adapters.analytics.metering import (
    ACCUMULATING,
    billing_usage,
    counted_in_pass,
    feature_measures,
    meter_window,
    pass_counts,
)
from tierwise.adapters.analytics.rules import derive_columns
from tierwise.adapters.analytics.support import support_signals
from tierwise.adapters.analytics.windows import AsOf, join_all
from tierwise.catalog.model import CatalogVersion, Feature, FeatureKind, ResetPeriod
from tierwise.signals.conventions import (
    COMPARISON_DAYS,
    DEFAULT_CONVENTIONS,
    EventConventions,
    Milestone,
)
from tierwise.signals.definitions import signal_definitions
from tierwise.signals.derived import DEFAULT_RULES, DerivationRules
from tierwise.signals.health import HealthModel
from tierwise.signals.red_flags import red_flag_rules

__all__ = ["Stage", "compute_signals", "output_columns", "temporary_tables"]

#: Runs part of the signal query on its own and returns a table to read its result from.
Stage = Callable[[ir.Table], ir.Table]

_ZERO_WHEN_ABSENT = (
    "dau",
    "wau",
    "mau",
    "usage_events_30d",
    "features_adopted",
    "paywall_hits_30d",
    "offers_shown_30d",
    "milestones_reached",
)


def output_columns(catalog: CatalogVersion, health: HealthModel) -> list[str]:
    """The columns of the signal table, in order."""
    names = ["account_id", "external_id"]
    names += [definition.name for definition in signal_definitions(catalog)]
    names += [f"health_{factor.key}" for factor in health.factors]
    names += [f"red_flag_{rule.code}" for rule in red_flag_rules()]
    return names


def compute_signals(
    events: EventSource,
    ledger: LedgerSnapshot,
    catalog: CatalogVersion,
    as_of: dt.datetime,
    *,
    conventions: EventConventions = DEFAULT_CONVENTIONS,
    milestones_defined: Sequence[Milestone] = (),
    rules: DerivationRules = DEFAULT_RULES,
    stage: Stage | None = None,
) -> ir.Table:
    """Every signal of every licensed account as of ``as_of`` (an unexecuted Ibis table).

    With ``stage`` (e.g. :func:`temporary_tables`), the activity part — the aggregation per
    (account, user) over every usage event, the largest by far — is run first, on its own, and
    the rest of the query reads its result (one row per account and role). Run inside the whole
    query, that aggregation shares the engine's memory with the plan's other operators and, on
    DuckDB at a million accounts, spills to disk: staged, the signals take half the CPU. The
    values are the same either way; without ``stage`` nothing runs until the caller executes
    the table.
    """
    moment = AsOf(as_of)
    tables = ledger.tables(events.table._find_backend())
    licenses, entitlements = tables["licenses"], tables["entitlements"]
    raw = events.table
    known = raw.filter(raw["account"].notnull() & (raw["time"] < moment.at(0)))
    usage = known.filter(~known["type"].isin(list(conventions.non_usage_types)))
    limited = [
        (key, feature)
        for key, feature in catalog.features.items()
        if feature.kind in (FeatureKind.LIMIT, FeatureKind.METERED)
    ]
    # the one pass over usage events: user activity, count meters and metered adoption
    counts: dict[str, ir.BooleanValue] = {}
    billing: list[ir.Table] = []
    for key, feature in limited:
        if feature.meter is not None and counted_in_pass(feature, conventions):
            counts |= pass_counts(key, feature.meter, usage, moment)
            if feature.meter.reset is ResetPeriod.BILLING_PERIOD:
                billing.append(
                    billing_usage(
                        key, feature.meter, known, licenses, moment, _earliest_period(ledger)
                    )
                )
    meter_columns = list(counts)
    metered: dict[str, str] = {}
    for key, feature in catalog.features.items():
        if feature.kind is not FeatureKind.METERED or feature.meter is None:
            continue
        metered[key] = f"_recent_{key}" if f"_recent_{key}" in counts else f"_used_{key}"
        counts.setdefault(
            metered[key],
            (usage["type"] == feature.meter.event) & (usage["time"] >= moment.at(COMPARISON_DAYS)),
        )
    # milestones on usage events are counted in the same pass; others (a ticket, a survey…) apart
    counted_milestones = {
        f"_milestone_{i}": milestone
        for i, milestone in enumerate(milestones_defined)
        if milestone.event not in conventions.non_usage_types
    }
    for name, milestone in counted_milestones.items():
        counts[name] = usage["type"] == milestone.event
    users = per_user(usage, moment, counts)
    current = champions(known, events, conventions)
    roles = by_role(users, user_roles(known, events, conventions), current, moment, list(counts))
    if stage is not None:
        roles = stage(roles)
    activity = account_activity(roles, list(counts))
    activity = activity.mutate(**{name: activity[name].cast("float64") for name in meter_columns})
    by_account = [
        activity,
        role_mix(roles),
        current.select("account", "champion_named_at"),
        named_features(known, events, list(catalog.features), conventions, moment),
        *support_signals(known, events, conventions, moment),
        *billing,
        *(
            feature_measures(key, feature, known, licenses, events, conventions, moment).rename(
                **{f"_{name}_{key}": name for name in ("usage", "recent", "prior")}
            )
            for key, feature in limited
            if not counted_in_pass(feature, conventions)
        ),
    ]
    reached = milestones(
        known, [m for m in milestones_defined if m.event in conventions.non_usage_types]
    )
    if reached is not None:
        by_account.append(reached)
    parts = [
        (entitlement_columns(entitlements, catalog), "profile"),
        *((part, "account") for part in by_account),
        (paywall_signals(tables["paywall"], catalog, moment), "account_id"),
        (offer_signals(tables["offers"], moment), "account_id"),
    ]
    table = join_all(license_signals(licenses, moment), parts)
    table = table.mutate(features_adopted=features_adopted(table, list(catalog.features), metered))
    zero = {
        name: ibis.coalesce(table[name], 0) for name in _ZERO_WHEN_ABSENT if name in table.columns
    }
    zero |= {
        f"paywall_{key}": ibis.coalesce(table[f"paywall_{key}"], 0) for key in catalog.features
    }
    zero |= {
        name: ibis.coalesce(table[name], 0)
        for name in ("tickets_30d", "open_severe_tickets", "failed_payments_30d")
    }
    if reached is None:
        zero["milestones_reached"] = ibis.literal(0, "int64")
    table = table.mutate(**zero)
    if counted_milestones:
        table = table.mutate(
            milestones_reached=table["milestones_reached"]
            + reached_in_pass(table, counted_milestones)
        )
    table = table.mutate(
        champion_inactive_days=champion_inactive_days(table, moment),
        active_growth_30d=_growth(table["mau"], table["mau_prior"]),
        usage_change_30d=_growth(table["usage_events_30d"], table["usage_prior_30d"]),
        adoption_breadth=_adoption_breadth(table, catalog),
        **_feature_columns(table, limited, moment),
    )
    table = derive_columns(table, [key for key, _ in limited], rules)
    table = table.rename(external_id="account")
    return table.select(*output_columns(catalog, rules.health))


def temporary_tables(backend: Any) -> Stage:
    """A :data:`Stage` that writes the part into a new temporary table of ``backend`` (an Ibis
    backend with temporary tables, such as DuckDB, where it lives as long as the connection) and
    reads it from there. Ibis's PySpark backend has no temporary tables: on Spark, leave
    ``stage`` out and the signals run as one query."""

    def stage(table: ir.Table) -> ir.Table:
        written: ir.Table = backend.create_table(
            f"tierwise_stage_{uuid.uuid4().hex}", table, temp=True
        )
        return written

    return stage


def _earliest_period(ledger: LedgerSnapshot) -> dt.date | None:
    """The earliest ``period_start`` of the license rows (``None`` without rows)."""
    earliest: dt.date | None = pc.min(ledger.licenses["period_start"]).as_py()
    return earliest


def _growth(current: ir.NumericValue, prior: ir.NumericValue) -> ir.FloatingValue:
    """``current / prior − 1``; null when there is no prior activity."""
    now = ibis.coalesce(current, 0).cast("float64")
    before = ibis.coalesce(prior, 0).cast("float64")
    return ibis.ifelse(before > 0, now / before - 1.0, ibis.null("float64"))


def _adoption_breadth(table: ir.Table, catalog: CatalogVersion) -> ir.FloatingValue:
    entitled: ir.IntegerValue = ibis.literal(0)
    for key in catalog.features:
        entitled = entitled + ibis.ifelse(table[f"entitled_{key}"], 1, 0)
    return ibis.ifelse(
        entitled > 0,
        table["features_adopted"].cast("float64") / entitled.cast("float64"),
        ibis.null("float64"),
    )


def _feature_columns(
    table: ir.Table, limited: Sequence[tuple[str, Feature]], as_of: AsOf
) -> dict[str, ir.Value]:
    """``usage``, ``util``, ``trend`` and ``runout_days`` of each limit and metered feature."""
    columns: dict[str, ir.Value] = {}
    for key, feature in limited:
        limit = table[f"limit_{key}"]
        accumulating = feature.meter is not None and feature.meter.aggregation in ACCUMULATING
        usage = _measure(table, f"_usage_{key}", accumulating)
        change = _measure(table, f"_recent_{key}", accumulating) - _measure(
            table, f"_prior_{key}", accumulating
        )
        has_limit = limit.notnull() & (limit > 0)
        columns[f"usage_{key}"] = usage
        columns[f"util_{key}"] = ibis.ifelse(has_limit, usage / limit, ibis.null("float64"))
        columns[f"trend_{key}"] = ibis.ifelse(has_limit, change / limit, ibis.null("float64"))
        if feature.meter is not None:
            window = meter_window(feature.meter.reset, table, as_of)
            columns[f"runout_days_{key}"] = (
                _runout(usage, limit, window.elapsed_days, window.length_days)
                if accumulating
                else ibis.null("float64")
            )
    return columns


def _measure(table: ir.Table, name: str, accumulating: bool) -> ir.FloatingValue:
    value = table[name]
    return ibis.coalesce(value, 0.0) if accumulating else value


def _runout(
    usage: ir.FloatingValue,
    limit: ir.FloatingValue,
    elapsed: ir.FloatingValue,
    length: ir.IntegerValue,
) -> ir.FloatingValue:
    """Days until the allowance runs out at the window's average daily rate so far; 0 when it
    has; null when unlimited, unused, or when it will not run out before the window ends."""
    remaining = limit - usage
    days = remaining / (usage / elapsed)
    left = length.cast("float64") - elapsed
    return ibis.cases(
        (limit.isnull(), ibis.null("float64")),
        (remaining <= 0, ibis.literal(0.0)),
        ((usage <= 0) | (elapsed <= 0), ibis.null("float64")),
        (days > left, ibis.null("float64")),
        else_=days,
    )
