"""Message placeholders: found with their columns, malformed ones reported, rendering."""

from __future__ import annotations

from decimal import Decimal

from tierwise.offers.messages import placeholders, render


def test_placeholders_are_found_with_their_columns() -> None:
    # when
    found, issues = placeholders("{seats_assigned} of {seats} seats, {{literal}}")

    # then
    assert [(p.name, p.format, p.position) for p in found] == [
        ("seats_assigned", None, 0),
        ("seats", None, 20),
    ]
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


def test_formats_are_found_and_an_unknown_one_is_reported() -> None:
    # when
    found, issues = placeholders("{active_growth_30d:percent} {runout_days_api_calls:days}")

    # then
    assert [(p.name, p.format, p.position) for p in found] == [
        ("active_growth_30d", "percent", 0),
    ]
    assert [i.position for i in issues] == [28]
    assert "percent, whole" in issues[0].message


def test_numbers_in_copy_show_two_decimals_or_their_format() -> None:
    # when
    text = render(
        "stop in {runout:whole} days ({runout}); grew {growth:percent}, "
        "seats {util:percent}, {half:whole}, {count:percent}, {name:whole}, {gone:percent}",
        {
            "runout": 6.0386,
            "growth": 0.3125,
            "util": Decimal("0.995"),
            "half": 2.5,
            "count": 3,
            "name": "team",
        },
    )

    # then: 6.0386 → 6 whole and 6.04 at two places; 0.3125 → 31.25 % → 31 %; 0.995 → 99.5 %
    # → 100 % (halves up); 2.5 → 3; 3 → 300 %; a text ignores the format; null is —
    assert text == "stop in 6 days (6.04); grew 31%, seats 100%, 3, 300%, team, —"
