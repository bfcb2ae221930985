"""Activity signals: active users, usage volume, adoption breadth, role mix, champion, milestones.

User activity is any usage event with a ``subject``; usage is every event that is not one of
the non-usage conventions (tickets, surveys, payments, identify, champion, gauge reports).
One aggregation per (account, user) over all usage events up to as-of — the one pass over the
bulk of the events — feeds the active-user counts, the usage volumes, the champion's last
activity, and the counts of the meters and of adoption (see :mod:`.metering`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis
from ibis.expr import types as ir

from tierwise.adapters.analytics.engine import EventSource
from tierwise.adapters.analytics.windows import AsOf, latest
from tierwise.signals.conventions import (
    ACTIVE_WINDOWS,
    COMPARISON_DAYS,
    EventConventions,
    Milestone,
)

__all__ = [
    "account_activity",
    "active",
    "adoption",
    "champion",
    "milestones",
    "per_user",
    "role_mix",
]

_DAYS = COMPARISON_DAYS


def per_user(
    usage: ir.Table, as_of: AsOf, counts: Mapping[str, ir.BooleanValue] | None = None
) -> ir.Table:
    """One row per (account, subject) — subject null included — with the last activity, the
    event counts of the last and prior 30 days, and one count per entry of ``counts`` (events
    matching the condition, for the meters and adoption read in the same pass).

    The activity flags of each window follow from the last activity (every event is before
    as-of) and from the prior count, so the pass keeps as few aggregates as it can: this is the
    largest aggregation of the signals (one group per user, over every usage event).
    """
    time = usage["time"]
    recent = time >= as_of.at(_DAYS)
    prior = (time >= as_of.at(2 * _DAYS)) & ~recent
    return usage.group_by(["account", "subject"]).agg(
        last_seen=time.max(),
        events_30d=usage.count(where=recent),
        events_prior_30d=usage.count(where=prior),
        **{name: usage.count(where=condition) for name, condition in (counts or {}).items()},
    )


def active(users: ir.Table, as_of: AsOf, days: int) -> ir.BooleanValue:
    """The user was active in the last ``days`` days (a known user, not the null subject)."""
    return users["subject"].notnull() & (users["last_seen"] >= as_of.at(days))


def account_activity(users: ir.Table, as_of: AsOf, counts: Sequence[str] = ()) -> ir.Table:
    """dau, wau, mau, the prior 30 days' mau, usage volumes and the totals of ``counts``
    (columns of :func:`per_user`), per account."""
    counted = {
        name: users.count(where=active(users, as_of, days)) for name, days in ACTIVE_WINDOWS.items()
    }
    return users.group_by("account").agg(
        mau_prior=users.count(where=users["subject"].notnull() & (users["events_prior_30d"] > 0)),
        usage_events_30d=users["events_30d"].sum(),
        usage_prior_30d=users["events_prior_30d"].sum(),
        **counted,
        **{name: users[name].sum() for name in counts},
    )


def role_mix(
    events: ir.Table, users: ir.Table, source: EventSource, c: EventConventions, as_of: AsOf
) -> ir.Table:
    """The most common latest role among the account's monthly active users (ties: the
    alphabetically first role)."""
    identified = events.filter((events["type"] == c.user_identified) & events["subject"].notnull())
    roles = latest(
        identified.select("subject", "time", role=source.text(identified, "role")),
        ["subject"],
        "role",
    ).select("subject", "role")
    monthly = users.filter(active(users, as_of, ACTIVE_WINDOWS["mau"]))
    with_role = monthly.join(roles, "subject").select("account", "role")
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
    activity: ir.Table,
    metered: Mapping[str, str],
    source: EventSource,
    licenses: ir.Table,
    entitlements: ir.Table,
    c: EventConventions,
    as_of: AsOf,
) -> ir.Table:
    """Entitled features used in the last 30 days, per account (``features_adopted``).

    A feature is used when a meter event of it, a ``feature_used`` event naming it, or a gauge
    report above zero for it arrived in the window. ``metered`` maps each metered feature to
    the column of ``activity`` (per account) that counts its usage events of the last 30 days,
    taken in the pass over usage events (:func:`per_user`) rather than by a scan of its own.
    """
    pairs = [
        activity.filter(activity[column] > 0).select("account", feature=ibis.literal(key))
        for key, column in metered.items()
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
