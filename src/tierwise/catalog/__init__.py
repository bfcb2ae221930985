"""The catalog as code: model, versions, validation."""

from tierwise.catalog.model import CatalogDocument, CatalogVersion
from tierwise.catalog.versions import Catalog, add_on_of, build_catalog, plan_of

__all__ = ["Catalog", "CatalogDocument", "CatalogVersion", "add_on_of", "build_catalog", "plan_of"]
