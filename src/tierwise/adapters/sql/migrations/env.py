"""Alembic environment of the ledger: runs on the connection handed over by ``migrate.py``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from tierwise.adapters.sql.engine import create_ledger_engine


def _run(connection: Connection) -> None:
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url or use tierwise.adapters.sql.upgrade_database")
    engine = create_ledger_engine(url)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


_main()
