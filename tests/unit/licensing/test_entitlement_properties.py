"""Invariants of entitlements, checked by hypothesis over the example catalog."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from tierwise.catalog.model import FeatureKind
from tierwise.licensing.entitlements import EntitlementSources, check, resolve_entitlements
from tierwise.licensing.upsell import capacity

from .entitlement_catalogs import NOW, example_catalog

CATALOG = example_catalog()
PLANS = sorted(CATALOG.plans, key=lambda key: CATALOG.plans[key].rank)
FEATURES = sorted(CATALOG.features)
ADD_ONS = sorted(CATALOG.add_ons)

plans = st.sampled_from(PLANS)
features = st.sampled_from(FEATURES)
add_on_sets = st.sets(st.sampled_from(ADD_ONS)).map(lambda keys: tuple(sorted(keys)))
usages = st.integers(min_value=0, max_value=3_000_000)
requests = st.integers(min_value=0, max_value=100_000)


@given(plan=plans, add_ons=add_on_sets, feature=features, usage=usages, more=usages, n=requests)
def test_more_usage_never_turns_a_denial_into_an_allow(
    plan: str, add_ons: tuple[str, ...], feature: str, usage: int, more: int, n: int
) -> None:
    # given
    snapshot = resolve_entitlements(
        EntitlementSources(catalog=CATALOG, plan=plan, add_ons=add_ons), NOW
    )
    # when
    lower = check(snapshot, feature, usage, n)
    higher = check(snapshot, feature, usage + more, n)
    # then
    assert lower.allowed or not higher.allowed
    assert not lower.in_soft_limit_zone or higher.in_soft_limit_zone


@given(plan=plans, add_ons=add_on_sets, extra=st.sampled_from(ADD_ONS))
def test_adding_an_add_on_never_lowers_any_entitlement(
    plan: str, add_ons: tuple[str, ...], extra: str
) -> None:
    # given
    sources = EntitlementSources(catalog=CATALOG, plan=plan, add_ons=add_ons)
    # when
    before = resolve_entitlements(sources, NOW).entitlements
    after = resolve_entitlements(
        dataclasses.replace(sources, add_ons=(*add_ons, extra)), NOW
    ).entitlements
    # then
    for key in FEATURES:
        assert capacity(after[key].value) >= capacity(before[key].value), key


@given(
    lower=st.sampled_from(range(len(PLANS) - 1)),
    step=st.integers(min_value=1, max_value=len(PLANS) - 1),
    feature=features,
    usage=usages,
    n=requests,
)
def test_a_higher_ranked_plan_never_allows_less(
    lower: int, step: int, feature: str, usage: int, n: int
) -> None:
    # given: two plans of the example catalog, ``higher`` ranked above ``lower``
    higher = min(lower + step, len(PLANS) - 1)
    low = resolve_entitlements(EntitlementSources(catalog=CATALOG, plan=PLANS[lower]), NOW)
    high = resolve_entitlements(EntitlementSources(catalog=CATALOG, plan=PLANS[higher]), NOW)
    # when
    low_decision = check(low, feature, usage, n)
    high_decision = check(high, feature, usage, n)
    # then
    assert high_decision.allowed or not low_decision.allowed
    assert capacity(high.entitlements[feature].value) >= capacity(low.entitlements[feature].value)


@given(plan=plans, add_ons=add_on_sets, feature=features, usage=usages, n=requests)
def test_an_upsell_hint_always_offers_enough(
    plan: str, add_ons: tuple[str, ...], feature: str, usage: int, n: int
) -> None:
    # given
    snapshot = resolve_entitlements(
        EntitlementSources(catalog=CATALOG, plan=plan, add_ons=add_ons), NOW
    )
    # when
    decision = check(snapshot, feature, usage, n)
    # then: a hint gives the feature, covers a denied or grace request whole, and in the
    # soft-limit zone at least raises the limit
    hint = decision.upsell
    if hint is None:
        return
    if CATALOG.features[feature].kind is FeatureKind.BOOLEAN:
        assert hint.value is True
    elif not decision.allowed or decision.in_grace_band:
        assert capacity(hint.value) >= max(usage + n, 1)
    else:
        assert capacity(hint.value) > capacity(snapshot.entitlements[feature].value)
