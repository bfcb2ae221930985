"""Playbook conditions as Ibis boolean columns: the vectorised twin of the per-account evaluator.

A trigger, near miss, ``at_risk`` or milestone condition is parsed once
(:mod:`tierwise.offers.expressions`) and then evaluated two ways that must agree: per account by
:func:`tierwise.offers.expression_evaluation.evaluate` (which also explains every clause), and
here, over every account at once, as a column of the signal table — so DuckDB or Spark decides
which accounts need a closer look. The semantics are the evaluator's, operation for operation:

* a comparison, ``in``, ``not in``, ``between`` or ``not between`` with a null operand is false;
* ``and``, ``or``, ``not`` are two-valued logic over those (never null);
* arithmetic with a null is null, and division by zero is null;
* a bare boolean (a signal or literal where a condition belongs) holds only when it is true.
"""

from __future__ import annotations

from decimal import Decimal

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


def _literal(node: Literal) -> ir.Value:
    if node.kind is LiteralKind.NULL or node.value is None:
        return ibis.null()
    if isinstance(node.value, Decimal):  # signal columns are float64: compare as such
        return ibis.literal(float(node.value), type="float64")
    return ibis.literal(node.value)


class _Columns(ExpressionVisitor[ir.Value]):
    def __init__(self, table: ir.Table) -> None:
        self._table = table

    def condition(self, node: Expression) -> ir.BooleanValue:
        """``node`` where a condition belongs: never null, a bare value holds only when true."""
        if isinstance(node, And | Or | Not | Comparison | InList | Between | IsNull):
            return node.accept(self)
        value = node.accept(self)
        if isinstance(node, Literal):
            return ibis.literal(node.value is True)
        return ibis.coalesce(value == ibis.literal(True), _FALSE)

    def visit_literal(self, node: Literal) -> ir.Value:
        return _literal(node)

    def visit_signal(self, node: Signal) -> ir.Value:
        if node.name not in self._table.columns:
            return ibis.null()
        column = self._table[node.name]
        if column.type().is_integer() or column.type().is_decimal():
            return column.cast("float64")
        return column

    def visit_negate(self, node: Negate) -> ir.Value:
        return -node.operand.accept(self)

    def visit_arithmetic(self, node: Arithmetic) -> ir.Value:
        left: ir.NumericValue = node.left.accept(self)
        right: ir.NumericValue = node.right.accept(self)
        if node.op is ArithmeticOp.ADD:
            return left + right
        if node.op is ArithmeticOp.SUBTRACT:
            return left - right
        if node.op is ArithmeticOp.MULTIPLY:
            return left * right
        return ibis.ifelse(right == 0, ibis.null("float64"), left / right)

    def visit_comparison(self, node: Comparison) -> ir.Value:
        left, right = node.left.accept(self), node.right.accept(self)
        op = node.op
        if op is ComparisonOp.LT:
            result = left < right
        elif op is ComparisonOp.LE:
            result = left <= right
        elif op is ComparisonOp.GT:
            result = left > right
        elif op is ComparisonOp.GE:
            result = left >= right
        elif op is ComparisonOp.EQ:
            result = left == right
        else:
            result = left != right
        return ibis.coalesce(result, _FALSE)

    def visit_in_list(self, node: InList) -> ir.Value:
        value = node.operand.accept(self)
        items = [_literal(item) for item in node.items]
        found = ibis.coalesce(value.isin(items), _FALSE)
        return ibis.ifelse(value.isnull(), _FALSE, ~found if node.negated else found)

    def visit_between(self, node: Between) -> ir.Value:
        value, low, high = (part.accept(self) for part in (node.operand, node.low, node.high))
        inside = (value >= low) & (value <= high)
        known = value.notnull() & low.notnull() & high.notnull()
        return ibis.ifelse(known, ~inside if node.negated else inside, _FALSE)

    def visit_is_null(self, node: IsNull) -> ir.Value:
        value = node.operand.accept(self)
        return value.notnull() if node.negated else value.isnull()

    def visit_not(self, node: Not) -> ir.Value:
        return ~self.condition(node.operand)

    def visit_and(self, node: And) -> ir.Value:
        result = self.condition(node.operands[0])
        for operand in node.operands[1:]:
            result = result & self.condition(operand)
        return result

    def visit_or(self, node: Or) -> ir.Value:
        result = self.condition(node.operands[0])
        for operand in node.operands[1:]:
            result = result | self.condition(operand)
        return result


def condition_column(table: ir.Table, expression: Expression) -> ir.BooleanValue:
    """``expression`` over every row of ``table`` (a signal table): true where it holds."""
    return _Columns(table).condition(expression)
