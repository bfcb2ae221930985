"""The committed-revenue valuation of ranking, and Free → Team changes, computed by hand.

Prices of ``examples/catalog.yaml`` (2026.1), USD: Team $12 a seat a month or $120 a year, Business
$25 a seat a month (first 50 seats), a 2-year term 6 % off. With ``a`` the share of uncommitted
revenue at risk, ``M`` the months under contract and ``H = max(12, M before, M after)``:
``E = R × (M + (1 − a) × (H − M)) / 12`` and ``value = (E after − E before) × 12 / H``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.model import BillingInterval, CatalogVersion, ChangeTiming
from tierwise.money import Money
from tierwise.offers.playbook import (
    PlanTarget,
    RiskAssumption,
    TargetKind,
    Valuation,
    ValuationBasis,
)
from tierwise.offers.ranking import (
    Candidate,
    RevenueValue,
    committed_months,
    rank,
    revenue_value,
)
from tierwise.offers.targets import proposed_change
from tierwise.pricing.quotes import CurrentSubscription, LineKind, ProposedChange, quote_change
from tierwise.pricing.recurring import Configuration

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
MONTH, QUARTER, YEAR = BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR
START = dt.date(2026, 3, 1)
QUARTER_AT_RISK = Valuation(
    basis=ValuationBasis.COMMITTED_REVENUE,
    uncommitted_at_risk=RiskAssumption(value=Decimal("0.25"), source="test cohort"),
)
RUN_RATE = Valuation()


@pytest.fixture(scope="module")
def version() -> CatalogVersion:
    return load_catalog_path(EXAMPLE).version("2026.1")


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def team(interval: BillingInterval = MONTH, seats: int = 12, years: int = 1) -> CurrentSubscription:
    return CurrentSubscription("team", interval, "USD", START, seats=seats, term_years=years)


def test_months_under_contract() -> None:
    assert committed_months(Configuration("team", (), 5, MONTH, 1)) == 1
    assert committed_months(Configuration("team", (), 5, QUARTER, 1)) == 3
    assert committed_months(Configuration("team", (), 5, YEAR, 1)) == 12
    assert committed_months(Configuration("team", (), 5, MONTH, 2)) == 24
    assert committed_months(Configuration("team", (), 5, YEAR, 3)) == 36


def test_yearly_billing_is_worth_the_revenue_it_takes_out_of_risk(version: CatalogVersion) -> None:
    # given Team × 12 monthly: R = 12 × 12 × 12 = 1,728.00; yearly 12 × 120 = 1,440.00
    change = ProposedChange(to_interval=YEAR)
    worth = revenue_value(version, team(), change, QUARTER_AT_RISK)
    # M 1 → 12, H 12; E before = 1,728 × (1 + 0.75 × 11) / 12 = 1,728 × 9.25 / 12 = 1,332.00
    # E after = 1,440 × 12 / 12 = 1,440.00; value = 1,440.00 − 1,332.00 = 108.00 a year
    assert worth.annual_delta == usd("-288.00")
    assert worth.value == usd("108.00")
    assert worth.reasons[1].startswith("under contract 1 → 12 months; horizon 12 months")
    assert "0.75 (0.25 at risk: test cohort)" in worth.reasons[1]
    assert worth.reasons[2] == "expected revenue over 12 months 1332.00 → 1440.00 USD"
    assert worth.reasons[3] == "value = (1440.00 − 1332.00) × 12 / 12 = 108.00 USD a year"
    # on the run-rate basis the same change is worth the prepay saving, negative
    assert revenue_value(version, team(), change, RUN_RATE).value == usd("-288.00")


def test_a_two_year_term_is_valued_over_two_years(version: CatalogVersion) -> None:
    # given Team × 12 yearly on a 1-year term: R = 1,440.00; 2 years at 6 % off: 1,353.60
    worth = revenue_value(version, team(YEAR), ProposedChange(term_years=2), QUARTER_AT_RISK)
    # M 12 → 24, H 24; E before = 1,440 × (12 + 0.75 × 12) / 12 = 1,440 × 21 / 12 = 2,520.00
    # E after = 1,353.60 × 24 / 12 = 2,707.20; value = (2,707.20 − 2,520.00) / 2 = 93.60 a year
    assert worth.annual_delta == usd("-86.40")
    assert worth.value == usd("93.60")
    assert worth.reasons[3] == "value = (2707.20 − 2520.00) × 12 / 24 = 93.60 USD a year"


def test_an_upgrade_without_a_commitment_counts_its_uncommitted_months_at_risk(
    version: CatalogVersion,
) -> None:
    # given Team × 12 monthly (1,728.00) to Business × 12 monthly: 12 × 25 × 12 = 3,600.00
    worth = revenue_value(version, team(), ProposedChange(to_plan="business"), QUARTER_AT_RISK)
    # M 1 → 1, H 12; E before 1,332.00 (above); E after 3,600 × 9.25 / 12 = 2,775.00
    # value = 2,775.00 − 1,332.00 = 1,443.00 (the run-rate delta 1,872.00 at 0.75 beyond a month)
    assert worth.annual_delta == usd("1872.00")
    assert worth.value == usd("1443.00")


def test_commitments_no_longer_rank_last_behind_a_cheaper_add_on() -> None:
    # given the values above with their priors: yearly billing 0.10 × 108.00 = 10.80 against an
    # add-on worth 0.09 × 100.00 = 9.00; on the run-rate basis yearly was 0.10 × −288 = −28.80
    worth = RevenueValue(usd("1728.00"), usd("1440.00"), usd("108.00"))
    yearly = Candidate(
        "yearly", TargetKind.ANNUAL_INTERVAL, 5, Decimal("0.10"), usd("-288"), (), worth
    )
    add_on = Candidate("add_on", TargetKind.ADD_ON, 5, Decimal("0.09"), usd("100.00"), ())
    assert yearly.expected_value == usd("10.80")
    assert [c.offer for c in rank([add_on, yearly])] == ["yearly", "add_on"]
    run_rate = Candidate("yearly", TargetKind.ANNUAL_INTERVAL, 5, Decimal("0.10"), usd("-288"), ())
    assert run_rate.expected_value == usd("-28.80")
    assert [c.offer for c in rank([add_on, run_rate])] == ["add_on", "yearly"]


@settings(max_examples=60, deadline=None)
@given(
    seats=st.integers(min_value=5, max_value=80),
    interval=st.sampled_from((MONTH, QUARTER, YEAR)),
    change=st.sampled_from(
        (
            ProposedChange(to_interval=YEAR),
            ProposedChange(term_years=3),
            ProposedChange(to_plan="business"),
            ProposedChange(to_seats=90),
        )
    ),
)
def test_with_nothing_at_risk_the_value_is_the_annual_delta(
    seats: int, interval: BillingInterval, change: ProposedChange
) -> None:
    version = load_catalog_path(EXAMPLE).version("2026.1")
    nothing = Valuation(
        basis=ValuationBasis.COMMITTED_REVENUE,
        uncommitted_at_risk=RiskAssumption(value=Decimal(0), source="none"),
    )
    current = team(interval, seats)
    worth = revenue_value(version, current, change, nothing)
    assert worth.value == worth.annual_delta.rounded()
    # and more risk never lowers what a longer commitment is worth relative to none
    at_risk = revenue_value(version, current, change, QUARTER_AT_RISK)
    if change.term_years or change.to_interval:
        assert at_risk.value >= worth.value


def test_free_to_team_buys_a_seat_for_everyone_and_is_priced_from_zero(
    version: CatalogVersion,
) -> None:
    # given a Free workspace (flat, $0) where 5 people hold seats
    free = CurrentSubscription("free", MONTH, "USD", START, seats=1)
    change = proposed_change(version, PlanTarget(plan="team"), free, seats_assigned=5)
    assert change == ProposedChange(to_plan="team", to_add_ons=(), to_seats=5)
    # two people: Team's minimum of 3 seats
    small = proposed_change(version, PlanTarget(plan="team"), free, seats_assigned=2)
    assert small == ProposedChange(to_plan="team", to_add_ons=(), to_seats=3)
    # the policy moves up at once (changes.cases[3]); Free's credit is 0 and gets no line;
    # Team 5 × 12 = 60.00 × 17/31 (Mar 15 to Apr 1) = 32.903 -> 32.90 due now
    at = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
    quote = quote_change(version, free, change, at)
    assert quote.timing is ChangeTiming.IMMEDIATE
    assert quote.rule.source == "changes.cases[3]"
    assert [(line.kind, line.item, line.amount) for line in quote.lines] == [
        (LineKind.CHARGE, "plan:team", usd("32.90"))
    ]
    assert quote.due_now == usd("32.90")
    # valued: R 0 → 720.00 (5 × 12 × 12); E after = 720 × 9.25 / 12 = 555.00
    worth = revenue_value(version, free, change, QUARTER_AT_RISK)
    assert (worth.annual_delta, worth.value) == (usd("720.00"), usd("555.00"))
