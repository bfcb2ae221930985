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
    "by_role",
    "champion_inactive_days",
    "champions",
    "features_adopted",
    "milestones",
    "named_features",
    "per_user",
    "reached_in_pass",
    "role_mix",
    "user_roles",
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


def user_roles(events: ir.Table, source: EventSource, c: EventConventions) -> ir.Table:
    """``subject`` and ``role``: each user's latest role."""
    identified = events.filter((events["type"] == c.user_identified) & events["subject"].notnull())
    return latest(
        identified.select("subject", "time", role=source.text(identified, "role")),
        ["subject"],
        "role",
    ).select("subject", "role")


def champions(events: ir.Table, source: EventSource, c: EventConventions) -> ir.Table:
    """``account``, ``champion`` (the latest ``champion`` event's ``user_id``) and
    ``champion_named_at``."""
    named = events.filter(events["type"] == c.champion)
    return latest(
        named.select("account", "time", champion=source.text(named, "user_id")),
        ["account"],
        "champion",
    ).select("account", "champion", champion_named_at="time")


def by_role(
    users: ir.Table,
    roles: ir.Table,
    current: ir.Table,
    as_of: AsOf,
    counts: Sequence[str] = (),
) -> ir.Table:
    """One row per (account, role) — the null role for users without one and for the null
    subject — with dau, wau, mau, the prior 30 days' mau, usage volumes, the totals of
    ``counts`` (columns of :func:`per_user`) and the champion's last activity.

    Each user is given its role and whether it is the champion (``current``, from
    :func:`champions`) on its way from :func:`per_user` to this much smaller table, so the
    per-user rows are read once and never kept: the per-account activity and the role mix are
    both sums over these rows.
    """
    roled = users.left_join(roles, users["subject"] == roles["subject"]).select(
        *(users[name] for name in users.columns), roles["role"]
    )
    marked = roled.left_join(
        current,
        (roled["account"] == current["account"]) & (roled["subject"] == current["champion"]),
    ).select(
        *(roled[name] for name in roled.columns),
        is_champion=current["champion"].notnull(),
    )
    counted = {
        name: marked.count(where=active(marked, as_of, days))
        for name, days in ACTIVE_WINDOWS.items()
    }
    return marked.group_by(["account", "role"]).agg(
        mau_prior=marked.count(
            where=marked["subject"].notnull() & (marked["events_prior_30d"] > 0)
        ),
        usage_events_30d=marked["events_30d"].sum(),
        usage_prior_30d=marked["events_prior_30d"].sum(),
        champion_seen=marked["last_seen"].max(where=marked["is_champion"]),
        **counted,
        **{name: marked[name].sum() for name in counts},
    )


def account_activity(roles: ir.Table, counts: Sequence[str] = ()) -> ir.Table:
    """dau, wau, mau, the prior 30 days' mau, usage volumes, the totals of ``counts`` and the
    champion's last activity (``champion_seen``), per account, from :func:`by_role`."""
    summed = ("mau_prior", "usage_events_30d", "usage_prior_30d", *ACTIVE_WINDOWS, *counts)
    return roles.group_by("account").agg(
        champion_seen=roles["champion_seen"].max(),
        **{name: roles[name].sum() for name in summed},
    )


def role_mix(roles: ir.Table) -> ir.Table:
    """The most common latest role among the account's monthly active users (ties: the
    alphabetically first role), from :func:`by_role`."""
    counted = roles.filter(roles["role"].notnull() & (roles["mau"] > 0))
    rank = ibis.row_number().over(
        group_by=counted["account"], order_by=[ibis.desc(counted["mau"]), counted["role"]]
    )
    top = counted.mutate(_rank=rank)
    return top.filter(top["_rank"] == 0).select("account", role_mix="role")


def champion_inactive_days(table: ir.Table, as_of: AsOf) -> ir.IntegerValue:
    """Days since the account's champion was last active (``champion_seen``); a champion never
    seen active counts from when they were named (``champion_named_at``); null without one."""
    since = ibis.coalesce(table["champion_seen"], table["champion_named_at"])
    return as_of.days_since(since)


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


def reached_in_pass(table: ir.Table, counted: Mapping[str, Milestone]) -> ir.IntegerValue:
    """How many of the ``counted`` milestones each account has reached, from their event counts
    made in the pass over usage events (the columns named by ``counted``'s keys; an account
    without usage has none)."""
    total: ir.IntegerValue = ibis.literal(0, "int64")
    for name, milestone in counted.items():
        total = total + ibis.ifelse(ibis.coalesce(table[name], 0) >= milestone.count, 1, 0)
    return total


def named_features(
    events: ir.Table, source: EventSource, features: Sequence[str], c: EventConventions, as_of: AsOf
) -> ir.Table:
    """``account`` and ``_named_<feature>`` for each feature: how many ``feature_used`` events
    and gauge reports above zero of the last 30 days name it (the adoption that no meter
    counts; see :func:`features_adopted`)."""
    recent = events.filter(events["time"] >= as_of.at(_DAYS))
    used = recent.filter(recent["type"] == c.feature_used)
    gauges = recent.filter(recent["type"] == c.gauge)
    gauges = gauges.filter(source.number(gauges, "value") > 0)
    named = ibis.union(
        used.select("account", feature=source.text(used, "feature")),
        gauges.select("account", feature=source.text(gauges, "feature")),
    )
    named = named.filter(named["feature"].isin(list(features)))
    return named.group_by("account").agg(
        **{f"_named_{key}": named.count(where=named["feature"] == key) for key in features}
    )


def features_adopted(
    table: ir.Table, features: Sequence[str], metered: Mapping[str, str]
) -> ir.IntegerValue:
    """Entitled features used in the last 30 days: a meter event of it (``metered`` maps each
    metered feature to its column counting them, from the pass over usage events), or a
    ``feature_used`` event or gauge report above zero naming it (``_named_<feature>``)."""
    total: ir.IntegerValue = ibis.literal(0, "int64")
    for key in features:
        used = ibis.coalesce(table[f"_named_{key}"], 0) > 0
        if key in metered:
            used = used | (ibis.coalesce(table[metered[key]], 0) > 0)
        adopted = ibis.coalesce(table[f"entitled_{key}"] & used, ibis.literal(False))
        total = total + ibis.ifelse(adopted, 1, 0).cast("int64")
    return total
