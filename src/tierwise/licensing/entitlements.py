"""Entitlements: resolve an account's sources into a snapshot, and check requests against it.

Two steps with very different costs:

* :func:`resolve_entitlements` runs when a subscription changes (or its cached snapshot goes
  stale): it combines plan, add-ons, trial, grants and overrides (see
  :mod:`tierwise.licensing.entitlement_sources`), prices the upsell options once
  (:mod:`tierwise.licensing.upsell`), and compiles a small lookup table per feature;
* :func:`check` runs on the product's request path, about a million times a second on one core: a
  dict lookup, a few integer comparisons, and either a shared prebuilt decision (boolean features,
  suspension) or one tuple.

Usage is what the product reports: the current gauge for a limit feature (projects in use), the
counter of the current window for a metered feature (see
:func:`tierwise.licensing.meter_windows.meter_window`). ``usage`` and ``requested`` are
non-negative ints; the hot path does not re-validate them.

Reason codes and the decision fields are documented on :class:`CheckDecision` and
:class:`Reason`, and in ``docs/entitlements.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from tierwise.catalog.model import FeatureKind
from tierwise.licensing.check_decisions import CheckDecision, Reason, UpsellHint
from tierwise.licensing.entitlement_sources import (
    UNLIMITED,
    EntitlementSources,
    Grant,
    Override,
    ResolvedEntitlement,
    active_trial_plan,
    effective_add_ons,
    resolve_values,
    valid_until,
)
from tierwise.licensing.meter_windows import meter_window
from tierwise.licensing.upsell import Ladder, cheapest, upsell_ladders

__all__ = [
    "CheckDecision",
    "EntitlementSnapshot",
    "EntitlementSources",
    "Grant",
    "Override",
    "Reason",
    "ResolvedEntitlement",
    "UpsellHint",
    "check",
    "meter_window",
    "resolve_entitlements",
]

#: One compiled feature: (prebuilt decision or None, limit or None if unlimited, first usage in
#: the soft-limit zone, highest usage the grace band allows, upsell ladder).
_Entry = tuple[CheckDecision | None, int | None, int, int, Ladder]

# Building the tuple directly skips the generated ``__new__`` of the NamedTuple: about half the
# cost of a decision on the hot path.
_new: Callable[[type[CheckDecision], tuple[object, ...]], CheckDecision] = tuple.__new__
_ALLOWED: Final = Reason.ALLOWED
_UNLIMITED_LIMIT: Final[Literal["unlimited"]] = "unlimited"


@dataclass(frozen=True, slots=True)
class EntitlementSnapshot:
    """An account's resolved entitlements at ``resolved_at``; immutable, safe to share.

    ``version`` is the sources' version (the subscription's), which the cache compares;
    ``fingerprint`` is a stable hash of everything a check depends on, equal for equal
    entitlements across processes; ``valid_until`` is when a grant, override or trial next starts
    or ends (``None``: nothing scheduled), after which the snapshot must be resolved again.
    """

    version: int
    fingerprint: str
    resolved_at: dt.datetime
    valid_until: dt.datetime | None
    catalog_version: str
    plan: str
    trial_plan: str | None
    add_ons: tuple[str, ...]
    suspended: bool
    currency: str
    entitlements: Mapping[str, ResolvedEntitlement]
    _table: dict[str, _Entry] = field(repr=False, compare=False)

    def is_current(self, version: int, now: dt.datetime) -> bool:
        """True while the sources' version is unchanged and no scheduled change has passed."""
        return self.version == version and (self.valid_until is None or now < self.valid_until)


def resolve_entitlements(sources: EntitlementSources, now: dt.datetime) -> EntitlementSnapshot:
    """Resolve ``sources`` at ``now`` into a snapshot ready for :func:`check`."""
    values = resolve_values(sources, now)
    ladders = {} if sources.suspended else upsell_ladders(sources, values, now)
    table = {
        key: _compile(resolved, ladders.get(key, ()), suspended=sources.suspended)
        for key, resolved in values.items()
    }
    trial = active_trial_plan(sources, now)
    add_ons = effective_add_ons(sources, now)
    fingerprint = _fingerprint(sources, trial, add_ons, values, ladders)
    return EntitlementSnapshot(
        version=sources.version,
        fingerprint=fingerprint,
        resolved_at=now,
        valid_until=valid_until(sources, now),
        catalog_version=sources.catalog.version,
        plan=sources.plan,
        trial_plan=trial,
        add_ons=add_ons,
        suspended=sources.suspended,
        currency=sources.account_currency,
        entitlements=MappingProxyType(values),
        _table=table,
    )


