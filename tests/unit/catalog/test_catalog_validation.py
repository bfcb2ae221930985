"""Whole-document validation: every problem at once, each with its stable code, path and line."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tierwise.adapters.catalog_files import check_catalog_path, read_catalog_source
from tierwise.catalog.validation import check_catalog, load_catalog, validate_document
from tierwise.errors import CatalogInvalid, Problem

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "catalog.yaml"
BROKEN = ROOT / "tests" / "fixtures" / "catalogs" / "broken.yaml"


def _minimal() -> dict[str, Any]:
    """A small valid document: two plans in USD and JPY, one add-on, one bundle."""
    return {
        "name": "Mini",
        "effective": "2026-01-01",
        "currencies": ["USD", "JPY"],
        "features": {
            "projects": {"kind": "limit", "name": "Projects", "outcome": "Organise work."},
            "sso": {"kind": "boolean", "name": "SSO", "outcome": "Sign in once."},
        },
        "plans": {
            "basic": {
                "name": "Basic",
                "rank": 1,
                "outcome": "Start.",
                "entitlements": {"projects": 5},
                "pricing": {"prices": {"USD": {"month": 10}, "JPY": {"month": 1500}}},
            },
            "pro": {
                "name": "Pro",
                "rank": 2,
                "outcome": "Grow.",
                "entitlements": {"projects": "unlimited", "sso": True},
                "pricing": {"prices": {"USD": {"month": 20}, "JPY": {"month": 3000}}},
            },
        },
        "add_ons": {
            "sso_pack": {
                "name": "SSO",
                "outcome": "Sign in once.",
                "entitlements": {"sso": True},
                "available_for": ["basic"],
                "included_in": ["pro"],
                "pricing": {"prices": {"USD": {"month": 5}, "JPY": {"month": 700}}},
            }
        },
        "bundles": {
            "secure_start": {
                "name": "Secure start",
                "outcome": "Start with SSO.",
                "audience": {"roles": ["it_admin"]},
                "plan": "basic",
                "add_ons": ["sso_pack"],
                "discount_percent": 10,
            }
        },
        "changes": {"default": "immediate"},
    }


def _codes(problems: list[Problem] | tuple[Problem, ...]) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in problems}


def test_the_example_catalog_has_no_problem_and_builds_two_versions() -> None:
    # when
    check = check_catalog_path(EXAMPLE)

    # then
    assert check.problems == ()
    assert check.catalog is not None
    assert [(v.version, v.effective.isoformat()) for v in check.catalog.versions] == [
        ("2026.1", "2026-01-01"),
        ("2026.7", "2026-07-01"),
    ]


def test_the_minimal_document_is_valid() -> None:
    assert validate_document(_minimal()) == []


BROKEN_PROBLEMS = {
    ("unknown_currency", "currencies.2", 6),
    ("meter_missing", "features.api_calls.meter", 13),
    ("feature_unused", "features.storage_gb", 17),
    ("meter_property_missing", "features.storage_gb.meter", 21),
    ("meter_on_unmetered_feature", "features.sso.meter", 26),
    ("missing_key", "features.reports.outcome", 27),
    ("unknown_key", "features.reports.outcom", 30),
    ("feature_unused", "features.exports", 31),
    ("feature_dropped", "plans.team.entitlements.sso", 53),
    ("limit_shrinks", "plans.team.entitlements.projects", 54),
    ("entitlement_kind_mismatch", "plans.team.entitlements.api_calls", 55),
    ("unknown_feature", "plans.team.entitlements.widgets", 56),
    ("seat_range_inverted", "plans.team.pricing.minimum_seats", 59),
    ("quarterly_price_too_high", "plans.team.pricing.prices.USD.quarter", 62),
    ("annual_price_too_high", "plans.team.pricing.prices.USD.year", 62),
    ("price_precision", "plans.team.pricing.prices.JPY.month", 63),
    ("undeclared_currency", "plans.team.pricing.prices.EUR", 64),
    ("plan_rank_order", "plans.business.rank", 67),
    ("tiers_mode_missing", "plans.business.pricing.tiers_mode", 73),
    ("flat_basis_with_tiers", "plans.business.pricing.tiers", 78),
    ("prices_and_tiers", "plans.business.pricing.tiers", 78),
    ("seat_tiers_not_ascending", "plans.business.pricing.tiers.1.up_to", 81),
    ("seat_tiers_not_open_ended", "plans.business.pricing.tiers.1.up_to", 81),
    ("duplicate_rank", "plans.premium.rank", 85),
    ("pricing_without_prices", "plans.premium.pricing", 88),
    ("tiers_mode_without_tiers", "plans.premium.pricing.tiers_mode", 90),
    ("add_on_without_plan", "add_ons.orphan", 93),
    ("add_on_unknown_plan", "add_ons.orphan.available_for.0", 96),
    ("missing_currency_price", "add_ons.orphan.pricing.prices.JPY", 98),
    ("add_on_included_and_available", "add_ons.both_ways.available_for.1", 103),
    ("negative_price", "add_ons.both_ways.pricing.prices.USD.month", 105),
    ("bundle_without_audience", "bundles.starter_kit.audience", 111),
    ("bundle_add_on_unavailable", "bundles.starter_kit.add_ons.0", 113),
    ("bundle_unknown_add_on", "bundles.starter_kit.add_ons.1", 113),
    ("bundle_discount_and_prices", "bundles.starter_kit.prices", 115),
    ("bundle_without_price", "bundles.nothing", 116),
    ("bundle_unknown_plan", "bundles.nothing.plan", 120),
    ("term_years_out_of_range", "discounts.term_years.7", 123),
    ("seat_volume_not_ascending", "discounts.seat_volume.1.min_seats", 126),
    (
        "approval_limit_below_automatic_discount",
        "discounts.max_without_approval_percent",
        127,
    ),
    ("no_default_change_case", "changes.default", 129),
    ("change_case_unknown_plan", "changes.cases.0.from", 131),
    ("invalid_value", "changes.cases.1.direction", 132),
    ("duplicate_key", "changes.proration", 134),
    ("duplicate_version", "versions.0.version", 137),
    ("version_effective_not_increasing", "versions.0.effective", 138),
    ("version_unknown_plan", "versions.0.plans.gold", 140),
    ("missing_currency_price", "versions.1.add_ons.orphan.prices.JPY", 144),
}


def test_the_broken_catalog_reports_every_problem_with_its_line() -> None:
    # when
    check = check_catalog_path(BROKEN)

    # then: exactly the problems marked in the fixture, each on its line of the file
    assert {(p.code, p.path, p.line) for p in check.problems} == BROKEN_PROBLEMS
    assert len(check.problems) == len(BROKEN_PROBLEMS)
    assert {p.source for p in check.problems} == {str(BROKEN)}
    assert {p.code for p in check.warnings} == {
        "feature_unused",
        "approval_limit_below_automatic_discount",
    }
    assert check.catalog is None


def test_problems_come_sorted_by_source_line_and_path() -> None:
    # when
    problems = check_catalog_path(BROKEN).problems

    # then
    keys = [(p.source or "", p.line or 0, p.path) for p in problems]
    assert keys == sorted(keys)


def test_load_catalog_raises_with_every_problem() -> None:
    # given
    source = read_catalog_source(BROKEN)

    # when
    with pytest.raises(CatalogInvalid) as raised:
        load_catalog(source.data, source.locations, problems=source.problems)

    # then
    assert len(raised.value.problems) == len(BROKEN_PROBLEMS)
    assert raised.value.code == "catalog_invalid"
    assert raised.value.field == "currencies.2"  # the first error in reading order


def test_warnings_alone_do_not_stop_loading() -> None:
    # given: a feature no plan grants
    document = _minimal()
    document["features"]["export"] = {"kind": "boolean", "name": "Export", "outcome": "Export."}

    # when
    check = check_catalog(document)

    # then
    assert _codes(check.problems) == {("feature_unused", "features.export")}
    assert check.ok
    assert check.catalog is not None


def test_a_binary_float_is_refused() -> None:
    # given: a caller that built the data itself, with a float
    document = _minimal()
    document["plans"]["basic"]["pricing"]["prices"]["USD"]["month"] = 9.99

    # when
    problems = validate_document(document)

    # then
    assert _codes(problems) == {("float_refused", "plans.basic.pricing.prices.USD.month")}


def test_a_missing_yearly_price_is_fine_with_or_without_annual_prepay() -> None:
    # given: no plan states `year`; one document has an annual prepay percent, one does not
    with_prepay = _minimal()
    with_prepay["discounts"] = {"annual_prepay_percent": 15}

    # then: yearly is derived (12 × monthly, less 15 % where stated), nothing to report
    assert validate_document(_minimal()) == []
    assert validate_document(with_prepay) == []


@pytest.mark.parametrize(
    ("year", "quarter", "expected"),
    [
        ("120", "30", set()),  # exactly 12 × 10 and 3 × 10: allowed
        ("120.01", "30", {("annual_price_too_high", "plans.basic.pricing.prices.USD.year")}),
        ("96", "30.01", {("quarterly_price_too_high", "plans.basic.pricing.prices.USD.quarter")}),
    ],
)
def test_interval_prices_may_not_exceed_monthly_payments(
    year: str, quarter: str, expected: set[tuple[str, str]]
) -> None:
    # given: monthly 10 USD
    document = _minimal()
    prices = document["plans"]["basic"]["pricing"]["prices"]
    prices["USD"] = {"month": Decimal(10), "quarter": Decimal(quarter), "year": Decimal(year)}

    # then
    assert _codes(validate_document(document)) == expected


@pytest.mark.parametrize(
    ("currency", "amount", "ok"),
    [("BHD", "12.345", True), ("BHD", "12.3456", False), ("JPY", "1500.0", True)],
)
def test_prices_may_not_have_more_decimals_than_the_currency(
    currency: str, amount: str, ok: bool
) -> None:
    # given: BHD has 3 minor units, JPY none (1500.0 is a whole 1500)
    document = _minimal()
    document["currencies"] = [currency]
    for plan, monthly in (("basic", amount), ("pro", "100")):
        document["plans"][plan]["pricing"]["prices"] = {currency: {"month": Decimal(monthly)}}
    document["add_ons"]["sso_pack"]["pricing"]["prices"] = {currency: {"month": Decimal(5)}}

    # when
    problems = validate_document(document)

    # then
    expected = (
        set() if ok else {("price_precision", f"plans.basic.pricing.prices.{currency}.month")}
    )
    assert _codes(problems) == expected


def test_unlimited_is_above_every_number_on_the_ladder() -> None:
    # given: basic unlimited projects, pro 1,000,000
    document = _minimal()
    document["plans"]["basic"]["entitlements"]["projects"] = "unlimited"
    document["plans"]["pro"]["entitlements"]["projects"] = 1_000_000

    # then
    assert _codes(validate_document(document)) == {
        ("limit_shrinks", "plans.pro.entitlements.projects")
    }


def test_an_included_add_on_counts_on_the_ladder() -> None:
    # given: basic grants sso itself; pro gets it only from the add-on it includes
    document = _minimal()
    document["plans"]["basic"]["entitlements"]["sso"] = True
    del document["plans"]["pro"]["entitlements"]["sso"]

    # then: nothing is lost on the way up
    assert validate_document(document) == []


def test_a_plan_not_sold_quarterly_warns_about_a_quarterly_price() -> None:
    # given
    document = _minimal()
    pricing = document["plans"]["pro"]["pricing"]
    pricing["intervals"] = ["month", "year"]
    pricing["prices"]["USD"]["quarter"] = 60

    # when
    problems = validate_document(document)

    # then
    assert [(p.code, p.path, p.severity) for p in problems] == [
        ("price_for_unsold_interval", "plans.pro.pricing.prices.USD.quarter", "warning")
    ]


def test_structure_problems_name_the_path_and_suggest_the_key() -> None:
    # given
    document = _minimal()
    document["plans"]["pro"]["outcom"] = document["plans"]["pro"].pop("outcome")
    document["plans"]["basic"]["entitlements"]["projects"] = "5"  # text, not a number
    document["features"]["sso"]["kind"] = "switch"

    # when
    problems = {p.path: p for p in validate_document(document)}

    # then
    assert {path: p.code for path, p in problems.items()} == {
        "plans.pro.outcom": "unknown_key",
        "plans.pro.outcome": "missing_key",
        "plans.basic.entitlements.projects": "wrong_type",
        "features.sso.kind": "invalid_value",
    }
    assert "did you mean 'outcome'?" in problems["plans.pro.outcom"].message


def test_an_unknown_currency_is_reported_once() -> None:
    # given: a code that is not ISO 4217, declared and priced nowhere
    document = _minimal()
    document["currencies"].append("ABC")

    # then: no "missing ABC price" on every table on top of it
    assert _codes(validate_document(document)) == {("unknown_currency", "currencies.2")}


def test_a_broken_plan_does_not_hide_the_rules_of_the_others() -> None:
    # given: pro's rank is text, and basic prices EUR which is not declared
    document = _minimal()
    document["plans"]["pro"]["rank"] = "high"
    document["plans"]["basic"]["pricing"]["prices"]["EUR"] = {"month": 9}

    # then: both are found; references to pro still resolve
    assert _codes(validate_document(document)) == {
        ("wrong_type", "plans.pro.rank"),
        ("undeclared_currency", "plans.basic.pricing.prices.EUR"),
    }


def test_version_overrides_are_checked_like_prices() -> None:
    # given
    document = _minimal()
    document["versions"] = [
        {
            "version": "2",
            "effective": "2026-06-01",
            "plans": {"basic": {"prices": {"USD": {"month": 12}}}},
        },
        {"version": "3", "effective": "2026-03-01", "add_ons": {"ghost": {"basis": "flat"}}},
    ]
    snapshot = copy.deepcopy(document)

    # when
    problems = validate_document(document)

    # then
    assert _codes(problems) == {
        ("missing_currency_price", "versions.0.plans.basic.prices.JPY"),
        ("version_effective_not_increasing", "versions.1.effective"),
        ("version_unknown_add_on", "versions.1.add_ons.ghost"),
        ("pricing_without_prices", "versions.1.add_ons.ghost"),
    }
    assert document == snapshot  # validation never changes its input
