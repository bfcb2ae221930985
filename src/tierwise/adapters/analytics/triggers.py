"""Triggers, vectorised: the playbook's expression tree compiled to an Ibis boolean column.

The tree of :mod:`tierwise.offers.expression_ast` is walked once through its visitor interface;
the result is one boolean column over the signal table, so a trigger is evaluated for every
account in the same query that computed the signals. The semantics are those of the per-account
evaluator (:mod:`tierwise.offers.expression_evaluation`):

* predicates (comparisons, ``in``, ``between``) are **null-false**: a null operand makes them
  false, never unknown, ``!=`` and ``not in`` included; ``and``, ``or`` and ``not`` are then
  ordinary two-valued logic, so ``not (nps > 8)`` holds when ``nps`` is null;
* ``is null`` / ``is not null`` test for null; a bare boolean signal holds only when true;
* arithmetic propagates null and division by zero is null;
* values of another kind than compared with (a text against a number) never match; texts and
  truth values have no order.

One difference is inherent: the per-account path computes with Decimal, the engine with 64-bit
floats, so arithmetic whose exact result sits on a threshold (``0.1 + 0.2 == 0.3``) can differ.
Comparisons of signals with literals agree.
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

__all__ = ["compile_trigger"]

_FALSE = ibis.literal(False)


def compile_trigger(tree: Expression, table: ir.Table) -> ir.BooleanValue:
    """``tree`` as a non-null boolean column of ``table`` (the signal table)."""
    return _Compiler(table).condition(tree)


def _kind(value: ir.Value) -> str:
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


class _Compiler(ExpressionVisitor[Any]):
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
        if node.kind is LiteralKind.NUMBER and isinstance(node.value, Decimal):
            return ibis.literal(float(node.value), "float64")
        if node.kind is LiteralKind.TEXT:
            return ibis.literal(node.value, "string")
        if node.kind is LiteralKind.BOOLEAN:
            return ibis.literal(bool(node.value), "boolean")
        return ibis.null()

    def visit_signal(self, node: Signal) -> ir.Value:
        column = self._table[node.name]
        return column.cast("float64") if _kind(column) == "number" else column

    def visit_negate(self, node: Negate) -> ir.Value:
        value = node.operand.accept(self)
        return -value if _kind(value) == "number" else ibis.null("float64")

    def visit_arithmetic(self, node: Arithmetic) -> ir.Value:
        left, right = node.left.accept(self), node.right.accept(self)
        if _kind(left) != "number" or _kind(right) != "number":
            return ibis.null("float64")
        if node.op is ArithmeticOp.ADD:
            return left + right
        if node.op is ArithmeticOp.SUBTRACT:
            return left - right
        if node.op is ArithmeticOp.MULTIPLY:
            return left * right
        return ibis.ifelse(right == 0, ibis.null("float64"), left / right)

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
        matching = [item.accept(self) for item in node.items]
        matching = [item for item in matching if _kind(item) == kind]
        found: ir.BooleanValue = _FALSE
        for item in matching:
            found = found | ibis.coalesce(value == item, _FALSE)
        present = value.notnull()
        return (present & ~found) if node.negated else (present & found)

    def visit_between(self, node: Between) -> ir.BooleanValue:
        value, low, high = (part.accept(self) for part in (node.operand, node.low, node.high))
        kind = _kind(value)
        if kind in ("null", "other", "boolean", "text") or not kind == _kind(low) == _kind(high):
            return _FALSE
        inside = (value >= low) & (value <= high)
        return ibis.coalesce(~inside if node.negated else inside, _FALSE)

    def visit_is_null(self, node: IsNull) -> ir.BooleanValue:
        value = node.operand.accept(self)
        if _kind(value) == "null":
            return ibis.literal(not node.negated)
        return value.notnull() if node.negated else value.isnull()

    # -- logic ----------------------------------------------------------------------------------

    def visit_not(self, node: Not) -> ir.BooleanValue:
        return ~self.condition(node.operand)

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
