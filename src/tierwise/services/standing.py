"""Handlers of the subscription's standing: suspend and reinstate, revoke and restore.

A revocation takes the license away at once and stays reversible for the policy's window
(``LedgerPolicy.revoke_window``); ``tick`` makes it final afterwards.
"""

from __future__ import annotations

from tierwise.errors import InvalidInput
from tierwise.services.commands import (
    ReinstateSubscription,
    RestoreSubscription,
    RevokeSubscription,
    SubscriptionCommand,
    SuspendSubscription,
)
from tierwise.services.context import LedgerContext
from tierwise.services.loading import finish, load
from tierwise.services.ports import UnitOfWork
from tierwise.services.receipts import Receipt

__all__ = [
    "reinstate_subscription",
    "restore_subscription",
    "revoke_subscription",
    "suspend_subscription",
]


def _reason(command: SubscriptionCommand, what: str) -> str:
    if not command.reason.strip():
        raise InvalidInput(f"say why you {what} the subscription (--reason)", field="reason")
    return command.reason


def suspend_subscription(
    command: SuspendSubscription, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    reason = _reason(command, "suspend")
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    subscription.suspend(reason, command.at)
    return finish(uow, subscription, command, "suspend", before)


def reinstate_subscription(
    command: ReinstateSubscription, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    subscription.reinstate(command.at)
    return finish(uow, subscription, command, "reinstate", before)


def revoke_subscription(
    command: RevokeSubscription, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    reason = _reason(command, "revoke")
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    subscription.revoke(reason, command.at, command.at + context.policy.revoke_window)
    return finish(uow, subscription, command, "revoke", before)


def restore_subscription(
    command: RestoreSubscription, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    subscription.restore(command.at)
    return finish(uow, subscription, command, "restore", before)
