"""Bundles in quotes: the bundle's discount off its parts, as a visible line, computed by hand.

Prices are those of ``examples/catalog.yaml`` (version 2026.1): Team $12 a seat a month, the
automation pack $49, priority support $99; the agency studio bundle is Team + both add-ons at 15 %
off. Business $25 a seat a month or $240 a year (first 50 seats), audit logs $4 / $40 a seat,
EU data residency $149 / $1,490; the compliance-ready bundle is Business + both at 10 % off.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.model import (
    BillingInterval,
    Bundle,
    BundleAudience,
    CatalogVersion,
    IntervalPrices,
)
from tierwise.errors import InvalidInput
from tierwise.money import Money
from tierwise.pricing.discounts import ANNUAL_PREPAY, BUNDLE, TERM_YEARS
from tierwise.pricing.quotes import (
    CurrentSubscription,
    LineKind,
    ProposedChange,
    Quote,
    quote_change,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
MONTH, YEAR = BillingInterval.MONTH, BillingInterval.YEAR
MID_MARCH = dt.datetime(2026, 3, 15, 10, 30, tzinfo=dt.UTC)  # 17 of 31 days left in March


@pytest.fixture(scope="module")
def version() -> CatalogVersion:
    return load_catalog_path(EXAMPLE).version("2026.1")


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def lines(quote: Quote) -> list[tuple[LineKind, str, Money]]:
    return [(line.kind, line.item, line.amount) for line in quote.lines]


TEAM_5 = CurrentSubscription("team", MONTH, "USD", dt.date(2026, 3, 1), seats=5)
STUDIO = ("automation_pack", "priority_support")
IN_STUDIO = CurrentSubscription(
    "team", MONTH, "USD", dt.date(2026, 3, 1), seats=5, add_ons=STUDIO, bundle="agency_studio"
)


def test_buying_a_bundle_mid_month_takes_its_discount_off_every_part(
    version: CatalogVersion,
) -> None:
    # given Team × 5 monthly from Mar 1; at Mar 15 the agency studio bundle (fraction 17/31)
    quote = quote_change(version, TEAM_5, ProposedChange(to_bundle="agency_studio"), MID_MARCH)
    # then every part is 15 % off:
    #   Team 5 × 12 = 60.00 − 9.00 = 51.00; pack 49.00 − 7.35 = 41.65; support 99.00 − 14.85 = 84.15
    # lines: credit Team 60 × 17/31 = 32.903 -> −32.90; charge Team 51 × 17/31 = 27.968 -> 27.97;
    #        pack 41.65 × 17/31 = 22.840 -> 22.84; support 84.15 × 17/31 = 46.147 -> 46.15
    assert lines(quote) == [
        (LineKind.CREDIT, "plan:team", usd("-32.90")),
        (LineKind.CHARGE, "plan:team", usd("27.97")),
        (LineKind.CHARGE, "add_on:automation_pack", usd("22.84")),
        (LineKind.CHARGE, "add_on:priority_support", usd("46.15")),
    ]
    assert quote.lines[1].description.startswith("Team × 5 seats, 15% off, ")
    # net 27.97 + 22.84 + 46.15 − 32.90 = 64.06
    assert quote.due_now == usd("64.06")
    # the discount line: 9.00 + 7.35 + 14.85 = 31.20 a month, named for the bundle
    (discount,) = quote.discounts
    assert (discount.policy, discount.percent, discount.amount) == (
        BUNDLE,
        Decimal(15),
        usd("31.20"),
    )
    assert "Agency studio" in discount.reason
    # recurring 51.00 + 41.65 + 84.15 = 176.80 a month (208.00 before the bundle)
    assert quote.recurring.per_period == usd("176.80")
    assert quote.recurring.before_discounts == usd("208.00")
    # a published package price, not a concession: the approval sum does not count it
    assert (quote.combined_discount_percent, quote.needs_approval) == (Decimal(0), False)
    after = quote.subscription_after
    assert (after.plan, after.add_ons, after.bundle) == ("team", STUDIO, "agency_studio")
    assert quote.as_dict()["subscription_after"]["bundle"] == "agency_studio"


def test_a_yearly_bundle_stacks_on_the_prepay_saving(version: CatalogVersion) -> None:
    # given Business × 20 yearly from Mar 1 2026 (a 365-day period); at Mar 15 (351 days left)
    # the compliance-ready bundle: + audit logs and EU residency, 10 % off all three
    current = CurrentSubscription("business", YEAR, "USD", dt.date(2026, 3, 1), seats=20)
    change = ProposedChange(to_bundle="compliance_ready")
    quote = quote_change(version, current, change, MID_MARCH)
    # yearly prices: Business 20 × 240 = 4,800 − 480 = 4,320; audit logs 20 × 40 = 800 − 80 = 720;
    # residency 1,490 − 149 = 1,341
    # lines: credit 4,800 × 351/365 = 4,615.890 -> −4,615.89; charges 4,320 × 351/365 = 4,154.301
    #        -> 4,154.30; 720 × 351/365 = 692.384 -> 692.38; 1,341 × 351/365 = 1,289.564 -> 1,289.56
    assert lines(quote) == [
        (LineKind.CREDIT, "plan:business", usd("-4615.89")),
        (LineKind.CHARGE, "plan:business", usd("4154.30")),
        (LineKind.CHARGE, "add_on:audit_logs", usd("692.38")),
        (LineKind.CHARGE, "add_on:data_residency", usd("1289.56")),
    ]
    # net 4,154.30 + 692.38 + 1,289.56 − 4,615.89 = 1,520.35
    assert quote.due_now == usd("1520.35")
    by_policy = {d.policy: d for d in quote.discounts}
    # prepay: 12 monthly payments 6,000 + 960 + 1,788 = 8,748 against 4,800 + 800 + 1,490 = 7,090:
    # 1,658 = 18.95 % of 8,748; bundle: 480 + 80 + 149 = 709 a year
    assert by_policy[ANNUAL_PREPAY].amount == usd("1658.00")
    assert by_policy[ANNUAL_PREPAY].percent == Decimal("18.95")
    assert (by_policy[BUNDLE].percent, by_policy[BUNDLE].amount) == (Decimal(10), usd("709.00"))
    assert quote.recurring.per_period == usd("6381.00")  # 4,320 + 720 + 1,341


def test_the_bundle_discount_adds_to_the_term_discount_outside_the_approval_sum(
    version: CatalogVersion,
) -> None:
    # given the agency studio on Team × 5 monthly; a 3-year term earns 10 % more
    quote = quote_change(version, IN_STUDIO, ProposedChange(term_years=3), MID_MARCH)
    # Team 60 − 9.00 (15 %) − 6.00 (10 %) = 45.00; pack 49 − 7.35 − 4.90 = 36.75;
    # support 99 − 14.85 − 9.90 = 74.25; a month 45.00 + 36.75 + 74.25 = 156.00
    assert quote.recurring.per_period == usd("156.00")
    by_policy = {d.policy: d for d in quote.discounts}
    assert by_policy[BUNDLE].amount == usd("31.20")
    assert by_policy[TERM_YEARS].amount == usd("20.80")  # 6.00 + 4.90 + 9.90
    # only the term's 10 % counts towards approval (limit 20 %)
    assert (quote.combined_discount_percent, quote.needs_approval) == (Decimal(10), False)


def test_a_bundle_stays_while_its_parts_do(version: CatalogVersion) -> None:
    # given the agency studio on Team × 5; one more seat at Mar 15
    quote = quote_change(version, IN_STUDIO, ProposedChange(to_seats=6), MID_MARCH)
    # Team 5 × 12 = 60 − 9.00 = 51.00 -> 6 × 12 = 72 − 10.80 = 61.20; add-ons unchanged (no lines)
    # credit 51.00 × 17/31 = 27.968 -> −27.97; charge 61.20 × 17/31 = 33.561 -> 33.56; net 5.59
    assert lines(quote) == [
        (LineKind.CREDIT, "plan:team", usd("-27.97")),
        (LineKind.CHARGE, "plan:team", usd("33.56")),
    ]
    assert quote.due_now == usd("5.59")
    assert quote.subscription_after.bundle == "agency_studio"


def test_dropping_a_part_ends_the_bundle_and_its_discount(version: CatalogVersion) -> None:
    # given the agency studio on Team × 5; priority support removed at Mar 15
    change = ProposedChange(to_add_ons=("automation_pack",))
    quote = quote_change(version, IN_STUDIO, change, MID_MARCH)
    # every discounted part is credited, the rest charged at full price (fraction 17/31):
    # credits 51.00 -> −27.97, 41.65 -> −22.84, 84.15 -> −46.15; charges 60 -> 32.90, 49 -> 26.87
    assert lines(quote) == [
        (LineKind.CREDIT, "plan:team", usd("-27.97")),
        (LineKind.CREDIT, "add_on:automation_pack", usd("-22.84")),
        (LineKind.CREDIT, "add_on:priority_support", usd("-46.15")),
        (LineKind.CHARGE, "plan:team", usd("32.90")),
        (LineKind.CHARGE, "add_on:automation_pack", usd("26.87")),
    ]
    # net 32.90 + 26.87 − 27.97 − 22.84 − 46.15 = −37.19: a credit balance
    assert (quote.due_now, quote.credit_balance) == (usd("0"), usd("37.19"))
    assert quote.discounts == ()
    assert quote.subscription_after.bundle is None


def _with_support_team(version: CatalogVersion) -> CatalogVersion:
    """The example version plus a bundle with its own price: Team + priority support at $20 a
    seat a month, $200 a seat a year (USD only, enough for these quotes)."""
    support_team = Bundle(
        name="Support team",
        outcome="A team plan with a specialist on call.",
        audience=BundleAudience(roles=("project_manager",)),
        plan="team",
        add_ons=("priority_support",),
        prices={"USD": IntervalPrices(month=Decimal(20), year=Decimal(200))},
    )
    return version.model_copy(update={"bundles": {**version.bundles, "support_team": support_team}})


def test_a_bundle_with_its_own_price_is_one_item_and_shows_what_it_saves(
    version: CatalogVersion,
) -> None:
    # given Team × 5 + the automation pack, monthly; at Mar 15 the support team bundle
    own = _with_support_team(version)
    current = CurrentSubscription(
        "team", MONTH, "USD", dt.date(2026, 3, 1), seats=5, add_ons=("automation_pack",)
    )
    quote = quote_change(own, current, ProposedChange(to_bundle="support_team"), MID_MARCH)
    # the bundle is one item, 5 × 20 = 100.00 a month, for Team 60.00 + support 99.00 = 159.00;
    # the pack (outside the bundle) keeps its price and gets no line
    # credit Team 60 × 17/31 = 32.903 -> −32.90; charge 100 × 17/31 = 54.839 -> 54.84
    assert lines(quote) == [
        (LineKind.CREDIT, "plan:team", usd("-32.90")),
        (LineKind.CHARGE, "bundle:support_team", usd("54.84")),
    ]
    assert quote.lines[1].description.startswith("Support team × 5 seats, ")
    assert quote.due_now == usd("21.94")  # 54.84 − 32.90
    # saving 159.00 − 100.00 = 59.00 = 37.11 % of 159.00
    (discount,) = quote.discounts
    assert (discount.policy, discount.percent, discount.amount) == (
        BUNDLE,
        Decimal("37.11"),
        usd("59.00"),
    )
    assert discount.reason.startswith("The Support team bundle's own price is 37.11% below")
    # a month: 100.00 + 49.00 = 149.00, before the bundle 159.00 + 49.00 = 208.00
    assert (quote.recurring.per_period, quote.recurring.before_discounts) == (
        usd("149.00"),
        usd("208.00"),
    )
    assert quote.subscription_after.bundle == "support_team"


def test_an_own_priced_bundle_billed_yearly_on_a_term(version: CatalogVersion) -> None:
    # given Team × 5 yearly from Mar 1 2026; at Mar 15 (351 of 365 days left) the support team
    # bundle on a 2-year term (6 % off)
    own = _with_support_team(version)
    current = CurrentSubscription("team", YEAR, "USD", dt.date(2026, 3, 1), seats=5)
    change = ProposedChange(to_bundle="support_team", term_years=2)
    quote = quote_change(own, current, change, MID_MARCH)
    # parts: 12 monthly payments 12 × (60 + 99) = 1,908.00; their yearly prices 600 + 990 =
    # 1,590.00 (prepay saving 318.00 = 16.67 %); the bundle 5 × 200 = 1,000.00 (saves 590.00 =
    # 37.11 % of 1,590); the term takes 6 % of 1,000.00 = 60.00; a year costs 940.00
    by_policy = {d.policy: (d.percent, d.amount) for d in quote.discounts}
    assert by_policy == {
        ANNUAL_PREPAY: (Decimal("16.67"), usd("318.00")),
        BUNDLE: (Decimal("37.11"), usd("590.00")),
        TERM_YEARS: (Decimal(6), usd("60.00")),
    }
    assert [d.policy for d in quote.discounts] == [ANNUAL_PREPAY, BUNDLE, TERM_YEARS]
    assert quote.recurring.per_period == usd("940.00")
    assert quote.recurring.before_discounts == usd("1908.00")
    # credit 600 × 351/365 = 576.986 -> −576.99; charge 940 × 351/365 = 903.945 -> 903.95
    assert lines(quote) == [
        (LineKind.CREDIT, "plan:team", usd("-576.99")),
        (LineKind.CHARGE, "bundle:support_team", usd("903.95")),
    ]
    # only the term counts towards approval
    assert quote.combined_discount_percent == Decimal(6)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (ProposedChange(to_bundle="nope"), "unknown bundle 'nope'"),
        (
            ProposedChange(to_bundle="agency_studio", to_plan="business"),
            "bundle agency_studio needs all its parts",
        ),
    ],
)
def test_a_bundle_that_cannot_be_bought_names_the_field(
    version: CatalogVersion, change: ProposedChange, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        quote_change(version, TEAM_5, change, MID_MARCH)
    assert caught.value.field == "to_bundle"
