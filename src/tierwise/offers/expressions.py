"""The safe trigger language: a hand-written tokenizer and recursive-descent parser.

Triggers are data a growth team writes in YAML, so they are *read*, never run: the text is split
into tokens here and parsed into the small tree of :mod:`tierwise.offers.expression_ast`; neither
``eval`` nor Python's own parser ever sees it. Anything that is not part of the grammar below is
refused with an :class:`~tierwise.errors.ExpressionInvalid` that names the column and a specific
``reason`` code, among them the constructs people try first:

===================== ========================================================================
reason                refused text
===================== ========================================================================
call_not_allowed      ``max(a, b)``, ``util_projects()``, ``(a)(b)``
attribute_not_allowed ``account.plan``, ``x.__class__``
index_not_allowed     ``signals['plan']``, ``'abc'[0]``
lambda_not_allowed    ``lambda: 1``
dunder_not_allowed    any name with a double underscore: ``__import__``
expression_too_long   more than :data:`MAX_LENGTH` characters
expression_too_deep   nesting deeper than :data:`MAX_DEPTH` levels
expression_syntax     everything else that does not fit (with what was expected)
===================== ========================================================================

Grammar (keywords are lower case; ``#`` is not a comment)::

    expression := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | predicate
    predicate  := sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum
                      | ["not"] "in" list
                      | ["not"] "between" sum "and" sum
                      | "is" ["not"] "null" ]
    sum        := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | primary          ("-" right before a number: a negative literal)
    primary    := NUMBER | STRING | "true" | "false" | "null" | NAME | "(" expression ")"
    list       := "[" item ("," item)* [","] "]"
    item       := ["-"] NUMBER | STRING | "true" | "false"
    NUMBER     := digits ["." digits]           (read as Decimal, exactly)
    STRING     := '...' or "..."                (\\ escapes only a quote or a backslash)
    NAME       := letter or "_", then letters, digits, "_"

Comparisons do not chain (``a < b < c`` is refused; write ``a < b and b < c``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from tierwise.errors import ExpressionInvalid
from tierwise.offers.expression_ast import (
    And,
    Arithmetic,
    ArithmeticOp,
    Between,
    Comparison,
    ComparisonOp,
    Expression,
    InList,
    IsNull,
    Literal,
    LiteralKind,
    Negate,
    Not,
    Or,
    Signal,
)

__all__ = ["KEYWORDS", "MAX_DEPTH", "MAX_LENGTH", "Token", "TokenKind", "parse", "tokenize"]

#: Longest expression text accepted, in characters.
MAX_LENGTH: Final = 2000
#: Deepest nesting accepted: parentheses, ``not``/``-`` chains and operator chains all count.
MAX_DEPTH: Final = 40
#: Reserved words; none of them can be a signal name.
KEYWORDS: Final = frozenset(
    {"and", "or", "not", "in", "between", "is", "null", "true", "false", "lambda"}
)


class TokenKind(StrEnum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text as written (a string's value unquoted), and its column."""

    kind: TokenKind
    text: str
    position: int


_TWO_CHAR: Final = ("<=", ">=", "==", "!=")
_ONE_CHAR: Final = frozenset("<>+-*/()[],.")
_HINTS: Final = {
    "=": "write == to compare",
    "!": "write != for 'not equal' or 'not' to negate",
    "&": "write and",
    "|": "write or",
    "%": "there is no remainder operator",
    ":": "there are no slices, lambdas or mappings in a trigger",
    ";": "a trigger is one expression",
    "{": "there are no mappings or sets in a trigger",
    "}": "there are no mappings or sets in a trigger",
    "@": "there are no decorators or matrix products in a trigger",
    "#": "there are no comments in a trigger",
    "`": "quote texts with ' or \"",
}


