"""Read a playbook YAML file (with a line for every value) and validate it against a catalog.

Reading is the catalog's (:func:`tierwise.adapters.catalog_files.read_catalog_source`): exact
Decimals, a location for every dotted path, duplicate keys and syntax errors as problems. The
document is then checked by :func:`tierwise.offers.playbook_rules.check_playbook` against the
latest version of the catalog, whose problems (if it has any) are reported alongside.
"""

from __future__ import annotations

from pathlib import Path

from tierwise.adapters.catalog_files import check_catalog_path, read_catalog_source
from tierwise.catalog.model import CatalogVersion
from tierwise.errors import PlaybookInvalid, Problem
from tierwise.offers.playbook_rules import PlaybookCheck, check_playbook

__all__ = ["check_playbook_path", "load_playbook_path"]


def check_playbook_path(path: Path, catalog: Path | CatalogVersion | None = None) -> PlaybookCheck:
    """Every problem of the playbook at ``path``; ``catalog`` is a catalog file or version."""
    version: CatalogVersion | None = None
    catalog_problems: tuple[Problem, ...] = ()
    if isinstance(catalog, Path):
        checked = check_catalog_path(catalog)
        catalog_problems = checked.errors
        version = checked.catalog.latest if checked.catalog is not None else None
    else:
        version = catalog
    source = read_catalog_source(path)
    # the catalog's errors are errors of this check too: no playbook without a usable catalog
    return check_playbook(
        source.data, source.locations, version, problems=(*catalog_problems, *source.problems)
    )


def load_playbook_path(path: Path, catalog: Path | CatalogVersion | None = None) -> PlaybookCheck:
    """The valid playbook at ``path`` with its parsed conditions; raises ``PlaybookInvalid``."""
    check = check_playbook_path(path, catalog)
    if check.playbook is None:
        raise PlaybookInvalid(list(check.problems))
    return check
