"""Segment, lifecycle, health and red-flag rules on one account's values: for and against each."""

from __future__ import annotations

import pytest

from tierwise.errors import InvalidInput
from tierwise.signals.conditions import Comparison, SignalValue
from tierwise.signals.derived import derive, util_max
from tierwise.signals.health import DEFAULT_HEALTH, HealthFactor, HealthModel, Ramp
from tierwise.signals.lifecycle import LifecycleStage, LifecycleThresholds, lifecycle_stage
from tierwise.signals.red_flags import RedFlagThresholds, red_flags
from tierwise.signals.segments import DEFAULT_SEGMENTS, SegmentRule, segments_of, size_band

#: A healthy, mature account: nothing raises a flag or a stage before "mature".
CALM: dict[str, SignalValue] = {
    "health_score": 80.0,
    "red_flags": 0,
    "days_to_renewal": 200,
    "tenure_days": 400,
    "seat_utilisation": 0.5,
    "util_max": 0.3,
    "active_growth_30d": 0.0,
    "paywall_hits_30d": 0,
    "adoption_breadth": 0.7,
    "usage_change_30d": 0.1,
    "open_severe_tickets": 0,
    "nps": 9,
    "failed_payments_30d": 0,
    "champion_inactive_days": 2,
}


def _with(**changes: SignalValue) -> dict[str, SignalValue]:
    return {**CALM, **changes}


@pytest.mark.parametrize(
    ("size", "band"),
    [
        (1, "1-10"),
        (10, "1-10"),
        (11, "11-50"),
        (200, "51-200"),
        (1000, "201-1000"),
        (1001, "1000+"),
        (None, None),
    ],
)
def test_size_bands(size: int | None, band: str | None) -> None:
    assert size_band(size) == band


def test_segment_rules_match_every_constrained_dimension() -> None:
    # given
    rule = SegmentRule("eu_health", industries=("healthcare",), regions=("EU",))
    # then
    assert rule.matches({"industry": "healthcare", "region": "EU"})
    assert not rule.matches({"industry": "healthcare", "region": "US"})
    assert not rule.matches({"industry": None, "region": "EU"})  # missing is not accepted


def test_default_segments_by_size_with_a_catch_all() -> None:
    assert segments_of({"size_band": "11-50"}, DEFAULT_SEGMENTS) == ("smb", "unsized")
    assert segments_of({"size_band": "1000+"}, DEFAULT_SEGMENTS) == ("enterprise", "unsized")
    assert segments_of({"size_band": None}, DEFAULT_SEGMENTS) == ("unsized",)


def test_an_unknown_size_band_in_a_rule_is_refused() -> None:
    with pytest.raises(InvalidInput):
        SegmentRule("odd", size_bands=("2-3",))


@pytest.mark.parametrize(
    ("changes", "stage"),
    [
        ({}, LifecycleStage.MATURE),
        ({"health_score": 39.9}, LifecycleStage.AT_RISK),
        ({"health_score": 40.0}, LifecycleStage.MATURE),
        ({"red_flags": 2}, LifecycleStage.AT_RISK),
        ({"red_flags": 1}, LifecycleStage.MATURE),
        ({"days_to_renewal": 60}, LifecycleStage.RENEWAL_WINDOW),
        ({"days_to_renewal": 61}, LifecycleStage.MATURE),
        ({"tenure_days": 29}, LifecycleStage.ONBOARDING),
        ({"tenure_days": 30}, LifecycleStage.ADOPTING),  # young still, no longer onboarding
        ({"seat_utilisation": 0.9}, LifecycleStage.EXPANDING),
        ({"util_max": 0.8}, LifecycleStage.EXPANDING),
        ({"util_max": 0.79}, LifecycleStage.MATURE),
        ({"active_growth_30d": 0.2}, LifecycleStage.EXPANDING),
        ({"paywall_hits_30d": 3}, LifecycleStage.EXPANDING),
        ({"paywall_hits_30d": 2}, LifecycleStage.MATURE),
        ({"tenure_days": 179}, LifecycleStage.ADOPTING),
        ({"adoption_breadth": 0.49}, LifecycleStage.ADOPTING),
        ({"adoption_breadth": None}, LifecycleStage.MATURE),  # missing never satisfies
        # order: at risk wins over the renewal window, the window over onboarding
        ({"red_flags": 3, "days_to_renewal": 10}, LifecycleStage.AT_RISK),
        ({"days_to_renewal": 10, "tenure_days": 5}, LifecycleStage.RENEWAL_WINDOW),
        # a free plan has no contract to renew (days_to_renewal null): never the window
        ({"days_to_renewal": None}, LifecycleStage.MATURE),
        ({"days_to_renewal": None, "tenure_days": 5}, LifecycleStage.ONBOARDING),
    ],
)
def test_lifecycle_stages(changes: dict[str, SignalValue], stage: LifecycleStage) -> None:
    assert lifecycle_stage(_with(**changes)) is stage


