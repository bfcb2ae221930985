"""API keys in SQL: the ``api_keys`` table and its repository (digests only, never secrets).

The table is declared on the ledger's :data:`~tierwise.adapters.sql.tables.metadata`, so the
schema comparison of the migrations sees it; migration ``0002_api_keys`` creates it. Every
repository call runs in its own short transaction on the engine.

:meth:`SqlApiKeys.get` is on the API's request path: every server reads a key again when its
cache time is up (a revocation must count within it), so with many keys in use a server makes
about one key read per request or two. It runs a :class:`DriverStatement` (compiled once, on the
driver's cursor): through ``Connection.execute`` the statement's SQLAlchemy bookkeeping cost
more than the read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    RowMapping,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)

from tierwise.adapters.sql.driver_statements import DriverCursor, DriverStatement
from tierwise.adapters.sql.engine import reading
from tierwise.adapters.sql.tables import metadata
from tierwise.adapters.sql.types import UtcDateTime
from tierwise.services.api_keys import ApiKey, ApiKeyRepository, Scope

__all__ = ["SqlApiKeys", "api_keys"]

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("scope", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("account_id", String(64)),
    Column("rate_limit", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)


_BY_ID = DriverStatement(select(api_keys).where(api_keys.c.id == bindparam("key_id")))


def _key(row: RowMapping | Mapping[str, Any]) -> ApiKey:
    return ApiKey(
        id=row["id"],
        scope=Scope(row["scope"]),
        name=row["name"],
        digest=row["digest"],
        created_at=row["created_at"],
        account_id=row["account_id"],
        rate_limit=row["rate_limit"],
        revoked_at=row["revoked_at"],
    )


class SqlApiKeys(ApiKeyRepository):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reader = reading(engine)  # key look-ups never take (or wait for) the write lock

    def add(self, key: ApiKey) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                insert(api_keys).values(
                    id=key.id,
                    scope=key.scope.value,
                    name=key.name,
                    digest=key.digest,
                    account_id=key.account_id,
                    rate_limit=key.rate_limit,
                    created_at=key.created_at,
                    revoked_at=key.revoked_at,
                )
            )

    def get(self, key_id: str) -> ApiKey | None:
        with self._reader.connect() as connection:
            found = DriverCursor(connection).first(_BY_ID, {"key_id": key_id})
        return _key(found) if found else None

    def list(self) -> list[ApiKey]:
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        with self._reader.connect() as connection:
            return [_key(row) for row in connection.execute(query).mappings()]

    def revoke(self, key_id: str, at: dt.datetime) -> ApiKey | None:
        with self._engine.begin() as connection:
            connection.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            row = connection.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings()
            found = row.first()
        return _key(found) if found else None
