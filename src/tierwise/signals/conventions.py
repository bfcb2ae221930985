"""How non-usage facts arrive as events, and the time windows signals look back over.

Support tickets, survey answers, failed payments, user roles and the account's champion reach
tierwise as ordinary events in the event store (or in the vendor's warehouse table), so that one
ingest path and one column mapping serve everything. :class:`EventConventions` names their event
types and the properties read from them; the defaults are documented in ``docs/signals.md`` and
emitted by the demo generator. A vendor whose warehouse uses other names passes its own values.

Onboarding milestones are defined in the playbook; the analytics engine receives them as
:class:`Milestone` values (reached when the account has sent at least ``count`` events of type
``event`` up to ``as_of``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tierwise.errors import InvalidInput

__all__ = [
    "ACTIVE_WINDOWS",
    "COMPARISON_DAYS",
    "DEFAULT_CONVENTIONS",
    "EventConventions",
    "Milestone",
]

#: Look-back of the daily, weekly and monthly active users, in days.
ACTIVE_WINDOWS = {"dau": 1, "wau": 7, "mau": 30}
#: The recent window that growth, trends, paywall hits and counts compare (and its predecessor).
COMPARISON_DAYS = 30


@dataclass(frozen=True, slots=True)
class EventConventions:
    """Event types (and properties) of the facts that are not product usage.

    * a ticket is opened by ``ticket_opened`` (properties ``ticket_id``, ``severity`` — one of
      low, normal, high, urgent) and closed by ``ticket_closed`` (``ticket_id``); a ticket is
      open as of a date when it was opened and not closed before that date;
    * ``nps`` (``score`` 0..10) and ``csat`` (``score`` 1..5) answers; the latest one counts;
    * ``payment_failed``: one failed charge;
    * ``user_identified`` (``role``): the user's (``subject``'s) latest role;
    * ``champion`` (``user_id``): names the account's champion; the latest naming counts;
    * ``feature_used`` (``feature``): a use of a feature that no meter counts (a boolean one);
    * ``gauge`` (``feature``, ``value``): the product reports a limit feature's gauge (projects
      in use); the latest report counts.

    Every other event with a ``subject`` is user activity; every other event is usage.
    """

    ticket_opened: str = "support.ticket.opened"
    ticket_closed: str = "support.ticket.closed"
    severe_severities: tuple[str, ...] = ("high", "urgent")
    nps: str = "survey.nps"
    csat: str = "survey.csat"
    payment_failed: str = "payment.failed"
    user_identified: str = "user.identified"
    champion: str = "account.champion"
    feature_used: str = "feature.used"
    gauge: str = "feature.gauge"

    def __post_init__(self) -> None:
        types = self.non_usage_types
        if len(set(types)) != len(types) or not all(types):
            raise InvalidInput("event conventions need distinct, non-empty event types")
        if not self.severe_severities:
            raise InvalidInput("name at least one severe severity", field="severe_severities")

    @property
    def non_usage_types(self) -> tuple[str, ...]:
        """Event types that carry facts about the account rather than product usage."""
        return (
            self.ticket_opened,
            self.ticket_closed,
            self.nps,
            self.csat,
            self.payment_failed,
            self.user_identified,
            self.champion,
            self.gauge,
        )


#: The conventions documented in docs/signals.md.
DEFAULT_CONVENTIONS = EventConventions()


@dataclass(frozen=True, slots=True)
class Milestone:
    """An onboarding milestone: at least ``count`` events of type ``event`` ever (up to as-of)."""

    key: str
    event: str
    count: int = 1

    def __post_init__(self) -> None:
        if not self.key or not self.event:
            raise InvalidInput("a milestone needs a key and an event type", field="milestone")
        if self.count < 1:
            raise InvalidInput("a milestone needs at least one event", field="milestone.count")
