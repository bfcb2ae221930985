"""Every signal family on the hand-built dataset (``dataset.py``), with the arithmetic shown.

As of 2026-03-15 00:00 UTC: the last 30 days are [Feb 13, Mar 15), the prior 30 days
[Jan 14, Feb 13), the last 7 days [Mar 8, Mar 15), the last day [Mar 14, Mar 15).
"""

from __future__ import annotations

from typing import Any

import pytest

from tierwise.signals.definitions import signal_definitions, signal_names
from tierwise.signals.derived import derive

from . import dataset

Rows = dict[str, dict[str, Any]]


def test_every_registry_signal_is_a_column_with_one_row_per_account(duckdb_rows: Rows) -> None:
    # given the registry for the example catalog
    names = signal_names(signal_definitions(dataset.catalog()))
    # then
    assert sorted(duckdb_rows) == ["A1", "A2"]
    assert names <= set(duckdb_rows["A1"])


def test_license_and_seat_signals(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    assert (acme["plan"], acme["plan_rank"], acme["interval"], acme["term_years"]) == (
        "team",
        2,
        "month",
        1,
    )
    assert acme["seat_utilisation"] == pytest.approx(0.9)  # 9 assigned / 10 bought
    assert acme["size_band"] == "11-50"  # 40 people
    assert acme["on_trial"] is False
    assert acme["trial_used_days_ago"] == 59  # Jan 14 12:00 → Mar 15 00:00 = 59.5 days, floored
    assert acme["tenure_days"] == 365  # 2025-03-15 → 2026-03-15
    assert acme["days_to_renewal"] == 30  # 2026-03-15 → 2026-04-14
    globex = duckdb_rows["A2"]
    assert globex["seat_utilisation"] is None  # no seats bought: no ratio
    assert globex["on_trial"] is True
    assert globex["size_band"] is None
    assert globex["days_to_renewal"] == 717  # 2026-03-15 → 2028-03-01: 292 + 365 + 60


def test_active_users_and_growth(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    # u1 active Mar 14 (last run at 23:58), u2 on Mar 10, u3 on Feb 20; u9's event at as-of and
    # u8's event without an account do not count
    assert (acme["dau"], acme["wau"], acme["mau"]) == (1, 2, 3)
    # prior 30 days: u1 (Feb 5 runs) and u4 (Feb 1) → 3 / 2 − 1 = 0.5
    assert acme["active_growth_30d"] == pytest.approx(0.5)
    # last 30 days: 7,000 runs + board view + api call + feature use + 2 storage reports = 7,005;
    # prior: 2,000 runs + u4's view + 1 storage report = 2,002 → 7,005 / 2,002 − 1
    assert acme["usage_events_30d"] == 7_005
    assert acme["usage_change_30d"] == pytest.approx(7_005 / 2_002 - 1)
    globex = duckdb_rows["A2"]
    assert (globex["dau"], globex["mau"], globex["usage_events_30d"]) == (0, 0, 0)
    assert globex["active_growth_30d"] is None  # no prior activity: growth undefined


def test_limit_feature_util_and_trend(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    # projects gauge: 40 reported Mar 10 (latest), 20 on Feb 1 (latest 30 days earlier)
    assert acme["usage_projects"] == 40
    assert acme["util_projects"] == pytest.approx(0.8)  # 40 / 50
    assert acme["trend_projects"] == pytest.approx(0.4)  # (40 − 20) / 50
    # guests: no report → unknown usage
    assert acme["usage_guests"] is None
    assert acme["util_guests"] is None


def test_metered_usage_util_trend_and_runout(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    # automation runs reset with the billing period Mar 1 → Mar 31 (30 days): 7,000 of 10,000
    # used in 14 days → 500 a day → 3,000 left last 6 days (16 days remain in the window)
    assert acme["usage_automation_runs"] == 7_000
    assert acme["util_automation_runs"] == pytest.approx(0.7)
    assert acme["runout_days_automation_runs"] == pytest.approx(6.0)
    # trend: (7,000 in the last 30 days − 2,000 in the prior 30) / 10,000
    assert acme["trend_automation_runs"] == pytest.approx(0.5)
    # api calls reset monthly: the one call was on Feb 20, so March's usage is 0 → no runout
    assert acme["usage_api_calls"] == 0
    assert acme["runout_days_api_calls"] is None
    assert acme["trend_api_calls"] == pytest.approx(1 / 50_000)
    # storage is a "latest" meter: 45.5 GB (Mar 12) of 100; no runout projection for a gauge
    assert acme["usage_storage_gb"] == pytest.approx(45.5)
    assert acme["util_storage_gb"] == pytest.approx(0.455)
    assert acme["trend_storage_gb"] == pytest.approx((45.5 - 20) / 100)
    assert acme["runout_days_storage_gb"] is None
    assert acme["util_max"] == pytest.approx(0.8)  # projects
    # unlimited: a limit of null, so no util, trend or runout
    globex = duckdb_rows["A2"]
    assert globex["limit_automation_runs"] is None
    assert globex["util_automation_runs"] is None
    assert globex["runout_days_automation_runs"] is None


def test_paywall_hits_and_entitlements(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    # sso denied Mar 10 and Mar 11 (Feb 1 is outside the 30 days), projects soft limit Mar 12
    assert (acme["paywall_sso"], acme["paywall_projects"], acme["paywall_hits_30d"]) == (2, 1, 3)
    assert acme["paywall_audit_logs"] == 0
    assert acme["entitled_sso"] is False
    assert acme["entitled_projects"] is True
    assert acme["limit_projects"] == 50


def test_adoption_breadth_and_milestones(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    # used and entitled: automation runs, api calls, storage (meter events), projects (gauge 40);
    # sso was used but is not entitled; 5 features entitled → 4 / 5
    assert acme["features_adopted"] == 4
    assert acme["adoption_breadth"] == pytest.approx(0.8)
    # first automation: yes; a hundred api calls: 1 call only; four tickets raised: yes (T0–T3);
    # five: no → 2 (the usage milestones are counted in the pass over usage, the tickets apart)
    assert acme["milestones_reached"] == 2
    assert duckdb_rows["A2"]["adoption_breadth"] == 0  # 0 of 10 entitled


def test_support_satisfaction_payments_and_people(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    assert acme["tickets_30d"] == 3  # T1 (Mar 1), T2 (Feb 20), T3 (Mar 2); T0 is from January
    assert acme["open_severe_tickets"] == 2  # T0 and T1 urgent and open; T2 closed Mar 5
    assert acme["nps"] == 3  # the latest answer (Mar 3), not January's 9
    assert acme["csat"] == 4
    assert acme["failed_payments_30d"] == 1  # Mar 2; January's is too old
    assert acme["role_mix"] == "engineer"  # u1, u2 engineers; u3 became it_admin
    # champion: u4 (named Feb 1 after u2), last active Feb 1 10:00 → 41 days 14 hours
    assert acme["champion_inactive_days"] == 41
    globex = duckdb_rows["A2"]
    assert (globex["nps"], globex["champion_inactive_days"], globex["role_mix"]) == (None,) * 3


def test_offers(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    assert acme["last_offer_days_ago"] == 13  # last shown Mar 1 12:00 → 13.5 days
    assert acme["last_offer_outcome"] == "declined"  # Mar 2, after the showing
    assert acme["offers_shown_30d"] == 2  # Feb 20 and Mar 1
    assert duckdb_rows["A2"]["last_offer_outcome"] is None


def test_derived_signals_by_hand(duckdb_rows: Rows) -> None:
    acme = duckdb_rows["A1"]
    # engagement: 3 mau / 9 seats = 0.333 / 0.6 → 0.5556 × 25 = 13.889; usage trend +250 % → 20;
    # adoption 0.8 ≥ 0.6 → 15; 2 severe tickets → 0; NPS 3 → 0; a failed payment → 0
    assert acme["health_engagement"] == pytest.approx(25 * (3 / 9) / 0.6)
    assert acme["health_score"] == pytest.approx(25 * (3 / 9) / 0.6 + 20 + 15)
    # severe tickets, detractor, failed payment, champion inactive (usage grew: no drop)
    assert acme["red_flags"] == 4
    assert acme["red_flag_usage_drop"] is False
    assert acme["lifecycle_stage"] == "at_risk"
    assert acme["segment"] == "smb"
    globex = duckdb_rows["A2"]
    # engagement and usage trend unknown → half marks 12.5 + 10; adoption 0; no tickets 15;
    # satisfaction unknown 7.5; no failed payment 10
    assert globex["health_score"] == pytest.approx(55)
    assert globex["lifecycle_stage"] == "onboarding"  # 14 days old
    assert globex["segment"] == "unsized"


def test_per_account_derivation_agrees_with_the_table(duckdb_rows: Rows) -> None:
    for row in duckdb_rows.values():
        # when the derived signals are recomputed from the row's measured values
        again = derive(row)
        # then
        for name in ("util_max", "health_score", "red_flags", "lifecycle_stage", "segment"):
            assert again[name] == row[name], name
