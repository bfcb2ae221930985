"""The upsell hint: the cheapest plan or add-on that allows the request, priced for the account."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from tierwise.licensing.entitlements import (
    EntitlementSources,
    UpsellHint,
    check,
    resolve_entitlements,
)
from tierwise.licensing.upsell import monthly_price
from tierwise.money import Money

from .entitlement_catalogs import NOW, example_catalog


def team(seats: int = 10, currency: str = "USD", **changes: object) -> EntitlementSources:
    sources = EntitlementSources(
        catalog=example_catalog(), plan="team", seats=seats, currency=currency
    )
    return dataclasses.replace(sources, **changes)  # type: ignore[arg-type]


def hint_for(sources: EntitlementSources, feature: str, usage: int) -> UpsellHint | None:
    return check(resolve_entitlements(sources, NOW), feature, usage, 1).upsell


def test_an_add_on_cheaper_than_the_upgrade_is_the_hint() -> None:
    # given: team, 10 seats, 5,000 runs; the automation pack (+20,000) costs 49 USD;
    # business costs 25 USD x 10 seats = 250 USD, i.e. 250 - 12 x 10 = 130 USD more
    # when
    hint = hint_for(team(), "automation_runs", 6_000)
    # then
    assert hint is not None
    assert (hint.kind, hint.key, hint.value) == ("add_on", "automation_pack", 25_000)
    assert hint.added_monthly == Money(49, "USD")


def test_a_need_beyond_the_add_on_gets_the_cheapest_plan_that_covers_it() -> None:
    # given: 30,000 runs needed; team + the pack gives 25,000, business alone 25,000 too;
    # enterprise: unlimited, 45 USD x 25 seats minimum = 1,125 USD, 1,125 - 120 = 1,005 more
    # when
    hint = hint_for(team(), "automation_runs", 30_000)
    # then
    assert hint is not None
    assert (hint.kind, hint.key, hint.value) == ("plan", "enterprise", "unlimited")
    assert hint.monthly_price == Money(1125, "USD")
    assert hint.added_monthly == Money(1005, "USD")


def test_owned_add_ons_are_kept_when_a_plan_is_weighed() -> None:
    # given: team with the pack has 25,000 runs; business keeps the pack: 25,000 + 20,000 = 45,000
    sources = team(add_ons=("automation_pack",))
    # when
    hint = hint_for(sources, "automation_runs", 30_000)
    # then
    assert hint is not None
    assert (hint.key, hint.value) == ("business", 45_000)


def test_prices_are_in_the_account_currency() -> None:
    # given: EUR, 10 seats: the pack 45 EUR; business 23 x 10 = 230 EUR, 230 - 11 x 10 = 120 more
    # when
    pack = hint_for(team(currency="EUR"), "automation_runs", 6_000)
    sso = hint_for(team(currency="EUR"), "sso", 0)
    # then
    assert pack is not None
    assert pack.monthly_price == Money(45, "EUR")
    assert sso is not None
    assert (sso.key, sso.added_monthly) == ("business", Money(120, "EUR"))


def test_no_hint_when_no_single_change_gives_the_feature() -> None:
    # EU residency is an add-on for business and enterprise only; no plan includes it
    assert hint_for(team(), "data_residency", 0) is None


def test_the_minimum_seats_count_in_the_price() -> None:
    # given: one seat on team is billed as its 3 minimum seats: 12 x 3 = 36 USD;
    # business bills at least 5 seats: 25 x 5 = 125 USD, so it adds 125 - 36 = 89 USD
    # when
    hint = hint_for(team(seats=1), "sso", 0)
    # then
    assert hint is not None
    assert (hint.monthly_price, hint.added_monthly) == (Money(125, "USD"), Money(89, "USD"))


@pytest.mark.parametrize(
    ("plan", "seats", "amount"),
    [
        ("business", 60, Decimal(1450)),  # graduated: 50 x 25 + 10 x 20 = 1,250 + 200
        ("business", 50, Decimal(1250)),  # 50 x 25
        ("enterprise", 250, Decimal(11250)),  # volume: 250 x 45
        ("enterprise", 300, Decimal(12000)),  # volume: every seat at the second tier, 300 x 40
        ("team", 4, Decimal(48)),  # 4 x 12
        ("free", 9, Decimal(0)),
    ],
)
def test_monthly_price_of_seat_tiers(plan: str, seats: int, amount: Decimal) -> None:
    pricing = example_catalog().plans[plan].pricing
    assert monthly_price(pricing, "USD", seats) == Money(amount, "USD")


def test_a_hint_applied_really_allows_the_request() -> None:
    # given: every denied check of a team account with 10 seats at several usages
    sources = team()
    snapshot = resolve_entitlements(sources, NOW)
    for feature in example_catalog().features:
        for usage in (0, 9, 49, 60, 4_999, 6_000, 30_000, 60_000, 300_000):
            decision = check(snapshot, feature, usage, 1)
            if decision.allowed or decision.upsell is None:
                continue
            hint = decision.upsell
            # when: the account takes the hint
            if hint.kind == "add_on":
                changed = dataclasses.replace(sources, add_ons=(*sources.add_ons, hint.key))
            else:
                changed = dataclasses.replace(sources, plan=hint.key)
            after = check(resolve_entitlements(changed, NOW), feature, usage, 1)
            # then
            assert after.allowed, (feature, usage, hint.key)
            assert after.reason.value == "allowed"
