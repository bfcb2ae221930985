"""Engines for the ledger: an embedded SQLite file, or PostgreSQL through psycopg 3.

Built by a function, never at import time. SQLite gets WAL (readers never block the writer),
foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction: writers queue up
for the lock instead of failing half-way, and a transaction never reads a state it cannot write.
Work that only reads takes :func:`reading` ``(engine)``: on SQLite its transactions begin
deferred (``BEGIN``), so they read a snapshot beside the writer — never waiting for the write
lock, never making a writer wait — and the connection is ``query_only`` for them, so a write
through it is refused instead of taking the lock half-way. PostgreSQL transactions begin the
same way either way (a plain ``BEGIN`` at READ COMMITTED).
JSON columns are written with orjson (several times faster than the standard library on the
ledger's documents, and every transition writes four of them); whatever orjson declines goes to
the standard library, which then writes or refuses it exactly as before. They are read with the
standard library, which keeps integers past 64 bits exact (orjson would turn them into floats).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "READ_ONLY",
    "create_ledger_engine",
    "json_text",
    "reading",
    "sqlite_url",
]

#: How long a SQLite writer waits for the lock before giving up.
BUSY_TIMEOUT_SECONDS = 30
_DATABASE_FILE = "tierwise.db"
#: The execution option of :func:`reading`: the connection's transactions only read.
READ_ONLY = "tierwise_read_only"


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
    return create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=True,
        json_serializer=json_text,
    )


def reading(engine: Engine) -> Engine:
    """``engine`` for work that only reads (the same pool): see the module docstring.

    Made once per reader and kept (it is a light proxy of ``engine``, sharing its pool and
    events). A transaction of it sees one consistent snapshot from its first read on.
    """
    return engine.execution_options(**{READ_ONLY: True})


#: Types orjson would write on its own but the standard library refuses: refused as before.
_AS_BEFORE = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def json_text(document: Any) -> str:
    """The JSON text stored for ``document`` (orjson; the standard library for the rest).

    Compact and UTF-8 where ``json.dumps`` puts spaces and ``\\u`` escapes: the same document
    when read. Differences: orjson writes NaN and infinities as ``null`` (they are not JSON;
    PostgreSQL refuses them) where ``json.dumps`` wrote ``NaN``, and it writes enum members and
    UUIDs (as their values) that ``json.dumps`` refused. The ledger's documents have neither.
    """
    try:
        return orjson.dumps(document, option=_AS_BEFORE).decode()
    except orjson.JSONEncodeError:  # str/int subclasses, integers past 64 bits, dates…
        return json.dumps(document)


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        json_serializer=json_text,
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
        pooled = connection.connection
        driver = pooled.dbapi_connection
        reads = connection.get_execution_options().get(READ_ONLY, False) is True
        if pooled.info.get(READ_ONLY, False) is not reads:  # the pooled connection changes side
            driver.execute("PRAGMA query_only=1" if reads else "PRAGMA query_only=0")
            pooled.info[READ_ONLY] = reads
        driver.execute("BEGIN" if reads else "BEGIN IMMEDIATE")

    return engine
