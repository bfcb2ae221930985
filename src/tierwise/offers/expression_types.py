"""Type checking of trigger expressions against the signal registry.

A trigger that parses can still be wrong: it can name a signal that does not exist, compare a text
with a number, or be a number where a condition belongs. Those mistakes are found here, before any
account is evaluated, each as an :class:`ExpressionIssue` with a stable code and the column:

================== ==========================================================================
code               meaning
================== ==========================================================================
unknown_signal     a name that is not in the registry (the closest name is suggested)
type_mismatch      operands of different or unsuitable types (``plan > 3``, ``industry + 1``)
null_misuse        the literal ``null`` used as a value; only ``is null`` tests for null
not_a_condition    a number or text where a condition belongs (``util_projects and ...``)
================== ==========================================================================

Types are those of :class:`~tierwise.signals.definitions.SignalType`. Ordering (``<``,
``between``) works on numbers and dates; ``==``, ``!=`` and ``in`` on two values of the same type;
arithmetic on numbers; ``and``/``or``/``not`` on conditions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from tierwise.errors import ExpressionInvalid
from tierwise.offers.expression_ast import (
    And,
    Arithmetic,
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
from tierwise.offers.expressions import parse
from tierwise.signals.definitions import SignalDefinition, SignalType

__all__ = [
    "ExpressionIssue",
    "check_condition",
    "signal_types",
    "signals_in",
    "type_issues",
]

_ORDERED: Final = frozenset({SignalType.NUMBER, SignalType.DATE})
_LITERAL_TYPES: Final = {
    LiteralKind.NUMBER: SignalType.NUMBER,
    LiteralKind.TEXT: SignalType.TEXT,
    LiteralKind.BOOLEAN: SignalType.BOOLEAN,
}
_ORDERING_OPS: Final = frozenset(
    {ComparisonOp.LT, ComparisonOp.LE, ComparisonOp.GT, ComparisonOp.GE}
)


@dataclass(frozen=True, slots=True)
class ExpressionIssue:
    """One problem of an expression: a stable code, a message and the 0-based column."""

    code: str
    message: str
    position: int


def signal_types(definitions: Iterable[SignalDefinition]) -> dict[str, SignalType]:
    """Name → type of every signal of a registry (``signal_definitions(version)``)."""
    return {definition.name: definition.type for definition in definitions}


def check_condition(
    text: str, types: Mapping[str, SignalType]
) -> tuple[Expression | None, tuple[ExpressionIssue, ...]]:
    """Parse ``text`` and check it as a condition: the tree (``None`` if it did not parse) and
    every issue. A parse error is one issue whose code is the parser's ``reason``."""
    try:
        tree = parse(text)
    except ExpressionInvalid as error:
        return None, (ExpressionIssue(error.reason, error.detail, error.position),)
    return tree, type_issues(tree, types)


def type_issues(tree: Expression, types: Mapping[str, SignalType]) -> tuple[ExpressionIssue, ...]:
    """Every type issue of ``tree`` as a condition (its value must be true or false)."""
    checker = _Checker(types)
    checker.condition(tree)
    return tuple(checker.issues)


def signals_in(tree: Expression) -> frozenset[str]:
    """The signal names ``tree`` reads."""
    names: set[str] = set()
    stack: list[Expression] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Signal):
            names.add(node.name)
        elif isinstance(node, Negate | Not | IsNull):
            stack.append(node.operand)
        elif isinstance(node, Arithmetic | Comparison):
            stack.extend((node.left, node.right))
        elif isinstance(node, InList):
            stack.append(node.operand)
        elif isinstance(node, Between):
            stack.extend((node.operand, node.low, node.high))
        elif isinstance(node, And | Or):
            stack.extend(node.operands)
    return frozenset(names)


def _word(kind: SignalType) -> str:
    return {
        SignalType.NUMBER: "a number",
        SignalType.TEXT: "a text",
        SignalType.BOOLEAN: "a condition (true/false)",
        SignalType.DATE: "a date",
    }[kind]


