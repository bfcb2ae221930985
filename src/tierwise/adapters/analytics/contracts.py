"""Signals from the ledger snapshot: the license, seats, entitlements, paywall hits and offers.

* ``seat_utilisation`` = ``seats_assigned / seats`` (null without seats);
* ``tenure_days`` = days from ``first_started`` to as-of's date; ``days_to_renewal`` = days from
  as-of's date to ``term_end`` for a paid contract term, null without one (a free plan's term
  has no contract to renew, so no renewal rule or stage may fire on it);
  ``trial_used_days_ago`` = whole days since ``last_trial_at``;
* ``paywall_<feature>`` and ``paywall_hits_30d`` — ``denied`` and ``soft_limit`` records of
  the last 30 days;
* ``last_offer_days_ago`` — whole days since an offer was last shown; ``last_offer_outcome`` —
  the outcome of the latest offer record (at the same instant the later step wins: accepted,
  declined, dismissed, shown); ``offers_shown_30d``.
"""

from __future__ import annotations

import ibis
from ibis.expr import types as ir

from tierwise.adapters.analytics.windows import AsOf, attach, latest
from tierwise.catalog.model import CatalogVersion, FeatureKind
from tierwise.signals.conventions import COMPARISON_DAYS
from tierwise.signals.segments import SIZE_BANDS

__all__ = [
    "OUTCOME_ORDER",
    "entitlement_columns",
    "license_signals",
    "offer_signals",
    "paywall_signals",
]

#: Offer outcomes from the earliest step to the latest, to order records at the same instant.
OUTCOME_ORDER = ("shown", "dismissed", "declined", "accepted")


def size_band(company_size: ir.IntegerValue) -> ir.StringValue:
    """The vectorised :func:`tierwise.signals.segments.size_band`."""
    case = ibis.cases(
        *((company_size <= largest, label) for largest, label in SIZE_BANDS if largest is not None),
        else_=ibis.literal(SIZE_BANDS[-1][1]),
    )
    return ibis.ifelse(company_size.isnull(), ibis.null("string"), case)


def license_signals(licenses: ir.Table, as_of: AsOf) -> ir.Table:
    seats = licenses["seats"]
    return licenses.select(
        "account_id",
        account="external_id",
        profile="profile",
        plan="plan",
        plan_rank="plan_rank",
        interval="interval",
        term_years="term_years",
        industry="industry",
        region="region",
        size_band=size_band(licenses["company_size"]),
        status="status",
        on_trial=licenses["trial_plan"].notnull(),
        trial_used_days_ago=as_of.days_since(licenses["last_trial_at"]),
        seats="seats",
        seats_assigned="seats_assigned",
        seat_utilisation=ibis.ifelse(
            seats > 0, licenses["seats_assigned"] / seats.cast("float64"), ibis.null("float64")
        ),
        tenure_days=as_of.days_after(licenses["first_started"]),
        days_to_renewal=ibis.ifelse(
            licenses["paid"], as_of.days_until(licenses["term_end"]), ibis.null("int64")
        ),
        period_start="period_start",
        period_end="period_end",
    )


def entitlement_columns(entitlements: ir.Table, catalog: CatalogVersion) -> ir.Table:
    """Per profile: ``entitled_<feature>`` for every feature and ``limit_<feature>`` for limit
    and metered ones (null: unlimited)."""
    columns: dict[str, ir.Value] = {}
    feature = entitlements["feature"]
    for key, definition in catalog.features.items():
        mine = feature == key
        columns[f"entitled_{key}"] = ibis.coalesce(
            entitlements["entitled"].any(where=mine), ibis.literal(False)
        )
        if definition.kind in (FeatureKind.LIMIT, FeatureKind.METERED):
            columns[f"limit_{key}"] = entitlements["limit"].max(where=mine)
    return entitlements.group_by("profile").agg(**columns)


def paywall_signals(paywall: ir.Table, catalog: CatalogVersion, as_of: AsOf) -> ir.Table:
    recent = paywall.filter(
        (paywall["at"] >= as_of.at(COMPARISON_DAYS)) & (paywall["at"] < as_of.at(0))
    )
    counts = {
        f"paywall_{key}": recent["feature"].count(where=recent["feature"] == key)
        for key in catalog.features
    }
    return recent.group_by("account_id").agg(paywall_hits_30d=recent["feature"].count(), **counts)


def offer_signals(offers: ir.Table, as_of: AsOf) -> ir.Table:
    past = offers.filter(offers["at"] < as_of.at(0))
    shown = past["outcome"] == "shown"
    summary = past.group_by("account_id").agg(
        last_shown=past["at"].max(where=shown),
        offers_shown_30d=past["at"].count(where=shown & (past["at"] >= as_of.at(COMPARISON_DAYS))),
    )
    step = ibis.cases(
        *((past["outcome"] == outcome, index) for index, outcome in enumerate(OUTCOME_ORDER)),
        else_=-1,
    )
    ranked = past.select("account_id", "outcome", time=past["at"], step=step)
    last = latest(ranked, ["account_id"], "step").select("account_id", last_step="step")
    outcome = ibis.cases(
        *((last["last_step"] == index, outcome) for index, outcome in enumerate(OUTCOME_ORDER)),
        else_=ibis.null("string"),
    )
    last = last.select("account_id", last_offer_outcome=outcome)
    joined = attach(summary, last, "account_id")
    return joined.select(
        "account_id",
        "last_offer_outcome",
        "offers_shown_30d",
        last_offer_days_ago=as_of.days_since(joined["last_shown"]),
    )
