"""Catalogs for the entitlement tests: the example catalog, and a small hand-made one.

The small catalog keeps numbers easy to compute by hand: ``starter`` (rank 1, 10 USD flat) and
``pro`` (rank 2, 30 USD flat), with projects 50/200, a metered ``exports`` feature, SSO in pro, an
``extra_projects`` add-on (+25 projects, 5 USD) and an included ``audit`` add-on for pro.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from tierwise.catalog.model import (
    AddOn,
    CatalogDocument,
    CatalogVersion,
    ChangePolicy,
    ChangeTiming,
    Entitlement,
    Feature,
    FeatureKind,
    IntervalPrices,
    Meter,
    Plan,
    Pricing,
    ResetPeriod,
    SoftLimit,
)
from tierwise.catalog.versions import build_catalog

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
UTC = dt.UTC
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@cache
def example_catalog() -> CatalogVersion:
    """The first version (2026.1) of ``examples/catalog.yaml``."""
    document = CatalogDocument.model_validate(yaml.safe_load(EXAMPLE.read_text()))
    return build_catalog(document).versions[0]


def _flat(usd: int) -> Pricing:
    return Pricing(prices={"USD": IntervalPrices(month=Decimal(usd))})


def small_catalog(
    *,
    nudge: int = 80,
    grace: int = 10,
    starter_projects: Entitlement = 50,
) -> CatalogVersion:
    """The small hand-made catalog described in the module docstring."""
    soft = SoftLimit(nudge_at_percent=Decimal(nudge), grace_percent=Decimal(grace))
    return CatalogVersion(
        version="t1",
        effective=dt.date(2026, 1, 1),
        name="Test boards",
        currencies=("USD",),
        features={
            "projects": Feature(kind=FeatureKind.LIMIT, name="Projects", outcome="Boards."),
            "exports": Feature(
                kind=FeatureKind.METERED,
                name="Exports",
                outcome="Reports.",
                meter=Meter(event="export.done", reset=ResetPeriod.MONTH),
            ),
            "sso": Feature(kind=FeatureKind.BOOLEAN, name="SSO", outcome="Sign-on."),
            "audit": Feature(kind=FeatureKind.BOOLEAN, name="Audit", outcome="Audit trail."),
        },
        plans={
            "starter": Plan(
                name="Starter",
                rank=1,
                outcome="Start.",
                entitlements={"projects": starter_projects, "exports": 100},
                soft_limit=soft,
                pricing=_flat(10),
            ),
            "pro": Plan(
                name="Pro",
                rank=2,
                outcome="Grow.",
                entitlements={"projects": 200, "exports": 1000, "sso": True},
                soft_limit=SoftLimit(nudge_at_percent=Decimal(90), grace_percent=Decimal(20)),
                pricing=_flat(30),
            ),
        },
        add_ons={
            "extra_projects": AddOn(
                name="Extra projects",
                outcome="More boards.",
                entitlements={"projects": 25},
                available_for=("starter", "pro"),
                pricing=_flat(5),
            ),
            "audit": AddOn(
                name="Audit trail",
                outcome="Who did what.",
                entitlements={"audit": True},
                available_for=("starter",),
                included_in=("pro",),
                pricing=_flat(8),
            ),
        },
        changes=ChangePolicy(default=ChangeTiming.IMMEDIATE),
    )
