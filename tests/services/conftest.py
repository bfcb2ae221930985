"""Service tests run the real handlers on the in-memory unit of work and the example catalog."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.versions import Catalog
from tierwise.services.commands import CreateAccount, CreateSubscription
from tierwise.services.context import LedgerContext, LedgerPolicy
from tierwise.services.ledger import Ledger
from tierwise.testing.ledger import MemoryStore

EXAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "examples" / "catalog.yaml"


def at(text: str) -> dt.datetime:
    """``"2026-03-10"`` or ``"2026-03-10T12:00"`` as a UTC instant."""
    moment = dt.datetime.fromisoformat(text)
    return moment.replace(tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog_path(EXAMPLE_CATALOG)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def ledger(store: MemoryStore, catalog: Catalog) -> Ledger:
    counter = itertools.count(1)
    context = LedgerContext(
        catalog=catalog,
        policy=LedgerPolicy(revoke_window=dt.timedelta(days=14), dormant_days=30),
        new_id=lambda prefix: f"{prefix}_{next(counter)}",
    )
    return Ledger(store.unit_of_work, context)


@pytest.fixture
def open_subscription(ledger: Ledger) -> Callable[..., str]:
    """Create an account and a subscription on it; returns the subscription id."""

    def make(
        plan: str = "team",
        seats: int = 5,
        when: str = "2026-03-10",
        **fields: Any,
    ) -> str:
        account = ledger.handle(
            CreateAccount(
                at=at(when),
                external_id=f"crm-{plan}-{seats}-{when}",
                name="Acme Studio",
                currency="USD",
                attributes={"crm_tier": "gold"},
            )
        )
        receipt = ledger.handle(
            CreateSubscription(
                at=at(when), account=account.subject_id, plan=plan, seats=seats, **fields
            )
        )
        return receipt.subject_id

    return make
