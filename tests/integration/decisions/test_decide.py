"""Decisions over a demo company: deterministic, both evaluation paths agree, reasons are real."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tierwise.demo.build import BuiltCompany
from tierwise.demo.customers import Archetype
from tierwise.offers.cadence import OfferOutcome
from tierwise.offers.expression_evaluation import evaluate
from tierwise.services.decision_making import AT_RISK, near_miss_name, trigger_name
from tierwise.services.decision_ports import OutcomeRecord
from tierwise.services.decisions import Decisions

from .conftest import AS_OF

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def _chosen(decision: dict[str, Any]) -> dict[str, Any]:
    chosen = decision["chosen"]
    assert isinstance(chosen, dict)
    return chosen


def test_the_same_data_and_day_give_the_same_decisions(decisions: Decisions) -> None:
    # when
    first = decisions.decide(AS_OF, started_at=NOW)
    second = decisions.decide(AS_OF, started_at=NOW + dt.timedelta(seconds=1))
    # then
    assert first.decisions == second.decisions
    assert first.run.summary == second.run.summary
    assert first.run.summary["with_offer"] > 0


def test_the_vectorised_pass_and_the_per_account_evaluator_agree(decisions: Decisions) -> None:
    # given every account's signals and the conditions fired in the engine
    request = decisions.request(AS_OF)
    computed = decisions.signal_engine.compute(request)
    # when each condition is evaluated again per account
    disagreements = [
        (account.account.external_id, name)
        for account in computed.accounts
        for name, expression in request.conditions.items()
        if evaluate(expression, account.values).fired != (name in account.fired)
    ]
    # then both paths say the same for every account and condition
    assert len(computed.accounts) == 120
    assert disagreements == []
    assert any(account.fired for account in computed.accounts)


def test_sso_paywall_offers_name_the_ledgers_own_count(
    decisions: Decisions, company: tuple[Path, BuiltCompany]
) -> None:
    # given
    data_dir, built = company
    run = decisions.decide(AS_OF, started_at=NOW)
    offered = [
        d
        for d in run.decisions
        if any(
            isinstance(item, dict) and item.get("offer") == "business_for_sso"
            for item in _chosen(d).values()
        )
    ]
    engine = create_engine(f"sqlite:///{data_dir / 'tierwise.db'}")
    with engine.connect() as connection:
        counts: dict[str, int] = dict(
            connection.execute(
                text(
                    "SELECT a.external_id, count(*) FROM signals s JOIN accounts a "
                    "ON a.id = s.account_id WHERE s.feature = 'sso' AND s.at >= :since "
                    "AND s.at < :as_of GROUP BY 1"
                ),
                {"since": "2026-10-21 00:00:00", "as_of": "2026-11-20 00:00:00"},
            ).all()
        )
    engine.dispose()
    # then the clause shows the very number of denials the ledger recorded in 30 days
    assert offered
    for decision in offered:
        item = next(i for i in _chosen(decision).values() if i.get("offer") == "business_for_sso")
        clause = item["trigger"]["clauses"][0]
        n = counts[decision["external_id"]]
        assert clause["detail"] == f"paywall_sso = {n} ≥ 3 ✓"
        assert clause["values"] == {"paywall_sso": str(n)}
    stories = {c.external_id: c.archetype for c in built.company.customers}
    assert {stories[d["external_id"]] for d in offered} <= {
        Archetype.SECURITY_PAYWALL,
        Archetype.DECLINING,
    }


def test_at_risk_accounts_get_the_save_play_and_no_offer(decisions: Decisions) -> None:
    # when
    run = decisions.decide(AS_OF, started_at=NOW)
    at_risk = [d for d in run.decisions if d["at_risk"]]
    # then
    assert at_risk
    for decision in at_risk:
        chosen = _chosen(decision)
        assert list(chosen) == ["csm"]
        assert chosen["csm"]["save_play"]["name"] == "Health check before anything else"
        assert all("at_risk" in s["rules"] for s in decision["suppressed"])


def test_a_decline_holds_the_offer_back_for_its_cooldown(decisions: Decisions) -> None:
    # given an account with an offer in the email channel
    run = decisions.decide(AS_OF, started_at=NOW)
    decision = next(d for d in run.decisions if "email" in _chosen(d))
    offer = _chosen(decision)["email"]["offer"]
    declined_on = AS_OF - dt.timedelta(days=10)
    decisions.record_outcome(
        OutcomeRecord(decision["account_id"], offer, OfferOutcome.DECLINED, declined_on, "email")
    )
    # when
    again = decisions.decide(AS_OF, started_at=NOW + dt.timedelta(seconds=5))
    # then the offer is suppressed by the cool-down, with the day and the end of the quiet
    after = next(d for d in again.decisions if d["account_id"] == decision["account_id"])
    held = next(s for s in after["suppressed"] if s["offer"] == offer)
    assert held["rules"] == ["cooldown"]
    assert held["reasons"] == [
        f"cooldown: {offer} declined on 2026-11-10; quiet until 2026-12-25"
    ]  # 45 days of the playbook's cooldown_days.declined after 2026-11-10
    assert _chosen(after).get("email", {}).get("offer") != offer


def test_explain_reruns_the_full_evaluation_for_a_quiet_account(decisions: Decisions) -> None:
    # given a run in which some account had nothing fire
    run = decisions.decide(AS_OF, started_at=NOW)
    quiet = next(d for d in run.decisions if "evaluated" in d)
    # when
    explained = decisions.explain(str(quiet["external_id"]))
    # then every active offer is listed with the clause values that kept it from firing
    assert explained["chosen"] == {}
    assert explained["not_triggered"]
    for entry in explained["not_triggered"]:
        assert all(not c["passed"] or c["text"] for c in entry["trigger"]["clauses"])
        assert entry["trigger"]["fired"] is False
    assert explained["vectorised_fired"] == []


def test_condition_names_cover_triggers_near_misses_and_the_save_play(
    decisions: Decisions,
) -> None:
    # when
    names = set(decisions.request(AS_OF).conditions)
    # then
    assert AT_RISK in names
    assert trigger_name("business_for_sso") in names
    assert near_miss_name("business_for_sso") in names
    assert trigger_name("enterprise_rollout_draft") not in names  # a draft is never decided


def test_offers_show_how_their_value_was_reached_and_free_teams_get_team(
    decisions: Decisions, company: tuple[Path, BuiltCompany]
) -> None:
    # when
    _, built = company
    run = decisions.decide(AS_OF, started_at=NOW)
    stories = {c.external_id: c.archetype for c in built.company.customers}
    offered_team: list[str] = []
    for decision in run.decisions:
        for item in _chosen(decision).values():
            if "save_play" in item:
                continue
            # then the expected value is the prior times the stated value, and the last reason
            # line ends in that value
            value, shown = Decimal(item["revenue_value"]), Decimal(item["expected_value"])
            assert (Decimal(item["prior"]) * value).quantize(shown, ROUND_HALF_UP) == shown
            last = item["valuation"][-1]
            assert last.endswith(f"{item['revenue_value']} {item['currency']} a year")
            if item["offer"] == "team_for_free_limits":
                assert decision["plan"] == "free"
                offered_team.append(str(decision["external_id"]))
    # and the Free -> Team offer goes to the free workspaces that outgrew Free
    assert offered_team
    assert {stories[key] for key in offered_team} <= {
        Archetype.FREE_GROWING,
        Archetype.METERED_POWER,
    }
