"""Loading a subscription for a command, and finishing a transition (save, record, receipt)."""

from __future__ import annotations

from tierwise.errors import ConcurrentChange, NotFound
from tierwise.licensing.events import JsonObject
from tierwise.licensing.subscriptions import Subscription
from tierwise.services.commands import SubscriptionCommand
from tierwise.services.context import LedgerContext
from tierwise.services.due import bring_up_to_date
from tierwise.services.ports import UnitOfWork
from tierwise.services.receipts import Receipt
from tierwise.services.recording import record

__all__ = ["finish", "load", "receipt_of"]


def load(uow: UnitOfWork, context: LedgerContext, command: SubscriptionCommand) -> Subscription:
    """The command's subscription, checked against ``expected_version``, brought up to date.

    Everything due before the command's moment happens first (scheduled changes, trial ends,
    period roll-overs), so the command acts on the subscription as it is at ``at``.
    """
    subscription = uow.subscriptions.get(command.subscription_id)
    if subscription is None:
        raise NotFound(
            f"subscription {command.subscription_id!r} does not exist", field="subscription_id"
        )
    expected = command.expected_version
    if expected is not None and subscription.version != expected:
        raise ConcurrentChange(
            f"subscription {subscription.id} is at version {subscription.version}, "
            f"not {expected}: it changed since you read it",
            field="expected_version",
        )
    bring_up_to_date(uow, context, subscription, command)
    return subscription


def finish(
    uow: UnitOfWork,
    subscription: Subscription,
    command: SubscriptionCommand,
    transition: str,
    before: JsonObject,
    *,
    quote: JsonObject | None = None,
    extra: JsonObject | None = None,
) -> Receipt:
    """Record the transition just made, save the subscription and answer with a receipt."""
    entry = record(uow, subscription, command, transition, before, quote=quote)
    uow.subscriptions.save(subscription)
    data: JsonObject = {"subscription": entry.after, "quote": quote}
    data.update(extra or {})
    return Receipt(transition, subscription.id, subscription.version, data)


def receipt_of(
    subscription: Subscription,
    transition: str,
    *,
    quote: JsonObject | None = None,
    extra: JsonObject | None = None,
) -> Receipt:
    data: JsonObject = {"subscription": subscription.snapshot(), "quote": quote}
    data.update(extra or {})
    return Receipt(transition, subscription.id, subscription.version, data)
