"""The typed syntax tree of trigger expressions, its visitor interface and its canonical text.

A trigger (``util_projects >= 0.8 and paywall_sso >= 3``) is parsed by
:mod:`tierwise.offers.expressions` into the small tree below. The tree is the one thing every
evaluation path shares: the per-account evaluator walks it with Decimal values, and the vectorised
compiler in ``adapters/analytics`` walks the *same* tree to build Ibis column expressions, through
:class:`ExpressionVisitor`, so nothing is ever parsed twice or evaluated as Python.

Nodes are frozen dataclasses compared by structure; ``position`` (the 0-based character where the
node starts in the text it was parsed from) is kept for messages but left out of equality, so
``parse(text_of(tree)) == tree`` holds for every tree.

================== =========================================== ================================
node               text                                        precedence (higher binds tighter)
================== =========================================== ================================
:class:`Or`        ``a or b or c``                             1
:class:`And`       ``a and b and c``                           2
:class:`Not`       ``not a``                                   3
:class:`Comparison` ``a < b``, ``<=``, ``>``, ``>=``, ``==``, ``!=`` 4 (does not chain)
:class:`InList`    ``a in [1, 2]``, ``a not in ['x']``         4
:class:`Between`   ``a between 1 and 5`` (inclusive)           4
:class:`IsNull`    ``a is null``, ``a is not null``            4
:class:`Arithmetic` ``a + b``, ``a - b``                        5 (left-associative)
:class:`Arithmetic` ``a * b``, ``a / b``                        6 (left-associative)
:class:`Negate`    ``-a``                                      7
:class:`Literal`, :class:`Signal`, ``( ... )``                 8
================== =========================================== ================================
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeAlias, TypeVar

__all__ = [
    "And",
    "Arithmetic",
    "ArithmeticOp",
    "Between",
    "Comparison",
    "ComparisonOp",
    "Expression",
    "ExpressionVisitor",
    "InList",
    "IsNull",
    "Literal",
    "LiteralKind",
    "LiteralValue",
    "Negate",
    "Not",
    "Or",
    "Signal",
    "precedence",
    "text_of",
]

T = TypeVar("T")

#: The Python value of a literal: a number (always Decimal), a text, a truth value or null.
LiteralValue: TypeAlias = Decimal | str | bool | None


class LiteralKind(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    BOOLEAN = "boolean"
    NULL = "null"


class ArithmeticOp(StrEnum):
    ADD = "+"
    SUBTRACT = "-"
    MULTIPLY = "*"
    DIVIDE = "/"


class ComparisonOp(StrEnum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="


# -- nodes ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """A number (Decimal), a quoted text, ``true``/``false`` or ``null``.

    ``kind`` is part of equality so that ``true`` never equals the number ``1`` (Python's
    ``True == Decimal(1)`` would say it does).
    """

    kind: LiteralKind
    value: LiteralValue
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_literal(self)


@dataclass(frozen=True, slots=True)
class Signal:
    """A signal of the registry, by its flat name (``util_projects``)."""

    name: str
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_signal(self)


@dataclass(frozen=True, slots=True)
class Negate:
    """``-operand``."""

    operand: Expression
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_negate(self)


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left op right`` with ``+ - * /`` on numbers."""

    op: ArithmeticOp
    left: Expression
    right: Expression
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_arithmetic(self)


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left op right`` with ``< <= > >= == !=``."""

    op: ComparisonOp
    left: Expression
    right: Expression
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_comparison(self)


@dataclass(frozen=True, slots=True)
class InList:
    """``operand in [items]`` (or ``not in``); items are non-null literals."""

    operand: Expression
    items: tuple[Literal, ...]
    negated: bool = False
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_in_list(self)


@dataclass(frozen=True, slots=True)
class Between:
    """``operand between low and high`` (both ends included), or ``not between``."""

    operand: Expression
    low: Expression
    high: Expression
    negated: bool = False
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_between(self)


@dataclass(frozen=True, slots=True)
class IsNull:
    """``operand is null`` (or ``is not null``)."""

    operand: Expression
    negated: bool = False
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_is_null(self)


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Expression
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_not(self)


@dataclass(frozen=True, slots=True)
class And:
    """``a and b and ...``: two or more operands, as written in one chain."""

    operands: tuple[Expression, ...]
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_and(self)


@dataclass(frozen=True, slots=True)
class Or:
    """``a or b or ...``: two or more operands, as written in one chain."""

    operands: tuple[Expression, ...]
    position: int = field(default=0, compare=False, kw_only=True)

    def accept(self, visitor: ExpressionVisitor[T]) -> T:
        return visitor.visit_or(self)


Expression: TypeAlias = (
    Literal | Signal | Negate | Arithmetic | Comparison | InList | Between | IsNull | Not | And | Or
)


class ExpressionVisitor(ABC, Generic[T]):
    """One method per node kind; ``node.accept(visitor)`` calls the matching one.

    A visitor decides itself whether and how to visit children (``node.left.accept(self)``), so
    a compiler can build its result bottom-up and an evaluator can keep context on the way down.
    """

    @abstractmethod
    def visit_literal(self, node: Literal) -> T: ...

    @abstractmethod
    def visit_signal(self, node: Signal) -> T: ...

    @abstractmethod
    def visit_negate(self, node: Negate) -> T: ...

    @abstractmethod
    def visit_arithmetic(self, node: Arithmetic) -> T: ...

    @abstractmethod
    def visit_comparison(self, node: Comparison) -> T: ...

    @abstractmethod
    def visit_in_list(self, node: InList) -> T: ...

    @abstractmethod
    def visit_between(self, node: Between) -> T: ...

    @abstractmethod
    def visit_is_null(self, node: IsNull) -> T: ...

    @abstractmethod
    def visit_not(self, node: Not) -> T: ...

    @abstractmethod
    def visit_and(self, node: And) -> T: ...

    @abstractmethod
    def visit_or(self, node: Or) -> T: ...


# -- canonical text ------------------------------------------------------------------------------

_PREDICATE = 4
_ATOM = 8
_ARITHMETIC_PRECEDENCE = {
    ArithmeticOp.ADD: 5,
    ArithmeticOp.SUBTRACT: 5,
    ArithmeticOp.MULTIPLY: 6,
    ArithmeticOp.DIVIDE: 6,
}


def precedence(node: Expression) -> int:
    """How tightly ``node`` binds (see the module table); used to place parentheses."""
    if isinstance(node, Or):
        return 1
    if isinstance(node, And):
        return 2
    if isinstance(node, Not):
        return 3
    if isinstance(node, Comparison | InList | Between | IsNull):
        return _PREDICATE
    if isinstance(node, Arithmetic):
        return _ARITHMETIC_PRECEDENCE[node.op]
    if isinstance(node, Negate):
        return 7
    return _ATOM


def text_of(node: Expression) -> str:
    """The canonical text of ``node``: single spaces, single quotes, parentheses only if needed.

    Parsing the text gives back an equal tree (a property the tests check with hypothesis).
    """
    return node.accept(_Printer())


def _number_text(value: Decimal) -> str:
    return format(value, "f")


def _literal_text(node: Literal) -> str:
    if node.kind is LiteralKind.NUMBER and isinstance(node.value, Decimal):
        return _number_text(node.value)
    if node.kind is LiteralKind.TEXT and isinstance(node.value, str):
        escaped = node.value.replace("\\", "\\\\").replace("'", "\\'")
        return f"'{escaped}'"
    if node.kind is LiteralKind.BOOLEAN:
        return "true" if node.value else "false"
    return "null"


class _Printer(ExpressionVisitor[str]):
    def _child(self, node: Expression, at_least: int) -> str:
        text = node.accept(self)
        return text if precedence(node) >= at_least else f"({text})"

    def visit_literal(self, node: Literal) -> str:
        return _literal_text(node)

    def visit_signal(self, node: Signal) -> str:
        return node.name

    def visit_negate(self, node: Negate) -> str:
        operand = node.operand
        if isinstance(operand, Literal) and operand.kind is LiteralKind.NUMBER:
            # `-5` reads back as the literal -5; `-(5)` keeps the negation of 5 a negation
            return f"-({operand.accept(self)})"
        return f"-{self._child(operand, 7)}"

    def visit_arithmetic(self, node: Arithmetic) -> str:
        own = _ARITHMETIC_PRECEDENCE[node.op]
        return f"{self._child(node.left, own)} {node.op.value} {self._child(node.right, own + 1)}"

    def visit_comparison(self, node: Comparison) -> str:
        left = self._child(node.left, _PREDICATE + 1)
        return f"{left} {node.op.value} {self._child(node.right, _PREDICATE + 1)}"

    def visit_in_list(self, node: InList) -> str:
        items = ", ".join(_literal_text(item) for item in node.items)
        word = "not in" if node.negated else "in"
        return f"{self._child(node.operand, _PREDICATE + 1)} {word} [{items}]"

    def visit_between(self, node: Between) -> str:
        word = "not between" if node.negated else "between"
        operand = self._child(node.operand, _PREDICATE + 1)
        low = self._child(node.low, _PREDICATE + 1)
        return f"{operand} {word} {low} and {self._child(node.high, _PREDICATE + 1)}"

    def visit_is_null(self, node: IsNull) -> str:
        word = "is not null" if node.negated else "is null"
        return f"{self._child(node.operand, _PREDICATE + 1)} {word}"

    def visit_not(self, node: Not) -> str:
        return f"not {self._child(node.operand, 3)}"

    def visit_and(self, node: And) -> str:
        return " and ".join(self._child(operand, 3) for operand in node.operands)

    def visit_or(self, node: Or) -> str:
        return " or ".join(self._child(operand, 2) for operand in node.operands)
