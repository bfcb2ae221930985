"""Activity signals: active users, usage volume, adoption breadth, role mix, champion, milestones.

User activity is any usage event with a ``subject``; usage is every event that is not one of
the non-usage conventions (tickets, surveys, payments, identify, champion, gauge reports).
One aggregation per (account, user) over all events up to as-of feeds the active-user counts,
the usage volumes and the champion's last activity.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
from ibis.expr import types as ir

from tierwise.adapters.analytics.engine import EventSource
from tierwise.adapters.analytics.windows import AsOf, latest
from tierwise.catalog.model import CatalogVersion, FeatureKind
from tierwise.signals.conventions import (
    ACTIVE_WINDOWS,
    COMPARISON_DAYS,
    EventConventions,
    Milestone,
)

__all__ = ["account_activity", "adoption", "champion", "milestones", "per_user", "role_mix"]

_DAYS = COMPARISON_DAYS


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    return ibis.ifelse(condition, 1, 0).max()


def per_user(usage: ir.Table, as_of: AsOf) -> ir.Table:
    """One row per (account, subject) — subject null included — with the last activity, the
    activity flags of each window and the event counts of the last and prior 30 days."""
    time = usage["time"]
    recent = time >= as_of.at(_DAYS)
    prior = (time >= as_of.at(2 * _DAYS)) & ~recent
    flags = {name: _flag(time >= as_of.at(days)) for name, days in ACTIVE_WINDOWS.items()}
    return usage.group_by(["account", "subject"]).agg(
        last_seen=time.max(),
        prior_active=_flag(prior),
        events_30d=time.count(where=recent),
        events_prior_30d=time.count(where=prior),
        **flags,
    )


def account_activity(users: ir.Table) -> ir.Table:
    """dau, wau, mau, the prior 30 days' mau, and usage volumes, per account."""
    known = users["subject"].notnull()
    counts = {name: users[name].sum(where=known) for name in ACTIVE_WINDOWS}
    return users.group_by("account").agg(
        mau_prior=users["prior_active"].sum(where=known),
        usage_events_30d=users["events_30d"].sum(),
        usage_prior_30d=users["events_prior_30d"].sum(),
        **counts,
    )


def role_mix(
    events: ir.Table, users: ir.Table, source: EventSource, c: EventConventions
) -> ir.Table:
    """The most common latest role among the account's monthly active users (ties: the
    alphabetically first role)."""
    identified = events.filter((events["type"] == c.user_identified) & events["subject"].notnull())
    roles = latest(
        identified.select("subject", "time", role=source.text(identified, "role")),
        ["subject"],
        "role",
    ).select("subject", "role")
    active = users.filter((users["mau"] == 1) & users["subject"].notnull())
    with_role = active.join(roles, "subject").select("account", "role")
    counted = with_role.group_by(["account", "role"]).agg(users=with_role["role"].count())
    rank = ibis.row_number().over(
        group_by=counted["account"], order_by=[ibis.desc(counted["users"]), counted["role"]]
    )
    top = counted.mutate(_rank=rank)
    return top.filter(top["_rank"] == 0).select("account", role_mix="role")


def champion(
    events: ir.Table, users: ir.Table, source: EventSource, c: EventConventions, as_of: AsOf
) -> ir.Table:
    """Days since the account's champion (the latest ``champion`` event's ``user_id``) was last
    active; a champion never seen active counts from when they were named."""
    named = events.filter(events["type"] == c.champion)
    current = latest(
        named.select("account", "time", user=source.text(named, "user_id")), ["account"], "user"
    ).select("account", "user", named_at="time")
    seen = users.filter(users["subject"].notnull()).select(
        "account", user="subject", last_seen="last_seen"
    )
    joined = current.left_join(
        seen, (current["account"] == seen["account"]) & (current["user"] == seen["user"])
    ).select(current["account"], current["named_at"], seen["last_seen"])
    since = ibis.coalesce(joined["last_seen"], joined["named_at"])
    return joined.select("account", champion_inactive_days=as_of.days_since(since))


def milestones(events: ir.Table, reached: Sequence[Milestone]) -> ir.Table | None:
    """How many onboarding milestones each account has reached (``None`` when there are none)."""
    if not reached:
        return None
    types = sorted({m.event for m in reached})
    relevant = events.filter(events["type"].isin(types))
    counts = relevant.group_by("account").agg(
        **{
            f"m{i}": relevant["type"].count(where=relevant["type"] == m.event)
            for i, m in enumerate(reached)
        }
    )
    total: ir.IntegerValue = ibis.literal(0)
    for i, m in enumerate(reached):
        total = total + ibis.ifelse(counts[f"m{i}"] >= m.count, 1, 0)
    return counts.select("account", milestones_reached=total)


def adoption(
    events: ir.Table,
    usage: ir.Table,
    source: EventSource,
    catalog: CatalogVersion,
    licenses: ir.Table,
    entitlements: ir.Table,
    c: EventConventions,
    as_of: AsOf,
) -> ir.Table:
    """Entitled features used in the last 30 days, per account (``features_adopted``).

    A feature is used when a meter event of it, a ``feature_used`` event naming it, or a gauge
    report above zero for it arrived in the window.
    """
    recent_usage = usage.filter(usage["time"] >= as_of.at(_DAYS))
    metered = {
        key: feature.meter.event
        for key, feature in catalog.features.items()
        if feature.kind is FeatureKind.METERED and feature.meter is not None
    }
    pairs: list[ir.Table] = []
    if metered:
        typed = (
            recent_usage.filter(recent_usage["type"].isin(sorted(set(metered.values()))))
            .select("account", "type")
            .distinct()
        )
        pairs += [
            typed.filter(typed["type"] == event).select("account", feature=ibis.literal(key))
            for key, event in metered.items()
        ]
    recent = events.filter(events["time"] >= as_of.at(_DAYS))
    used = recent.filter(recent["type"] == c.feature_used)
    pairs.append(used.select("account", feature=source.text(used, "feature")))
    gauges = recent.filter(recent["type"] == c.gauge)
    gauges = gauges.filter(source.number(gauges, "value") > 0)
    pairs.append(gauges.select("account", feature=source.text(gauges, "feature")))
    adopted = ibis.union(*pairs, distinct=True)
    granted = entitlements.filter(entitlements["entitled"]).select("profile", "feature")
    owners = licenses.select(account="external_id", profile="profile")
    joined = adopted.join(owners, "account").join(granted, ["profile", "feature"])
    return joined.group_by("account").agg(features_adopted=joined["feature"].nunique())
