"""Handler of account creation, and the account page query (``tierwise account show``)."""

from __future__ import annotations

from tierwise.errors import Conflict, NotFound
from tierwise.licensing.accounts import Account
from tierwise.licensing.events import Json, JsonObject
from tierwise.services.commands import CreateAccount
from tierwise.services.context import LedgerContext
from tierwise.services.ports import UnitOfWork
from tierwise.services.receipts import Receipt

__all__ = ["account_page", "create_account", "require_account"]


def create_account(command: CreateAccount, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    if uow.accounts.get(command.external_id) is not None:
        raise Conflict(
            f"an account with external id {command.external_id!r} exists", field="external_id"
        )
    account = Account(
        id=context.new_id("acc"),
        external_id=command.external_id,
        name=command.name,
        currency=command.currency,
        created_at=command.at,
        industry=command.industry,
        company_size=command.company_size,
        region=command.region,
        owner=command.owner,
        attributes=dict(command.attributes),
    )
    uow.accounts.add(account)
    return Receipt("account.create", account.id, None, {"account": account.as_dict()})


def require_account(uow: UnitOfWork, reference: str) -> Account:
    account = uow.accounts.get(reference)
    if account is None:
        raise NotFound(f"account {reference!r} does not exist", field="account")
    return account


def account_page(uow: UnitOfWork, reference: str, *, history_limit: int = 10) -> JsonObject:
    """The account, its subscriptions with their named seats and recent history."""
    account = require_account(uow, reference)
    subscriptions: list[Json] = []
    for subscription in uow.subscriptions.for_account(account.id):
        seats: list[Json] = [s.as_dict() for s in uow.seats.for_subscription(subscription.id)]
        history: list[Json] = [
            {
                "version": entry.version,
                "transition": entry.transition,
                "actor": entry.actor,
                "reason": entry.reason,
                "at": entry.at.isoformat(),
            }
            for entry in uow.history.for_subscription(subscription.id, limit=history_limit)
        ]
        subscriptions.append(
            {"subscription": subscription.snapshot(), "seats": seats, "history": history}
        )
    return {"account": account.as_dict(), "subscriptions": subscriptions}
