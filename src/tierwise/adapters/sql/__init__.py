"""SQL storage of the ledger (SQLAlchemy 2 Core + Alembic): SQLite embedded, PostgreSQL at scale.

Public entry points: :func:`create_ledger_engine`, :func:`sqlite_url`,
:func:`upgrade_database`, :func:`schema_is_current` and :class:`SqlUnitOfWork`.
"""

from tierwise.adapters.sql.engine import create_ledger_engine, sqlite_url
from tierwise.adapters.sql.migrate import schema_is_current, upgrade_database
from tierwise.adapters.sql.unit_of_work import SqlUnitOfWork

__all__ = [
    "SqlUnitOfWork",
    "create_ledger_engine",
    "schema_is_current",
    "sqlite_url",
    "upgrade_database",
]
