"""Comparisons of one signal with a constant: the building block of every signal rule.

Lifecycle stages, red flags and segments are written as data made of :class:`Comparison` values,
so that one definition serves both evaluation paths: per account on a mapping of signal values
(real time, :meth:`Comparison.holds`) and vectorised over all accounts in the analytics engine
(``tierwise.adapters.analytics.rules``). A missing signal (``None``) never satisfies a
comparison, in both paths, like SQL's null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from tierwise.errors import InvalidInput

__all__ = ["Comparison", "Operator", "SignalValue", "SignalValues", "number"]

#: One signal's value: a number, a flag, a label, a date, or missing.
SignalValue: TypeAlias = bool | int | float | str | dt.date | None
#: One account's signals by name (a row of the signal table).
SignalValues: TypeAlias = Mapping[str, SignalValue]
Operator = Literal[">=", ">", "<=", "<", "==", "!="]

_OPERATORS: frozenset[str] = frozenset({">=", ">", "<=", "<", "==", "!="})


def number(values: SignalValues, name: str) -> float | None:
    """The signal as a number, or ``None`` when it is missing or not numeric (flags are not)."""
    value = values.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


@dataclass(frozen=True, slots=True)
class Comparison:
    """``signal <op> value``, e.g. ``Comparison("nps", "<=", 6)``."""

    signal: str
    op: Operator
    value: float | str

    def __post_init__(self) -> None:
        if self.op not in _OPERATORS:
            raise InvalidInput(f"unknown comparison operator {self.op!r}", field="op")
        if isinstance(self.value, str) and self.op not in ("==", "!="):
            raise InvalidInput("labels compare only with == and !=", field="op")

    def holds(self, values: SignalValues) -> bool:
        """True when the account's signal satisfies the comparison; missing is false."""
        if isinstance(self.value, str):
            label = values.get(self.signal)
            if not isinstance(label, str):
                return False
            return (label == self.value) == (self.op == "==")
        actual = number(values, self.signal)
        if actual is None:
            return False
        return _compare(actual, self.op, self.value)

    def describe(self) -> str:
        return f"{self.signal} {self.op} {self.value}"


def _compare(actual: float, op: Operator, expected: float) -> bool:
    if op == ">=":
        return actual >= expected
    if op == ">":
        return actual > expected
    if op == "<=":
        return actual <= expected
    if op == "<":
        return actual < expected
    if op == "==":
        return actual == expected
    return actual != expected
