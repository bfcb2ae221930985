"""Rules about what is offered: features, entitlements, the tier ladder, add-ons and bundles.

The tier ladder rule: a customer who moves up never loses anything. Each plan is compared with
the best that any lower-ranked plan grants, feature by feature, counting the entitlements of the
add-ons a plan *includes* (a boolean add-on entitlement turns the feature on; a numeric one adds
to the plan's limit; ``unlimited`` is above every number). A higher plan may not grant less
(``limit_shrinks``) nor leave out or switch off what a lower plan grants (``feature_dropped``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby

from tierwise.catalog.model import Aggregation, Entitlement, Feature, FeatureKind
from tierwise.catalog.review import AddOnView, DocumentView, Findings, PlanView

__all__ = ["check_offering"]

_NEEDS_PROPERTY = frozenset(
    {Aggregation.SUM, Aggregation.UNIQUE_COUNT, Aggregation.MAX, Aggregation.LATEST}
)
_UNLIMITED = "unlimited"


def check_offering(view: DocumentView, findings: Findings) -> None:
    """Report problems of features, entitlements, plan ranks and limits, add-ons and bundles."""
    _check_features(view, findings)
    for key, plan in view.plans.items():
        _check_entitlements(plan.entitlements, f"plans.{key}.entitlements", view, findings)
    for key, add_on in view.add_ons.items():
        _check_entitlements(add_on.entitlements, f"add_ons.{key}.entitlements", view, findings)
        _check_add_on(key, add_on, view, findings)
    _check_ranks(view.plans, findings)
    _check_ladder(view, findings)
    _check_bundles(view, findings)


def _check_features(view: DocumentView, findings: Findings) -> None:
    granted = {name for plan in view.plans.values() for name in plan.entitlements}
    granted |= {name for add_on in view.add_ons.values() for name in add_on.entitlements}
    for key, feature in view.features.items():
        path = f"features.{key}"
        meter = feature.meter
        if feature.kind is FeatureKind.METERED and meter is None:
            findings.error(
                "meter_missing",
                f"{path}.meter",
                "a metered feature needs a `meter` (event, aggregation, reset)",
            )
        if feature.kind is not FeatureKind.METERED and meter is not None:
            findings.error(
                "meter_on_unmetered_feature",
                f"{path}.meter",
                f"a {feature.kind} feature is not counted from events; use `kind: metered`",
            )
        if meter is not None and meter.aggregation in _NEEDS_PROPERTY and not meter.property:
            findings.error(
                "meter_property_missing",
                f"{path}.meter",
                f"aggregation {meter.aggregation} needs `property`: the event property it reads",
            )
        if key not in granted:
            findings.warning("feature_unused", path, f"no plan or add-on grants feature {key!r}")


def _check_entitlements(
    entitlements: Mapping[str, Entitlement], path: str, view: DocumentView, findings: Findings
) -> None:
    for name, value in entitlements.items():
        where = f"{path}.{name}"
        if name not in view.feature_keys:
            known = ", ".join(sorted(view.feature_keys)) or "none"
            findings.error(
                "unknown_feature", where, f"feature {name!r} is not defined (features: {known})"
            )
            continue
        feature = view.features.get(name)
        if feature is not None and not _fits(feature, value):
            expected = (
                "true or false"
                if feature.kind is FeatureKind.BOOLEAN
                else "a whole number or 'unlimited'"
            )
            findings.error(
                "entitlement_kind_mismatch",
                where,
                f"{name} is a {feature.kind} feature: its entitlement is {expected}, got {value!r}",
            )


def _fits(feature: Feature, value: Entitlement) -> bool:
    if feature.kind is FeatureKind.BOOLEAN:
        return isinstance(value, bool)
    return not isinstance(value, bool)


def _check_ranks(plans: Mapping[str, PlanView], findings: Findings) -> None:
    highest: tuple[str, int] | None = None
    owners: dict[int, str] = {}
    for key, plan in plans.items():
        if plan.rank is None:
            continue
        path = f"plans.{key}.rank"
        if plan.rank in owners:
            findings.error(
                "duplicate_rank",
                path,
                f"rank {plan.rank} is also the rank of plan {owners[plan.rank]!r}",
            )
        elif highest is not None and plan.rank < highest[1]:
            findings.error(
                "plan_rank_order",
                path,
                f"plan {key!r} (rank {plan.rank}) comes after {highest[0]!r} (rank {highest[1]});"
                " write plans from the lowest rank to the highest",
            )
        owners.setdefault(plan.rank, key)
        if highest is None or plan.rank > highest[1]:
            highest = (key, plan.rank)


@dataclass(frozen=True, slots=True)
class _Best:
    """The most a lower plan grants of one feature, and which plan grants it."""

    value: Entitlement
    plan: str
    rank: int


def _check_ladder(view: DocumentView, findings: Findings) -> None:
    """Compare each plan with the best of every lower-ranked plan, feature by feature."""
    ranked = sorted(
        ((plan.rank, key, plan) for key, plan in view.plans.items() if plan.rank is not None),
        key=lambda item: item[0],
    )
    best: dict[str, _Best] = {}
    for rank, group in groupby(ranked, key=lambda item: item[0]):
        members = [(key, _with_included(key, plan, view.add_ons)) for _, key, plan in group]
        for key, granted in members:
            _compare(key, granted, best, view, findings)
        for key, granted in members:
            for name, value in granted.items():
                feature = view.features.get(name)
                if feature is None or not _fits(feature, value) or not _grants(value):
                    continue
                current = best.get(name)
                if current is None or _level(value) > _level(current.value):
                    best[name] = _Best(value, key, rank)


def _compare(
    key: str,
    granted: Mapping[str, Entitlement],
    best: Mapping[str, _Best],
    view: DocumentView,
    findings: Findings,
) -> None:
    rank = view.plans[key].rank
    for name, lower in best.items():
        feature = view.features[name]
        path = f"plans.{key}.entitlements.{name}"
        value = granted.get(name)
        if value is None or not _grants(value):
            findings.error(
                "feature_dropped",
                path,
                f"{lower.plan!r} (rank {lower.rank}) grants {name} but the higher plan "
                f"{key!r} (rank {rank}) does not",
            )
        elif _fits(feature, value) and _level(value) < _level(lower.value):
            findings.error(
                "limit_shrinks",
                path,
                f"{name} is {value} on {key!r} (rank {rank}) but {lower.value} on the "
                f"lower plan {lower.plan!r} (rank {lower.rank})",
            )


def _with_included(
    key: str, plan: PlanView, add_ons: Mapping[str, AddOnView]
) -> dict[str, Entitlement]:
    """The plan's entitlements plus those of the add-ons it includes."""
    result: dict[str, Entitlement] = dict(plan.entitlements)
    for add_on in add_ons.values():
        if key not in add_on.included_in:
            continue
        for name, value in add_on.entitlements.items():
            result[name] = _combined(result.get(name), value)
    return result


