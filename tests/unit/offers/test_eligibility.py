"""Eligibility rules, each with a case for and a case against."""

from __future__ import annotations

import dataclasses
import datetime as dt

from tierwise.catalog.model import BillingInterval, CatalogVersion
from tierwise.offers.eligibility import (
    change_policy_check,
    eligibility,
    not_already_there,
    trial_window_check,
)
from tierwise.offers.playbook import (
    AddOnTarget,
    MoreSeatsTarget,
    MultiYearTermTarget,
    OfferStatus,
    Playbook,
    ValidityWindow,
)
from tierwise.pricing.quotes import CurrentSubscription

AS_OF = dt.date(2026, 3, 15)
EXPANDING = {"lifecycle_stage": "expanding", "seats_assigned": 12}


def test_an_offer_the_account_needs_is_eligible_with_every_reason_listed(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given
    offer = playbook.offers["business_for_project_limit"]

    # when
    result = eligibility(northwind, offer, team_monthly, EXPANDING, AS_OF)

    # then
    assert result.passed
    assert [c.rule for c in result.checks] == [
        "status",
        "validity",
        "audience.plans",
        "audience.lifecycle_stages",
        "not_already_there",
        "change_policy",
    ]
    assert "immediately (changes.cases[3])" in result.checks[-1].detail


def test_a_draft_offer_or_one_outside_its_window_is_not_eligible(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given
    offer = playbook.offers["business_for_project_limit"]
    draft = offer.model_copy(update={"status": OfferStatus.DRAFT})
    expired = offer.model_copy(update={"valid": ValidityWindow(ends=dt.date(2026, 3, 14))})

    # when
    for changed, rule in ((draft, "status"), (expired, "validity")):
        result = eligibility(northwind, changed, team_monthly, EXPANDING, AS_OF)

        # then
        assert [c.rule for c in result.failed] == [rule]


def test_audience_against_plan_and_stage(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given
    offer = playbook.offers["business_for_project_limit"]
    onboarding = {"lifecycle_stage": "onboarding"}

    # when
    result = eligibility(northwind, offer, team_monthly, onboarding, AS_OF)

    # then
    assert [c.rule for c in result.failed] == ["audience.lifecycle_stages"]
    assert result.failed[0].detail == "lifecycle_stage onboarding not in ['expanding', 'mature']"


def test_already_on_the_plan_or_higher_is_not_eligible(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given
    offer = playbook.offers["business_for_sso"]
    enterprise = dataclasses.replace(team_monthly, plan="enterprise", seats=30)

    # when
    checks = list(not_already_there(northwind, offer, enterprise, {}))

    # then
    assert [c.passed for c in checks] == [False]
    assert "already on enterprise" in checks[0].detail


def test_an_add_on_owned_included_or_not_sold_is_not_eligible(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given
    pack = playbook.offers["automation_pack_runout"]
    support = pack.model_copy(update={"target": AddOnTarget(add_on="priority_support")})
    owned = dataclasses.replace(team_monthly, add_ons=("automation_pack",))
    free = dataclasses.replace(team_monthly, plan="free", seats=1)
    enterprise = dataclasses.replace(team_monthly, plan="enterprise", seats=30)

    # when / then: for
    assert all(c.passed for c in not_already_there(northwind, pack, team_monthly, {}))
    # against: owned, not sold for free, included in enterprise
    assert [c.passed for c in not_already_there(northwind, pack, owned, {})] == [False, True]
    assert [c.passed for c in not_already_there(northwind, pack, free, {})] == [True, False]
    included = list(not_already_there(northwind, support, enterprise, {}))
    assert [c.passed for c in included] == [False, True]
    assert included[0].detail == "enterprise includes priority_support"


def test_more_seats_to_a_utilisation(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given: to 80 % utilisation; 12 assigned needs ceil(12 / 0.8) = 15 seats, 9 need 12
    offer = playbook.offers["team_seats_headroom"]
    assert offer.target == MoreSeatsTarget(to_utilisation=offer.target.to_utilisation)  # type: ignore[union-attr]

    # when
    full = list(not_already_there(northwind, offer, team_monthly, {"seats_assigned": 12}))
    roomy = list(not_already_there(northwind, offer, team_monthly, {"seats_assigned": 9}))

    # then
    assert full[0].passed
    assert full[0].detail == "12 seats, 12 assigned; the target is 15 seats"
    assert not roomy[0].passed


def test_annual_interval_when_already_yearly_is_not_eligible(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given
    offer = playbook.offers["annual_for_stable_monthly"]
    yearly = dataclasses.replace(team_monthly, interval=BillingInterval.YEAR)

    # when / then
    assert next(not_already_there(northwind, offer, team_monthly, {})).passed
    assert not next(not_already_there(northwind, offer, yearly, {})).passed


def test_the_change_policy_refuses_a_shorter_term_and_names_the_case(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given: a 3-year term offered a 2-year one (the catalog's first case: shorter term, illegal)
    offer = playbook.offers["multi_year_at_renewal"]
    three_years = dataclasses.replace(team_monthly, term_years=3)
    assert offer.target == MultiYearTermTarget(years=2)

    # when
    against = change_policy_check(northwind, offer, three_years)
    for_ = change_policy_check(northwind, offer, team_monthly)

    # then
    assert not against.passed
    assert against.detail.endswith("is not allowed (changes.cases[0])")
    assert for_.passed


def test_a_trial_is_not_offered_again_within_the_policy_window(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given: Business trials once per 12 months; as of 2026-03-15
    offer = playbook.offers["business_for_sso"]

    # when
    never = trial_window_check(northwind, offer, team_monthly, {}, AS_OF)
    # 300 days ago = 2025-05-19; the next trial from 2026-05-19
    recent = trial_window_check(northwind, offer, team_monthly, {"trial_used_days_ago": 300}, AS_OF)
    # 365 days ago = 2025-03-15; the next from 2026-03-15, which is as_of
    old = trial_window_check(northwind, offer, team_monthly, {"trial_used_days_ago": 365}, AS_OF)

    # then
    assert never.passed
    assert not recent.passed
    assert "next from 2026-05-19" in recent.detail
    assert old.passed
