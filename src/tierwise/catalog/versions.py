"""A catalog as a series of effective-dated versions, and the price lock.

A price change applies to new subscriptions from its effective date; an existing subscription
keeps the version it was sold under (``Catalog.version(key)``), which is its price lock.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

from tierwise.catalog.model import AddOn, CatalogDocument, CatalogVersion, Plan
from tierwise.errors import NotFound, UnknownAddOn, UnknownPlan

__all__ = ["Catalog", "add_on_of", "build_catalog", "plan_of"]


@dataclass(frozen=True, slots=True)
class Catalog:
    """All versions of one catalog, oldest first."""

    name: str
    versions: tuple[CatalogVersion, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a catalog has at least one version")

    @property
    def latest(self) -> CatalogVersion:
        return self.versions[-1]

    def version(self, key: str) -> CatalogVersion:
        """The version named ``key`` (a subscription's price lock)."""
        for version in self.versions:
            if version.version == key:
                return version
        known = ", ".join(v.version for v in self.versions)
        raise NotFound(f"catalog version {key!r} does not exist (known: {known})", field="version")

    def version_at(self, day: dt.date) -> CatalogVersion:
        """The version a new subscription starting on ``day`` is sold under.

        Before the first effective date the first version applies (nothing older exists).
        """
        dates = [v.effective for v in self.versions]
        index = bisect_right(dates, day) - 1
        return self.versions[max(index, 0)]


def plan_of(version: CatalogVersion, key: str) -> Plan:
    """The plan ``key`` or an ``UnknownPlan`` error listing the plans that exist."""
    try:
        return version.plans[key]
    except KeyError:
        known = ", ".join(version.plans)
        raise UnknownPlan(f"unknown plan {key!r} (plans: {known})", field="plan") from None


def add_on_of(version: CatalogVersion, key: str) -> AddOn:
    """The add-on ``key`` or an ``UnknownAddOn`` error listing the add-ons that exist."""
    try:
        return version.add_ons[key]
    except KeyError:
        known = ", ".join(version.add_ons) or "none"
        raise UnknownAddOn(f"unknown add-on {key!r} (add-ons: {known})", field="add_on") from None


def build_catalog(document: CatalogDocument) -> Catalog:
    """Resolve a document into its versions: the first one, then each price override applied."""
    first = CatalogVersion(
        version=document.version,
        effective=document.effective,
        name=document.name,
        currencies=document.currencies,
        features=document.features,
        plans=document.plans,
        add_ons=document.add_ons,
        bundles=document.bundles,
        discounts=document.discounts,
        changes=document.changes,
    )
    versions = [first]
    for override in sorted(document.versions, key=lambda o: o.effective):
        previous = versions[-1]
        plans = {
            key: plan.model_copy(update={"pricing": override.plans[key]})
            if key in override.plans
            else plan
            for key, plan in previous.plans.items()
        }
        add_ons = {
            key: add_on.model_copy(update={"pricing": override.add_ons[key]})
            if key in override.add_ons
            else add_on
            for key, add_on in previous.add_ons.items()
        }
        versions.append(
            previous.model_copy(
                update={
                    "version": override.version,
                    "effective": override.effective,
                    "plans": plans,
                    "add_ons": add_ons,
                }
            )
        )
    return Catalog(name=document.name, versions=tuple(versions))
