"""Per-account evaluation of a trigger, with the explanation of every clause.

:func:`evaluate` walks the tree of :mod:`tierwise.offers.expression_ast` over one account's signal
values and answers whether it *fired*, together with each **clause** (a comparison, ``in``,
``between``, ``is null``, or a bare true/false value that ``and``/``or``/``not`` combine) and the
real values it saw::

    util_projects = 0.86 ≥ 0.8 ✓
    paywall_sso = 2 ≥ 3 ✗

Semantics (``tierwise.adapters.condition_columns``, the vectorised twin, gives the same answers):

* **values**: numbers are Decimal (ints and floats are converted on the way in, a float through
  its shortest repr; NaN is null); texts compare exactly (case-sensitive); a missing signal is null;
* **two-valued logic with null-false predicates**: a comparison, ``in``, ``not in``, ``between``
  or ``not between`` with a null operand (or a null list end) is *false*, never unknown; ``!=``
  too (``nps != 5`` is false when ``nps`` is null). ``and``, ``or`` and ``not`` are then ordinary
  Boolean operators, so ``not (nps > 8)`` is *true* when ``nps`` is null. A bare boolean signal is
  true only when its value is true. ``is null`` / ``is not null`` test for null;
* **arithmetic** propagates null (``null + 1`` is null); division by zero is null, not an error;
  Decimal arithmetic runs with 28 significant digits, rounding half-even;
* values of another type than expected (a text where a number belongs) behave as null;
* every clause is evaluated (no short-circuit), so the explanation is complete and the result
  does not depend on the order of ``and``/``or`` operands.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, localcontext
from typing import Final, TypeAlias, TypeVar

from tierwise.offers.expression_ast import (
    And,
    Arithmetic,
    ArithmeticOp,
    Between,
    Comparison,
    ComparisonOp,
    Expression,
    ExpressionVisitor,
    InList,
    IsNull,
    Literal,
    Negate,
    Not,
    Or,
    Signal,
    text_of,
)

__all__ = ["Clause", "Evaluation", "Value", "evaluate", "normalise_value", "show_value"]

#: A value during evaluation: a number, a text, a truth value, a date, or null.
Value: TypeAlias = Decimal | str | bool | dt.date | None

_CONTEXT: Final = Context(prec=28)
_SYMBOLS: Final = {
    ComparisonOp.LT: "<",
    ComparisonOp.LE: "≤",
    ComparisonOp.GT: ">",
    ComparisonOp.GE: "≥",
    ComparisonOp.EQ: "=",
    ComparisonOp.NE: "≠",
}
_SHOWN_PLACES: Final = 4
_T = TypeVar("_T", Decimal, dt.date)


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a trigger: its text, whether it held, and what it saw.

    ``detail`` reads ``util_projects = 0.86 ≥ 0.8 ✓``; ``values`` are the signals it read with the
    values seen (null as ``None``), in order of first appearance.
    """

    text: str
    passed: bool
    detail: str
    values: tuple[tuple[str, Value], ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Whether a trigger fired for one account, and each clause with its values."""

    fired: bool
    clauses: tuple[Clause, ...]

    def explanation(self) -> str:
        """One clause per line, then the verdict."""
        lines = [clause.detail for clause in self.clauses]
        lines.append("fired" if self.fired else "did not fire")
        return "\n".join(lines)


def normalise_value(value: object) -> Value:
    """A signal value as the evaluator sees it (ints and floats become Decimal, NaN null)."""
    if value is None or isinstance(value, bool | str | dt.date):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return None if math.isnan(value) else Decimal(repr(value))
    if isinstance(value, Decimal):
        return None if value.is_nan() else value
    return None


def show_value(value: Value) -> str:
    """A value as explanations print it: ``0.86``, ``12``, ``'team'``, ``true``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        if value == value.to_integral_value():
            return format(value.quantize(Decimal(1)), "f")
        if -value.as_tuple().exponent > _SHOWN_PLACES:  # type: ignore[operator]
            value = value.quantize(Decimal(1).scaleb(-_SHOWN_PLACES))
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def evaluate(tree: Expression, values: Mapping[str, object]) -> Evaluation:
    """Evaluate ``tree`` over one account's ``values`` (signal name → value; absent is null)."""
    evaluator = _Evaluator(values)
    fired = evaluator.condition(tree)
    return Evaluation(fired, tuple(evaluator.clauses))


def _kind(value: Value) -> type | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return bool
    if isinstance(value, Decimal):
        return Decimal
    if isinstance(value, str):
        return str
    return dt.date


def _compare(op: ComparisonOp, left: Value, right: Value) -> bool:
    """Null-false comparison: a null or a mismatched type never satisfies it."""
    kind = _kind(left)
    if kind is None or kind is not _kind(right):
        return False
    if op is ComparisonOp.EQ:
        return left == right
    if op is ComparisonOp.NE:
        return left != right
    if kind is bool or kind is str:
        return False  # ordering is for numbers and dates only
    if isinstance(left, Decimal) and isinstance(right, Decimal):
        return _ordered(op, left, right)
    if isinstance(left, dt.date) and isinstance(right, dt.date):
        return _ordered(op, left, right)
    return False


def _ordered(op: ComparisonOp, left: _T, right: _T) -> bool:
    try:
        if op is ComparisonOp.LT:
            return left < right
        if op is ComparisonOp.LE:
            return left <= right
        if op is ComparisonOp.GT:
            return left > right
        return left >= right
    except InvalidOperation:  # a signalling comparison with NaN, which normalise_value removes
        return False


class _Evaluator(ExpressionVisitor[Value]):
    def __init__(self, values: Mapping[str, object]) -> None:
        self._raw = values
        self._seen: dict[str, Value] = {}
        self._reading: list[list[str]] = []  # names read by each clause being evaluated
        self.clauses: list[Clause] = []

    # -- conditions and clauses ---------------------------------------------------------------

    def condition(self, node: Expression) -> bool:
        """Evaluate ``node`` where a condition belongs; a non-logical node is one clause."""
        if isinstance(node, And | Or | Not):
            return node.accept(self) is True
        self._reading.append([])
        try:
            passed = node.accept(self) is True
        finally:
            names = self._reading.pop()
        self.clauses.append(
            Clause(
                text=text_of(node),
                passed=passed,
                detail=self._detail(node, passed),
                values=tuple((name, self._seen[name]) for name in dict.fromkeys(names)),
            )
        )
        return passed

    def _side(self, node: Expression) -> str:
        if isinstance(node, Literal):
            return text_of(node)
        value = show_value(node.accept(self))
        return f"{text_of(node)} = {value}"

    def _detail(self, node: Expression, passed: bool) -> str:
        mark = "✓" if passed else "✗"
        if isinstance(node, Comparison):
            body = f"{self._side(node.left)} {_SYMBOLS[node.op]} {self._side(node.right)}"
        elif isinstance(node, InList):
            items = ", ".join(text_of(item) for item in node.items)
            word = "not in" if node.negated else "in"
            body = f"{self._side(node.operand)} {word} [{items}]"
        elif isinstance(node, Between):
            word = "not between" if node.negated else "between"
            body = f"{self._side(node.operand)} {word} {self._side(node.low)} and " + self._side(
                node.high
            )
        elif isinstance(node, IsNull):
            word = "is not null" if node.negated else "is null"
            body = f"{self._side(node.operand)} {word}"
        else:
            body = self._side(node)
        return f"{body} {mark}"

    # -- values -------------------------------------------------------------------------------

    def visit_literal(self, node: Literal) -> Value:
        return node.value

    def visit_signal(self, node: Signal) -> Value:
        value = normalise_value(self._raw.get(node.name))
        self._seen[node.name] = value
        if self._reading:
            self._reading[-1].append(node.name)
        return value

    def visit_negate(self, node: Negate) -> Value:
        value = node.operand.accept(self)
        return -value if isinstance(value, Decimal) else None

    def visit_arithmetic(self, node: Arithmetic) -> Value:
        left, right = node.left.accept(self), node.right.accept(self)
        if not isinstance(left, Decimal) or not isinstance(right, Decimal):
            return None
        with localcontext(_CONTEXT) as context:
            try:
                if node.op is ArithmeticOp.ADD:
                    return context.add(left, right)
                if node.op is ArithmeticOp.SUBTRACT:
                    return context.subtract(left, right)
                if node.op is ArithmeticOp.MULTIPLY:
                    return context.multiply(left, right)
                if right == 0:
                    return None
                return context.divide(left, right)
            except (DivisionByZero, InvalidOperation):
                return None

    def visit_comparison(self, node: Comparison) -> Value:
        return _compare(node.op, node.left.accept(self), node.right.accept(self))

    def visit_in_list(self, node: InList) -> Value:
        value = node.operand.accept(self)
        if value is None:
            return False
        found = any(_compare(ComparisonOp.EQ, value, item.value) for item in node.items)
        return not found if node.negated else found

    def visit_between(self, node: Between) -> Value:
        value, low, high = (part.accept(self) for part in (node.operand, node.low, node.high))
        kind = _kind(value)
        if kind is None or kind is not _kind(low) or kind is not _kind(high):
            return False  # a null or a mismatched type: the predicate is false, even negated
        inside = _compare(ComparisonOp.GE, value, low) and _compare(ComparisonOp.LE, value, high)
        return not inside if node.negated else inside

    def visit_is_null(self, node: IsNull) -> Value:
        value = node.operand.accept(self)
        return (value is not None) if node.negated else (value is None)

    def visit_not(self, node: Not) -> Value:
        return not self.condition(node.operand)

    def visit_and(self, node: And) -> Value:
        results = [self.condition(operand) for operand in node.operands]
        return all(results)

    def visit_or(self, node: Or) -> Value:
        results = [self.condition(operand) for operand in node.operands]
        return any(results)
