"""A small demo company, built once per test module, and decisions over it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierwise import bootstrap
from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.versions import Catalog
from tierwise.config import Settings
from tierwise.demo.build import BuiltCompany, build_company
from tierwise.demo.company import CompanySpec
from tierwise.services.decisions import Decisions

ROOT = Path(__file__).resolve().parents[3]
AS_OF = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
PLAYBOOK = ROOT / "examples" / "playbook.yaml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog_path(ROOT / "examples" / "catalog.yaml")


@pytest.fixture(scope="module")
def company(
    catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, BuiltCompany]:
    data_dir = tmp_path_factory.mktemp("decisions")
    return data_dir, build_company(data_dir, catalog, CompanySpec(accounts=120))


@pytest.fixture
def decisions(catalog: Catalog, company: tuple[Path, BuiltCompany]) -> Iterator[Decisions]:
    data_dir, _ = company
    settings = Settings(data_dir=data_dir, database_url=None)
    engine = bootstrap.ledger_engine(settings)
    yield bootstrap.build_decisions(catalog, settings, playbook=PLAYBOOK, engine=engine)
    engine.dispose()
