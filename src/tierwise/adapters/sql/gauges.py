"""Gauges in SQL: the ``gauges`` table (one row per account and limit feature) and its repository.

Declared on the ledger's shared :data:`~tierwise.adapters.sql.tables.metadata`; migration
``0004_gauges`` creates it. A put is one upsert (``INSERT … ON CONFLICT DO UPDATE``, which SQLite
and PostgreSQL both speak), so two writers of the same gauge never collide on the key.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Engine, ForeignKey, RowMapping, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from tierwise.adapters.sql.engine import reading
from tierwise.adapters.sql.tables import metadata
from tierwise.adapters.sql.types import UtcDateTime
from tierwise.services.gauges import Gauge, GaugeRepository

__all__ = ["SqlGauges", "gauges"]

gauges = Table(
    "gauges",
    metadata,
    Column("account_id", String(64), ForeignKey("accounts.id"), primary_key=True),
    Column("feature", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


def _gauge(row: RowMapping) -> Gauge:
    return Gauge(
        account_id=row["account_id"],
        feature=row["feature"],
        value=int(row["value"]),
        updated_at=row["updated_at"],
    )


class SqlGauges(GaugeRepository):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reading = reading(engine)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def put(self, gauge: Gauge) -> None:
        statement = self._insert(gauges).values(
            account_id=gauge.account_id,
            feature=gauge.feature,
            value=gauge.value,
            updated_at=gauge.updated_at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[gauges.c.account_id, gauges.c.feature],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def get(self, account_id: str, feature: str) -> Gauge | None:
        query = select(gauges).where(gauges.c.account_id == account_id, gauges.c.feature == feature)
        with self._reading.begin() as connection:
            row = connection.execute(query).mappings().first()
        return _gauge(row) if row else None

    def for_account(self, account_id: str) -> list[Gauge]:
        query = select(gauges).where(gauges.c.account_id == account_id).order_by(gauges.c.feature)
        with self._reading.begin() as connection:
            return [_gauge(row) for row in connection.execute(query).mappings()]
