"""Migrations: applied programmatically, idempotent, and matching the table definitions."""

from __future__ import annotations

import importlib
import pkgutil

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

import tierwise.adapters.sql
from tierwise.adapters.sql import create_ledger_engine, schema_is_current, upgrade_database
from tierwise.adapters.sql.migrate import head_revision
from tierwise.adapters.sql.tables import metadata


def test_upgrade_creates_the_schema_and_running_it_again_changes_nothing(
    database_url: str,
) -> None:
    # given an empty database
    engine = create_ledger_engine(database_url)
    try:
        assert not schema_is_current(engine)

        # when
        first = upgrade_database(engine)
        second = upgrade_database(engine)

        # then
        assert first == second == head_revision()
        assert schema_is_current(engine)
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_tables_the_code_uses(engine: Engine) -> None:
    # given every module of the SQL package imported, so each table is declared
    for module in pkgutil.iter_modules(tierwise.adapters.sql.__path__):
        importlib.import_module(f"tierwise.adapters.sql.{module.name}")

    # when the migrated schema is compared with the table definitions
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)

    # then there is nothing to add, drop or alter
    assert differences == []
