"""What an entitlement check answers: a decision value with a reason code and an upsell hint.

A "no" is a value, never an exception (DESIGN.md, section 6): the product shows the reason, the
limit and the cheapest way to get more, and the ledger records denials and entries into the
soft-limit zone as signal events.

:class:`CheckDecision` is a ``NamedTuple`` on purpose. Checks run on the product's request path
(about a million a second on one core is the target), and a tuple is the cheapest immutable value
CPython can build; boolean answers and suspensions reuse one prebuilt decision per feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NamedTuple

from tierwise.catalog.model import Entitlement
from tierwise.money import Money

__all__ = ["CheckDecision", "Reason", "UpsellHint"]


class Reason(StrEnum):
    """Why a check said yes or no. The values are stable codes for APIs, logs and signals."""

    ALLOWED = "allowed"
    """Within the entitlement (possibly in the soft-limit zone: see the decision's flag)."""
    IN_GRACE = "in_grace"
    """Over the limit but within the plan's grace band: allowed, and worth a nudge."""
    NOT_IN_PLAN = "not_in_plan"
    """The account's plan, add-ons and grants do not include the feature at all."""
    LIMIT_REACHED = "limit_reached"
    """The request would take usage beyond the limit and its grace band."""
    SUSPENDED = "suspended"
    """The subscription is suspended: every feature is denied until it is reinstated."""
    UNKNOWN_FEATURE = "unknown_feature"
    """The catalog version the account is on has no feature of that key."""


@dataclass(frozen=True, slots=True)
class UpsellHint:
    """The cheapest single change that would allow a request: an upgrade or one add-on.

    ``monthly_price`` is the option's own monthly price for the account's seats in the account's
    currency; ``added_monthly`` is what the account would pay on top of today's plan (the price
    of an add-on, or the difference between the two plans), which is how options are ordered.
    Both are estimates for ranking and display; the quote engine prices the real change.
    """

    kind: Literal["plan", "add_on"]
    key: str
    name: str
    value: Entitlement
    monthly_price: Money
    added_monthly: Money


class CheckDecision(NamedTuple):
    """The answer to "may this account do this now?".

    * ``allowed`` and ``reason`` (a :class:`Reason`);
    * ``limit``: the resolved entitlement (an int or ``"unlimited"``) for limit and metered
      features, ``None`` for boolean features and for answers that did not look at a limit
      (suspended, unknown feature);
    * ``usage``: the current usage the caller reported (``None`` where usage does not matter);
    * ``remaining``: how much of the limit is left before this request (never negative);
    * ``in_soft_limit_zone``: usage after the request is at or above the plan's nudge threshold;
    * ``in_grace_band``: usage after the request is over the limit but within the grace band
      (the request is allowed, with this flag);
    * ``upsell``: for denials, grace and the soft-limit zone, the cheapest plan or add-on that
      would allow the request, if the catalog has one.
    """

    allowed: bool
    reason: Reason
    feature: str
    limit: int | Literal["unlimited"] | None
    usage: int | None
    remaining: int | None
    in_soft_limit_zone: bool
    in_grace_band: bool
    upsell: UpsellHint | None