def _error(reason: str, detail: str, position: int) -> ExpressionInvalid:
    return ExpressionInvalid(reason, detail, position)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an END token; refuses what no token can be."""
    if len(text) > MAX_LENGTH:
        raise _error(
            "expression_too_long",
            f"an expression may have at most {MAX_LENGTH} characters, this one has {len(text)}",
            MAX_LENGTH,
        )
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char.isascii() and char.isdigit():
            index = _number(text, index, tokens)
        elif char in "'\"":
            index = _string(text, index, tokens)
        elif char.isascii() and (char.isalpha() or char == "_"):
            index = _name(text, index, tokens)
        elif text.startswith(_TWO_CHAR, index):
            tokens.append(Token(TokenKind.OPERATOR, text[index : index + 2], index))
            index += 2
        elif text.startswith("**", index):
            raise _error("expression_syntax", "there is no power operator (**)", index)
        elif char in _ONE_CHAR:
            tokens.append(Token(TokenKind.OPERATOR, char, index))
            index += 1
        else:
            hint = _HINTS.get(char)
            detail = f"unexpected character {char!r}" + (f": {hint}" if hint else "")
            raise _error("expression_syntax", detail, index)
    tokens.append(Token(TokenKind.END, "", len(text)))
    return tokens


def _number(text: str, start: int, tokens: list[Token]) -> int:
    end = start
    while end < len(text) and text[end].isascii() and text[end].isdigit():
        end += 1
    if end < len(text) and text[end] == "." and end + 1 < len(text) and text[end + 1].isdigit():
        end += 1
        while end < len(text) and text[end].isascii() and text[end].isdigit():
            end += 1
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        raise _error(
            "expression_syntax",
            f"a number runs into {text[end]!r}: write plain decimals such as 1000 or 0.8",
            end,
        )
    tokens.append(Token(TokenKind.NUMBER, text[start:end], start))
    return end


def _string(text: str, start: int, tokens: list[Token]) -> int:
    quote = text[start]
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            following = text[index + 1 : index + 2]
            if following not in ("\\", "'", '"'):
                raise _error(
                    "expression_syntax",
                    "a backslash in a text may only escape a quote or a backslash",
                    index,
                )
            chars.append(following)
            index += 2
        elif char == quote:
            tokens.append(Token(TokenKind.STRING, "".join(chars), start))
            return index + 1
        else:
            chars.append(char)
            index += 1
    raise _error("expression_syntax", f"the text starting here has no closing {quote}", start)


def _name(text: str, start: int, tokens: list[Token]) -> int:
    end = start
    while end < len(text) and text[end].isascii() and (text[end].isalnum() or text[end] == "_"):
        end += 1
    word = text[start:end]
    if "__" in word:
        raise _error(
            "dunder_not_allowed", f"names with a double underscore are not allowed: {word}", start
        )
    if word == "lambda":
        raise _error("lambda_not_allowed", "lambdas are not allowed in a trigger", start)
    kind = TokenKind.KEYWORD if word in KEYWORDS else TokenKind.NAME
    tokens.append(Token(kind, word, start))
    return end


# -- parsing -------------------------------------------------------------------------------------

_COMPARISONS: Final = {op.value: op for op in ComparisonOp}
_SUMS: Final = {"+": ArithmeticOp.ADD, "-": ArithmeticOp.SUBTRACT}
_TERMS: Final = {"*": ArithmeticOp.MULTIPLY, "/": ArithmeticOp.DIVIDE}


def parse(text: str) -> Expression:
    """The tree of ``text``; raises :class:`~tierwise.errors.ExpressionInvalid` with the column."""
    parser = _Parser(tokenize(text))
    if parser.peek().kind is TokenKind.END:
        raise _error("expression_syntax", "the expression is empty", 0)
    tree = parser.expression(0)
    token = parser.peek()
    if token.kind is not TokenKind.END:
        raise _error(
            "expression_syntax",
            f"unexpected {_describe(token)} after a whole condition",
            token.position,
        )
    return tree


def _describe(token: Token) -> str:
    if token.kind is TokenKind.END:
        return "end of the expression"
    if token.kind is TokenKind.STRING:
        return "text"
    return f"{token.kind.value} {token.text!r}"


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0

    def peek(self, ahead: int = 0) -> Token:
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def _next(self) -> Token:
        token = self.peek()
        self._index += 1
        return token

    def _at(self, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind in (TokenKind.KEYWORD, TokenKind.OPERATOR) and token.text == text

    def _expect(self, text: str, what: str) -> Token:
        token = self.peek()
        if not self._at(text):
            raise _error(
                "expression_syntax", f"expected {what}, found {_describe(token)}", token.position
            )
        return self._next()

    @staticmethod
    def _deeper(depth: int, position: int) -> int:
        if depth >= MAX_DEPTH:
            raise _error(
                "expression_too_deep",
                f"the expression nests deeper than {MAX_DEPTH} levels; split it up",
                position,
            )
        return depth + 1

    def expression(self, depth: int) -> Expression:
        start = self.peek().position
        depth = self._deeper(depth, start)
        operands = [self._and(depth)]
        while self._at("or"):
            self._next()
            operands.append(self._and(depth))
        return operands[0] if len(operands) == 1 else Or(tuple(operands), position=start)

    def _and(self, depth: int) -> Expression:
        start = self.peek().position
        operands = [self._not(depth)]
        while self._at("and"):
            self._next()
            operands.append(self._not(depth))
        return operands[0] if len(operands) == 1 else And(tuple(operands), position=start)

    def _not(self, depth: int) -> Expression:
        if self._at("not"):
            token = self._next()
            operand = self._not(self._deeper(depth, token.position))
            return Not(operand, position=token.position)
        return self._predicate(depth)

    def _predicate(self, depth: int) -> Expression:
        left = self._sum(depth)
        token = self.peek()
        if token.kind is TokenKind.OPERATOR and token.text in _COMPARISONS:
            self._next()
            right = self._sum(depth)
            follow = self.peek()
            if follow.kind is TokenKind.OPERATOR and follow.text in _COMPARISONS:
                raise _error(
                    "expression_syntax",
                    "comparisons do not chain: write a < b and b < c",
                    follow.position,
                )
            return Comparison(_COMPARISONS[token.text], left, right, position=left.position)
        negated = self._at("not") and (self._at("in", 1) or self._at("between", 1))
        if negated:
            self._next()
        if self._at("in"):
            self._next()
            return InList(left, self._list(), negated, position=left.position)
        if self._at("between"):
            self._next()
            low = self._sum(depth)
            self._expect("and", "'and' between the two ends of 'between'")
            high = self._sum(depth)
            return Between(left, low, high, negated, position=left.position)
        if self._at("is"):
            self._next()
            is_not = self._at("not")
            if is_not:
                self._next()
            self._expect("null", "null after 'is' (only 'is null' and 'is not null' exist)")
            return IsNull(left, is_not, position=left.position)
        return left

    def _list(self) -> tuple[Literal, ...]:
        opening = self.peek()
        self._expect("[", "a list such as ['fintech', 'healthcare'] after 'in'")
        items: list[Literal] = []
        while not self._at("]"):
            items.append(self._item())
            if self._at(","):
                self._next()
            elif not self._at("]"):
                token = self.peek()
                raise _error(
                    "expression_syntax",
                    f"expected ',' or ']' in the list, found {_describe(token)}",
                    token.position,
                )
        self._next()
        if not items:
            raise _error("expression_syntax", "the list after 'in' is empty", opening.position)
        return tuple(items)

    def _item(self) -> Literal:
        token = self.peek()
        if self._at("-") and self.peek(1).kind is TokenKind.NUMBER:
            self._next()
            number = self._next()
            return Literal(LiteralKind.NUMBER, -Decimal(number.text), position=token.position)
        if (
            token.kind in (TokenKind.NUMBER, TokenKind.STRING)
            or self._at("true")
            or self._at("false")
        ):
            literal = self._literal(self._next())
            if literal is not None:
                return literal
        raise _error(
            "expression_syntax",
            f"a list holds numbers, texts, true or false, found {_describe(token)}",
            token.position,
        )

    def _sum(self, depth: int) -> Expression:
        left = self._term(depth)
        while self.peek().kind is TokenKind.OPERATOR and self.peek().text in _SUMS:
            token = self._next()
            depth = self._deeper(depth, token.position)
            right = self._term(depth)
            left = Arithmetic(_SUMS[token.text], left, right, position=left.position)
        return left

    def _term(self, depth: int) -> Expression:
        left = self._unary(depth)
        while self.peek().kind is TokenKind.OPERATOR and self.peek().text in _TERMS:
            token = self._next()
            depth = self._deeper(depth, token.position)
            right = self._unary(depth)
            left = Arithmetic(_TERMS[token.text], left, right, position=left.position)
        return left

    def _unary(self, depth: int) -> Expression:
        if self._at("-"):
            token = self._next()
            if self.peek().kind is TokenKind.NUMBER:
                number = self._next()
                literal = Literal(
                    LiteralKind.NUMBER, -Decimal(number.text), position=token.position
                )
                return self._refuse_postfix(literal)
            operand = self._unary(self._deeper(depth, token.position))
            return Negate(operand, position=token.position)
        return self._refuse_postfix(self._primary(depth))

    def _refuse_postfix(self, node: Expression) -> Expression:
        """Calls, attributes and indexing all start right after an operand: refuse them there."""
        token = self.peek()
        if token.kind is TokenKind.OPERATOR:
            if token.text == "(":
                raise _error(
                    "call_not_allowed",
                    "function calls are not allowed in a trigger",
                    token.position,
                )
            if token.text == ".":
                raise _error(
                    "attribute_not_allowed",
                    "attribute access ('.') is not allowed in a trigger",
                    token.position,
                )
            if token.text == "[":
                raise _error(
                    "index_not_allowed",
                    "indexing ('[...]') is not allowed in a trigger",
                    token.position,
                )
        if token.kind in (TokenKind.NAME, TokenKind.NUMBER, TokenKind.STRING):
            raise _error(
                "expression_syntax",
                f"expected an operator, found {_describe(token)}",
                token.position,
            )
        return node

    def _primary(self, depth: int) -> Expression:
        token = self.peek()
        if token.kind is TokenKind.NAME:
            self._next()
            return Signal(token.text, position=token.position)
        if self._at("("):
            self._next()
            inner = self.expression(depth)
            self._expect(")", f"')' to close the '(' at column {token.position + 1}")
            return inner
        literal = self._literal(token)
        if literal is not None:
            self._next()
            return literal
        if self._at("["):
            raise _error("expression_syntax", "a list [...] may only follow 'in'", token.position)
        if self._at("."):
            raise _error(
                "expression_syntax", "a number starts with a digit (write 0.5)", token.position
            )
        raise _error(
            "expression_syntax",
            f"expected a value, a signal name or '(', found {_describe(token)}",
            token.position,
        )

    @staticmethod
    def _literal(token: Token) -> Literal | None:
        if token.kind is TokenKind.NUMBER:
            return Literal(LiteralKind.NUMBER, Decimal(token.text), position=token.position)
        if token.kind is TokenKind.STRING:
            return Literal(LiteralKind.TEXT, token.text, position=token.position)
        if token.kind is TokenKind.KEYWORD and token.text in ("true", "false"):
            return Literal(LiteralKind.BOOLEAN, token.text == "true", position=token.position)
        if token.kind is TokenKind.KEYWORD and token.text == "null":
            return Literal(LiteralKind.NULL, None, position=token.position)
        return None
