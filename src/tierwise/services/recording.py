"""Recording a transition: one history entry and its events in the outbox, same transaction."""

from __future__ import annotations

import datetime as dt

from tierwise.licensing.events import JsonObject
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.subscriptions import Subscription
from tierwise.services.commands import Command
from tierwise.services.ports import UnitOfWork

__all__ = ["record"]


def record(
    uow: UnitOfWork,
    subscription: Subscription,
    command: Command,
    transition: str,
    before: JsonObject | None,
    *,
    quote: JsonObject | None = None,
    actor: str | None = None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> HistoryEntry:
    """Append the history entry of the transition just made and queue its domain events."""
    entry = HistoryEntry(
        subscription_id=subscription.id,
        account_id=subscription.account_id,
        version=subscription.version,
        transition=transition,
        actor=command.actor if actor is None else actor,
        reason=command.reason if reason is None else reason,
        at=command.at if at is None else at,
        before=before,
        after=subscription.snapshot(),
        quote=quote,
        idempotency_key=command.idempotency_key,
    )
    uow.history.append(entry)
    for event in subscription.pull_events():
        uow.outbox.add(event, version=subscription.version)
    return entry
