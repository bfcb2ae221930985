"""Reasons as values: each rule of eligibility and cadence answers (rule, passed, detail).

A "no" is never an exception: a decision lists every rule it ran, the ones that held and the ones
that did not, so a person can be told exactly why an offer was or was not shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Checks", "RuleCheck"]


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One rule's answer: its stable name (``audience.plans``), whether it held, and why."""

    rule: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Checks:
    """Every rule run for one offer and account; it passes when all of them held."""

    checks: tuple[RuleCheck, ...]

    @classmethod
    def of(cls, checks: Iterable[RuleCheck]) -> Checks:
        return cls(tuple(checks))

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> tuple[RuleCheck, ...]:
        """The rules that did not hold, in the order they ran."""
        return tuple(check for check in self.checks if not check.passed)

    def __add__(self, other: Checks) -> Checks:
        return Checks(self.checks + other.checks)
