"""Playbook validation: the example is valid; a broken playbook reports every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.playbook_files import check_playbook_path, load_playbook_path
from tierwise.errors import PlaybookInvalid
from tierwise.offers.playbook import OfferStatus, TargetKind

ROOT = Path(__file__).resolve().parents[3]
CATALOG = ROOT / "examples" / "catalog.yaml"
EXAMPLE = ROOT / "examples" / "playbook.yaml"
BROKEN = ROOT / "tests" / "fixtures" / "playbooks" / "broken.yaml"


def test_the_example_playbook_is_valid_against_the_example_catalog() -> None:
    # when
    check = check_playbook_path(EXAMPLE, CATALOG)

    # then
    assert check.problems == ()
    assert check.playbook is not None
    assert check.conditions is not None
    offers = check.playbook.offers
    active = [o for o in offers.values() if o.status is OfferStatus.ACTIVE]
    assert len(active) >= 8
    assert {TargetKind(o.target.kind) for o in active} == set(TargetKind)
    assert {o.status for o in offers.values()} >= {OfferStatus.DRAFT, OfferStatus.RETIRED}
    assert 4 <= len(check.playbook.milestones) <= 6
    assert set(check.conditions.triggers) == set(offers)


def test_without_a_catalog_only_a_warning_says_references_were_not_checked() -> None:
    # when
    check = check_playbook_path(EXAMPLE)

    # then
    assert [(p.code, p.severity) for p in check.problems] == [("no_catalog", "warning")]
    assert check.ok


def test_the_broken_playbook_reports_every_problem_with_code_path_and_line() -> None:
    # when
    check = check_playbook_path(BROKEN, load_catalog_path(CATALOG).latest)

    # then
    assert check.playbook is None
    found = {(p.code, p.path, p.line) for p in check.problems}
    assert found == {
        ("out_of_range", "cadence.max_offers_per_30_days", 6),
        ("invalid_value", "cadence.lifecycle.expanding.1", 8),
        ("attribute_not_allowed", "save_play.at_risk", 11),
        ("circular_milestone", "milestones.loop.condition", 18),
        ("invalid_value", "milestones.both", 19),
        ("unknown_plan", "offers.unknown_things.target.plan", 27),
        ("unknown_plan", "offers.unknown_things.audience.plans.1", 28),
        ("type_mismatch", "offers.unknown_things.trigger", 29),
        ("unknown_signal", "offers.unknown_things.trigger", 29),
        ("call_not_allowed", "offers.unknown_things.near_miss", 30),
        ("type_mismatch", "offers.unknown_things.value.model.quantity.signal", 34),
        ("missing_currency", "offers.unknown_things.value.model.hourly_cost.amounts", 36),
        ("no_placement", "offers.unknown_things.channels", 38),
        ("missing_message", "offers.unknown_things.messages", 39),
        ("bad_placeholder", "offers.unknown_things.messages.in_app.body", 40),
        ("unknown_placeholder", "offers.unknown_things.messages.in_app.headline", 40),
        ("invalid_window", "offers.bad_incentives.valid", 44),
        ("unknown_add_on", "offers.bad_incentives.target.add_on", 45),
        ("incentive_mismatch", "offers.bad_incentives.incentive", 49),
        ("unknown_discount", "offers.bad_incentives.incentive.years", 49),
        ("no_trial_policy", "offers.free_trial.incentive", 57),
        ("invalid_value", "offers.free_plan_trial.status", 66),
        ("unknown_key", "offers.free_plan_trial.priorty", 67),
        ("invalid_value", "offers.seats_no_way.target", 79),
        ("unknown_bundle", "offers.mystery_bundle.target.bundle", 90),
        ("incentive_mismatch", "offers.prepay_on_seats.incentive", 104),
    }
    assert len(check.problems) == len(found)
    assert all(p.source == str(BROKEN) for p in check.problems)


def test_a_structurally_broken_offer_does_not_hide_the_other_offers_problems() -> None:
    # given: free_plan_trial fails structurally (status, priorty), so its own meaning is not
    # checked, while its neighbours' meaning still is (see the test above)
    check = check_playbook_path(BROKEN, CATALOG)

    # then
    paths = {p.path for p in check.problems}
    assert "offers.free_plan_trial.trigger" not in paths
    assert "offers.mystery_bundle.target.bundle" in paths


def test_a_misspelt_key_suggests_the_right_one() -> None:
    # when
    check = check_playbook_path(BROKEN, CATALOG)

    # then
    (problem,) = [p for p in check.problems if p.code == "unknown_key"]
    assert "did you mean 'priority'?" in problem.message


def test_load_raises_with_every_problem() -> None:
    # when
    with pytest.raises(PlaybookInvalid) as caught:
        load_playbook_path(BROKEN, CATALOG)

    # then
    assert caught.value.code == "playbook_invalid"
    assert len(caught.value.problems) == 26


def test_an_invalid_catalog_fails_the_playbook_check(tmp_path: Path) -> None:
    # given
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("name: x\n")

    # when
    check = check_playbook_path(EXAMPLE, catalog)

    # then
    assert not check.ok
    assert any(p.source == str(catalog) for p in check.problems)


@pytest.mark.parametrize(
    ("valuation", "code", "path"),
    [
        ("valuation: {basis: committed_revenue}\n", "invalid_value", "valuation"),
        (
            "valuation:\n  basis: committed_revenue\n"
            "  uncommitted_at_risk: {value: 1.5, source: a guess}\n",
            "out_of_range",
            "valuation.uncommitted_at_risk.value",
        ),
        ("valuation: {basis: lifetime}\n", "invalid_value", "valuation.basis"),
    ],
)
def test_a_committed_revenue_valuation_needs_a_share_at_risk_between_0_and_1(
    tmp_path: Path, valuation: str, code: str, path: str
) -> None:
    # given the example playbook with its valuation replaced
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("valuation:")
    end = text.index("\noffers:")
    broken = tmp_path / "playbook.yaml"
    broken.write_text(text[:start] + valuation + text[end:], encoding="utf-8")

    # when
    check = check_playbook_path(broken, CATALOG)

    # then
    assert [(p.code, p.path) for p in check.problems] == [(code, path)]


def test_a_format_on_a_text_signal_or_an_offer_value_is_an_error(tmp_path: Path) -> None:
    # given: the example playbook with three formatted placeholders in one headline
    text = EXAMPLE.read_text()
    headline = "headline: Automations stop in {runout_days_automation_runs:whole} days"
    assert headline in text
    path = tmp_path / "playbook.yaml"
    path.write_text(
        text.replace(
            headline,
            'headline: "{industry:percent} {hours_saved:whole} {util_projects:percent}"',
        )
    )

    # when
    check = check_playbook_path(path, CATALOG)

    # then: the number signal may take a format; the text signal and the offer value may not
    messages = [p.message for p in check.problems if p.code == "bad_placeholder"]
    # (columns count within the text: the second placeholder starts after 19 characters)
    assert sorted(messages) == [
        "{hours_saved:whole} (column 20): a format applies to number signals only",
        "{industry:percent} (column 1): a format applies to number signals only",
    ]
