"""Storage tests: the real SQL unit of work on SQLite and PostgreSQL (``database_url``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.sql import SqlUnitOfWork, create_ledger_engine, upgrade_database
from tierwise.catalog.versions import Catalog
from tierwise.services.context import LedgerContext
from tierwise.services.ledger import Ledger

EXAMPLE_CATALOG = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog_path(EXAMPLE_CATALOG)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a freshly migrated database."""
    engine = create_ledger_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def ledger(engine: Engine, catalog: Catalog) -> Ledger:
    counter = itertools.count(1)
    context = LedgerContext(catalog=catalog, new_id=lambda prefix: f"{prefix}_{next(counter)}")
    return Ledger(lambda: SqlUnitOfWork(engine), context)
