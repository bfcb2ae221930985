"""The pandas baseline of the signals benchmark: what one would write without an engine.

Reads the events of a sample of the accounts into a DataFrame, computes each signal family with
group-bys, and the derived signals (health, red flags, stage, segment) per account with the same
rules as tierwise (:func:`tierwise.signals.derived.derive`). Same conventions and columns as
:func:`tierwise.adapters.analytics.signals.compute_signals` for the example catalog.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds

from tierwise.adapters.analytics.ledger import LedgerSnapshot
from tierwise.adapters.analytics.signals import output_columns
from tierwise.catalog.model import CatalogVersion
from tierwise.signals.derived import DEFAULT_RULES, derive
from tierwise.signals.red_flags import red_flag_rules, red_flags

_NON_USAGE = {
    "support.ticket.opened",
    "support.ticket.closed",
    "survey.nps",
    "survey.csat",
    "payment.failed",
    "user.identified",
    "account.champion",
    "feature.gauge",
}
_METERS = {
    "automation.run": "automation_runs",
    "api.call": "api_calls",
    "storage.measured": "storage_gb",
}


def _prop(frame: pd.DataFrame, name: str) -> pd.Series:
    def read(text: str) -> Any:
        value = json.loads(text).get(name)
        return (
            None
            if value is None
            else str(value)
            if not isinstance(value, bool)
            else str(value).lower()
        )

    return frame["properties"].map(read)


def _num(frame: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_numeric(_prop(frame, name), errors="coerce")


def _latest(frame: pd.DataFrame, by: list[str], value: str) -> pd.Series:
    rows = frame[frame[value].notna()].sort_values([*by, "time", value])
    return rows.groupby(by)[value].last()


def _days_since(as_of: dt.datetime, series: pd.Series) -> pd.Series:
    seconds = np.floor((pd.Timestamp(as_of) - series).dt.total_seconds())
    return (seconds // 86_400).astype("Int64")


def _epoch_days(dates: pd.Series) -> pd.Series:
    return (pd.to_datetime(dates) - pd.Timestamp("1970-01-01")).dt.days


def pandas_signals(
    directory: Path,
    ledger: LedgerSnapshot,
    catalog: CatalogVersion,
    as_of: dt.datetime,
    sample: float,
) -> tuple[int, pd.DataFrame]:
    licenses = ledger.licenses.to_pandas()
    licenses = licenses.iloc[: max(1, int(len(licenses) * sample))]
    wanted = set(licenses["external_id"])
    dataset = ds.dataset(str(directory / "events"), format="parquet")
    table = dataset.to_table(
        columns=["account", "subject", "type", "time", "properties"],
        filter=pc.field("account").isin(list(wanted)),
    )
    ev = table.to_pandas()
    now = pd.Timestamp(as_of)
    day30, day60 = now - pd.Timedelta(days=30), now - pd.Timedelta(days=60)
    ev = ev[ev["account"].notna() & (ev["time"] < now)]
    usage = ev[~ev["type"].isin(_NON_USAGE)]
    out = licenses.set_index("external_id")

    # activity
    u = usage.assign(
        d1=usage["time"] >= now - pd.Timedelta(days=1),
        d7=usage["time"] >= now - pd.Timedelta(days=7),
        d30=usage["time"] >= day30,
        p30=(usage["time"] >= day60) & (usage["time"] < day30),
    )
    users = (
        u.groupby(["account", "subject"])
        .agg(
            last_seen=("time", "max"),
            d1=("d1", "max"),
            d7=("d7", "max"),
            d30=("d30", "max"),
            p30=("p30", "max"),
        )
        .reset_index()
    )
    counts = u.groupby("account").agg(n30=("d30", "sum"), np30=("p30", "sum"))
    active = users.groupby("account")[["d1", "d7", "d30", "p30"]].sum()
    out = out.join(active).join(counts)
    for name in ("d1", "d7", "d30", "p30", "n30", "np30"):
        out[name] = out[name].fillna(0).astype("int64")
    out = out.rename(columns={"d1": "dau", "d7": "wau", "d30": "mau", "n30": "usage_events_30d"})
    out["active_growth_30d"] = np.where(
        out["p30"] > 0, out["mau"] / out["p30"].where(out["p30"] > 0) - 1, np.nan
    )
    out["usage_change_30d"] = np.where(
        out["np30"] > 0, out["usage_events_30d"] / out["np30"].where(out["np30"] > 0) - 1, np.nan
    )

    # roles and champion
    ident = ev[(ev["type"] == "user.identified") & ev["subject"].notna()]
    roles = _latest(ident.assign(role=_prop(ident, "role")), ["subject"], "role").rename("role")
    mau_users = users[users["d30"]].join(roles, on="subject", how="inner")
    mix = mau_users.groupby(["account", "role"]).size().rename("n").reset_index()
    mix = mix.sort_values(["account", "n", "role"], ascending=[True, False, True])
    out = out.join(mix.groupby("account")["role"].first().rename("role_mix"))
    named = ev[ev["type"] == "account.champion"]
    named = named.assign(usr=_prop(named, "user_id"))
    named = (
        named[named["usr"].notna()]
        .sort_values(["account", "time", "usr"])
        .groupby("account")
        .last()
    )
    seen = users.set_index(["account", "subject"])["last_seen"]
    last = [
        seen.get((account, user)) for account, user in zip(named.index, named["usr"], strict=True)
    ]
    since = pd.Series(last, index=named.index, dtype="datetime64[us, UTC]").fillna(named["time"])
    out = out.join(_days_since(as_of, since).rename("champion_inactive_days"))

    # adoption
    recent = ev[ev["time"] >= day30]
    pairs = [
        recent[recent["type"].isin(_METERS.keys())].assign(feature=lambda f: f["type"].map(_METERS))
    ]
    used = recent[recent["type"] == "feature.used"]
    pairs.append(used.assign(feature=_prop(used, "feature")))
    gauge = recent[recent["type"] == "feature.gauge"]
    gauge = gauge.assign(feature=_prop(gauge, "feature"))[_num(gauge, "value") > 0]
    pairs.append(gauge)
    adopted = pd.concat([p[["account", "feature"]] for p in pairs]).drop_duplicates()
    ent = ledger.entitlements.to_pandas()
    granted = ent[ent["entitled"]][["profile", "feature"]]
    adopted = adopted.join(licenses.set_index("external_id")["profile"], on="account").merge(
        granted
    )
    out = out.join(adopted.groupby("account")["feature"].nunique().rename("features_adopted"))
    out["features_adopted"] = out["features_adopted"].fillna(0).astype("int64")
    entitled = ent.pivot_table(index="profile", columns="feature", values="entitled", aggfunc="max")
    limits = ent.pivot_table(
        index="profile", columns="feature", values="limit", aggfunc="max", dropna=False
    )
    out = out.join(entitled.add_prefix("entitled_"), on="profile").join(
        limits.add_prefix("limit_"), on="profile"
    )
    count = out[[f"entitled_{k}" for k in catalog.features]].sum(axis=1)
    out["adoption_breadth"] = np.where(
        count > 0, out["features_adopted"] / count.where(count > 0), np.nan
    )
    out["milestones_reached"] = 0

    # tickets, surveys, payments
    opened = ev[ev["type"] == "support.ticket.opened"]
    opened = opened.assign(ticket=_prop(opened, "ticket_id"), severity=_prop(opened, "severity"))
    closed = ev[ev["type"] == "support.ticket.closed"]
    closed_keys = set(zip(closed["account"], _prop(closed, "ticket_id"), strict=True))
    rec = opened[opened["time"] >= day30]
    out = out.join(rec.groupby("account")["ticket"].nunique().rename("tickets_30d"))
    severe = opened[opened["severity"].isin(["high", "urgent"]) & opened["ticket"].notna()]
    severe = severe[
        [k not in closed_keys for k in zip(severe["account"], severe["ticket"], strict=True)]
    ]
    out = out.join(severe.groupby("account")["ticket"].nunique().rename("open_severe_tickets"))
    for kind, name in (("survey.nps", "nps"), ("survey.csat", "csat")):
        answers = ev[ev["type"] == kind]
        out = out.join(
            _latest(answers.assign(score=_num(answers, "score")), ["account"], "score").rename(name)
        )
    failed = ev[(ev["type"] == "payment.failed") & (ev["time"] >= day30)]
    out = out.join(failed.groupby("account").size().rename("failed_payments_30d"))
    for name in ("tickets_30d", "open_severe_tickets", "failed_payments_30d"):
        out[name] = out[name].fillna(0).astype("int64")

    # metered and gauges
    month_start = now.replace(day=1)
    runs = ev[ev["type"] == "automation.run"].join(
        licenses.set_index("external_id")["period_start"], on="account"
    )
    runs_start = pd.to_datetime(runs["period_start"]).dt.tz_localize("UTC")
    sections = {
        "automation_runs": (runs, runs["time"] >= runs_start),
        "api_calls": (ev[ev["type"] == "api.call"], None),
    }
    for key, (rows, window) in sections.items():
        in_window = window if window is not None else rows["time"] >= month_start
        frame = rows.assign(
            u=in_window, r=rows["time"] >= day30, p=(rows["time"] >= day60) & (rows["time"] < day30)
        )
        agg = frame.groupby("account")[["u", "r", "p"]].sum().astype("float64")
        out = out.join(agg.add_prefix(f"_{key}_"))
        for part in ("u", "r", "p"):
            out[f"_{key}_{part}"] = out[f"_{key}_{part}"].fillna(0.0)
    storage = ev[ev["type"] == "storage.measured"]
    storage = storage.assign(v=_num(storage, "gigabytes"))
    for part, mask in (
        ("u", storage["time"] >= month_start),
        ("r", storage["time"] >= day30),
        ("p", (storage["time"] >= day60) & (storage["time"] < day30)),
    ):
        out = out.join(_latest(storage[mask], ["account"], "v").rename(f"_storage_gb_{part}"))
    gauges = ev[ev["type"] == "feature.gauge"]
    gauges = gauges.assign(feature=_prop(gauges, "feature"), v=_num(gauges, "value"))
    for key in ("projects", "guests"):
        mine = gauges[gauges["feature"] == key]
        out = out.join(_latest(mine, ["account"], "v").rename(f"_{key}_u"))
        out = out.join(_latest(mine[mine["time"] < day30], ["account"], "v").rename(f"_{key}_p"))
        out[f"_{key}_r"] = out[f"_{key}_u"]
    elapsed_month = (now - month_start).total_seconds() / 86_400
    month_length = (month_start + pd.offsets.MonthBegin(1) - month_start).days
    period_start = pd.to_datetime(out["period_start"]).dt.tz_localize("UTC")
    runs_elapsed = (now - period_start).dt.total_seconds() / 86_400
    runs_length = (pd.to_datetime(out["period_end"]) - pd.to_datetime(out["period_start"])).dt.days
    for key in ("projects", "automation_runs", "api_calls", "storage_gb", "guests"):
        limit = out[f"limit_{key}"]
        has = limit > 0
        out[f"usage_{key}"] = out[f"_{key}_u"]
        out[f"util_{key}"] = (out[f"_{key}_u"] / limit).where(has)
        out[f"trend_{key}"] = ((out[f"_{key}_r"] - out[f"_{key}_p"]) / limit).where(has)
    for key, elapsed, length in (
        ("automation_runs", runs_elapsed, runs_length),
        ("api_calls", elapsed_month, month_length),
    ):
        usage_k, limit = out[f"usage_{key}"], out[f"limit_{key}"]
        days = (limit - usage_k) / (usage_k / elapsed)
        runout = days.where(~(days > length - elapsed))
        runout = runout.where(usage_k > 0)
        runout = runout.mask(limit - usage_k <= 0, 0.0).where(limit.notna())
        out[f"runout_days_{key}"] = runout
    out["runout_days_storage_gb"] = np.nan

    # ledger
    pw = ledger.paywall.to_pandas()
    pw = pw[(pw["at"] >= day30) & (pw["at"] < now)]
    walls = pw.pivot_table(index="account_id", columns="feature", values="kind", aggfunc="count")
    walls = walls.reindex(columns=list(catalog.features)).add_prefix("paywall_")
    walls["paywall_hits_30d"] = pw.groupby("account_id").size()
    out = out.join(walls, on="account_id")
    for name in [*walls.columns]:
        out[name] = out[name].fillna(0).astype("int64")
    of = ledger.offers.to_pandas()
    of = of[of["at"] < now]
    shown = of[of["outcome"] == "shown"]
    out = out.join(
        _days_since(as_of, shown.groupby("account_id")["at"].max()).rename("last_offer_days_ago"),
        on="account_id",
    )
    out = out.join(
        shown[shown["at"] >= day30].groupby("account_id").size().rename("offers_shown_30d"),
        on="account_id",
    )
    out["offers_shown_30d"] = out["offers_shown_30d"].fillna(0).astype("int64")
    steps = {"shown": 0, "dismissed": 1, "declined": 2, "accepted": 3}
    of = of.assign(step=of["outcome"].map(steps)).sort_values(["account_id", "at", "step"])
    out = out.join(
        of.groupby("account_id")["outcome"].last().rename("last_offer_outcome"), on="account_id"
    )
    bands = pd.cut(
        out["company_size"],
        [0, 10, 50, 200, 1000, np.inf],
        labels=["1-10", "11-50", "51-200", "201-1000", "1000+"],
    )
    out["size_band"] = bands.astype("object").where(out["company_size"].notna(), None)
    out["on_trial"] = out["trial_plan"].notna()
    out["trial_used_days_ago"] = _days_since(as_of, out["last_trial_at"])
    out["seat_utilisation"] = (out["seats_assigned"] / out["seats"]).where(out["seats"] > 0)
    day = (as_of.date() - dt.date(1970, 1, 1)).days
    out["tenure_days"] = day - _epoch_days(out["first_started"])
    out["days_to_renewal"] = _epoch_days(out["term_end"]) - day

    # derived, per account with the shared rules
    out = out.reset_index()
    records = out.astype(object).where(out.notna(), None).to_dict("records")
    derived = [derive(record, DEFAULT_RULES) for record in records]
    for name in ("util_max", "health_score", "red_flags", "lifecycle_stage", "segment"):
        out[name] = [row[name] for row in derived]
    health = [DEFAULT_RULES.health.score(row) for row in derived]
    for index, factor in enumerate(DEFAULT_RULES.health.factors):
        out[f"health_{factor.key}"] = [score.factors[index].points for score in health]
    raised = [{flag.code for flag in red_flags(row, DEFAULT_RULES.red_flags)} for row in derived]
    for rule in red_flag_rules(DEFAULT_RULES.red_flags):
        out[f"red_flag_{rule.code}"] = [rule.code in codes for codes in raised]
    return len(out), out[
        [c for c in output_columns(catalog, DEFAULT_RULES.health) if c in out.columns]
    ]
