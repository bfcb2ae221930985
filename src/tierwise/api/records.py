"""Plain reads the API needs besides the ledger's queries: one account, subscription or seat list.

Used to decide visibility (which account a subscription belongs to) before anything is shown or
changed, and for the ``GET`` of single records. Each read is one short unit of work.
"""

from __future__ import annotations

from collections.abc import Callable

from tierwise.licensing.accounts import Account
from tierwise.licensing.seats import Seat
from tierwise.licensing.subscriptions import Subscription
from tierwise.services.ports import UnitOfWork

__all__ = ["Records"]


class Records:
    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._uow = uow_factory

    def account(self, reference: str) -> Account | None:
        """The account whose id or external id is ``reference``."""
        with self._uow() as uow:
            return uow.accounts.get(reference)

    def subscription(self, subscription_id: str) -> Subscription | None:
        with self._uow() as uow:
            return uow.subscriptions.get(subscription_id)

    def seats(self, subscription_id: str) -> list[Seat]:
        with self._uow() as uow:
            return uow.seats.for_subscription(subscription_id)
