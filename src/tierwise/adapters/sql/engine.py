"""Engines for the ledger: an embedded SQLite file, or PostgreSQL through psycopg 3.

Built by a function, never at import time. SQLite gets WAL (readers never block the writer),
foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction: writers queue up
for the lock instead of failing half-way, and a transaction never reads a state it cannot write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["BUSY_TIMEOUT_SECONDS", "create_ledger_engine", "sqlite_url"]

#: How long a SQLite writer waits for the lock before giving up.
BUSY_TIMEOUT_SECONDS = 30
_DATABASE_FILE = "tierwise.db"


def sqlite_url(data_dir: Path) -> str:
    """The URL of the embedded database file in ``data_dir`` (the directory is created)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{(data_dir / _DATABASE_FILE).resolve()}"


def create_ledger_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; ``postgresql://`` URLs use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed.render_as_string(hide_password=False), echo=echo)
    return create_engine(parsed, echo=echo, pool_pre_ping=True)


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable against a crashed process in WAL
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Straight to the driver: this runs once per transaction, on the hot path.
        connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE")

    return engine
