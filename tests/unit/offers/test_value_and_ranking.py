"""The value model computed by hand, the annual revenue delta, and deterministic ranking."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tierwise.catalog.model import CatalogVersion
from tierwise.money import Money
from tierwise.offers.playbook import Channel, Playbook, TargetKind
from tierwise.offers.ranking import Candidate, annual_revenue_delta, best_per_channel, rank
from tierwise.offers.targets import proposed_change, target_name
from tierwise.offers.value import estimate_value
from tierwise.pricing.quotes import CurrentSubscription


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def test_value_of_the_automation_pack_by_hand(playbook: Playbook) -> None:
    # given: 4,200 runs; 1 minute each; a quarter of them replace manual work; $40 an hour;
    # the pack adds 49 × 12 = 588.00 a year
    model = playbook.offers["automation_pack_runout"].value.model
    assert model is not None

    # when
    value = estimate_value(model, {"usage_automation_runs": 4200}, usd("588"))

    # then
    assert value is not None
    assert value.hours_saved_per_month == Decimal("17.5")  # 4200 × 1 × 0.25 / 60
    assert value.money_value_per_month == usd("700.00")  # 17.5 × 40
    assert value.first_year_cost == usd("588.00")  # 588 + 0 setup hours
    assert value.payback_months == Decimal("0.8")  # 588 / 700 = 0.84
    assert value.roi_percent == Decimal("1328.6")  # (12 × 700 − 588) / 588 × 100 = 1328.571…
    assert value.placeholders()["money_value"] == "$700.00"


def test_value_with_setup_hours_can_be_negative_and_says_so(playbook: Playbook) -> None:
    # given: SSO for 12 people; 6 minutes each a month; $55 an hour; 3 setup hours;
    # Business adds 1,872.00 a year
    model = playbook.offers["business_for_sso"].value.model
    assert model is not None

    # when
    value = estimate_value(model, {"seats_assigned": 12}, usd("1872"))

    # then
    assert value is not None
    assert value.hours_saved_per_month == Decimal("1.2")  # 12 × 6 / 60
    assert value.money_value_per_month == usd("66.00")  # 1.2 × 55
    assert value.first_year_cost == usd("2037.00")  # 1872 + 3 × 55
    assert value.payback_months == Decimal("30.9")  # 2037 / 66 = 30.86…
    assert value.roi_percent == Decimal("-61.1")  # (792 − 2037) / 2037 × 100 = −61.119…
    assert any("Northwind SAML setup guide" in line for line in value.reasoning)


def test_value_in_yen_rounds_to_whole_yen(playbook: Playbook) -> None:
    # given: 4,201 runs × 1 × 0.25 / 60 = 17.504166… hours × ¥5,800 = ¥101,524.1666…
    model = playbook.offers["automation_pack_runout"].value.model
    assert model is not None

    # when
    value = estimate_value(model, {"usage_automation_runs": 4201}, Money(84000, "JPY"))

    # then
    assert value is not None
    assert value.hours_saved_per_month == Decimal("17.5")
    assert value.money_value_per_month == Money(101524, "JPY")


def test_no_cost_means_immediate_payback_and_no_roi_and_no_data_means_no_estimate(
    playbook: Playbook,
) -> None:
    # given
    model = playbook.offers["automation_pack_runout"].value.model
    assert model is not None

    # when
    cheaper = estimate_value(model, {"usage_automation_runs": 100}, usd("-288"))
    unknown = estimate_value(model, {"usage_automation_runs": None}, usd("588"))
    idle = estimate_value(model, {"usage_automation_runs": 0}, usd("588"))

    # then
    assert cheaper is not None
    assert cheaper.payback_months == Decimal(0)
    assert cheaper.roi_percent is None
    assert unknown is None
    assert idle is not None
    assert idle.payback_months is None  # it costs something and saves nothing
    assert idle.roi_percent == Decimal("-100.0")


def test_annual_revenue_delta_from_the_quote_engine(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given: Team, 12 seats, monthly: 12 × $12 = $144 a month, $1,728 a year
    def delta(offer: str) -> Money:
        change = proposed_change(
            northwind, playbook.offers[offer].target, team_monthly, seats_assigned=12
        )
        assert change is not None
        return annual_revenue_delta(northwind, team_monthly, change)

    # when / then
    # the pack: $49 a month more = 588.00 a year
    assert delta("automation_pack_runout") == usd("588")
    # Business: 12 × $25 = $300 a month = $3,600 a year; 3,600 − 1,728 = 1,872
    assert delta("business_for_project_limit") == usd("1872")
    # yearly billing: 12 × $120 = $1,440 a year; 1,440 − 1,728 = −288
    assert delta("annual_for_stable_monthly") == usd("-288")
    # seats to 80 %: ceil(12 / 0.8) = 15 seats; 3 × 12 × 12 = 432
    assert delta("team_seats_headroom") == usd("432")


def test_a_plan_target_raises_seats_to_the_plans_minimum(
    northwind: CatalogVersion, playbook: Playbook, team_monthly: CurrentSubscription
) -> None:
    # given: Business needs 5 seats at least
    small = dataclasses.replace(team_monthly, seats=3, add_ons=("automation_pack",))
    target = playbook.offers["business_for_sso"].target

    # when
    change = proposed_change(northwind, target, small)

    # then
    assert change is not None
    assert (change.to_plan, change.to_seats, change.to_add_ons) == (
        "business",
        5,
        ("automation_pack",),
    )
    assert target_name(northwind, target) == "Business"


def candidate(
    key: str,
    delta: str,
    prior: str = "0.1",
    priority: int = 0,
    channels: tuple[Channel, ...] = (Channel.IN_APP,),
) -> Candidate:
    return Candidate(key, TargetKind.PLAN, priority, Decimal(prior), usd(delta), channels)


def test_ranking_by_expected_value_then_priority_then_key() -> None:
    # given: EVs 0.1 × 1,000 = 100.00; 0.2 × 500 = 100.00; 0.05 × 1,872 = 93.60
    a = candidate("a", "1000", priority=1)
    b = candidate("b", "500", prior="0.2", priority=2)
    c = candidate("c", "1000", priority=1)
    d = candidate("d", "1872", prior="0.05")

    # when
    ranked = rank([d, c, a, b])

    # then
    assert [x.offer for x in ranked] == ["b", "a", "c", "d"]
    assert d.expected_value == usd("93.60")


def test_best_offer_per_channel() -> None:
    # given
    in_app = candidate("in_app_only", "2000")
    everywhere = candidate("everywhere", "1000", channels=tuple(Channel))

    # when
    best = best_per_channel([everywhere, in_app])

    # then
    assert best[Channel.IN_APP] is in_app
    assert best[Channel.EMAIL] is everywhere
    assert best[Channel.CSM] is everywhere
    assert best_per_channel([], [Channel.EMAIL]) == {Channel.EMAIL: None}


@given(
    st.lists(
        st.tuples(st.sampled_from("abcdef"), st.integers(-500, 5000), st.integers(0, 3)),
        unique_by=lambda t: t[0],
    ),
    st.randoms(),
)
def test_ranking_does_not_depend_on_input_order(rows, shuffler) -> None:
    # given
    candidates = [candidate(k, str(delta), priority=p) for k, delta, p in rows]
    shuffled = list(candidates)
    shuffler.shuffle(shuffled)

    # when / then
    assert rank(candidates) == rank(shuffled)
