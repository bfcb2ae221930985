"""Entitlements: resolution from plan, add-ons, trial, grants, overrides, suspension; checks."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tierwise.catalog.model import FeatureKind, ResetPeriod
from tierwise.errors import InvalidInput, UnknownAddOn, UnknownPlan
from tierwise.licensing.entitlements import (
    EntitlementSources,
    Grant,
    Override,
    Reason,
    check,
    resolve_entitlements,
)
from tierwise.money import Money

from .entitlement_catalogs import NOW, example_catalog, small_catalog

DAY = dt.timedelta(days=1)


def starter(**changes: object) -> EntitlementSources:
    sources = EntitlementSources(catalog=small_catalog(), plan="starter")
    return dataclasses.replace(sources, **changes)  # type: ignore[arg-type]


# -- boolean features ---------------------------------------------------------------------------


def test_a_boolean_feature_in_the_plan_is_allowed() -> None:
    # given
    snapshot = resolve_entitlements(starter(plan="pro"), NOW)
    # when
    decision = check(snapshot, "sso")
    # then
    assert decision.allowed
    assert decision.reason is Reason.ALLOWED
    assert (decision.limit, decision.usage, decision.remaining) == (None, None, None)
    assert decision.upsell is None


def test_a_boolean_feature_outside_the_plan_is_denied_with_the_upgrade_that_has_it() -> None:
    # given
    snapshot = resolve_entitlements(starter(), NOW)
    # when
    decision = check(snapshot, "sso")
    # then
    assert not decision.allowed
    assert decision.reason is Reason.NOT_IN_PLAN
    assert decision.upsell is not None
    assert (decision.upsell.kind, decision.upsell.key, decision.upsell.value) == (
        "plan",
        "pro",
        True,
    )
    # pro costs 30 USD a month, starter 10: the upgrade adds 30 - 10 = 20
    assert decision.upsell.monthly_price == Money(30, "USD")
    assert decision.upsell.added_monthly == Money(20, "USD")


def test_boolean_decisions_are_shared_prebuilt_values() -> None:
    # given
    snapshot = resolve_entitlements(starter(plan="pro"), NOW)
    # when / then: the same object answers every time, and usage does not change it
    assert check(snapshot, "sso") is check(snapshot, "sso", 999, 5)


# -- limits: soft-limit zone and grace band -----------------------------------------------------


@pytest.mark.parametrize(
    ("usage", "requested", "allowed", "reason", "zone", "grace", "remaining"),
    [
        # limit 50, nudge 80 % -> zone from 50 * 0.8 = 40; grace 10 % -> allowed up to 55
        (0, 1, True, Reason.ALLOWED, False, False, 50),
        (38, 1, True, Reason.ALLOWED, False, False, 12),  # after the request: 39 < 40
        (39, 1, True, Reason.ALLOWED, True, False, 11),  # 40: enters the zone
        (40, 0, True, Reason.ALLOWED, True, False, 10),  # asking without a request: 40
        (39, 0, True, Reason.ALLOWED, False, False, 11),
        (49, 1, True, Reason.ALLOWED, True, False, 1),  # 50 = the limit, still no grace
        (50, 1, True, Reason.IN_GRACE, True, True, 0),  # 51 > 50, within 55
        (54, 1, True, Reason.IN_GRACE, True, True, 0),  # 55 = 50 * 1.10
        (49, 6, True, Reason.IN_GRACE, True, True, 1),  # 55 in one request
        (55, 1, False, Reason.LIMIT_REACHED, True, False, 0),  # 56 > 55
        (49, 7, False, Reason.LIMIT_REACHED, True, False, 1),  # 56 > 55
        (70, 0, False, Reason.LIMIT_REACHED, True, False, 0),  # already far over
    ],
)
def test_limit_zone_and_grace_band_boundaries(
    usage: int,
    requested: int,
    allowed: bool,
    reason: Reason,
    zone: bool,
    grace: bool,
    remaining: int,
) -> None:
    # given
    snapshot = resolve_entitlements(starter(), NOW)
    # when
    decision = check(snapshot, "projects", usage, requested)
    # then
    assert decision.allowed is allowed
    assert decision.reason is reason
    assert decision.in_soft_limit_zone is zone
    assert decision.in_grace_band is grace
    assert decision.remaining == remaining
    assert (decision.limit, decision.usage, decision.feature) == (50, usage, "projects")


def test_the_nudge_threshold_rounds_up_to_a_whole_unit() -> None:
    # given: limit 3, nudge 80 % -> 2.4, so the zone starts at usage 3
    snapshot = resolve_entitlements(
        starter(catalog=small_catalog(starter_projects=3, grace=0)), NOW
    )
    # when / then
    assert snapshot.entitlements["projects"].nudge_threshold == 3
    assert not check(snapshot, "projects", 1, 1).in_soft_limit_zone  # 2 < 2.4
    assert check(snapshot, "projects", 2, 1).in_soft_limit_zone  # 3 >= 2.4
    # grace 0 %: 4 > 3 is denied at once
    assert check(snapshot, "projects", 3, 1).reason is Reason.LIMIT_REACHED


def test_the_grace_cap_rounds_down() -> None:
    # given: limit 7, grace 10 % -> 7.7, so 7 is the last allowed usage (no grace unit at all)
    snapshot = resolve_entitlements(starter(catalog=small_catalog(starter_projects=7)), NOW)
    # when / then
    assert snapshot.entitlements["projects"].grace_cap == 7
    assert check(snapshot, "projects", 7, 1).reason is Reason.LIMIT_REACHED


def test_zone_and_grace_decisions_carry_the_upsell_hint() -> None:
    # given
    snapshot = resolve_entitlements(starter(), NOW)
    # when
    in_zone = check(snapshot, "projects", 45, 1)
    in_grace = check(snapshot, "projects", 52, 1)
    # then: the cheapest option that raises the limit is the 5 USD add-on (50 + 25 = 75)
    assert in_zone.upsell is not None
    assert (in_zone.upsell.key, in_zone.upsell.value) == ("extra_projects", 75)
    assert in_grace.upsell == in_zone.upsell
    assert check(snapshot, "projects", 10, 1).upsell is None


def test_a_request_beyond_the_add_on_gets_the_upgrade_as_hint() -> None:
    # given: starter 50 projects; the add-on makes 75, pro has 200 (+25 with the add-on kept)
    snapshot = resolve_entitlements(starter(), NOW)
    # when
    denied = check(snapshot, "projects", 90, 1)
    # then: 91 needs more than 75, so pro (20 USD more a month) is the cheapest that allows it
    assert denied.reason is Reason.LIMIT_REACHED
    assert denied.upsell is not None
    assert (denied.upsell.kind, denied.upsell.key, denied.upsell.value) == ("plan", "pro", 200)
    # nothing in the catalog allows 1,000 projects
    assert check(snapshot, "projects", 999, 1).upsell is None


def test_a_limit_of_zero_means_not_in_plan_even_for_an_empty_request() -> None:
    # given: the example catalog's free plan has guests: 0
    snapshot = resolve_entitlements(
        EntitlementSources(catalog=example_catalog(), plan="free", currency="USD"), NOW
    )
    # when
    decision = check(snapshot, "guests", 0, 0)
    # then
    assert not decision.allowed
    assert decision.reason is Reason.NOT_IN_PLAN
    assert (decision.limit, decision.remaining) == (0, 0)
    assert decision.upsell is not None
    # team: 12 USD a seat, at least 3 seats = 36 USD, for 10 guests
    assert (decision.upsell.key, decision.upsell.value) == ("team", 10)
    assert decision.upsell.monthly_price == Money(36, "USD")


def test_unlimited_allows_any_usage() -> None:
    # given
    snapshot = resolve_entitlements(
        EntitlementSources(catalog=example_catalog(), plan="business"), NOW
    )
    # when
    decision = check(snapshot, "projects", 10**9, 10**6)
    # then
    assert decision.allowed
    assert decision.limit == "unlimited"
    assert decision.remaining is None
    assert not decision.in_soft_limit_zone
    assert not decision.in_grace_band


def test_a_metered_feature_checks_the_window_counter_and_knows_its_reset() -> None:
    # given: starter exports 100 a month, zone from 80, allowed up to 110
    snapshot = resolve_entitlements(starter(), NOW)
    # when / then
    assert snapshot.entitlements["exports"].kind is FeatureKind.METERED
    assert snapshot.entitlements["exports"].reset is ResetPeriod.MONTH
    assert check(snapshot, "exports", 78, 1).in_soft_limit_zone is False  # 79 < 80
    assert check(snapshot, "exports", 79, 1).in_soft_limit_zone is True  # 80
    assert check(snapshot, "exports", 109, 1).reason is Reason.IN_GRACE  # 110
    assert check(snapshot, "exports", 110, 1).reason is Reason.LIMIT_REACHED  # 111


def test_an_unknown_feature_is_a_denial_value_not_an_error() -> None:
    # given
    snapshot = resolve_entitlements(starter(), NOW)
    # when
    decision = check(snapshot, "teleportation", 3)
    # then
    assert not decision.allowed
    assert decision.reason is Reason.UNKNOWN_FEATURE
    assert decision.usage == 3


# -- add-ons -------------------------------------------------------------------------------------


def test_add_ons_add_to_limits() -> None:
    # given: team has 5,000 automation runs; the automation pack adds 20,000
    sources = EntitlementSources(
        catalog=example_catalog(), plan="team", add_ons=("automation_pack",)
    )
    # when
    snapshot = resolve_entitlements(sources, NOW)
    # then: 5,000 + 20,000 = 25,000
    assert snapshot.entitlements["automation_runs"].value == 25_000
    assert snapshot.entitlements["automation_runs"].sources == (
        "plan:team",
        "add_on:automation_pack",
    )
    assert check(snapshot, "automation_runs", 24_999).allowed


def test_add_ons_and_grants_stack_and_unlimited_wins() -> None:
    # given: starter 50 projects + add-on 25 + a grant of 10 + a grant of unlimited
    ten = Grant("projects", 10, NOW - DAY, NOW + DAY, "migration help")
    unlimited = Grant("projects", "unlimited", NOW - DAY, NOW + DAY, "pilot")
    # when
    stacked = resolve_entitlements(starter(add_ons=("extra_projects",), grants=(ten,)), NOW)
    boundless = resolve_entitlements(
        starter(add_ons=("extra_projects",), grants=(ten, unlimited)), NOW
    )
    # then: 50 + 25 + 10 = 85
    assert stacked.entitlements["projects"].value == 85
    assert boundless.entitlements["projects"].value == "unlimited"


def test_boolean_add_ons_or_into_the_plan() -> None:
    # given
    sources = starter(add_ons=("audit",))
    # when
    snapshot = resolve_entitlements(sources, NOW)
    # then
    assert check(snapshot, "audit").allowed
    assert not check(snapshot, "sso").allowed


def test_add_ons_included_in_the_plan_count_automatically() -> None:
    # given: the example's enterprise plan includes audit logs and priority support
    sources = EntitlementSources(catalog=example_catalog(), plan="enterprise")
    # when
    snapshot = resolve_entitlements(sources, NOW)
    # then
    assert snapshot.add_ons == ("audit_logs", "priority_support")
    assert check(snapshot, "audit_logs").allowed


def test_an_included_add_on_listed_again_counts_once() -> None:
    # given: pro includes the audit add-on, and the subscription also lists it
    snapshot = resolve_entitlements(starter(plan="pro", add_ons=("audit",)), NOW)
    # then
    assert snapshot.add_ons == ("audit",)
    assert snapshot.entitlements["audit"].sources == ("add_on:audit",)


# -- trials --------------------------------------------------------------------------------------


def test_a_trial_raises_entitlements_and_keeps_the_paid_plan() -> None:
    # given: a team account trying business for 14 days
    ends = NOW + 14 * DAY
    sources = EntitlementSources(
        catalog=example_catalog(), plan="team", trial_plan="business", trial_ends=ends
    )
    # when
    snapshot = resolve_entitlements(sources, NOW)
    # then
    assert (snapshot.plan, snapshot.trial_plan) == ("team", "business")
    assert check(snapshot, "sso").allowed
    assert check(snapshot, "projects", 500).limit == "unlimited"
    assert snapshot.entitlements["guests"].value == 100
    assert snapshot.valid_until == ends


def test_after_the_trial_ends_the_paid_plan_applies_again() -> None:
    # given
    ends = NOW + 14 * DAY
    sources = EntitlementSources(
        catalog=example_catalog(), plan="team", trial_plan="business", trial_ends=ends
    )
    # when: resolved at the exact end (the end is exclusive)
    snapshot = resolve_entitlements(sources, ends)
    # then
    assert snapshot.trial_plan is None
    assert not check(snapshot, "sso").allowed
    assert check(snapshot, "projects", 10).limit == 50
    assert snapshot.valid_until is None


def test_a_trial_never_lowers_a_value() -> None:
    # given: a negotiated 500 projects on starter, trying pro (200)
    deal = Override("projects", 500, "negotiated")
    # when
    snapshot = resolve_entitlements(starter(overrides=(deal,), trial_plan="pro"), NOW)
    # then: max(500, 200) = 500, and SSO comes from the trial
    assert snapshot.entitlements["projects"].value == 500
    assert check(snapshot, "sso").allowed


# -- grants and overrides ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "projects"),
    [
        (NOW - DAY - dt.timedelta(seconds=1), 50),  # before the start
        (NOW - DAY, 60),  # the start is inclusive: 50 + 10
        (NOW, 60),
        (NOW + DAY - dt.timedelta(microseconds=1), 60),
        (NOW + DAY, 50),  # the end is exclusive
    ],
)
def test_grants_count_only_within_their_window(at: dt.datetime, projects: int) -> None:
    # given
    grant = Grant("projects", 10, NOW - DAY, NOW + DAY, "onboarding")
    # when
    snapshot = resolve_entitlements(starter(grants=(grant,)), at)
    # then
    assert snapshot.entitlements["projects"].value == projects


def test_the_snapshot_is_valid_until_the_next_grant_boundary() -> None:
    # given: one grant running, one starting later
    running = Grant("projects", 10, NOW - DAY, NOW + 3 * DAY, "onboarding")
    later = Grant("sso", True, NOW + 2 * DAY, NOW + 9 * DAY, "security pilot")
    # when
    snapshot = resolve_entitlements(starter(grants=(running, later)), NOW)
    # then
    assert snapshot.valid_until == NOW + 2 * DAY
    assert not snapshot.is_current(snapshot.version, NOW + 2 * DAY)
    assert snapshot.is_current(snapshot.version, NOW + DAY)


def test_an_override_replaces_the_plan_value_and_add_ons_stack_on_it() -> None:
    # given: a negotiated limit of 80 projects instead of 50, plus the 25-project add-on
    deal = Override("projects", 80, "negotiated in the 2026 renewal")
    # when
    snapshot = resolve_entitlements(starter(overrides=(deal,), add_ons=("extra_projects",)), NOW)
    # then: 80 + 25 = 105, and the soft-limit zone follows the new limit (105 * 0.8 = 84)
    projects = snapshot.entitlements["projects"]
    assert projects.value == 105
    assert projects.sources == ("override:negotiated in the 2026 renewal", "add_on:extra_projects")
    assert projects.nudge_threshold == 84
    # grace: 105 * 1.1 = 115.5 -> 115
    assert projects.grace_cap == 115


def test_an_override_can_lower_a_value_and_expires() -> None:
    # given: a limit lowered to 5 until tomorrow; the last override listed wins
    lowered = Override("projects", 5, "fair use", ends=NOW + DAY)
    earlier = Override("projects", 7, "older note", ends=NOW + DAY)
    sources = starter(overrides=(earlier, lowered))
    # when
    today = resolve_entitlements(sources, NOW)
    tomorrow = resolve_entitlements(sources, NOW + DAY)
    # then
    assert today.entitlements["projects"].value == 5
    assert tomorrow.entitlements["projects"].value == 50


# -- suspension ----------------------------------------------------------------------------------


def test_suspension_denies_every_feature_with_its_own_reason() -> None:
    # given
    snapshot = resolve_entitlements(
        EntitlementSources(catalog=example_catalog(), plan="enterprise", suspended=True), NOW
    )
    # when
    decisions = [check(snapshot, key, 0, 1) for key in example_catalog().features]
    # then
    assert all(not d.allowed and d.reason is Reason.SUSPENDED for d in decisions)
    assert all(d.upsell is None for d in decisions)
    # the values stay resolved for display
    assert snapshot.entitlements["sso"].value is True


# -- versions and fingerprints -------------------------------------------------------------------


def test_equal_inputs_give_equal_fingerprints_and_any_change_another() -> None:
    # given
    first = resolve_entitlements(starter(), NOW)
    again = resolve_entitlements(starter(), NOW + DAY)
    with_add_on = resolve_entitlements(starter(add_ons=("extra_projects",)), NOW)
    suspended = resolve_entitlements(starter(suspended=True), NOW)
    # then
    assert first.fingerprint == again.fingerprint
    assert len({first.fingerprint, with_add_on.fingerprint, suspended.fingerprint}) == 3


def test_the_snapshot_carries_the_sources_version() -> None:
    # given
    snapshot = resolve_entitlements(starter(version=7), NOW)
    # then
    assert snapshot.version == 7
    assert snapshot.is_current(7, NOW)
    assert not snapshot.is_current(8, NOW)


# -- bad input -----------------------------------------------------------------------------------


def test_unknown_plan_and_add_on_are_errors() -> None:
    with pytest.raises(UnknownPlan):
        resolve_entitlements(starter(plan="platinum"), NOW)
    with pytest.raises(UnknownPlan):
        resolve_entitlements(starter(trial_plan="platinum"), NOW)
    with pytest.raises(UnknownAddOn):
        resolve_entitlements(starter(add_ons=("unicorns",)), NOW)


def test_a_grant_of_an_unknown_feature_names_the_field() -> None:
    # given
    grant = Grant("teleportation", True, NOW - DAY, NOW + DAY, "demo")
    # when
    with pytest.raises(InvalidInput) as caught:
        resolve_entitlements(starter(grants=(grant,)), NOW)
    # then
    assert caught.value.field == "grants[0].feature"


@pytest.mark.parametrize(
    ("feature", "value"),
    [("sso", 3), ("projects", True), ("projects", "lots"), ("projects", -1)],
)
def test_a_value_of_the_wrong_kind_is_refused(feature: str, value: object) -> None:
    # given
    override = Override(feature, value, "typo")  # type: ignore[arg-type]
    # when / then
    with pytest.raises(InvalidInput):
        resolve_entitlements(starter(overrides=(override,)), NOW)


def test_time_must_be_timezone_aware_and_windows_well_formed() -> None:
    naive = dt.datetime(2026, 3, 1)
    with pytest.raises(InvalidInput):
        resolve_entitlements(starter(), naive)
    with pytest.raises(InvalidInput):
        Grant("projects", 1, NOW, NOW, "empty window")
    with pytest.raises(InvalidInput):
        Grant("projects", 1, naive, NOW, "naive")
    with pytest.raises(InvalidInput):
        Override("projects", 1, "  ")
    with pytest.raises(InvalidInput):
        starter(currency="GBP")
    with pytest.raises(InvalidInput):
        starter(seats=0)


def test_during_a_trial_the_trial_plans_soft_limit_applies() -> None:
    # given: starter trying pro; pro has 200 projects, nudge 90 %, grace 20 %
    snapshot = resolve_entitlements(starter(trial_plan="pro", trial_ends=NOW + DAY), NOW)
    # when
    projects = snapshot.entitlements["projects"]
    # then: zone from 200 x 0.9 = 180, allowed up to 200 x 1.2 = 240
    assert (projects.value, projects.nudge_threshold, projects.grace_cap) == (200, 180, 240)
    assert check(snapshot, "projects", 239, 1).reason is Reason.IN_GRACE  # 240
    assert check(snapshot, "projects", 240, 1).reason is Reason.LIMIT_REACHED  # 241
