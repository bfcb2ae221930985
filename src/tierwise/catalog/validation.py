"""Whole-document validation of a catalog: every problem at once, each with a code and a line.

Two passes over the plain data a reader produced (the YAML adapter, or any other source):

1. *structure* (:mod:`tierwise.catalog.structure`): the Pydantic model's errors, each turned into
   a stable code and the dotted path of the value in the document;
2. *meaning*: rules across the document, run over every part that parsed
   (:mod:`~tierwise.catalog.price_rules`, :mod:`~tierwise.catalog.offering_rules`,
   :mod:`~tierwise.catalog.policy_rules`): unknown references, missing prices, rank order,
   shrinking limits, the change table's default, version dates...

Each problem gets the file and line of its path (or its nearest written parent) from the
:class:`SourceLocations`. Problems come out sorted by (source, line, path, code). Errors make the
document unusable; warnings are reported but do not stop :func:`load_catalog`.
``docs/catalog.md`` lists every code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tierwise.catalog.locations import SourceLocations
from tierwise.catalog.model import CatalogDocument
from tierwise.catalog.offering_rules import check_offering
from tierwise.catalog.policy_rules import check_policies
from tierwise.catalog.price_rules import check_prices
from tierwise.catalog.review import Findings, view_of
from tierwise.catalog.structure import float_problems, structure_problems
from tierwise.catalog.versions import Catalog, build_catalog
from tierwise.errors import CatalogInvalid, Problem

__all__ = ["CatalogCheck", "check_catalog", "load_catalog", "sort_problems", "validate_document"]


@dataclass(frozen=True, slots=True)
class CatalogCheck:
    """The outcome of validating a document: every problem, and the catalog when it is usable."""

    problems: tuple[Problem, ...]
    catalog: Catalog | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return self.catalog is not None


def validate_document(
    data: Mapping[str, object], locations: SourceLocations | None = None
) -> list[Problem]:
    """Every problem of the catalog document ``data``, sorted by source, line and path."""
    findings = Findings(locations or SourceLocations())
    for code, path, message in [*float_problems(data), *structure_problems(data)]:
        findings.error(code, path, message)
    view = view_of(data)
    check_prices(view, findings)
    check_offering(view, findings)
    check_policies(view, findings)
    return list(sort_problems(findings.problems))


def check_catalog(
    data: Mapping[str, object],
    locations: SourceLocations | None = None,
    *,
    problems: Iterable[Problem] = (),
) -> CatalogCheck:
    """Validate ``data`` and, if no problem is an error, build the catalog with its versions.

    ``problems`` are those a reader already found (duplicate keys, syntax errors); they are
    reported together with the document's own.
    """
    found = sort_problems([*problems, *validate_document(data, locations)])
    if any(p.severity == "error" for p in found):
        return CatalogCheck(found, None)
    return CatalogCheck(found, build_catalog(CatalogDocument.model_validate(data)))


def load_catalog(
    data: Mapping[str, object],
    locations: SourceLocations | None = None,
    *,
    problems: Iterable[Problem] = (),
) -> Catalog:
    """The catalog of ``data``; raises ``CatalogInvalid`` with every problem if one is an error."""
    check = check_catalog(data, locations, problems=problems)
    if check.catalog is None:
        raise CatalogInvalid(list(check.problems))
    return check.catalog


def sort_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Problems in reading order: by source, line, path and code (unknown lines first)."""
    return tuple(
        sorted(problems, key=lambda p: (p.source or "", p.line or 0, p.path, p.code, p.message))
    )
