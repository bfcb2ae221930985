"""Playbook conditions as Ibis boolean columns: the vectorised twin of the per-account evaluator.

A trigger, near miss, ``at_risk`` or milestone condition is parsed once
(:mod:`tierwise.offers.expressions`) and then evaluated two ways that must agree: per account by
:func:`tierwise.offers.expression_evaluation.evaluate` (which also explains every clause), and
here, over every account at once, as one column of the signal table — so DuckDB or Spark decides
which accounts need a closer look in the same query that computed the signals. The tree of
:mod:`tierwise.offers.expression_ast` is walked once through its visitor interface. The semantics
are the evaluator's, operation for operation:

* predicates (comparisons, ``in``, ``not in``, ``between``, ``not between``) are **null-false**:
  a null operand makes them false, never unknown, ``!=`` included; ``and``, ``or`` and ``not`` are
  then ordinary two-valued logic, so ``not (nps > 8)`` holds when ``nps`` is null, and the column
  is never null;
* ``is null`` / ``is not null`` test for null; a bare boolean (a signal or literal where a
  condition belongs) holds only when it is true; a bare number or text never holds;
* a signal the table lacks is null, and so is a NaN (the evaluator reads NaN as null);
* arithmetic propagates null, and division by zero (or a NaN result, such as ∞ − ∞) is null;
* a value known to be null when the expression is compiled (``null``, ``-'team'``, ``1 + true``)
  stays an untyped null, whose predicates are false: Ibis would compile ``x == <typed null>`` to
  ``x IS NULL``, which is not the evaluator's answer;
* values of another kind than compared with (a text against a number) never match; texts and
  truth values have no order; an ``in`` list item of another kind is never equal.

One difference is inherent: the per-account path computes with Decimal (28 digits), the engine
with 64-bit floats, so arithmetic whose exact result sits on a threshold (``0.1 + 0.2 == 0.3``)
or beyond float range can differ. Comparisons of signals with literals agree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ibis
from ibis.expr import types as ir

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
    LiteralKind,
    Negate,
    Not,
    Or,
    Signal,
)

__all__ = ["condition_column"]

_FALSE = ibis.literal(False)
#: Nodes whose column is a predicate's: never null.
_PREDICATES = (And, Or, Not, Comparison, InList, Between, IsNull)


def condition_column(table: ir.Table, expression: Expression) -> ir.BooleanValue:
    """``expression`` over every row of ``table`` (a signal table): true where it holds, never
    null."""
    return _Columns(table).condition(expression)


def _kind(value: ir.Value) -> str:
    """The evaluator's kind of a column: number, text, boolean, date, null (untyped) or other."""
    dtype = value.type()
    if dtype.is_null():
        return "null"
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_numeric():
        return "number"
    if dtype.is_string():
        return "text"
    if dtype.is_date() or dtype.is_timestamp():
        return "date"
    return "other"


def _number(value: ir.NumericValue) -> ir.Value:
    """A float column with NaN read as null, as :func:`normalise_value` does per account."""
    return ibis.ifelse(value.isnan(), ibis.null("float64"), value)


