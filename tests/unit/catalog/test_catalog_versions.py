"""Versions and price locks of the example catalog: new prices from a date, old ones kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.versions import Catalog
from tierwise.errors import NotFound

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog_path(EXAMPLE)


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (dt.date(2025, 12, 31), "2026.1"),  # before the first date: the first version
        (dt.date(2026, 1, 1), "2026.1"),
        (dt.date(2026, 6, 30), "2026.1"),
        (dt.date(2026, 7, 1), "2026.7"),  # the effective day itself belongs to the new version
        (dt.date(2030, 1, 1), "2026.7"),
    ],
)
def test_a_new_subscription_gets_the_version_in_effect_on_its_start_day(
    catalog: Catalog, day: dt.date, version: str
) -> None:
    assert catalog.version_at(day).version == version


def test_an_existing_subscription_keeps_its_locked_price(catalog: Catalog) -> None:
    # given: a team subscription sold under 2026.1, and the 2026.7 price rise
    locked = catalog.version("2026.1").plans["team"].pricing
    latest = catalog.latest.plans["team"].pricing

    # then: the lock keeps 12 USD a seat a month; new customers pay 14
    assert locked.prices is not None
    assert latest.prices is not None
    assert locked.prices["USD"].month == Decimal(12)
    assert latest.prices["USD"].month == Decimal(14)
    assert latest.prices["USD"].quarter == Decimal("39.90")


def test_a_version_changes_only_the_prices_it_names(catalog: Catalog) -> None:
    # given
    first, second = catalog.versions

    # then: the business plan, the features and the policies are carried over unchanged
    assert second.plans["business"] == first.plans["business"]
    assert second.plans["team"].entitlements == first.plans["team"].entitlements
    assert second.features == first.features
    assert second.discounts == first.discounts
    assert second.add_ons == first.add_ons


def test_an_unknown_version_is_not_found(catalog: Catalog) -> None:
    with pytest.raises(NotFound, match=r"2025\.1"):
        catalog.version("2025.1")
