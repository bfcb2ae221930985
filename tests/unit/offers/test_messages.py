"""Message placeholders: found with their columns, malformed ones reported, rendering."""

from __future__ import annotations

from decimal import Decimal

from tierwise.offers.messages import placeholders, render


def test_placeholders_are_found_with_their_columns() -> None:
    # when
    found, issues = placeholders("{seats_assigned} of {seats} seats, {{literal}}")

    # then
    assert found == (("seats_assigned", 0), ("seats", 20))
    assert issues == ()


def test_malformed_placeholders_are_reported() -> None:
    # when
    _, issues = placeholders("Use {util_projects or {seats.count} }")

    # then
    assert [i.position for i in issues] == [4, 22, 36]


def test_render_fills_values_and_braces() -> None:
    # when
    text = render(
        "{seats_assigned} of {seats} ({ratio}) {{ok}} {missing}",
        {"seats_assigned": 19, "seats": Decimal("20"), "ratio": 0.95},
    )

    # then
    assert text == "19 of 20 (0.95) {ok} —"