class _Columns(ExpressionVisitor[Any]):
    def __init__(self, table: ir.Table) -> None:
        self._table = table

    def condition(self, node: Expression) -> ir.BooleanValue:
        """``node`` where a condition belongs: true only when its value is true."""
        value = node.accept(self)
        if _kind(value) != "boolean":
            return _FALSE
        return ibis.coalesce(value, _FALSE)

    # -- values ---------------------------------------------------------------------------------

    def visit_literal(self, node: Literal) -> ir.Value:
        value = node.value
        if node.kind is LiteralKind.NUMBER and isinstance(value, Decimal | int):
            return ibis.literal(float(value), "float64")  # signal columns are compared as float64
        if node.kind is LiteralKind.TEXT and isinstance(value, str):
            return ibis.literal(value, "string")
        if node.kind is LiteralKind.BOOLEAN and isinstance(value, bool):
            return ibis.literal(value, "boolean")
        return ibis.null()

    def visit_signal(self, node: Signal) -> ir.Value:
        if node.name not in self._table.columns:
            return ibis.null()
        column = self._table[node.name]
        dtype = column.type()
        if dtype.is_floating():
            return _number(column.cast("float64"))
        if dtype.is_numeric():
            return column.cast("float64")
        return column

    def visit_negate(self, node: Negate) -> ir.Value:
        value = node.operand.accept(self)
        return -value if _kind(value) == "number" else ibis.null()

    def visit_arithmetic(self, node: Arithmetic) -> ir.Value:
        left, right = node.left.accept(self), node.right.accept(self)
        if _kind(left) != "number" or _kind(right) != "number":
            return ibis.null()
        if node.op is ArithmeticOp.ADD:
            return _number(left + right)
        if node.op is ArithmeticOp.SUBTRACT:
            return _number(left - right)
        if node.op is ArithmeticOp.MULTIPLY:
            return _number(left * right)
        return ibis.ifelse(right == 0, ibis.null("float64"), _number(left / right))

    # -- predicates -----------------------------------------------------------------------------

    def _compare(self, op: ComparisonOp, left: ir.Value, right: ir.Value) -> ir.BooleanValue:
        kind = _kind(left)
        if kind in ("null", "other") or kind != _kind(right):
            return _FALSE
        if op is ComparisonOp.EQ:
            result = left == right
        elif op is ComparisonOp.NE:
            result = left != right
        elif kind in ("boolean", "text"):
            return _FALSE  # ordering is for numbers and dates only
        elif op is ComparisonOp.LT:
            result = left < right
        elif op is ComparisonOp.LE:
            result = left <= right
        elif op is ComparisonOp.GT:
            result = left > right
        else:
            result = left >= right
        return ibis.coalesce(result, _FALSE)

    def visit_comparison(self, node: Comparison) -> ir.BooleanValue:
        return self._compare(node.op, node.left.accept(self), node.right.accept(self))

    def visit_in_list(self, node: InList) -> ir.BooleanValue:
        value = node.operand.accept(self)
        kind = _kind(value)
        if kind in ("null", "other"):
            return _FALSE
        items = [item.accept(self) for item in node.items]
        found: ir.BooleanValue = _FALSE
        for item in items:
            if _kind(item) == kind:
                found = found | ibis.coalesce(value == item, _FALSE)
        present = value.notnull()
        return (present & ~found) if node.negated else (present & found)

    def visit_between(self, node: Between) -> ir.BooleanValue:
        value, low, high = (part.accept(self) for part in (node.operand, node.low, node.high))
        kind = _kind(value)
        if kind not in ("number", "date") or not kind == _kind(low) == _kind(high):
            return _FALSE
        inside = (value >= low) & (value <= high)
        return ibis.coalesce(~inside if node.negated else inside, _FALSE)

    def visit_is_null(self, node: IsNull) -> ir.BooleanValue:
        if isinstance(node.operand, _PREDICATES):  # never null
            return ibis.literal(node.negated)
        value = node.operand.accept(self)
        if _kind(value) == "null":
            return ibis.literal(not node.negated)
        return value.notnull() if node.negated else value.isnull()

    # -- logic ----------------------------------------------------------------------------------

    def visit_not(self, node: Not) -> ir.BooleanValue:
        # a CASE, not NOT: Ibis prints ``NOT (x) IS NULL`` and ``NOT (x) IN (...)``, which SQL
        # reads as ``NOT ((x) IS NULL)``; the condition is never null, so this is its negation
        return ibis.ifelse(self.condition(node.operand), _FALSE, ibis.literal(True))

    def visit_and(self, node: And) -> ir.BooleanValue:
        result = self.condition(node.operands[0])
        for operand in node.operands[1:]:
            result = result & self.condition(operand)
        return result

    def visit_or(self, node: Or) -> ir.BooleanValue:
        result = self.condition(node.operands[0])
        for operand in node.operands[1:]:
            result = result | self.condition(operand)
        return result
