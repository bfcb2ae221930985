"""Money: exact decimals, ISO-4217 minor units from Babel, one rounding policy, formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierwise.errors import CurrencyMismatch, FloatRefused, InvalidInput, UnknownCurrency
from tierwise.money import Money, fraction, minor_units


@pytest.mark.parametrize(
    ("currency", "places"),
    [("JPY", 0), ("USD", 2), ("EUR", 2), ("BHD", 3), ("KWD", 3), ("KRW", 0)],
)
def test_minor_units_come_from_iso_4217(currency: str, places: int) -> None:
    assert minor_units(currency) == places


def test_unknown_currency_is_refused_and_names_the_field() -> None:
    with pytest.raises(UnknownCurrency) as caught:
        Money("1", "ZZZ")
    assert caught.value.field == "currency"
    assert caught.value.code == "unknown_currency"


def test_floats_are_refused() -> None:
    with pytest.raises(FloatRefused):
        Money(0.1, "USD")  # type: ignore[arg-type]
    with pytest.raises(FloatRefused):
        _ = Money("1", "USD") * 0.5  # type: ignore[operator]


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", True, None])
def test_junk_amounts_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        Money(bad, "USD")  # type: ignore[arg-type]


def test_mixing_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money("1", "USD") + Money("1", "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money("1", "USD") < Money("2", "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        # HALF_UP at the minor unit: exactly half goes away from zero.
        ("10.005", "USD", "10.01"),
        ("10.004999", "USD", "10.00"),
        ("-10.005", "USD", "-10.01"),
        ("2.5", "JPY", "3"),  # JPY has no minor unit
        ("1.2345", "BHD", "1.235"),  # BHD has three
        ("0.0049", "EUR", "0.00"),
    ],
)
def test_rounding_is_half_up_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    assert Money(amount, currency).rounded().amount == Decimal(expected)


def test_rounding_once_per_line_differs_from_rounding_each_step() -> None:
    """Why the rule says "once per line".

    | way                          | 3 × 0.335 USD                |
    |------------------------------|------------------------------|
    | round once (the rule)        | 1.005 -> 1.01                |
    | round each step (wrong)      | 0.34 + 0.34 + 0.34 = 1.02    |
    """
    # given
    piece = Money("0.335", "USD")
    # when
    once = (piece * 3).rounded()
    each = piece.rounded() + piece.rounded() + piece.rounded()
    # then
    assert once.amount == Decimal("1.01")
    assert each.amount == Decimal("1.02")


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "text"),
    [
        ("1234.5", "USD", "en_US", "$1,234.50"),
        ("1234.5", "EUR", "de_DE", "1.234,50\xa0€"),
        ("1234", "JPY", "ja_JP", "￥1,234"),
    ],
)
def test_formatting_is_locale_aware(amount: str, currency: str, locale: str, text: str) -> None:
    assert Money(amount, currency).format(locale) == text


def test_fraction_keeps_nine_places_half_up() -> None:
    # 17 / 31 = 0.548387096774... -> 0.548387097
    assert fraction(Decimal(17) / Decimal(31)) == Decimal("0.548387097")


def test_money_is_immutable() -> None:
    money = Money("1", "USD")
    with pytest.raises(AttributeError):
        money.amount = Decimal(2)


amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False)


@given(amounts, amounts)
def test_addition_is_exact_and_commutative(a: Decimal, b: Decimal) -> None:
    left = Money(a, "USD") + Money(b, "USD")
    assert left == Money(b, "USD") + Money(a, "USD")
    assert left.amount == a + b


@given(amounts)
def test_rounding_moves_by_at_most_half_a_minor_unit(a: Decimal) -> None:
    rounded = Money(a, "USD").rounded()
    assert abs(rounded.amount - a) <= Decimal("0.005")
    assert rounded.rounded() == rounded