def test_lifecycle_thresholds_are_configurable() -> None:
    strict = LifecycleThresholds(renewal_window_days=90)
    assert lifecycle_stage(_with(days_to_renewal=80), strict) is LifecycleStage.RENEWAL_WINDOW
    assert lifecycle_stage(_with(days_to_renewal=80)) is LifecycleStage.MATURE


@pytest.mark.parametrize(
    ("code", "raising", "calm"),
    [
        ("usage_drop", {"usage_change_30d": -0.3}, {"usage_change_30d": -0.29}),
        ("severe_open_tickets", {"open_severe_tickets": 1}, {"open_severe_tickets": 0}),
        ("detractor_nps", {"nps": 6}, {"nps": 7}),
        ("failed_payments", {"failed_payments_30d": 1}, {"failed_payments_30d": 0}),
        ("champion_inactive", {"champion_inactive_days": 30}, {"champion_inactive_days": 29}),
    ],
)
def test_each_red_flag_for_and_against(
    code: str, raising: dict[str, SignalValue], calm: dict[str, SignalValue]
) -> None:
    # when
    raised = red_flags(_with(**raising))
    # then: the flag with its evidence; and not one step short of the threshold
    assert [flag.code for flag in raised] == [code]
    evidence = dict(raised[0].evidence)
    for name, value in raising.items():
        assert evidence[name] == value
    assert red_flags(_with(**calm)) == ()


def test_missing_values_raise_no_flag() -> None:
    assert red_flags({}) == ()


def test_red_flag_thresholds_are_configurable() -> None:
    assert red_flags(_with(nps=7), RedFlagThresholds(detractor_nps=7))[0].code == "detractor_nps"


def test_health_shows_every_factor_and_adds_up() -> None:
    # given: 3 of 10 seats active, usage −25 %, breadth 0.3, 1 severe ticket, NPS 6.5, no failures
    values: dict[str, SignalValue] = {
        "mau": 3,
        "seats_assigned": 10,
        "usage_change_30d": -0.25,
        "adoption_breadth": 0.3,
        "open_severe_tickets": 1,
        "nps": 6.5,
        "failed_payments_30d": 0,
    }
    # when
    health = DEFAULT_HEALTH.score(values)
    # then: 25 × 0.3/0.6 = 12.5; 20 × 0.25/0.5 = 10; 15 × 0.5 = 7.5; 15 × 0.5 = 7.5;
    # 15 × 2.5/5 = 7.5; 10 × 1 = 10 → 55
    points = {factor.key: factor.points for factor in health.factors}
    assert points == pytest.approx(
        {
            "engagement": 12.5,
            "usage_trend": 10,
            "adoption": 7.5,
            "support": 7.5,
            "satisfaction": 7.5,
            "payments": 10,
        }
    )
    assert health.total == pytest.approx(55)


def test_health_falls_back_to_csat_then_to_the_missing_score() -> None:
    csat = DEFAULT_HEALTH.score({"csat": 4.5})
    neither = DEFAULT_HEALTH.score({})
    by_key = {f.key: f for f in csat.factors}
    assert by_key["satisfaction"].points == pytest.approx(15)  # CSAT 4.5 is full marks
    assert {f.key: f.points for f in neither.factors}["satisfaction"] == pytest.approx(7.5)


def test_health_weights_are_configurable_and_must_add_up_to_100() -> None:
    heavier = DEFAULT_HEALTH.with_weights(engagement=35, payments=0)
    assert heavier.score({"mau": 6, "seats_assigned": 10}).factors[0].points == pytest.approx(35)
    with pytest.raises(InvalidInput, match="add up to 110"):
        DEFAULT_HEALTH.with_weights(engagement=35)
    with pytest.raises(InvalidInput):
        HealthModel((HealthFactor("only", "x", 100, (Ramp("nps", 0, 0),), 0),))


def test_comparisons_treat_missing_and_labels_strictly() -> None:
    assert not Comparison("nps", "<=", 6).holds({"nps": None})
    assert not Comparison("nps", "<=", 6).holds({"nps": True})  # a flag is not a number
    assert Comparison("plan", "==", "team").holds({"plan": "team"})
    assert Comparison("plan", "!=", "team").holds({"plan": "business"})
    assert not Comparison("plan", "!=", "team").holds({})
    with pytest.raises(InvalidInput):
        Comparison("plan", ">=", "team")


def test_derive_fills_the_derived_signals() -> None:
    values = derive({**CALM, "util_projects": 0.85, "util_api_calls": None, "size_band": "1-10"})
    assert util_max(values) == pytest.approx(0.85)
    assert values["lifecycle_stage"] == "expanding"
    assert values["segment"] == "smb"
    assert values["red_flags"] == 0
