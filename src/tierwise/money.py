"""Exact money: ``Decimal`` amounts in an ISO-4217 currency.

Rules (DESIGN.md, section 6):

* amounts are ``Decimal``; floats are refused (``FloatRefused``), because 0.1 is not 0.1 in binary;
* currencies and their minor units come from Babel's CLDR data (JPY 0, USD 2, BHD 3), not a table;
* adding or comparing two currencies raises ``CurrencyMismatch``;
* inside a calculation amounts keep up to 9 decimal places (:data:`CALCULATION_PLACES`); a line is
  rounded once, to the currency's minor unit, with the one named policy :data:`ROUNDING`
  (HALF_UP), by :meth:`Money.rounded`;
* formatting is locale-aware (``$1,234.50`` in en_US, ``1.234,50 €`` in de_DE).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Final

from babel.numbers import format_currency, get_currency_precision, list_currencies

from tierwise.errors import CurrencyMismatch, FloatRefused, InvalidInput, UnknownCurrency

__all__ = [
    "CALCULATION_PLACES",
    "ROUNDING",
    "Money",
    "fraction",
    "minor_units",
    "to_decimal",
]

#: The one rounding policy of tierwise: half away from zero, to the currency's minor unit.
ROUNDING: Final = ROUND_HALF_UP
#: Decimal places kept for fractions (proration day fractions, percentages) inside a calculation.
CALCULATION_PLACES: Final = 9
_FRACTION_QUANTUM: Final = Decimal(1).scaleb(-CALCULATION_PLACES)


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@lru_cache(maxsize=512)
def minor_units(currency: str) -> int:
    """Number of decimal places of ``currency`` (ISO 4217 code), from CLDR via Babel."""
    if currency not in _known_currencies():
        raise UnknownCurrency(f"unknown currency code {currency!r}", field="currency")
    return int(get_currency_precision(currency))


@lru_cache(maxsize=512)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Turn an int, a decimal string or a Decimal into a Decimal; refuse floats and junk."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise InvalidInput(f"{field} must be a number, not a boolean", field=field)
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        raise FloatRefused(
            f"{field} was given as a float ({value!r}); use a Decimal or a decimal string",
            field=field,
        )
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInput(f"{field} is not a decimal number: {value!r}", field=field) from None
    else:
        raise InvalidInput(f"{field} must be a number, got {type(value).__name__}", field=field)
    if not result.is_finite():
        raise InvalidInput(f"{field} must be a finite number, got {value!r}", field=field)
    return result


def fraction(value: Decimal) -> Decimal:
    """Round a fraction (a day ratio, a percentage factor) to 9 places, HALF_UP."""
    return value.quantize(_FRACTION_QUANTUM, rounding=ROUNDING)


class Money:
    """An exact amount in one currency. Immutable; arithmetic returns new values.

    Arithmetic never rounds. Call :meth:`rounded` once per quote line.
    """

    __slots__ = ("amount", "currency")

    amount: Decimal
    currency: str

    def __init__(self, amount: Decimal | int | str, currency: str) -> None:
        minor_units(currency)  # validates the code (cached)
        object.__setattr__(self, "amount", to_decimal(amount))
        object.__setattr__(self, "currency", currency)

    @classmethod
    def _trusted(cls, amount: Decimal, currency: str) -> Money:
        """Build without re-validating; for results of arithmetic on valid Money."""
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount)
        object.__setattr__(money, "currency", currency)
        return money

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    def __reduce__(self) -> tuple[type[Money], tuple[Decimal, str]]:
        return (Money, (self.amount, self.currency))

    # -- arithmetic -----------------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} with {other.currency}", field="currency"
            )

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money._trusted(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money._trusted(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money._trusted(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money._trusted(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise FloatRefused("cannot multiply money by a float", field="factor")
        if not isinstance(factor, Decimal | int) or isinstance(factor, bool):
            return NotImplemented
        return Money._trusted(self.amount * factor, self.currency)

    __rmul__ = __mul__

    # -- comparison -----------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    # -- rounding and presentation --------------------------------------------------------------
    def rounded(self) -> Money:
        """This amount rounded HALF_UP to the currency's minor unit (the once-per-line rule)."""
        return Money._trusted(
            self.amount.quantize(_quantum(self.currency), rounding=ROUNDING), self.currency
        )

    def clamp_zero(self) -> Money:
        """This amount, or zero if it is negative."""
        return self if self.amount >= 0 else Money._trusted(Decimal(0), self.currency)

    def to_str(self) -> str:
        """The amount as a plain decimal string at the currency's minor unit (``"1234.50"``)."""
        return str(self.rounded().amount)

    def format(self, locale: str = "en_US") -> str:
        """Locale-aware text: ``$1,234.50`` (en_US), ``1.234,50 €`` (de_DE), ``￥1,235`` (ja_JP)."""
        return str(format_currency(self.rounded().amount, self.currency, locale=locale))

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{self.to_str()} {self.currency}"