def check(
    snapshot: EntitlementSnapshot, feature: str, usage: int = 0, requested: int = 1
) -> CheckDecision:
    """May the account use ``requested`` more of ``feature``, having used ``usage``?

    For boolean features ``usage`` and ``requested`` are ignored. For limit and metered features
    the request is allowed when ``usage + requested`` stays within the limit, or within the grace
    band above it (then ``in_grace_band`` is set and the reason is ``in_grace``).
    """
    entry = snapshot._table.get(feature)
    if entry is None:
        return _new(
            CheckDecision,
            (False, Reason.UNKNOWN_FEATURE, feature, None, usage, None, False, False, None),
        )
    fixed, limit, nudge_at, grace_cap, ladder = entry
    if fixed is not None:
        return fixed
    if limit is None:
        return _new(
            CheckDecision,
            (True, _ALLOWED, feature, _UNLIMITED_LIMIT, usage, None, False, False, None),
        )
    after = usage + requested
    if after < nudge_at:  # the common case: comfortably within the limit
        return _new(
            CheckDecision,
            (True, _ALLOWED, feature, limit, usage, limit - usage, False, False, None),
        )
    return _near_or_over(feature, limit, grace_cap, ladder, usage, after)


def _near_or_over(
    feature: str, limit: int, grace_cap: int, ladder: Ladder, usage: int, after: int
) -> CheckDecision:
    """The slower path: soft-limit zone, grace band, denial, or a limit of zero."""
    remaining = limit - usage if usage < limit else 0
    if limit == 0:
        hint = cheapest(ladder, max(after, 1))
        return CheckDecision(False, Reason.NOT_IN_PLAN, feature, 0, usage, 0, False, False, hint)
    if after <= limit:
        hint = ladder[0][1] if ladder else None
        return CheckDecision(True, _ALLOWED, feature, limit, usage, remaining, True, False, hint)
    hint = cheapest(ladder, after)
    if after <= grace_cap:
        return CheckDecision(
            True, Reason.IN_GRACE, feature, limit, usage, remaining, True, True, hint
        )
    return CheckDecision(
        False, Reason.LIMIT_REACHED, feature, limit, usage, remaining, True, False, hint
    )


def _compile(resolved: ResolvedEntitlement, ladder: Ladder, *, suspended: bool) -> _Entry:
    """The lookup entry of one feature (see ``_Entry``)."""
    feature = resolved.feature
    if suspended:
        denied = CheckDecision(
            False, Reason.SUSPENDED, feature, None, None, None, False, False, None
        )
        return (denied, None, 0, 0, ())
    if resolved.kind is FeatureKind.BOOLEAN:
        if resolved.value is True:
            decision = CheckDecision(True, _ALLOWED, feature, None, None, None, False, False, None)
        else:
            hint = cheapest(ladder, 1)
            decision = CheckDecision(
                False, Reason.NOT_IN_PLAN, feature, None, None, None, False, False, hint
            )
        return (decision, None, 0, 0, ())
    if resolved.value == UNLIMITED:
        return (None, None, 0, 0, ())
    limit = resolved.numeric_limit
    assert limit is not None
    if limit == 0:  # nudge 0 sends every request to the slow path, which says not_in_plan
        return (None, 0, 0, 0, ladder)
    nudge_at, grace_cap = resolved.nudge_threshold, resolved.grace_cap
    assert nudge_at is not None
    assert grace_cap is not None
    return (None, limit, nudge_at, grace_cap, ladder)


def _fingerprint(
    sources: EntitlementSources,
    trial: str | None,
    add_ons: tuple[str, ...],
    values: Mapping[str, ResolvedEntitlement],
    ladders: Mapping[str, Ladder],
) -> str:
    """A stable hash of what checks depend on (not of Python object ids or ``hash()``)."""
    parts = [
        f"catalog={sources.catalog.name}@{sources.catalog.version}",
        f"plan={sources.plan}",
        f"trial={trial}",
        f"add_ons={','.join(add_ons)}",
        f"suspended={sources.suspended}",
        f"currency={sources.account_currency}",
        f"seats={sources.seats}",
    ]
    for key in sorted(values):
        resolved = values[key]
        upsell = ",".join(f"{hint.kind}:{hint.key}" for _, hint in ladders.get(key, ()))
        parts.append(
            f"{key}={resolved.value}|{resolved.nudge_at_percent}|{resolved.grace_percent}|{upsell}"
        )
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
