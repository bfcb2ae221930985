"""Where an account's entitlements come from, and how they combine into one value per feature.

The inputs are plain frozen dataclasses the service layer fills from the ledger ("fetch, then
compute"): the catalog version the subscription was sold under, the paid plan, the add-ons, a
running trial, time-bounded grants and overrides, and the suspended flag. Resolution is pure and
takes ``now`` as a parameter.

How a feature's value is built, in this order:

1. the **paid plan's** value (a feature the plan does not list is off / 0);
2. an active **override** replaces it (a negotiated limit is a term of the paid contract; when
   several overrides of one feature are active, the last one listed wins);
3. an active **trial** raises it to the trial plan's value where that is higher (the paid plan is
   kept; when the trial ends the value falls back on its own, nothing to undo);
4. every **add-on** adds: the account's own add-ons plus those the paid or trial plan includes
   (each add-on counts once);
5. every active **grant** adds the same way.

Adding means: numbers add, ``"unlimited"`` wins, booleans OR. Grants and overrides are active
within ``[starts, ends)``. Suspension does not change the values; it makes every check say no.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from tierwise.catalog.model import (
    CatalogVersion,
    Entitlement,
    Feature,
    FeatureKind,
    Plan,
    ResetPeriod,
)
from tierwise.catalog.versions import add_on_of, plan_of
from tierwise.errors import InvalidInput

__all__ = [
    "UNLIMITED",
    "EntitlementSources",
    "Grant",
    "Override",
    "ResolvedEntitlement",
    "active_trial_plan",
    "checked_value",
    "combine",
    "effective_add_ons",
    "resolve_values",
    "valid_until",
]

UNLIMITED = "unlimited"


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{name} must be a timezone-aware datetime (UTC)", field=name)


@dataclass(frozen=True, slots=True)
class Grant:
    """Extra entitlement for a while: 5,000 more API calls this month, SSO during a pilot.

    Active within ``[starts, ends)``; adds to the resolved value like an add-on. ``id`` is the
    stored entry's number (``None`` before it is stored); it names the grant to end it and takes
    no part in comparisons, so equal grants of two accounts resolve alike.
    """

    feature: str
    value: Entitlement
    starts: dt.datetime
    ends: dt.datetime
    reason: str
    id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _require_aware(self.starts, "grant.starts")
        _require_aware(self.ends, "grant.ends")
        if self.ends <= self.starts:
            raise InvalidInput("a grant must end after it starts", field="grant.ends")
        if not self.reason.strip():
            raise InvalidInput("a grant needs a reason", field="grant.reason")

    def active_at(self, now: dt.datetime) -> bool:
        return self.starts <= now < self.ends


@dataclass(frozen=True, slots=True)
class Override:
    """A value that replaces the paid plan's, such as a negotiated limit; open-ended by default.

    ``id`` is the stored entry's number, as for :class:`Grant`.
    """

    feature: str
    value: Entitlement
    reason: str
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None
    id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.starts is not None:
            _require_aware(self.starts, "override.starts")
        if self.ends is not None:
            _require_aware(self.ends, "override.ends")
        if self.starts is not None and self.ends is not None and self.ends <= self.starts:
            raise InvalidInput("an override must end after it starts", field="override.ends")
        if not self.reason.strip():
            raise InvalidInput("an override needs a reason", field="override.reason")

    def active_at(self, now: dt.datetime) -> bool:
        return (self.starts is None or self.starts <= now) and (
            self.ends is None or now < self.ends
        )


@dataclass(frozen=True, slots=True)
class EntitlementSources:
    """Everything an account's entitlements are resolved from.

    ``currency`` and ``seats`` only price the upsell hint (``None`` means the catalog's first
    currency). ``version`` is a monotonic number of these inputs, normally the subscription's
    optimistic-locking version: whoever changes a source (a transition, a new grant) bumps it, and
    the snapshot cache treats a snapshot of another version as stale.
    """

    catalog: CatalogVersion
    plan: str
    add_ons: tuple[str, ...] = ()
    trial_plan: str | None = None
    trial_ends: dt.datetime | None = None
    grants: tuple[Grant, ...] = ()
    overrides: tuple[Override, ...] = ()
    suspended: bool = False
    currency: str | None = None
    seats: int = 1
    version: int = 0

    def __post_init__(self) -> None:
        if self.trial_ends is not None:
            _require_aware(self.trial_ends, "trial_ends")
        if self.seats < 1:
            raise InvalidInput("seats must be at least 1", field="seats")
        if self.currency is not None and self.currency not in self.catalog.currencies:
            known = ", ".join(self.catalog.currencies)
            raise InvalidInput(
                f"currency {self.currency!r} is not one of the catalog's ({known})",
                field="currency",
            )

    @property
    def account_currency(self) -> str:
        return self.currency if self.currency is not None else self.catalog.currencies[0]


@dataclass(frozen=True, slots=True)
class ResolvedEntitlement:
    """One feature's effective entitlement and the soft-limit settings that apply to it.

    ``value`` is ``True``/``False`` for boolean features and an int or ``"unlimited"`` otherwise.
    ``nudge_threshold`` is the first usage in the soft-limit zone (the nudge percentage of the
    limit, rounded up to a whole unit); ``grace_cap`` is the highest usage the grace band allows
    (the limit plus the grace percentage, rounded down). Both are ``None`` unless the value is a
    positive number. ``sources`` lists what contributed, e.g. ``("plan:team", "add_on:pack")``.
    """

    feature: str
    kind: FeatureKind
    value: Entitlement
    nudge_at_percent: Decimal
    grace_percent: Decimal
    reset: ResetPeriod | None
    sources: tuple[str, ...] = field(default=())

    @property
    def nudge_threshold(self) -> int | None:
        limit = self.numeric_limit
        if limit is None or limit == 0:
            return None
        return int((Decimal(limit) * self.nudge_at_percent / 100).to_integral_value(ROUND_CEILING))

    @property
    def grace_cap(self) -> int | None:
        limit = self.numeric_limit
        if limit is None or limit == 0:
            return None
        share = (100 + self.grace_percent) / 100
        return int((Decimal(limit) * share).to_integral_value(ROUND_FLOOR))

    @property
    def numeric_limit(self) -> int | None:
        """The limit as an int; ``None`` for boolean features and unlimited values."""
        value = self.value
        if isinstance(value, bool) or value == UNLIMITED:
            return None
        assert isinstance(value, int)
        return value


def combine(kind: FeatureKind, left: Entitlement, right: Entitlement) -> Entitlement:
    """Stack two entitlements: booleans OR, numbers add, ``"unlimited"`` wins."""
    if kind is FeatureKind.BOOLEAN:
        return bool(left) or bool(right)
    if left == UNLIMITED or right == UNLIMITED:
        return UNLIMITED
    return int(left) + int(right)


def _higher(kind: FeatureKind, left: Entitlement, right: Entitlement) -> Entitlement:
    """The larger of two entitlements (how a trial raises the paid plan's values)."""
    if kind is FeatureKind.BOOLEAN:
        return bool(left) or bool(right)
    if left == UNLIMITED or right == UNLIMITED:
        return UNLIMITED
    return max(int(left), int(right))


def checked_value(feature: Feature, value: Entitlement, where: str) -> Entitlement:
    """``value`` if it fits the feature's kind (a grant's or override's, before it is stored),
    else ``InvalidInput`` naming ``where``."""
    return _checked(feature, value, where)


def _checked(feature: Feature, value: Entitlement, where: str) -> Entitlement:
    """``value`` if it fits the feature's kind, else an error naming ``where``."""
    if feature.kind is FeatureKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        raise InvalidInput(f"{where}: a boolean feature takes true or false", field=where)
    if isinstance(value, bool) or (isinstance(value, str) and value != UNLIMITED):
        raise InvalidInput(
            f"{where}: a {feature.kind} feature takes a number or unlimited", field=where
        )
    if isinstance(value, int) and value < 0:
        raise InvalidInput(f"{where}: a limit cannot be negative", field=where)
    return value


def _off(feature: Feature) -> Entitlement:
    return False if feature.kind is FeatureKind.BOOLEAN else 0


def active_trial_plan(sources: EntitlementSources, now: dt.datetime) -> str | None:
    """The trial plan if a trial runs at ``now`` (a trial without an end runs until removed)."""
    if sources.trial_plan is None:
        return None
    if sources.trial_ends is not None and now >= sources.trial_ends:
        return None
    return sources.trial_plan


def effective_add_ons(sources: EntitlementSources, now: dt.datetime) -> tuple[str, ...]:
    """The account's add-ons plus those its paid or trial plan includes, each once, sorted."""
    plans = {sources.plan}
    trial = active_trial_plan(sources, now)
    if trial is not None:
        plans.add(trial)
    keys = set(sources.add_ons)
    keys.update(
        key for key, add_on in sources.catalog.add_ons.items() if plans & set(add_on.included_in)
    )
    return tuple(sorted(keys))


def valid_until(sources: EntitlementSources, now: dt.datetime) -> dt.datetime | None:
    """The next instant after ``now`` when a grant, override or trial starts or ends."""
    moments: list[dt.datetime] = [g.starts for g in sources.grants]
    moments += [g.ends for g in sources.grants]
    moments += [o.starts for o in sources.overrides if o.starts is not None]
    moments += [o.ends for o in sources.overrides if o.ends is not None]
    if sources.trial_plan is not None and sources.trial_ends is not None:
        moments.append(sources.trial_ends)
    future = [moment for moment in moments if moment > now]
    return min(future, default=None)


def resolve_values(sources: EntitlementSources, now: dt.datetime) -> dict[str, ResolvedEntitlement]:
    """Every catalog feature's effective value at ``now`` (see the module docstring)."""
    _require_aware(now, "now")
    catalog = sources.catalog
    paid = plan_of(catalog, sources.plan)
    trial_key = active_trial_plan(sources, now)
    trial = plan_of(catalog, trial_key) if trial_key is not None else None
    add_ons = [(key, add_on_of(catalog, key)) for key in effective_add_ons(sources, now)]
    _check_features(sources)
    soft = (trial or paid).soft_limit
    resolved: dict[str, ResolvedEntitlement] = {}
    for key, feature in catalog.features.items():
        value, origins = _plan_value(key, feature, sources, paid, now)
        if trial is not None and key in trial.entitlements:
            where = f"plans.{trial_key}.entitlements.{key}"
            raised = _higher(feature.kind, value, _checked(feature, trial.entitlements[key], where))
            if raised != value:
                value, origins = raised, [*origins, f"trial:{trial_key}"]
        for add_on_key, add_on in add_ons:
            if key in add_on.entitlements:
                extra = _checked(feature, add_on.entitlements[key], f"add_ons.{add_on_key}")
                value = combine(feature.kind, value, extra)
                origins.append(f"add_on:{add_on_key}")
        for grant in sources.grants:
            if grant.feature == key and grant.active_at(now):
                value = combine(feature.kind, value, _checked(feature, grant.value, "grant.value"))
                origins.append(f"grant:{grant.reason}")
        resolved[key] = ResolvedEntitlement(
            feature=key,
            kind=feature.kind,
            value=value,
            nudge_at_percent=soft.nudge_at_percent,
            grace_percent=soft.grace_percent,
            reset=feature.meter.reset if feature.meter is not None else None,
            sources=tuple(origins),
        )
    return resolved


def _plan_value(
    key: str, feature: Feature, sources: EntitlementSources, paid: Plan, now: dt.datetime
) -> tuple[Entitlement, list[str]]:
    """The paid plan's value of one feature, or the active override that replaces it."""
    for override in reversed(sources.overrides):
        if override.feature == key and override.active_at(now):
            value = _checked(feature, override.value, "override.value")
            return value, [f"override:{override.reason}"]
    if key in paid.entitlements:
        where = f"plans.{sources.plan}.entitlements.{key}"
        return _checked(feature, paid.entitlements[key], where), [f"plan:{sources.plan}"]
    return _off(feature), []


def _check_features(sources: EntitlementSources) -> None:
    """Grants and overrides must name features the catalog version knows."""
    features = sources.catalog.features
    for index, grant in enumerate(sources.grants):
        if grant.feature not in features:
            raise InvalidInput(
                f"grant for unknown feature {grant.feature!r}", field=f"grants[{index}].feature"
            )
    for index, override in enumerate(sources.overrides):
        if override.feature not in features:
            raise InvalidInput(
                f"override for unknown feature {override.feature!r}",
                field=f"overrides[{index}].feature",
            )
