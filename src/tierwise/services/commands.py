"""Commands: requests to change the ledger, as immutable data.

Every command carries ``at`` (when it happens; the ledger never reads the clock), the ``actor`` who
asks, a ``reason`` for the history, and an optional ``idempotency_key``. Commands on one
subscription also take ``expected_version``: when given, the command applies only to that version
of the subscription (an HTTP ``If-Match``), so a client acting on what it saw cannot overwrite a
change it did not see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from tierwise.catalog.model import BillingInterval, Entitlement

__all__ = [
    "AssignSeat",
    "CancelSubscription",
    "ChangeSubscription",
    "Command",
    "ConvertTrial",
    "CreateAccount",
    "CreateSubscription",
    "EndEntitlement",
    "GrantEntitlement",
    "NoticeDormantSeats",
    "OverrideEntitlement",
    "ReclaimSeats",
    "RecordSeatActivity",
    "ReinstateSubscription",
    "RenewSubscription",
    "RestoreSeat",
    "RestoreSubscription",
    "RevertTrial",
    "RevokeSubscription",
    "StartTrial",
    "SubscriptionCommand",
    "SuspendSubscription",
    "Tick",
    "UnassignSeat",
    "UndoScheduledChange",
]


@dataclass(frozen=True, kw_only=True)
class Command:
    at: dt.datetime
    actor: str = "system"
    reason: str = ""
    idempotency_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class CreateAccount(Command):
    external_id: str
    name: str
    currency: str
    industry: str | None = None
    company_size: int | None = None
    region: str | None = None
    owner: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CreateSubscription(Command):
    """Open a subscription for ``account`` (its id or external id), sold at today's prices.

    ``bundle`` buys the plan and add-ons as that catalog bundle (they must be its parts).
    """

    account: str
    plan: str
    interval: BillingInterval = BillingInterval.MONTH
    seats: int = 1
    add_ons: tuple[str, ...] = ()
    term_years: int = 1
    bundle: str | None = None
    currency: str | None = None  # the account's currency when not given
    settings: Mapping[str, str] = field(default_factory=dict)
    auto_renew: bool = True


@dataclass(frozen=True, kw_only=True)
class SubscriptionCommand(Command):
    subscription_id: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeSubscription(SubscriptionCommand):
    """New plan, interval, seats, add-ons or term; what is not given stays.

    ``add_ons`` replaces the whole set; ``add`` and ``remove`` edit it. ``bundle`` buys a catalog
    bundle: its plan (``plan``, if given, must be that one) and its add-ons join the others. A
    subscription bought as a bundle stays one while the change keeps all its parts.
    """

    plan: str | None = None
    interval: BillingInterval | None = None
    seats: int | None = None
    add_ons: tuple[str, ...] | None = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    term_years: int | None = None
    bundle: str | None = None


@dataclass(frozen=True, kw_only=True)
class UndoScheduledChange(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class StartTrial(SubscriptionCommand):
    """Try ``plan`` (a higher tier) for ``days`` (the plan's trial policy when not given)."""

    plan: str
    days: int | None = None
    convert_at_end: bool = False


@dataclass(frozen=True, kw_only=True)
class ConvertTrial(SubscriptionCommand):
    """Buy the tried plan; ``seats`` when the plan needs more than the subscription has."""

    seats: int | None = None


@dataclass(frozen=True, kw_only=True)
class RevertTrial(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class SuspendSubscription(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ReinstateSubscription(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RevokeSubscription(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RestoreSubscription(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RenewSubscription(SubscriptionCommand):
    """Renew for ``term_years`` (default: the current length), priced as a renewal.

    In force: commit the next term, which starts when the current one ends. Expired: start a
    new term and billing period at ``at``.
    """

    term_years: int | None = None


@dataclass(frozen=True, kw_only=True)
class CancelSubscription(SubscriptionCommand):
    """Cancel now, or at the end of the current period (undoable until then)."""

    at_period_end: bool = False


@dataclass(frozen=True, kw_only=True)
class GrantEntitlement(SubscriptionCommand):
    """Extra entitlement for a while (adds like an add-on)."""

    feature: str
    value: Entitlement
    starts: dt.datetime
    ends: dt.datetime


@dataclass(frozen=True, kw_only=True)
class OverrideEntitlement(SubscriptionCommand):
    """A value that replaces the plan's (a negotiated limit); open-ended unless ``ends``."""

    feature: str
    value: Entitlement
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class EndEntitlement(SubscriptionCommand):
    """End the account's grant or override ``entry_id`` now (its ``id`` in the listing).

    Its window closes at ``at``; one that has not started yet is withdrawn.
    """

    entry_id: int


@dataclass(frozen=True, kw_only=True)
class Tick(Command):
    """Carry out everything due at or before ``at``; running it twice changes nothing more."""

    limit: int = 500


@dataclass(frozen=True, kw_only=True)
class AssignSeat(SubscriptionCommand):
    user: str


@dataclass(frozen=True, kw_only=True)
class UnassignSeat(SubscriptionCommand):
    user: str


@dataclass(frozen=True, kw_only=True)
class RecordSeatActivity(SubscriptionCommand):
    user: str


@dataclass(frozen=True, kw_only=True)
class NoticeDormantSeats(SubscriptionCommand):
    """Send the reclaim notice to every dormant seat (``days`` without activity)."""

    days: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReclaimSeats(SubscriptionCommand):
    """Reclaim the named noticed seats, or every noticed seat whose notice has run out."""

    users: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RestoreSeat(SubscriptionCommand):
    user: str
