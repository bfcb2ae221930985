"""SQL storage of webhook delivery: endpoints, messages, deliveries, the log, and the sources.

The safe claim is :meth:`SqlDeliveries.claim`: candidates are read (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so concurrent dispatchers pass over each other's rows; SQLite writers are serialised
by ``BEGIN IMMEDIATE``), then taken with ``UPDATE … WHERE status = 'pending' AND next_attempt_at
<= :now``, which only one transaction can win for a row. Inserts that may meet an existing key
(a message produced twice, a delivery queued twice) use ``ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping

from tierwise.adapters.sql import tables as t
from tierwise.adapters.sql import webhook_tables as w
from tierwise.adapters.sql.transaction import SqlTransaction
from tierwise.licensing.events import DomainEvent
from tierwise.licensing.terms import SubscriptionStatus, Trial
from tierwise.licensing.timestamps import day_start
from tierwise.notifications.deliveries import (
    AttemptResult,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
)
from tierwise.notifications.endpoints import EndpointStatus, WebhookEndpoint
from tierwise.notifications.webhook_events import WebhookEvent
from tierwise.services.webhooks import ports

__all__ = ["SqlWebhookUnitOfWork"]


def _insert_new(db: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless its key exists; ``True`` if it was inserted."""
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    # RETURNING, not rowcount: psycopg reports no row count for this statement.
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(key)
    return db.execute(statement).first() is not None


class SqlEndpoints(ports.EndpointRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, endpoint: WebhookEndpoint) -> None:
        self._db.execute(w.webhook_endpoints.insert().values(**_endpoint_row(endpoint)))

    def get(self, endpoint_id: str, *, for_update: bool = False) -> WebhookEndpoint | None:
        query = select(w.webhook_endpoints).where(w.webhook_endpoints.c.id == endpoint_id)
        if for_update:
            query = query.with_for_update()
        row = self._db.execute(query).mappings().first()
        return _endpoint(row) if row else None

    def list(self) -> list[WebhookEndpoint]:
        table = w.webhook_endpoints
        query = select(table).order_by(table.c.created_at, table.c.id)
        return [_endpoint(row) for row in self._db.execute(query).mappings()]

    def save(self, endpoint: WebhookEndpoint) -> None:
        table = w.webhook_endpoints
        row = _endpoint_row(endpoint)
        del row["id"]
        self._db.execute(update(table).where(table.c.id == endpoint.id).values(**row))


def _endpoint_row(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_until": endpoint.previous_secret_until,
        "status": endpoint.status.value,
        "consecutive_failures": endpoint.consecutive_failures,
        "failing_since": endpoint.failing_since,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at,
    }


def _endpoint(row: RowMapping) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row["id"],
        url=row["url"],
        secret=row["secret"],
        created_at=row["created_at"],
        event_types=tuple(row["event_types"]),
        description=row["description"],
        status=EndpointStatus(row["status"]),
        consecutive_failures=row["consecutive_failures"],
        failing_since=row["failing_since"],
        disabled_at=row["disabled_at"],
        disabled_reason=row["disabled_reason"],
        previous_secret=row["previous_secret"],
        previous_secret_until=row["previous_secret_until"],
    )


