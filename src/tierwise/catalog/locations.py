"""Where each value of a document was written: dotted path -> (source file, line).

The YAML adapter records a location for every mapping key and list item it reads; the core
validation uses them to put a file and a line on every problem without importing a YAML library.

Paths are dotted: ``plans.team.pricing.prices.USD.month``; a list item is its index
(``changes.cases.3``); the document itself is the empty path ``""``. A problem about something
absent (a missing key) has no line of its own, so :meth:`SourceLocations.nearest` falls back to the
closest parent that was written down: a missing ``plans.team.pricing`` points at ``plans.team``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

__all__ = ["SourceLocation", "SourceLocations", "join_path", "parent_path"]


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    """A 1-based line in a named source (usually a file path as the user gave it)."""

    source: str
    line: int


def join_path(parent: str, key: object) -> str:
    """The dotted path of ``key`` (a mapping key or a list index) under ``parent``."""
    return f"{parent}.{key}" if parent else str(key)


def parent_path(path: str) -> str | None:
    """The path one level up, ``""`` for a top-level key, ``None`` for the document itself."""
    if not path:
        return None
    head, dot, _ = path.rpartition(".")
    return head if dot else ""


class SourceLocations(Mapping[str, SourceLocation]):
    """A read-only map from dotted path to where it was written, with a parent fallback."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Mapping[str, SourceLocation] | None = None) -> None:
        self._entries: dict[str, SourceLocation] = dict(entries or {})

    @classmethod
    def merged(cls, parts: Iterable[SourceLocations]) -> SourceLocations:
        """One map from several (the files of a folder); a later part wins on equal paths."""
        entries: dict[str, SourceLocation] = {}
        for part in parts:
            entries.update(part._entries)
        return cls(entries)

    def __getitem__(self, path: str) -> SourceLocation:
        return self._entries[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def nearest(self, path: str) -> SourceLocation | None:
        """The location of ``path``, else of its closest recorded parent, else ``None``."""
        current: str | None = path
        while current is not None:
            found = self._entries.get(current)
            if found is not None:
                return found
            current = parent_path(current)
        return None

    def __repr__(self) -> str:
        return f"SourceLocations({len(self._entries)} paths)"