def _combined(base: Entitlement | None, extra: Entitlement) -> Entitlement:
    if base is None:
        return extra
    if isinstance(base, bool) or isinstance(extra, bool):
        return bool(base) or bool(extra)
    if base == _UNLIMITED or extra == _UNLIMITED:
        return _UNLIMITED
    return int(base) + int(extra)


def _grants(value: Entitlement) -> bool:
    return value is True or value == _UNLIMITED or (type(value) is int and value > 0)


def _level(value: Entitlement) -> tuple[int, int]:
    """Order of entitlement values: numbers (and off/on) by size, ``unlimited`` above all."""
    return (1, 0) if value == _UNLIMITED else (0, int(value))


def _check_add_on(key: str, add_on: AddOnView, view: DocumentView, findings: Findings) -> None:
    path = f"add_ons.{key}"
    known = 0
    for field in ("included_in", "available_for"):
        plans: tuple[str, ...] = getattr(add_on, field)
        for index, plan in enumerate(plans):
            if plan in view.plan_keys:
                known += 1
            else:
                findings.error(
                    "add_on_unknown_plan",
                    f"{path}.{field}.{index}",
                    f"plan {plan!r} is not defined (plans: {', '.join(sorted(view.plan_keys))})",
                )
    if known == 0:
        findings.error(
            "add_on_without_plan",
            path,
            "the add-on is included in or available for no existing plan, so nobody can have it",
        )
    for index, plan in enumerate(add_on.available_for):
        if plan in add_on.included_in:
            findings.error(
                "add_on_included_and_available",
                f"{path}.available_for.{index}",
                f"plan {plan!r} already includes this add-on; it cannot also be sold on it",
            )


def _check_bundles(view: DocumentView, findings: Findings) -> None:
    for key, bundle in view.bundles.items():
        path = f"bundles.{key}"
        if bundle.plan not in view.plan_keys:
            findings.error(
                "bundle_unknown_plan", f"{path}.plan", f"plan {bundle.plan!r} is not defined"
            )
        for index, name in enumerate(bundle.add_ons):
            where = f"{path}.add_ons.{index}"
            add_on = view.add_ons.get(name)
            if name not in view.add_on_keys:
                findings.error("bundle_unknown_add_on", where, f"add-on {name!r} is not defined")
            elif add_on is not None and bundle.plan not in add_on.available_for:
                reason = (
                    "is already included in"
                    if bundle.plan in add_on.included_in
                    else "is not available for"
                )
                findings.error(
                    "bundle_add_on_unavailable",
                    where,
                    f"add-on {name!r} {reason} plan {bundle.plan!r}",
                )
        if bundle.discount_percent is not None and bundle.prices is not None:
            findings.error(
                "bundle_discount_and_prices",
                f"{path}.prices",
                "state either `discount_percent` or `prices` for a bundle, not both",
            )
        if bundle.discount_percent is None and bundle.prices is None:
            findings.error(
                "bundle_without_price",
                path,
                "a bundle needs `discount_percent` (off its parts) or its own `prices`",
            )
        if not bundle.audience.roles and not bundle.audience.industries:
            findings.error(
                "bundle_without_audience",
                f"{path}.audience",
                "name at least one role or industry the bundle is for",
            )
