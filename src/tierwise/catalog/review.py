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
    AddOn,
    Bundle,
    ChangePolicy,
    DiscountPolicy,
    Feature,
    Plan,
    VersionOverride,
)
from tierwise.errors import Problem, Severity

__all__ = ["DocumentView", "Findings", "view_of"]

_M = TypeVar("_M", bound=BaseModel)
_DATE: TypeAdapter[dt.date] = TypeAdapter(dt.date)


@dataclass(frozen=True, slots=True)
class DocumentView:
    """The parsed parts of a catalog document, each section keyed as written."""

    currencies: tuple[str, ...] = ()
    version: str | None = None
    effective: dt.date | None = None
    features: Mapping[str, Feature] = field(default_factory=dict)
    feature_keys: frozenset[str] = frozenset()
    plans: Mapping[str, Plan] = field(default_factory=dict)
    plan_keys: frozenset[str] = frozenset()
    add_ons: Mapping[str, AddOn] = field(default_factory=dict)
    add_on_keys: frozenset[str] = frozenset()
    bundles: Mapping[str, Bundle] = field(default_factory=dict)
    discounts: DiscountPolicy | None = None
    changes: ChangePolicy | None = None
    versions: tuple[tuple[int, VersionOverride], ...] = ()


def view_of(data: Mapping[str, object]) -> DocumentView:
    """Parse each part of ``data`` on its own, keeping what parses."""
    currencies = data.get("currencies")
    version = data.get("version", "1")
    raw_versions = data.get("versions")
    versions = (
        tuple(
            (index, parsed)
            for index, raw in enumerate(raw_versions)
            if (parsed := _parse(VersionOverride, raw)) is not None
        )
        if isinstance(raw_versions, list)
        else ()
    )
    features, feature_keys = _section(Feature, data.get("features"))
    plans, plan_keys = _section(Plan, data.get("plans"))
    add_ons, add_on_keys = _section(AddOn, data.get("add_ons"))
    bundles, _ = _section(Bundle, data.get("bundles"))
    return DocumentView(
        currencies=tuple(c for c in currencies if isinstance(c, str))
        if isinstance(currencies, list)
        else (),
        version=str(version) if isinstance(version, str | int) else None,
        effective=_date(data.get("effective")),
        features=features,
        feature_keys=feature_keys,
        plans=plans,
        plan_keys=plan_keys,
        add_ons=add_ons,
        add_on_keys=add_on_keys,
        bundles=bundles,
        discounts=_parse(DiscountPolicy, data.get("discounts", {})),
        changes=_parse(ChangePolicy, data.get("changes")),
        versions=versions,
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


def _date(raw: object) -> dt.date | None:
    try:
        return _DATE.validate_python(raw)
    except ValidationError:
        return None