class _Checker(ExpressionVisitor[SignalType | None]):
    """Returns each node's type (``None`` when unknown after an issue, or for ``null``)."""

    def __init__(self, types: Mapping[str, SignalType]) -> None:
        self._types = types
        self.issues: list[ExpressionIssue] = []

    def _issue(self, code: str, message: str, position: int) -> None:
        self.issues.append(ExpressionIssue(code, message, position))

    def condition(self, node: Expression) -> None:
        kind = node.accept(self)
        if kind is not None and kind is not SignalType.BOOLEAN:
            self._issue(
                "not_a_condition",
                f"this is {_word(kind)}, not a condition: compare it (for example with > or ==)",
                node.position,
            )

    def _number(self, node: Expression, role: str) -> None:
        kind = node.accept(self)
        if kind is not None and kind is not SignalType.NUMBER:
            self._issue("type_mismatch", f"{role} needs a number, got {_word(kind)}", node.position)

    def visit_literal(self, node: Literal) -> SignalType | None:
        if node.kind is LiteralKind.NULL:
            self._issue(
                "null_misuse",
                "null is never equal to, smaller or larger than anything: test it with "
                "'is null' or 'is not null'",
                node.position,
            )
            return None
        return _LITERAL_TYPES[node.kind]

    def visit_signal(self, node: Signal) -> SignalType | None:
        kind = self._types.get(node.name)
        if kind is None:
            close = difflib.get_close_matches(node.name, list(self._types), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self._issue("unknown_signal", f"unknown signal {node.name!r}{hint}", node.position)
        return kind

    def visit_negate(self, node: Negate) -> SignalType | None:
        self._number(node.operand, "'-'")
        return SignalType.NUMBER

    def visit_arithmetic(self, node: Arithmetic) -> SignalType | None:
        self._number(node.left, f"'{node.op.value}'")
        self._number(node.right, f"'{node.op.value}'")
        return SignalType.NUMBER

    def visit_comparison(self, node: Comparison) -> SignalType | None:
        left, right = node.left.accept(self), node.right.accept(self)
        if left is None or right is None:
            return SignalType.BOOLEAN
        if node.op in _ORDERING_OPS and (left not in _ORDERED or right not in _ORDERED):
            worst = left if left not in _ORDERED else right
            self._issue(
                "type_mismatch",
                f"'{node.op.value}' orders numbers or dates, not {_word(worst)}",
                node.position,
            )
        elif left is not right:
            self._issue(
                "type_mismatch",
                f"cannot compare {_word(left)} with {_word(right)}",
                node.position,
            )
        return SignalType.BOOLEAN

    def visit_in_list(self, node: InList) -> SignalType | None:
        operand = node.operand.accept(self)
        if operand is not None:
            for item in node.items:
                kind = _LITERAL_TYPES.get(item.kind)
                if kind is not operand:
                    shown = _word(kind) if kind is not None else "null"
                    self._issue(
                        "type_mismatch",
                        f"the list holds {shown} where {_word(operand)} belongs",
                        item.position,
                    )
        return SignalType.BOOLEAN

    def visit_between(self, node: Between) -> SignalType | None:
        kinds = [part.accept(self) for part in (node.operand, node.low, node.high)]
        known = [kind for kind in kinds if kind is not None]
        if any(kind not in _ORDERED for kind in known) or len(set(known)) > 1:
            shown = ", ".join(_word(kind) for kind in known)
            self._issue(
                "type_mismatch",
                f"'between' needs three numbers or three dates, got {shown}",
                node.position,
            )
        return SignalType.BOOLEAN

    def visit_is_null(self, node: IsNull) -> SignalType | None:
        node.operand.accept(self)
        return SignalType.BOOLEAN

    def visit_not(self, node: Not) -> SignalType | None:
        self.condition(node.operand)
        return SignalType.BOOLEAN

    def visit_and(self, node: And) -> SignalType | None:
        for operand in node.operands:
            self.condition(operand)
        return SignalType.BOOLEAN

    def visit_or(self, node: Or) -> SignalType | None:
        for operand in node.operands:
            self.condition(operand)
        return SignalType.BOOLEAN
