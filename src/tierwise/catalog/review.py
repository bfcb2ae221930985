"""What the semantic rules look at: the parts of a document that parsed, and where to report.

A document with one broken plan still has nine good features and three good plans worth checking,
so the rules do not run on a :class:`CatalogDocument` (which exists only when *everything* parsed)
but on a :class:`DocumentView`: each feature, plan, add-on, bundle, policy and version parsed on its
own, plus the set of keys *declared* in each section. References are checked against the declared
keys (a plan that failed to parse still exists, so "unknown plan" would be a false alarm); the
detailed rules use the parsed objects only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from tierwise.catalog.locations import SourceLocations
from tierwise.catalog.model import (
    Bundle,
    DiscountPolicy,
    Entitlement,
    Feature,
    Pricing,
)
from tierwise.errors import Problem, Severity

__all__ = ["AddOnView", "DocumentView", "Findings", "PlanView", "VersionView", "view_of"]

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")
_DATE: TypeAdapter[dt.date] = TypeAdapter(dt.date)
_RANK: TypeAdapter[int] = TypeAdapter(int)
_ENTITLEMENT: TypeAdapter[Entitlement] = TypeAdapter(Entitlement)


@dataclass(frozen=True, slots=True)
class PlanView:
    """The parts of one plan that parsed (entitlements entry by entry)."""

    rank: int | None = None
    entitlements: Mapping[str, Entitlement] = field(default_factory=dict)
    pricing: Pricing | None = None


@dataclass(frozen=True, slots=True)
class AddOnView:
    """The parts of one add-on that parsed."""

    entitlements: Mapping[str, Entitlement] = field(default_factory=dict)
    included_in: tuple[str, ...] = ()
    available_for: tuple[str, ...] = ()
    pricing: Pricing | None = None


@dataclass(frozen=True, slots=True)
class VersionView:
    """The parts of one entry of ``versions`` that parsed, with the keys it names."""

    index: int
    version: str | None = None
    effective: dt.date | None = None
    plans: Mapping[str, Pricing] = field(default_factory=dict)
    plan_keys: tuple[str, ...] = ()
    add_ons: Mapping[str, Pricing] = field(default_factory=dict)
    add_on_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeView:
    """The plan-change table as written: whether it has a default, and the plans its cases name."""

    has_default: bool
    case_plans: tuple[tuple[str, str], ...] = ()  # (path of `from`/`to`, plan written there)


@dataclass(frozen=True, slots=True)
class DocumentView:
    """The parsed parts of a catalog document, each section keyed as written."""

    currencies: tuple[str, ...] = ()
    version: str | None = None
    effective: dt.date | None = None
    features: Mapping[str, Feature] = field(default_factory=dict)
    feature_keys: frozenset[str] = frozenset()
    plans: Mapping[str, PlanView] = field(default_factory=dict)
    plan_keys: frozenset[str] = frozenset()
    add_ons: Mapping[str, AddOnView] = field(default_factory=dict)
    add_on_keys: frozenset[str] = frozenset()
    bundles: Mapping[str, Bundle] = field(default_factory=dict)
    discounts: DiscountPolicy | None = None
    changes: ChangeView | None = None
    versions: tuple[VersionView, ...] = ()


def view_of(data: Mapping[str, object]) -> DocumentView:
    """Parse each part of ``data`` on its own, keeping what parses."""
    currencies = data.get("currencies")
    version = data.get("version", "1")
    raw_versions = data.get("versions")
    features, feature_keys = _section(Feature, data.get("features"))
    bundles, _ = _section(Bundle, data.get("bundles"))
    plans = _mapping(data.get("plans"))
    add_ons = _mapping(data.get("add_ons"))
    return DocumentView(
        currencies=_texts(currencies),
        version=version if isinstance(version, str) else None,
        effective=_value(_DATE, data.get("effective")),
        features=features,
        feature_keys=feature_keys,
        plans={key: _plan(raw) for key, raw in plans.items() if isinstance(raw, Mapping)},
        plan_keys=frozenset(plans),
        add_ons={key: _add_on(raw) for key, raw in add_ons.items() if isinstance(raw, Mapping)},
        add_on_keys=frozenset(add_ons),
        bundles=bundles,
        discounts=_parse(DiscountPolicy, data.get("discounts", {})),
        changes=_changes(data.get("changes")),
        versions=tuple(
            _version(index, raw)
            for index, raw in enumerate(raw_versions if isinstance(raw_versions, list) else [])
            if isinstance(raw, Mapping)
        ),
    )


class Findings:
    """Collects problems, putting the file and line of each path on them."""

    def __init__(self, locations: SourceLocations) -> None:
        self._locations = locations
        self.problems: list[Problem] = []

    def error(self, code: str, path: str, message: str) -> None:
        self.add(code, path, message, "error")

    def warning(self, code: str, path: str, message: str) -> None:
        self.add(code, path, message, "warning")

    def add(self, code: str, path: str, message: str, severity: Severity) -> None:
        where = self._locations.nearest(path)
        self.problems.append(
            Problem(
                code=code,
                path=path,
                message=message,
                line=where.line if where else None,
                source=where.source if where else None,
                severity=severity,
            )
        )


def _plan(raw: Mapping[str, object]) -> PlanView:
    return PlanView(
        rank=_value(_RANK, raw.get("rank")),
        entitlements=_entitlements(raw.get("entitlements")),
        pricing=_parse(Pricing, raw.get("pricing")),
    )


def _add_on(raw: Mapping[str, object]) -> AddOnView:
    return AddOnView(
        entitlements=_entitlements(raw.get("entitlements")),
        included_in=_texts(raw.get("included_in")),
        available_for=_texts(raw.get("available_for")),
        pricing=_parse(Pricing, raw.get("pricing")),
    )


def _version(index: int, raw: Mapping[str, object]) -> VersionView:
    version = raw.get("version")
    plans = _mapping(raw.get("plans"))
    add_ons = _mapping(raw.get("add_ons"))
    return VersionView(
        index=index,
        version=version if isinstance(version, str) else None,
        effective=_value(_DATE, raw.get("effective")),
        plans=_priced(plans),
        plan_keys=tuple(plans),
        add_ons=_priced(add_ons),
        add_on_keys=tuple(add_ons),
    )


def _changes(raw: object) -> ChangeView | None:
    if not isinstance(raw, Mapping):
        return None
    cases = raw.get("cases")
    case_plans = tuple(
        (f"changes.cases.{index}.{end}", plan)
        for index, case in enumerate(cases if isinstance(cases, list) else [])
        if isinstance(case, Mapping)
        for end in ("from", "to")
        if isinstance(plan := case.get(end), str)
    )
    return ChangeView(has_default=raw.get("default") is not None, case_plans=case_plans)


def _priced(raw: Mapping[str, object]) -> dict[str, Pricing]:
    return {
        key: pricing
        for key, value in raw.items()
        if (pricing := _parse(Pricing, value)) is not None
    }


def _entitlements(raw: object) -> dict[str, Entitlement]:
    """The entries that parse (one bad value does not hide the others from the rules)."""
    result: dict[str, Entitlement] = {}
    for key, value in _mapping(raw).items():
        parsed = _value(_ENTITLEMENT, value)
        if parsed is not None:
            result[key] = parsed
    return result


def _mapping(raw: object) -> dict[str, object]:
    return {str(key): value for key, value in raw.items()} if isinstance(raw, Mapping) else {}


def _texts(raw: object) -> tuple[str, ...]:
    return tuple(item for item in raw if isinstance(item, str)) if isinstance(raw, list) else ()


def _section(model: type[_M], raw: object) -> tuple[dict[str, _M], frozenset[str]]:
    if not isinstance(raw, Mapping):
        return {}, frozenset()
    parsed = {
        str(key): item for key, value in raw.items() if (item := _parse(model, value)) is not None
    }
    return parsed, frozenset(str(key) for key in raw)


def _parse(model: type[_M], raw: object) -> _M | None:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


def _value(adapter: TypeAdapter[_T], raw: object) -> _T | None:
    try:
        return adapter.validate_python(raw)
    except ValidationError:
        return None