_d = w.webhook_deliveries
_DELIVERY_COLUMNS = (*_d.c, w.webhook_events.c.type.label("event_type"))


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(
        id=row["id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        endpoint_id=row["endpoint_id"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        last_attempt_at=row["last_attempt_at"],
        delivered_at=row["delivered_at"],
    )


class SqlDeliveries(ports.DeliveryRepository):
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_event(self, event: WebhookEvent, *, at: dt.datetime) -> bool:
        values = {
            "id": event.id,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "data": dict(event.data),
            "created_at": at,
        }
        return _insert_new(self._db, w.webhook_events, values)

    def queue(self, event: WebhookEvent, endpoint_id: str, *, at: dt.datetime) -> bool:
        values = {
            "event_id": event.id,
            "endpoint_id": endpoint_id,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        return _insert_new(self._db, _d, values)

    def claim(
        self, at: dt.datetime, *, lease_until: dt.datetime, token: str, limit: int
    ) -> list[ports.ClaimedDelivery]:
        e = w.webhook_endpoints
        due = (
            _d.c.status == DeliveryStatus.PENDING.value,
            _d.c.next_attempt_at <= at,
        )
        candidates = (
            select(_d.c.id)
            .join(e, e.c.id == _d.c.endpoint_id)
            .where(*due, e.c.status == EndpointStatus.ENABLED.value)
            .order_by(_d.c.next_attempt_at, _d.c.id)
            .limit(limit)
            .with_for_update(of=_d, skip_locked=True)
        )
        ids = list(self._db.execute(candidates).scalars())
        if not ids:
            return []
        self._db.execute(
            update(_d)
            .where(_d.c.id.in_(ids), *due)
            .values(attempts=_d.c.attempts + 1, next_attempt_at=lease_until, claim_token=token)
        )
        ev = w.webhook_events
        rows = self._db.execute(
            select(*_DELIVERY_COLUMNS, ev.c.occurred_at, ev.c.data)
            .join(ev, ev.c.id == _d.c.event_id)
            .where(_d.c.id.in_(ids), _d.c.claim_token == token)
            .order_by(_d.c.id)
        ).mappings()
        claimed = list(rows)
        endpoints = SqlEndpoints(self._db)
        result = []
        for row in claimed:
            endpoint = endpoints.get(row["endpoint_id"])
            assert endpoint is not None  # a foreign key
            event = WebhookEvent(
                id=row["event_id"],
                type=row["event_type"],
                occurred_at=row["occurred_at"],
                data=MappingProxyType(dict(row["data"])),
            )
            result.append(
                ports.ClaimedDelivery(_delivery(row), event, endpoint, token, lease_until)
            )
        return result

    def get(self, delivery_id: int) -> tuple[Delivery, str | None] | None:
        ev = w.webhook_events
        row = (
            self._db.execute(
                select(*_DELIVERY_COLUMNS)
                .join(ev, ev.c.id == _d.c.event_id)
                .where(_d.c.id == delivery_id)
            )
            .mappings()
            .first()
        )
        return (_delivery(row), row["claim_token"]) if row else None

    def save(self, delivery: Delivery, *, token: str) -> bool:
        statement = (
            update(_d)
            .where(_d.c.id == delivery.id, _d.c.claim_token == token)
            .values(
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                last_attempt_at=delivery.last_attempt_at,
                delivered_at=delivery.delivered_at,
                claim_token=None,
            )
        )
        return self._db.execute(statement).rowcount == 1

    def release(self, delivery_id: int, *, token: str, at: dt.datetime) -> None:
        self._db.execute(
            update(_d)
            .where(_d.c.id == delivery_id, _d.c.claim_token == token)
            .values(attempts=_d.c.attempts - 1, next_attempt_at=at, claim_token=None)
        )

    def resume(self, endpoint_id: str, at: dt.datetime) -> int:
        statement = (
            update(_d)
            .where(
                _d.c.endpoint_id == endpoint_id,
                _d.c.status == DeliveryStatus.PENDING.value,
                _d.c.claim_token.is_(None),
                _d.c.next_attempt_at > at,
            )
            .values(next_attempt_at=at)
        )
        return self._db.execute(statement).rowcount

    def log(self, attempt: DeliveryAttempt) -> None:
        result = attempt.result
        self._db.execute(
            w.webhook_attempts.insert().values(
                delivery_id=attempt.delivery_id,
                endpoint_id=attempt.endpoint_id,
                event_id=attempt.event_id,
                event_type=attempt.event_type,
                attempt=attempt.attempt,
                at=attempt.at,
                succeeded=result.succeeded,
                status_code=result.status_code,
                duration_ms=result.duration_ms,
                error=result.error,
                response_excerpt=result.response_excerpt,
            )
        )

    def attempts(
        self, *, endpoint_id: str | None = None, event_id: str | None = None, limit: int = 50
    ) -> list[DeliveryAttempt]:
        a = w.webhook_attempts
        query = select(a).order_by(a.c.id.desc()).limit(limit)
        if endpoint_id is not None:
            query = query.where(a.c.endpoint_id == endpoint_id)
        if event_id is not None:
            query = query.where(a.c.event_id == event_id)
        return [
            DeliveryAttempt(
                delivery_id=row["delivery_id"],
                endpoint_id=row["endpoint_id"],
                event_id=row["event_id"],
                event_type=row["event_type"],
                attempt=row["attempt"],
                at=row["at"],
                result=AttemptResult(
                    status_code=row["status_code"],
                    response_excerpt=row["response_excerpt"],
                    duration_ms=row["duration_ms"],
                    error=row["error"],
                ),
            )
            for row in self._db.execute(query).mappings()
        ]

    def deliveries(
        self, *, endpoint_id: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[Delivery]:
        ev = w.webhook_events
        query = (
            select(*_DELIVERY_COLUMNS)
            .join(ev, ev.c.id == _d.c.event_id)
            .order_by(_d.c.id.desc())
            .limit(limit)
        )
        if endpoint_id is not None:
            query = query.where(_d.c.endpoint_id == endpoint_id)
        if status is not None:
            query = query.where(_d.c.status == status)
        return [_delivery(row) for row in self._db.execute(query).mappings()]


class SqlEventSources(ports.EventSourceRepository):
    """Reads the ledger's tables (outbox, subscriptions, signals); writes only ``delivered_at``."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def unrouted(self, *, limit: int) -> list[ports.OutboxEntry]:
        o = t.outbox
        query = (
            select(o.c.sequence, o.c.version, o.c.payload)
            .where(o.c.delivered_at.is_(None))
            .order_by(o.c.sequence)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [
            ports.OutboxEntry(
                row["sequence"], DomainEvent.from_dict(row["payload"]), row["version"]
            )
            for row in self._db.execute(query).mappings()
        ]

    def mark_routed(self, sequences: Sequence[int], at: dt.datetime) -> None:
        if sequences:
            o = t.outbox
            self._db.execute(update(o).where(o.c.sequence.in_(sequences)).values(delivered_at=at))

    def trials_ending(self, at: dt.datetime, until: dt.datetime) -> list[ports.RunningTrial]:
        s = t.subscriptions
        # next_due_at is the earliest due moment, never later than the trial's end: a cheap,
        # indexed pre-filter; the trial itself is read from its JSON column.
        query = select(s.c.id, s.c.account_id, s.c.trial).where(
            s.c.status == SubscriptionStatus.TRIALING.value, s.c.next_due_at <= until
        )
        trials = []
        for row in self._db.execute(query).mappings():
            if not row["trial"]:
                continue
            trial = Trial.from_dict(row["trial"])
            if at < trial.ends_at <= until:
                trials.append(
                    ports.RunningTrial(
                        subscription_id=row["id"],
                        account_id=row["account_id"],
                        plan=trial.plan,
                        started_at=trial.started_at,
                        ends_at=trial.ends_at,
                        convert_at_end=trial.convert_at_end,
                    )
                )
        return trials

    def signals_after(self, position: int, *, limit: int) -> list[ports.LimitSignal]:
        g = t.signals
        query = select(g).where(g.c.id > position).order_by(g.c.id).limit(limit)
        rows = list(self._db.execute(query).mappings())
        subscription_ids = {str(r["details"].get("subscription_id")) for r in rows}
        s = t.subscriptions
        query_periods = select(s.c.id, s.c.period_start).where(s.c.id.in_(subscription_ids))
        periods = {row.id: row.period_start for row in self._db.execute(query_periods)}
        signals = []
        for row in rows:
            details = dict(row["details"])
            subscription_id = str(details.get("subscription_id"))
            period = periods.get(subscription_id)
            signals.append(
                ports.LimitSignal(
                    id=row["id"],
                    account_id=row["account_id"],
                    subscription_id=subscription_id,
                    feature=row["feature"],
                    kind=row["kind"],
                    at=row["at"],
                    details=details,
                    period_start=None if period is None else day_start(period),
                )
            )
        return signals

    def cursor(self, name: str) -> int:
        c = w.webhook_cursors
        position = self._db.execute(select(c.c.position).where(c.c.name == name)).scalar()
        return int(position or 0)

    def set_cursor(self, name: str, position: int) -> None:
        c = w.webhook_cursors
        updated = self._db.execute(update(c).where(c.c.name == name).values(position=position))
        if updated.rowcount == 0:
            _insert_new(self._db, c, {"name": name, "position": position})


class SqlWebhookUnitOfWork(SqlTransaction, ports.WebhookUnitOfWork):
    """One connection and transaction; :meth:`commit` keeps it, leaving rolls it back."""

    def _bind(self, connection: Connection) -> None:
        self.endpoints = SqlEndpoints(connection)
        self.deliveries = SqlDeliveries(connection)
        self.sources = SqlEventSources(connection)
