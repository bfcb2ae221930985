"""The JSON Schema of a catalog document, for completion and hover help in editors.

Generated from the catalog model (:class:`~tierwise.catalog.model.CatalogDocument`), so it cannot
drift from what validation accepts. It covers the *shape* only (keys, types, enums, bounds); rules
across the document (unknown references, missing prices, rank order...) are checked by
``tierwise catalog validate``. Point an editor at it with a first line such as
``# yaml-language-server: $schema=catalog.schema.json``.
"""

from __future__ import annotations

from typing import Any, Final

from tierwise.catalog.model import CatalogDocument

__all__ = ["SCHEMA_DIALECT", "catalog_json_schema"]

#: The JSON Schema dialect the generated schema declares.
SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def catalog_json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the catalog YAML document, keys as written in YAML."""
    generated = CatalogDocument.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "tierwise catalog",
        "description": (
            "Features, plans (tiers), add-ons, bundles, prices, discount and plan-change policy of"
            " one product, with effective-dated price versions. Reference: docs/catalog.md."
        ),
        **{key: value for key, value in generated.items() if key not in {"title", "description"}},
    }
