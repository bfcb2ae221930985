"""The ledger's front door: run a command in a unit of work, once per idempotency key.

:class:`Ledger` is what entry points (CLI, API, jobs) hold. ``handle`` runs any command through
its handler inside one unit of work: the idempotency key is looked up first (a replay returns
the first receipt), then the handler runs, the receipt is stored under the key, and everything
commits together or not at all. ``tick`` carries out whatever is due, one subscription per unit
of work. The query methods read without changing anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tierwise.errors import ConcurrentChange, NotFound
from tierwise.licensing.entitlements import CheckDecision, EntitlementSnapshot
from tierwise.licensing.events import Json, JsonObject
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.seats import DormantSeat, dormant_seats
from tierwise.services import accounts, entitlement_checks, seating, standing, subscriptions, trials
from tierwise.services import commands as c
from tierwise.services.context import LedgerContext
from tierwise.services.due import TICK_ACTOR, bring_up_to_date
from tierwise.services.idempotency import fingerprint, recall, remember
from tierwise.services.loading import load
from tierwise.services.ports import UnitOfWork
from tierwise.services.receipts import Receipt

__all__ = ["HANDLERS", "Ledger"]

Handler = Callable[[Any, UnitOfWork, LedgerContext], Receipt]

#: Command type → handler. Every mutating command of the ledger is here.
HANDLERS: dict[type[c.Command], Handler] = {
    c.CreateAccount: accounts.create_account,
    c.CreateSubscription: subscriptions.create_subscription,
    c.ChangeSubscription: subscriptions.change_subscription,
    c.UndoScheduledChange: subscriptions.undo_scheduled_change,
    c.RenewSubscription: subscriptions.renew_subscription,
    c.CancelSubscription: subscriptions.cancel_subscription,
    c.StartTrial: trials.start_trial,
    c.ConvertTrial: trials.convert_trial,
    c.RevertTrial: trials.revert_trial,
    c.SuspendSubscription: standing.suspend_subscription,
    c.ReinstateSubscription: standing.reinstate_subscription,
    c.RevokeSubscription: standing.revoke_subscription,
    c.RestoreSubscription: standing.restore_subscription,
    c.GrantEntitlement: entitlement_checks.grant_entitlement,
    c.OverrideEntitlement: entitlement_checks.override_entitlement,
    c.EndEntitlement: entitlement_checks.end_entitlement,
    c.AssignSeat: seating.assign_seat,
    c.UnassignSeat: seating.unassign_seat,
    c.RecordSeatActivity: seating.record_seat_activity,
    c.NoticeDormantSeats: seating.notice_dormant_seats,
    c.ReclaimSeats: seating.reclaim_seats,
    c.RestoreSeat: seating.restore_seat,
}


class Ledger:
    """Commands and queries of the license ledger over a unit-of-work factory."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], context: LedgerContext) -> None:
        self._uow = uow_factory
        self.context = context

    # -- commands --------------------------------------------------------------------------------
    def handle(self, command: c.Command) -> Receipt:
        """Run ``command`` once; the same idempotency key and input return the first receipt."""
        if isinstance(command, c.Tick):
            return self.tick(command)
        handler = HANDLERS[type(command)]
        digest = fingerprint(command) if command.idempotency_key is not None else None
        try:
            with self._uow() as uow:
                replay = recall(uow, command, digest)
                if replay is not None:
                    return replay
                receipt = handler(command, uow, self.context)
                remember(uow, command, receipt, digest)
                uow.commit()
                return receipt
        except ConcurrentChange:
            # Another request with the same key may have committed first: answer with its result.
            if command.idempotency_key is not None:
                with self._uow() as uow:
                    replay = recall(uow, command, digest)
                if replay is not None:
                    return replay
            raise

    def tick(self, command: c.Tick) -> Receipt:
        """Carry out everything due by ``command.at``; each subscription in its own transaction.

        A subscription that someone else changed meanwhile is left for the next tick (it is
        still due then); running tick again right away applies nothing more.
        """
        with self._uow() as uow:
            due = uow.subscriptions.due(command.at, limit=command.limit)
        applied: list[Json] = []
        skipped: list[Json] = []
        step = c.Tick(at=command.at, actor=command.actor or TICK_ACTOR, reason=command.reason)
        for subscription_id in due:
            try:
                with self._uow() as uow:
                    subscription = uow.subscriptions.get(subscription_id)
                    if subscription is None:
                        continue
                    entries = bring_up_to_date(uow, self.context, subscription, step)
                    uow.subscriptions.save(subscription)
                    uow.commit()
            except ConcurrentChange:
                skipped.append(subscription_id)
                continue
            applied.extend(_step_summary(entry) for entry in entries)
        return Receipt("tick", "ledger", None, {"applied": applied, "skipped": skipped})

    # -- queries ---------------------------------------------------------------------------------
    def preview_change(self, command: c.ChangeSubscription) -> JsonObject:
        """What ``handle(command)`` would do at ``command.at``: quote and resulting subscription."""
        with self._uow() as uow:
            return subscriptions.preview_change(command, uow, self.context)

    def account_page(self, reference: str, at: dt.datetime) -> JsonObject:
        """The account with its subscriptions, seats, recent history, entitlements at ``at`` and
        its grants and overrides not ended by then."""
        with self._uow() as uow:
            page = accounts.account_page(uow, reference)
            snapshot: EntitlementSnapshot | None
            try:
                snapshot = entitlement_checks.resolve_account(uow, self.context, reference, at)
            except NotFound:  # no subscription in force: nothing is entitled
                snapshot = None
            page["grants"] = entitlement_checks.list_entries(uow, reference, at)
        page["entitlements"] = _entitlements(snapshot) if snapshot else None
        return page

    def grants(self, reference: str, at: dt.datetime, *, ended: bool = False) -> list[JsonObject]:
        """The account's grants and overrides with their status at ``at`` (see
        :func:`~tierwise.services.entitlement_checks.list_entries`)."""
        with self._uow() as uow:
            return entitlement_checks.list_entries(uow, reference, at, ended=ended)

    def subscription_in_force(self, reference: str) -> str:
        """The id of the account's subscription in force (``NotFound`` when it has none)."""
        with self._uow() as uow:
            return entitlement_checks.in_force(uow, reference).id

    def list_accounts(self, *, limit: int = 100, offset: int = 0) -> list[JsonObject]:
        with self._uow() as uow:
            return [a.as_dict() for a in uow.accounts.list(limit=limit, offset=offset)]

    def history(self, subscription_id: str, *, limit: int = 50) -> list[HistoryEntry]:
        with self._uow() as uow:
            return uow.history.for_subscription(subscription_id, limit=limit)

    def entitlements(self, reference: str, at: dt.datetime) -> EntitlementSnapshot:
        with self._uow() as uow:
            return entitlement_checks.resolve_account(uow, self.context, reference, at)

    def check(
        self, reference: str, feature: str, at: dt.datetime, *, usage: int = 0, requested: int = 1
    ) -> CheckDecision:
        """Check a request and keep the denial / soft-limit signal it gives."""
        with self._uow() as uow:
            decision = entitlement_checks.check_entitlement(
                uow, self.context, reference, feature, at, usage=usage, requested=requested
            )
            uow.commit()
            return decision

    def dormant_seats(
        self, subscription_id: str, at: dt.datetime, days: int | None = None
    ) -> list[DormantSeat]:
        """Step 1 of the reclaim workflow: the report (nothing changes)."""
        threshold = self.context.policy.dormant_days if days is None else days
        with self._uow() as uow:
            subscription = load(
                uow, self.context, c.SubscriptionCommand(at=at, subscription_id=subscription_id)
            )
            return dormant_seats(uow.seats.for_subscription(subscription.id), at, threshold)


def _step_summary(entry: HistoryEntry) -> JsonObject:
    return {
        "subscription_id": entry.subscription_id,
        "version": entry.version,
        "transition": entry.transition,
        "at": entry.at.isoformat(),
    }


def _entitlements(snapshot: EntitlementSnapshot) -> JsonObject:
    values: JsonObject = {key: item.value for key, item in snapshot.entitlements.items()}
    return {
        "plan": snapshot.plan,
        "trial_plan": snapshot.trial_plan,
        "add_ons": list(snapshot.add_ons),
        "suspended": snapshot.suspended,
        "version": snapshot.version,
        "values": values,
    }
