"""The plan-change policy: is a change immediate, at the end of the term, or not allowed?

The catalog's ``changes.cases`` is an ordered table. A change is first classified:

* **direction** by plan rank: a higher-ranked target is ``up``, a lower one ``down``; the same
  plan (a seat, add-on, interval or term change only) is ``same``;
* **interval change** by the number of months in the billing interval: monthly → yearly is
  ``longer``, yearly → quarterly ``shorter``, no change ``none``;
* **term change** by contract years, in the same words.

The first case whose fields all match (``any`` matches everything; ``from`` and ``to`` compare
plan keys) gives the timing; when none matches, ``changes.default`` does. The answer names the
case it came from, so an ILLEGAL change can say which row forbids it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tierwise.catalog.model import (
    BillingInterval,
    CatalogVersion,
    ChangeCase,
    ChangeTiming,
    Direction,
    IntervalChange,
)
from tierwise.errors import CatalogInvalid, ChangeNotAllowed, Problem
from tierwise.pricing.pricebook import PriceBook, price_book

__all__ = [
    "ChangeKind",
    "ChangeRule",
    "classify_change",
    "compare_lengths",
    "require_allowed",
    "timing_for",
]

_ANY = "any"


@dataclass(frozen=True, slots=True)
class ChangeKind:
    """What a change does, in the words of the change table."""

    from_plan: str
    to_plan: str
    direction: Direction
    interval_change: IntervalChange
    term_change: IntervalChange


@dataclass(frozen=True, slots=True)
class ChangeRule:
    """The timing a change gets, and the row of the policy that gave it.

    ``source`` is ``changes.cases[i]`` (0-based, as in the YAML list) or ``changes.default``.
    """

    kind: ChangeKind
    timing: ChangeTiming
    source: str
    case: ChangeCase | None

    def explanation(self) -> str:
        """Plain words: ``moving up from team to business: changes.cases[3] makes it immediate``."""
        kind = self.kind
        if kind.direction is Direction.SAME:
            what = f"changing {kind.from_plan}"
        else:
            what = f"moving {kind.direction.value} from {kind.from_plan} to {kind.to_plan}"
        extras = []
        if kind.interval_change is not IntervalChange.NONE:
            extras.append(f"a {kind.interval_change.value} billing interval")
        if kind.term_change is not IntervalChange.NONE:
            extras.append(f"a {kind.term_change.value} term")
        if extras:
            what += " with " + " and ".join(extras)
        verdict = {
            ChangeTiming.IMMEDIATE: "takes effect immediately",
            ChangeTiming.END_OF_TERM: "takes effect at the end of the term",
            ChangeTiming.ILLEGAL: "is not allowed",
        }[self.timing]
        return f"{what} {verdict} ({self.source})"


def compare_lengths(before: int, after: int) -> IntervalChange:
    """``longer``, ``shorter`` or ``none`` for two lengths (months of an interval, term years)."""
    if after > before:
        return IntervalChange.LONGER
    if after < before:
        return IntervalChange.SHORTER
    return IntervalChange.NONE


def classify_change(
    version: CatalogVersion,
    *,
    from_plan: str,
    to_plan: str,
    from_interval: BillingInterval,
    to_interval: BillingInterval,
    from_term_years: int,
    to_term_years: int,
) -> ChangeKind:
    """Direction, interval change and term change of a proposed change (plans must exist)."""
    ranks = price_book(version).ranks
    if from_plan == to_plan:
        direction = Direction.SAME
    elif ranks[to_plan] > ranks[from_plan]:
        direction = Direction.UP
    elif ranks[to_plan] < ranks[from_plan]:
        direction = Direction.DOWN
    else:
        direction = Direction.SAME
    return ChangeKind(
        from_plan,
        to_plan,
        direction,
        compare_lengths(from_interval.months, to_interval.months),
        compare_lengths(from_term_years, to_term_years),
    )


def _matches(case: ChangeCase, kind: ChangeKind) -> bool:
    return (
        case.from_plan in (_ANY, kind.from_plan)
        and case.to_plan in (_ANY, kind.to_plan)
        and case.direction in (Direction.ANY, kind.direction)
        and case.interval_change in (IntervalChange.ANY, kind.interval_change)
        and case.term_change in (IntervalChange.ANY, kind.term_change)
    )


def timing_for(version: CatalogVersion, kind: ChangeKind) -> ChangeRule:
    """The first matching case's timing, else the default's."""
    return _timing(price_book(version), kind)


@lru_cache(maxsize=4096)
def _timing(book: PriceBook, kind: ChangeKind) -> ChangeRule:
    policy = book.version.changes
    for index, case in enumerate(policy.cases):
        if _matches(case, kind):
            return ChangeRule(kind, case.result, f"changes.cases[{index}]", case)
    if policy.default is None:
        raise CatalogInvalid(
            [
                Problem(
                    code="no_default_change_case",
                    path="changes.default",
                    message="the plan-change policy has no default case",
                )
            ]
        )
    return ChangeRule(kind, policy.default, "changes.default", None)


def require_allowed(rule: ChangeRule) -> ChangeRule:
    """Return ``rule`` unless it is ILLEGAL; then raise ``ChangeNotAllowed`` naming the case."""
    if rule.timing is ChangeTiming.ILLEGAL:
        raise ChangeNotAllowed(
            f"this change is not allowed: {rule.explanation()}", field=rule.source
        )
    return rule
