"""Applying the Alembic migrations shipped inside the package, from code.

``tierwise db upgrade`` calls :func:`upgrade_database`; the embedded default calls it on first
use. Migration scripts live in ``tierwise/adapters/sql/migrations`` (package data), so an
installed tierwise needs no ``alembic.ini``.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from tierwise.adapters.sql.engine import create_ledger_engine

__all__ = ["current_revision", "head_revision", "schema_is_current", "upgrade_database"]

_SCRIPTS = "tierwise.adapters.sql:migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", _SCRIPTS)
    return config


def head_revision() -> str | None:
    """The newest migration this version of tierwise ships."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (``None`` for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def upgrade_database(target: str | Engine) -> str | None:
    """Apply every pending migration to ``target`` (a URL or an engine); returns the revision."""
    engine = create_ledger_engine(target) if isinstance(target, str) else target
    try:
        config = _config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return current_revision(engine)
    finally:
        if isinstance(target, str):
            engine.dispose()
