"""Fixtures shared by every test suite: database URLs for SQLite and PostgreSQL.

``database_url`` runs a test once on an embedded SQLite file and once on a fresh PostgreSQL
database (``tierwise_test_<hex>`` on 127.0.0.1:5432 as user ``postgres``), created for the test
and dropped after it. When PostgreSQL cannot be reached the PostgreSQL variant is skipped with the
reason, unless ``TIERWISE_REQUIRE_POSTGRES=1`` or ``CI=true``: then it fails, so CI can never
pass without the PostgreSQL half of the storage tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

POSTGRES_SERVER = os.environ.get(
    "TIERWISE_TEST_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)


def _postgres_required() -> bool:
    return (
        os.environ.get("TIERWISE_REQUIRE_POSTGRES") == "1"
        or os.environ.get("CI", "").lower() == "true"
    )


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(POSTGRES_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL is not reachable at {POSTGRES_SERVER!r}: {error}".strip()
        if _postgres_required():
            pytest.fail(f"{reason} (required: TIERWISE_REQUIRE_POSTGRES=1 or CI=true)")
        pytest.skip(reason)


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"tierwise_test_{uuid.uuid4().hex}"
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with _admin_connection() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh embedded SQLite database file for one test."""
    return f"sqlite+pysqlite:///{tmp_path / 'tierwise.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL (see the module docstring)."""
    return str(request.getfixturevalue(f"{request.param}_url"))
