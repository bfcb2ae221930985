"""Quotes computed by hand: proration lines, interval changes, JPY, price path, errors, JSON."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from tierwise.catalog.model import BillingInterval, ChangeTiming, ProrationConvention
from tierwise.errors import (
    AddOnNotAvailable,
    ChangeNotAllowed,
    CurrencyNotPriced,
    InvalidInput,
    OutsidePeriod,
    SeatsOutOfRange,
    UnknownAddOn,
    UnknownPlan,
)
from tierwise.money import Money
from tierwise.pricing.quotes import (
    CurrentSubscription,
    LineKind,
    ProposedChange,
    Quote,
    quote_change,
)
from tierwise.testing.catalogs import (
    catalog_version,
    discount_policy,
    flat,
    northwind_version,
    per_seat,
    plan,
    prices,
)

D = dt.date
MONTH, QUARTER, YEAR = BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR
NORTHWIND = northwind_version()
THIRTY_DAY_MONTH = ProrationConvention.THIRTY_DAY_MONTH
MID_MARCH = dt.datetime(2026, 3, 15, 10, 30, tzinfo=dt.UTC)  # 17 of 31 days left in March


def usd(amount: str) -> Money:
    return Money(amount, "USD")


TEAM_12 = CurrentSubscription(
    plan="team",
    interval=MONTH,
    currency="USD",
    period_start=D(2026, 3, 1),
    seats=12,
    add_ons=("automation_pack",),
)


def team_12(**overrides: Any) -> CurrentSubscription:
    """Team × 12 seats + Automation pack, monthly from Mar 1 2026, with ``overrides``."""
    return replace(TEAM_12, **overrides)


def amounts(quote: Quote) -> list[tuple[LineKind, str, Money]]:
    return [(line.kind, line.item, line.amount) for line in quote.lines]


def test_adding_seats_mid_month_credits_the_old_seats_and_charges_the_new():
    # given Team × 12 seats + Automation pack, monthly from Mar 1; 15 seats from Mar 15
    # when quoted (the fraction is 17/31 = 0.548387097)
    quote = quote_change(NORTHWIND, team_12(), ProposedChange(to_seats=15), MID_MARCH)
    # then: credit 12 × 12 = 144 × 0.548387097 = 78.967741968 -> 78.97
    #       charge 15 × 12 = 180 × 0.548387097 = 98.709677460 -> 98.71
    #       the Automation pack does not change, so it has no line
    assert quote.timing is ChangeTiming.IMMEDIATE
    assert quote.effective_at == MID_MARCH
    assert amounts(quote) == [
        (LineKind.CREDIT, "plan:team", usd("-78.97")),
        (LineKind.CHARGE, "plan:team", usd("98.71")),
    ]
    assert quote.lines[0].description == (
        "Unused time on Team × 12 seats, 2026-03-15 to 2026-04-01 (17 of 31 days)"
    )
    assert (quote.lines[0].period_start, quote.lines[0].period_end) == (
        D(2026, 3, 15),
        D(2026, 4, 1),
    )
    # net 98.71 − 78.97 = 19.74
    assert (quote.net, quote.due_now, quote.credit_balance) == (
        usd("19.74"),
        usd("19.74"),
        usd("0"),
    )
    # recurring: monthly 15 × 12 + 49 = 229; yearly 15 × 120 + 490 = 2,290;
    # savings 12 × 229 − 2,290 = 2,748 − 2,290 = 458 = 16.67 % of 2,748;
    # list: 15 × 15 (Team list) + 49 (the pack has no list price: its monthly price) = 274
    recurring = quote.recurring
    assert (recurring.monthly, recurring.annual) == (usd("229"), usd("2290"))
    assert (recurring.savings, recurring.savings_percent) == (usd("458"), Decimal("16.67"))
    assert recurring.list_monthly == usd("274")
    assert quote.discounts == ()
    assert quote.price_path == ()


def test_monthly_to_annual_three_year_upgrade_starts_a_new_yearly_period():
    # given Team × 12 + Automation pack, monthly; at Mar 15 move to Business × 20 yearly with
    # Automation pack and Audit logs, on a 3-year term (10 % term discount)
    change = ProposedChange(
        to_plan="business",
        to_seats=20,
        to_interval=YEAR,
        to_add_ons=("automation_pack", "audit_logs"),
        term_years=3,
    )
    # when quoted
    quote = quote_change(NORTHWIND, team_12(), change, MID_MARCH)
    # then the old items are credited for Mar 15..31 (17/31 = 0.548387097):
    #   Team 144 × 0.548387097 = 78.97; pack 49 × 0.548387097 = 26.870967753 -> 26.87
    # and the new items charged for a whole new year from Mar 15, after 10 % off:
    #   Business 20 × 240 = 4,800 − 480 = 4,320; pack 490 − 49 = 441; Audit 20 × 40 = 800 − 80
    assert amounts(quote) == [
        (LineKind.CREDIT, "plan:team", usd("-78.97")),
        (LineKind.CREDIT, "add_on:automation_pack", usd("-26.87")),
        (LineKind.CHARGE, "plan:business", usd("4320.00")),
        (LineKind.CHARGE, "add_on:automation_pack", usd("441.00")),
        (LineKind.CHARGE, "add_on:audit_logs", usd("720.00")),
    ]
    assert quote.lines[2].description == (
        "Business × 20 seats, billed yearly, 10% off, 2026-03-15 to 2027-03-15 (365 of 365 days)"
    )
    # net = 4,320 + 441 + 720 − 78.97 − 26.87 = 5,481 − 105.84 = 5,375.16
    assert quote.due_now == usd("5375.16")
    # the anchor moves to the 15th and the term starts on the change day
    after = quote.subscription_after
    assert (after.period_start, after.anchor_day, after.term_start) == (
        D(2026, 3, 15),
        15,
        D(2026, 3, 15),
    )
    # the waterfall per year: before discounts 12 × (20 × 25 + 49 + 20 × 4) = 12 × 629 = 7,548
    #   annual prepay (6,000 − 4,800) + (588 − 490) + (960 − 800) = 1,200 + 98 + 160 = 1,458
    #   term 10 %: 480 + 49 + 80 = 609;   7,548 − 1,458 − 609 = 5,481
    assert [(d.policy, d.amount) for d in quote.discounts] == [
        ("annual_prepay", usd("1458")),
        ("term_years", usd("609")),
    ]
    assert quote.recurring.per_period == usd("5481")
    assert quote.recurring.before_discounts == usd("7548")
    # the 3-year price path: the same 5,481 each contract year, from the change day
    assert [(y.year, y.start, y.end, y.amount) for y in quote.price_path] == [
        (1, D(2026, 3, 15), D(2027, 3, 15), usd("5481")),
        (2, D(2027, 3, 15), D(2028, 3, 15), usd("5481")),
        (3, D(2028, 3, 15), D(2029, 3, 15), usd("5481")),
    ]
    assert [d.policy for d in quote.price_path[0].discounts] == ["annual_prepay", "term_years"]
    assert not quote.needs_approval


def test_annual_to_monthly_immediately_leaves_a_credit_balance():
    # given an always-immediate catalog: Pro at 10 a seat a month, 100 a seat a year
    version = catalog_version(
        plans={"pro": plan("Pro", 1, per_seat({"USD": prices(10, year=100)}))}
    )
    current = CurrentSubscription("pro", YEAR, "USD", D(2026, 1, 10), seats=4)
    # when it moves to monthly billing on Jul 10
    quote = quote_change(
        version, current, ProposedChange(to_interval=MONTH), dt.datetime(2026, 7, 10, tzinfo=dt.UTC)
    )
    # then the year Jan 10 2026 -> Jan 10 2027 (365 days) has 31+31+30+31+30+31 = 184 days left:
    #   184/365 = 0.504109589; credit 400 × 0.504109589 = 201.6438356 -> 201.64
    # and a new monthly period Jul 10 -> Aug 10 is charged in full: 4 × 10 = 40.00
    assert amounts(quote) == [
        (LineKind.CREDIT, "plan:pro", usd("-201.64")),
        (LineKind.CHARGE, "plan:pro", usd("40.00")),
    ]
    # net 40 − 201.64 = −161.64: nothing is due and 161.64 stays in the customer's favour
    assert quote.net == usd("-161.64")
    assert (quote.due_now, quote.credit_balance) == (usd("0"), usd("161.64"))


def test_annual_to_monthly_under_northwind_waits_for_the_end_of_the_period():
    # given Team yearly from Jan 10 2026; same plan, shorter interval = case 6, end of term
    current = team_12(interval=YEAR, period_start=D(2026, 1, 10), add_ons=())
    # when quoted on Jul 10
    quote = quote_change(
        NORTHWIND,
        current,
        ProposedChange(to_interval=MONTH),
        dt.datetime(2026, 7, 10, tzinfo=dt.UTC),
    )
    # then nothing is prorated; it takes effect when the year ends
    assert quote.timing is ChangeTiming.END_OF_TERM
    assert quote.rule.source == "changes.cases[6]"
    assert quote.lines == ()
    assert quote.due_now == usd("0")
    assert quote.effective_at == dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
    assert quote.subscription_after.period_start == D(2027, 1, 10)
    assert quote.recurring.per_period == usd("144")  # 12 seats × 12 a month


def test_a_term_change_at_end_of_term_waits_for_the_contract_to_end():
    # given Business × 10 monthly since Mar 1, in a 1-year term that started Jan 1 2026
    current = CurrentSubscription(
        "business", MONTH, "USD", D(2026, 3, 1), seats=10, term_start=D(2026, 1, 1)
    )
    # when it moves down to Team on a 2-year term (down = case 4, end of term)
    quote = quote_change(
        NORTHWIND, current, ProposedChange(to_plan="team", term_years=2), MID_MARCH
    )
    # then it takes effect when the contract term ends (Jan 1 2027), not the period (Apr 1)
    assert quote.timing is ChangeTiming.END_OF_TERM
    assert quote.effective_at == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    after = quote.subscription_after
    assert (after.period_start, after.anchor_day, after.term_start, after.term_years) == (
        D(2027, 1, 1),
        1,
        D(2027, 1, 1),
        2,
    )
    # the 2-year path: Team 10 seats monthly with 6 % off: 120 − 7.20 = 112.80 a month,
    # 12 × 112.80 = 1,353.60 a year
    assert [(y.start, y.amount) for y in quote.price_path] == [
        (D(2027, 1, 1), usd("1353.60")),
        (D(2028, 1, 1), usd("1353.60")),
    ]


def test_jpy_rounds_to_whole_yen():
    # given a flat JPY plan at 1,234 a month; yearly derived with 15 % prepay:
    # 1,234 × 12 × 0.85 = 12,586.8 -> 12,587 (HALF_UP, 0 decimals)
    version = catalog_version(
        plans={"basic": plan("Basic", 1, flat({"JPY": prices(1234)}))},
        discounts=discount_policy(annual_prepay_percent=15),
        currencies=("JPY",),
    )
    current = CurrentSubscription("basic", MONTH, "JPY", D(2026, 3, 1))
    # when it moves to yearly on Mar 15
    quote = quote_change(version, current, ProposedChange(to_interval=YEAR), MID_MARCH)
    # then credit 1,234 × 0.548387097 = 676.709677698 -> 677; charge 12,587
    assert amounts(quote) == [
        (LineKind.CREDIT, "plan:basic", Money(-677, "JPY")),
        (LineKind.CHARGE, "plan:basic", Money(12587, "JPY")),
    ]
    # 12,587 − 677 = 11,910; and the JSON amounts carry no decimals
    assert quote.due_now == Money(11910, "JPY")
    assert quote.as_dict()["due_now"] == "11910"
    # the prepay saving: 12 × 1,234 = 14,808 − 12,587 = 2,221
    assert quote.recurring.savings == Money(2221, "JPY")
    assert "annual prepay saving of the discount policy" in quote.discounts[0].reason


def test_an_add_on_included_in_the_new_plan_is_credited_and_not_charged():
    # given Business × 30 + Audit logs; Enterprise includes Audit logs
    current = CurrentSubscription(
        "business", MONTH, "USD", D(2026, 3, 1), seats=30, add_ons=("audit_logs",)
    )
    # when upgraded on Mar 15 (17/31 = 0.548387097)
    quote = quote_change(NORTHWIND, current, ProposedChange(to_plan="enterprise"), MID_MARCH)
    # then credit Business 30 × 25 = 750 × 0.548387097 = 411.29032275 -> 411.29
    #      credit Audit logs 30 × 4 = 120 × 0.548387097 = 65.80645164 -> 65.81
    #      charge Enterprise 30 × 45 = 1,350 × 0.548387097 = 740.32258095 -> 740.32
    assert amounts(quote) == [
        (LineKind.CREDIT, "plan:business", usd("-411.29")),
        (LineKind.CREDIT, "add_on:audit_logs", usd("-65.81")),
        (LineKind.CHARGE, "plan:enterprise", usd("740.32")),
    ]
    # 740.32 − 411.29 − 65.81 = 263.22
    assert quote.due_now == usd("263.22")


def test_thirty_day_month_convention_from_the_catalog():
    # given Northwind with the 30-day-month convention
    version = NORTHWIND.model_copy(
        update={"changes": NORTHWIND.changes.model_copy(update={"proration": THIRTY_DAY_MONTH})}
    )
    # when Team goes from 12 to 15 seats on Mar 15: 16 of 30 days = 0.533333333
    quote = quote_change(version, team_12(), ProposedChange(to_seats=15), MID_MARCH)
    # then credit 144 × 0.533333333 = 76.799999952 -> 76.80; charge 180 × 0.533333333
    # = 95.99999994 -> 96.00
    assert amounts(quote) == [
        (LineKind.CREDIT, "plan:team", usd("-76.80")),
        (LineKind.CHARGE, "plan:team", usd("96.00")),
    ]
    assert "16 of 30 days counted as 30-day months" in quote.lines[0].description


def test_loyalty_and_volume_over_the_limit_need_approval():
    # given a renewal of Enterprise × 600 seats, moving to a 3-year term
    current = CurrentSubscription("enterprise", YEAR, "USD", D(2026, 1, 1), seats=600, renewal=True)
    quote = quote_change(
        NORTHWIND, current, ProposedChange(term_years=3), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    # then term 10 + volume 10 + loyalty 5 = 25 % > 20 %
    assert [d.policy for d in quote.discounts] == [
        "annual_prepay",
        "term_years",
        "seat_volume",
        "loyalty",
    ]
    assert quote.combined_discount_percent == Decimal(25)
    assert quote.needs_approval
    # the year: 600 × 40 × 12 = 288,000 − 15 % prepay = 244,800; −25 % = 244,800 × 0.75 = 183,600
    assert quote.recurring.per_period == usd("183600")


@pytest.mark.parametrize(
    ("current", "change", "error", "field"),
    [
        (team_12(), ProposedChange(to_plan="platinum"), UnknownPlan, "to_plan"),
        (team_12(plan="gold"), ProposedChange(), UnknownPlan, "plan"),
        (team_12(), ProposedChange(to_add_ons=("coffee",)), UnknownAddOn, "to_add_ons"),
        (team_12(), ProposedChange(to_add_ons=("audit_logs",)), AddOnNotAvailable, "to_add_ons"),
        (team_12(currency="GBP"), ProposedChange(), CurrencyNotPriced, "currency"),
        (team_12(seats=3), ProposedChange(to_plan="business"), SeatsOutOfRange, "to_seats"),
        (team_12(seats=2), ProposedChange(), SeatsOutOfRange, "seats"),
        (team_12(term_years=3), ProposedChange(term_years=1), ChangeNotAllowed, "changes.cases[0]"),
        (team_12(period_start=D(2026, 2, 1)), ProposedChange(), OutsidePeriod, "at"),
        (team_12(period_start=D(2026, 3, 16)), ProposedChange(), OutsidePeriod, "at"),
        (team_12(anchor_day=31), ProposedChange(), InvalidInput, "period_start"),
        (team_12(), ProposedChange(term_years=0), InvalidInput, "to_term_years"),
    ],
)
def test_bad_input_names_the_field(current, change, error, field):
    with pytest.raises(error) as raised:
        quote_change(NORTHWIND, current, change, MID_MARCH)
    assert raised.value.field == field


def test_at_must_be_timezone_aware_and_is_read_as_utc():
    # a naive datetime is refused
    with pytest.raises(InvalidInput) as raised:
        quote_change(NORTHWIND, team_12(), ProposedChange(to_seats=15), dt.datetime(2026, 3, 15))
    assert raised.value.field == "at"
    # 01:00 at UTC+2 on Mar 15 is 23:00 UTC on Mar 14: 18 of 31 days are left
    at = dt.datetime(2026, 3, 15, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    quote = quote_change(NORTHWIND, team_12(), ProposedChange(to_seats=15), at)
    assert quote.lines[0].period_start == D(2026, 3, 14)
    assert "(18 of 31 days)" in quote.lines[0].description


def test_json_shape_of_the_cli_contract():
    change = ProposedChange(
        to_plan="business", to_seats=20, to_interval=YEAR, term_years=3, to_add_ons=()
    )
    data = json.loads(quote_change(NORTHWIND, team_12(), change, MID_MARCH).to_json())
    assert {
        "timing",
        "effective_at",
        "lines",
        "due_now",
        "recurring",
        "discounts",
        "price_path",
        "currency",
    } <= set(data)
    assert data["timing"] == "immediate"
    assert data["effective_at"] == "2026-03-15T10:30:00+00:00"
    assert data["currency"] == "USD"
    first = data["lines"][0]
    assert first == {
        "kind": "credit",
        "item": "plan:team",
        "description": "Unused time on Team × 12 seats, 2026-03-15 to 2026-04-01 (17 of 31 days)",
        "period_start": "2026-03-15",
        "period_end": "2026-04-01",
        "amount": "-78.97",
    }
    # amounts are decimal strings at the minor unit
    assert data["lines"][2]["amount"] == "4320.00"
    assert {"monthly", "annual", "savings"} <= set(data["recurring"])
    assert data["recurring"]["annual"] == "4320.00"
    assert data["price_path"][0] == {
        "year": 1,
        "start": "2026-03-15",
        "end": "2027-03-15",
        "amount": "4320.00",
        "before_discounts": "6000.00",
        "discounts": data["price_path"][0]["discounts"],
    }
    assert sum(Decimal(line["amount"]) for line in data["lines"]) == Decimal(data["due_now"])
