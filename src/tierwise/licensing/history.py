"""The audit trail: one append-only entry per transition of a subscription.

An entry says who did what, why and when, the subscription's state before and after, and the quote
that priced the change. Its ``version`` is the subscription's version after the transition, so the
entries of one subscription form a gapless sequence 2, 3, 4... that storage can check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tierwise.licensing.events import JsonObject
from tierwise.licensing.timestamps import to_iso

__all__ = ["HistoryEntry"]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One transition as it was recorded."""

    subscription_id: str
    account_id: str
    version: int
    transition: str
    actor: str
    reason: str
    at: dt.datetime
    before: JsonObject | None
    after: JsonObject
    quote: JsonObject | None = None
    idempotency_key: str | None = None

    def as_dict(self) -> JsonObject:
        return {
            "subscription_id": self.subscription_id,
            "account_id": self.account_id,
            "version": self.version,
            "transition": self.transition,
            "actor": self.actor,
            "reason": self.reason,
            "at": to_iso(self.at),
            "before": self.before,
            "after": self.after,
            "quote": self.quote,
            "idempotency_key": self.idempotency_key,
        }
