"""Per-version lookups computed once, so quoting does no repeated catalog work.

A :class:`PriceBook` wraps one :class:`~tierwise.catalog.model.CatalogVersion` and is hashed by
identity: caches of priced configurations key on the book, which stands for the version it was
built from. Catalog versions are frozen, so what is computed from one never goes stale. The
registry keeps the books of the most recently used versions only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from threading import Lock
from typing import Final

from tierwise.catalog.model import CatalogVersion

__all__ = ["PriceBook", "price_book"]

_KEPT_VERSIONS: Final = 64


@dataclass(frozen=True, eq=False, slots=True)
class PriceBook:
    """A catalog version with its lookups; equal only to itself."""

    version: CatalogVersion
    ranks: dict[str, int] = field(repr=False)
    currencies: frozenset[str] = field(repr=False)


_books: dict[int, PriceBook] = {}
_lock = Lock()


def price_book(version: CatalogVersion) -> PriceBook:
    """The book of ``version``, built on first use."""
    book = _books.get(id(version))
    if book is not None and book.version is version:
        return book
    book = PriceBook(
        version=version,
        ranks={key: plan.rank for key, plan in version.plans.items()},
        currencies=frozenset(version.currencies),
    )
    with _lock:
        _books[id(version)] = book  # the book holds the version, so its id is not reused
        while len(_books) > _KEPT_VERSIONS:
            del _books[next(iter(_books))]
    return book
