"""Fixtures of the offers tests: the example catalog's first version and the example playbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.playbook_files import load_playbook_path
from tierwise.catalog.model import BillingInterval, CatalogVersion
from tierwise.offers.playbook import Playbook
from tierwise.offers.playbook_rules import PlaybookCheck
from tierwise.pricing.quotes import CurrentSubscription

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def northwind() -> CatalogVersion:
    return load_catalog_path(ROOT / "examples" / "catalog.yaml").versions[0]


@pytest.fixture(scope="session")
def checked_playbook(northwind: CatalogVersion) -> PlaybookCheck:
    return load_playbook_path(ROOT / "examples" / "playbook.yaml", northwind)


@pytest.fixture(scope="session")
def playbook(checked_playbook: PlaybookCheck) -> Playbook:
    assert checked_playbook.playbook is not None
    return checked_playbook.playbook


@pytest.fixture
def team_monthly() -> CurrentSubscription:
    """Team, 12 seats, billed monthly in USD, a one-year term."""
    return CurrentSubscription(
        plan="team",
        interval=BillingInterval.MONTH,
        currency="USD",
        period_start=dt.date(2026, 3, 1),
        seats=12,
    )
